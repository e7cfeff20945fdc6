"""Lists for people and for scripts: ``--format table|tsv|jsonl``.

On a terminal the default is a table that fits its width: names, ids and times are never wrapped
or cut, only free text (titles, messages) wraps; when even the names do not fit, each record is
printed as a block of ``label: value`` lines. When stdout is not a terminal (a pipe, a file) the
default is TSV: a header line, then one record a line, so ``grep`` and ``cut`` see whole records.
``jsonl`` is one JSON object a line with every field.

Text from crawled pages is hostile: it is shown through ``rich.text.Text`` (never parsed as
markup, so ``[link=...]`` stays text) and control characters are made visible (``\\x1b``), so a
page cannot move the cursor, recolour the terminal or plant a hyperlink.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping
from zoneinfo import ZoneInfo

import click
from rich.cells import cell_len
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .common import console, err_console
from .i18n import tr

FORMATS = ("table", "tsv", "jsonl")
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_TEXT_WIDTH = 16  # a wrapped column narrower than this reads one word a line
COLUMN_GAP = 2  # spaces between two columns (no box: every character goes to the data)


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # English; shown translated
    wrap: bool = False  # free text that may wrap; everything else is shown whole
    value: Callable[[Mapping[str, Any]], Any] | None = None  # the cell, when it is not ``record[key]``
    time: bool = False  # an ISO 8601 local time: whole in TSV, to the minute in a table (offset in the title)
    in_table: bool = True  # False: in TSV only (a table has room for what people scan)

    def cell(self, record: Mapping[str, Any], *, table: bool = False) -> str:
        value = printable(self.value(record) if self.value else record.get(self.key))
        if self.time and value[:4].isdigit():
            return value[:16].replace("T", " ") if table else value.replace("T", " ")
        return value


def format_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--format", "output_format", type=click.Choice(FORMATS), default=None,
        help="table (default on a terminal), tsv (default when piped: one record a line), or jsonl.")(func)


def chosen_format(value: str | None) -> str:
    return value or ("table" if console.is_terminal else "tsv")


def printable(value: Any) -> str:
    """``value`` as one line of text with every control or invisible formatting character made visible."""
    if value is None:
        return ""
    out = []
    for ch in str(value):
        if ch.isprintable():
            out.append(ch)
        elif ch in "\t\n\r" or unicodedata.category(ch) in ("Zs", "Zl", "Zp"):
            out.append(" ")
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
    return "".join(out)


def local_time(moment: datetime | None, *, iso: bool = False) -> str:
    """A moment in Asia/Ho_Chi_Minh with its offset: ``2026-11-20 10:15:42+07:00``."""
    if moment is None:
        return ""
    return moment.astimezone(VIETNAM).isoformat(sep="T" if iso else " ", timespec="seconds")


def emit(records: Iterable[Mapping[str, Any]], columns: list[Column], output_format: str, *,
         title: str = "") -> int:
    """Print ``records`` in ``output_format``; returns how many there were."""
    if output_format == "jsonl":
        count = 0
        for record in records:
            click.echo(json.dumps(record, ensure_ascii=False, default=str))
            count += 1
        return count
    if output_format == "tsv":
        click.echo("\t".join(column.key for column in columns))
        count = 0
        for record in records:
            click.echo("\t".join(column.cell(record) for column in columns))
            count += 1
        return count
    columns = [column for column in columns if column.in_table]
    rows = [[column.cell(record, table=True) for column in columns] for record in records]
    if rows:
        if any(column.time for column in columns):
            title = f"{title} ({tr('times in Asia/Ho_Chi_Minh, UTC+07:00')})"
        print_table(rows, columns, title)
    return len(rows)


def print_table(rows: list[list[str]], columns: list[Column], title: str = "") -> None:
    headers = [tr(column.header) for column in columns]
    natural = [max([cell_len(header)] + [cell_len(row[i]) for row in rows]) for i, header in enumerate(headers)]
    widths = fitted_widths(natural, columns, console.width)
    if widths is None:
        _print_cards(rows, headers, columns, title)
        return
    table = Table(title=Text(title) if title else None, title_justify="left", box=None, padding=(0, COLUMN_GAP // 2),
                  collapse_padding=False, pad_edge=False, header_style="bold underline")
    for header, column, width in zip(headers, columns, widths):
        table.add_column(Text(header), width=width, no_wrap=not column.wrap,
                         overflow="fold" if column.wrap else "ignore")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    # A blank line between records once text wraps, so each one's lines stay together to the eye.
    table.leading = int(any(cell_len(row[i]) > widths[i] for row in rows for i, c in enumerate(columns) if c.wrap))
    console.print(table)


def fitted_widths(natural: list[int], columns: list[Column], width: int) -> list[int] | None:
    """Column widths that fit ``width``: whole names, the rest of the line shared by the text columns
    (each at least ``MIN_TEXT_WIDTH``); ``None`` when the names alone do not fit."""
    fixed = sum(n for n, c in zip(natural, columns) if not c.wrap)
    wrapping = [i for i, c in enumerate(columns) if c.wrap]
    room = width - COLUMN_GAP * (len(columns) - 1) - fixed
    wanted = sum(min(natural[i], MIN_TEXT_WIDTH) for i in wrapping)
    if room < wanted:
        return None
    widths = list(natural)
    if sum(natural[i] for i in wrapping) <= room:
        return widths
    # Share the room in proportion to what each text column would like, never below its floor.
    total = sum(natural[i] for i in wrapping)
    for i in wrapping:
        widths[i] = max(min(natural[i], MIN_TEXT_WIDTH), room * natural[i] // total)
    floors = {i: min(natural[i], MIN_TEXT_WIDTH) for i in wrapping}
    while sum(widths[i] for i in wrapping) > room:
        widest = max((i for i in wrapping if widths[i] > floors[i]), key=lambda i: widths[i])
        widths[widest] -= 1
    for i in wrapping:  # what rounding left over goes to the first columns that want more
        widths[i] += min(natural[i] - widths[i], room - sum(widths[j] for j in wrapping))
    return widths


def _print_cards(rows: list[list[str]], headers: list[str], columns: list[Column], title: str) -> None:
    """Each record as a block: ``label: value`` when it fits the line, else the label, then the value
    indented below it (text wrapped to the terminal, a name on a line of its own, never cut)."""
    width = console.width
    if title:
        console.print(Text(title, style="bold"), soft_wrap=False)
    for row in rows:
        console.print(Text(f"{headers[0]} {row[0]}", style="bold"))
        for header, cell, column in zip(headers[1:], row[1:], columns[1:]):
            if not cell:
                continue
            line = f"  {header}: {cell}"
            if cell_len(line) <= width:
                console.print(Text(line))
                continue
            console.print(Text(f"  {header}:"))
            if column.wrap:
                console.print(Padding(Text(cell), (0, 0, 0, 4)))
            else:
                console.print(Text(f"    {cell}"), soft_wrap=True)  # longer than the terminal: whole all the same
    console.print()


def say(text: str) -> None:
    """A line for people, on stdout, printed as text (never as markup)."""
    console.print(Text(text))


def notice(text: str) -> None:
    """A line about the output (nothing found, where it was written), on stderr: stdout stays records."""
    err_console.print(Text(text))
