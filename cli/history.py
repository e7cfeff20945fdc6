"""``ecwatch history``: a product's stored price series, with a small chart in the terminal or a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from storage.history import products_at_url, series_of, sites_of_product
from storage.models import PageSnapshot, PriceObservation, Site
from storage.pricechart import PlotUnavailable, PricePoint, bar, dong, png_chart, svg_chart

from .common import (CONTEXT_SETTINGS, InputError, database_label, database_session, runtime_errors,
                     user_errors)
from .i18n import tr
from .lookups import resolve_site
from .output import Column, chosen_format, emit, format_option, local_time, notice, printable

COLUMNS = [
    Column("observed_at", "seen", time=True), Column("price_text", "price"),
    Column("reference_text", "reference"), Column("discount_text", "discount", wrap=True),
    Column("chart", "price chart"), Column("deadline", "deadline", time=True),
    Column("url", "url", in_table=False), Column("snapshot_id", "snapshot", in_table=False),
]


def observation_record(row: PriceObservation, url: str, high: int) -> dict[str, Any]:
    return {
        "observed_at": local_time(row.observed_at, iso=True), "on": row.observed_on.isoformat(),
        "price": row.price, "reference_price": row.reference_price,
        "price_text": dong(row.price), "reference_text": dong(row.reference_price),
        "discount_text": row.discount_text, "chart": bar(row.price, high),
        "deadline": local_time(row.deadline, iso=True) or None, "in_stock": row.in_stock,
        "url": url, "snapshot_id": row.snapshot_id, "product_key": row.product_key,
    }


def find_products(session: Any, target: str, site: str | None) -> list[tuple[int, str]]:
    """(site id, product key) pairs ``target`` names: a page's URL, or a product key."""
    domain = resolve_site(site, session)
    site_id = session.scalar(select(Site.id).where(Site.domain == domain)) if domain else None
    if target.startswith(("http://", "https://")):
        found = products_at_url(session, target)
    else:
        found = [(sid, target) for sid in sites_of_product(session, target)]
    return [(sid, key) for sid, key in found if site_id is None or sid == site_id]


@click.command(context_settings=CONTEXT_SETTINGS)
@click.argument("target", metavar="URL|PRODUCT_KEY")
@click.option("--site", help="Only this site's product (a product key such as id:sku:… may be on several).")
@click.option("--plot", "plot_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also draw the series (price and reference price) into FILE.svg, or FILE.png (matplotlib).")
@format_option
@user_errors(OSError)  # --plot into a folder that does not exist or cannot be written
@runtime_errors(PlotUnavailable)
def history_command(target: str, site: str | None, plot_file: Path | None, output_format: str | None) -> None:
    """Print a product's price history: every observation the crawls stored, with a bar per price.

    URL|PRODUCT_KEY is a page's address (every product observed on it) or a product key as the
    findings' evidence gives it: id:sku:AB-1 (an identifier the shop declares), else
    url:<canonical URL>|<normalised name>. The history rules (PROMO-FAKE-REF, PROMO-DUR-120,
    PROMO-FAKE-URGENCY) read these series.

    Example:

    \b
        ecwatch history https://shop.example.vn/p/noi-chien
        ecwatch history id:sku:NC-5L --site shop.example.vn --plot noi-chien.svg
        ecwatch history id:sku:NC-5L --plot noi-chien.png
    """
    if plot_file is not None and plot_file.suffix.lower() not in (".svg", ".png"):
        raise InputError(f"--plot {printable(plot_file)}: name a .svg or .png file")
    if plot_file is not None and not plot_file.resolve().parent.is_dir():
        raise InputError(f"--plot {printable(plot_file)}: no folder {printable(plot_file.resolve().parent)}")
    with database_session() as session:
        products = find_products(session, target, site)
        if not products:
            raise InputError(tr("no price history for {target} (database {db})", target=printable(target),
                                db=database_label()))
        if plot_file is not None and len(products) > 1:
            raise InputError(f"{printable(target)} names {len(products)} products: give one product key "
                             f"(--format tsv lists them) to --plot")
        output = chosen_format(output_format)
        for site_id, key in products:
            rows = series_of(session, key, site_id)
            urls = {sid: url for sid, url in session.execute(
                select(PageSnapshot.id, PageSnapshot.final_url)
                .where(PageSnapshot.id.in_([r.snapshot_id for r in rows])))}
            high = max(max(r.price, r.reference_price or 0) for r in rows)
            domain = session.get_one(Site, site_id).domain
            if plot_file is not None:  # drawn first: a chart that cannot be written leaves no half output
                points = [PricePoint(r.observed_at, r.price, r.reference_price, r.deadline) for r in rows]
                draw(points, f"{key} ({domain})", plot_file)
            emit([observation_record(r, urls.get(r.snapshot_id, ""), high) for r in rows], COLUMNS, output,
                 title=tr("Price history of {key} on {site}", key=printable(key), site=domain))
            if plot_file is not None:
                notice(tr("Wrote the chart to {path}", path=str(plot_file.resolve())))


def draw(points: list[PricePoint], title: str, plot_file: Path) -> None:
    if plot_file.suffix.lower() == ".png":
        png_chart(points, title, plot_file)
    else:
        plot_file.write_text(svg_chart(points, title), encoding="utf-8")


history_command.name = "history"
COMMANDS = (history_command,)
