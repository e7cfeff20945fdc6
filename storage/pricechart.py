"""A product's price series drawn for people: block bars for a terminal, an SVG for a file or a web page.

Both take plain points (when, price, reference price), so the CLI and the review app draw the same
chart. Nothing from a crawled page is written into the SVG unescaped: the title is escaped as XML text
and everything else is numbers and dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

__all__ = ["PlotUnavailable", "PricePoint", "bar", "dong", "png_chart", "svg_chart"]

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
BLOCKS = " ▏▎▍▌▋▊▉█"
WIDTH, HEIGHT, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_Y = 640, 240, 96, 16, 28


@dataclass(frozen=True)
class PricePoint:
    at: datetime  # aware
    price: int  # đồng
    reference_price: int | None = None
    deadline: datetime | None = None


def dong(amount: int | None) -> str:
    """``1400000`` → ``1.400.000₫`` (how Vietnamese shops write it)."""
    return "" if amount is None else f"{amount:,}".replace(",", ".") + "₫"


def bar(value: int, high: int, width: int = 24) -> str:
    """``value`` as a bar of ``width`` characters at most, ``high`` filling it, in eighths of a block."""
    if high <= 0:
        return ""
    eighths = round(value / high * width * 8)
    return "█" * (eighths // 8) + (BLOCKS[eighths % 8] if eighths % 8 else "")


def svg_chart(points: list[PricePoint], title: str) -> str:
    """A line chart of price (solid) and reference price (dashed) over time, as a standalone SVG."""
    amounts = [p.price for p in points] + [p.reference_price for p in points if p.reference_price is not None]
    low, high = (min(amounts), max(amounts)) if amounts else (0, 1)
    if low == high:
        low, high = low * 0.9, high * 1.1 or 1
    start, end = (points[0].at, points[-1].at) if points else (None, None)
    span = (end - start).total_seconds() if start and end and end > start else 1.0

    def x(at: datetime) -> float:
        offset = (at - start).total_seconds() if start else 0.0
        return round(MARGIN_LEFT + offset / span * (WIDTH - MARGIN_LEFT - MARGIN_RIGHT), 1)

    def y(amount: float) -> float:
        return round(HEIGHT - MARGIN_Y - (amount - low) / (high - low) * (HEIGHT - 2 * MARGIN_Y), 1)

    price_line = " ".join(f"{x(p.at)},{y(p.price)}" for p in points)
    references = [p for p in points if p.reference_price is not None]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family="sans-serif" font-size="11">',
        f"<title>{_text(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<line x1="{MARGIN_LEFT}" y1="{HEIGHT - MARGIN_Y}" x2="{WIDTH - MARGIN_RIGHT}" y2="{HEIGHT - MARGIN_Y}" '
        'stroke="#999999"/>',
        f'<text x="{MARGIN_LEFT - 6}" y="{y(high) + 4}" text-anchor="end">{escape(dong(int(high)))}</text>',
        f'<text x="{MARGIN_LEFT - 6}" y="{y(low) + 4}" text-anchor="end">{escape(dong(int(low)))}</text>',
    ]
    if start and end:
        parts.append(f'<text x="{MARGIN_LEFT}" y="{HEIGHT - 8}">{_day(start)}</text>')
        parts.append(f'<text x="{WIDTH - MARGIN_RIGHT}" y="{HEIGHT - 8}" text-anchor="end">{_day(end)}</text>')
    if references:
        parts.append('<polyline fill="none" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="5,4" points="'
                     + " ".join(f"{x(p.at)},{y(p.reference_price or 0)}" for p in references) + '"/>')
    if points:
        parts.append(f'<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="{price_line}"/>')
        parts.extend(f'<circle cx="{x(p.at)}" cy="{y(p.price)}" r="2.5" fill="#1f5fa8"/>' for p in points)
    parts.append(f'<text x="{MARGIN_LEFT}" y="14" fill="#1f5fa8">— price</text>')
    parts.append(f'<text x="{MARGIN_LEFT + 64}" y="14" fill="#c0392b">- - reference price</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _text(value: str) -> str:
    """Page-derived text as XML character data: markup escaped, control characters (which XML does not
    allow, and terminals obey) shown as ``\\xNN``."""
    return escape(_visible(value))


def _visible(value: str) -> str:
    return "".join(ch if ch.isprintable() or ch == " " else f"\\x{ord(ch):02x}" for ch in value)


class PlotUnavailable(RuntimeError):
    """matplotlib, which draws PNG charts, is not installed (the ``plot`` extra)."""


def png_chart(points: list[PricePoint], title: str, path: Path) -> None:
    """The same chart as ``svg_chart``, drawn by matplotlib (Agg, no display) into a PNG file.

    The title is page-derived: drawn as plain text (``parse_math=False``: a "$" starts no formula),
    control characters shown as ``\\xNN``."""
    try:
        import matplotlib
    except ImportError:
        raise PlotUnavailable("a PNG chart needs matplotlib: pip install 'ecwatch[plot]' (or use --plot FILE.svg)")
    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import FuncFormatter

    figure, axes = pyplot.subplots(figsize=(WIDTH / 100, HEIGHT / 100), dpi=100)
    try:
        times = [p.at.astimezone(VIETNAM) for p in points]
        axes.plot(times, [p.price for p in points], color="#1f5fa8", marker="o", markersize=3, label="price")
        references = [(t, p.reference_price) for t, p in zip(times, points) if p.reference_price is not None]
        if references:
            axes.plot([t for t, _ in references], [r for _, r in references], color="#c0392b", linestyle="--",
                      label="reference price")
        axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: dong(int(value))))
        axes.set_title(_visible(title)[:120], fontsize=9, parse_math=False)
        axes.legend(fontsize=8)
        figure.autofmt_xdate()
        figure.tight_layout()
        figure.savefig(path, format="png")
    finally:
        pyplot.close(figure)


def _day(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y")
