"""Everything the finding page shows, gathered from storage: the reference sighting's screenshot with
the element's box, the snippet and values, every sighting with its files, the ad's redirect chain, the
site's other findings and the history. What ``ecwatch findings show`` prints, for a browser."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from markupsafe import Markup

from storage.findings import history
from storage.history import series_at_snapshot, series_of
from storage.pricechart import PricePoint, svg_chart
from storage.models import Artifact, Finding, FindingEvent, PageSnapshot, Sighting

from .formatting import ShownValue, shown_values
from .i18n import Translator
from .queue import site_findings

# Rules whose subject is a product with a price: the price history (issue 16) belongs to them.
PRICED_RULES = ("PROMO-DISC-50", "PROMO-GIFT-50", "PROMO-DUR-120", "PROMO-FAKE-REF", "PROMO-FAKE-URGENCY")


@dataclass(frozen=True)
class Outline:
    """The element's box in the screenshot, in the image's own pixels."""

    x: float
    y: float
    width: float
    height: float

    def drawn(self, margin: float, smallest: float = 24.0) -> tuple[float, float, float, float]:
        """The box widened by ``margin`` on each side and to at least ``smallest`` (a 4-pixel icon link
        must still be seen), around the same centre: x, y, width, height."""
        width, height = max(self.width + 2 * margin, smallest), max(self.height + 2 * margin, smallest)
        return (round(self.x + (self.width - width) / 2, 1), round(self.y + (self.height - height) / 2, 1),
                width, height)


@dataclass(frozen=True)
class Screenshot:
    artifact: Artifact
    width: int
    height: int
    outline: Outline | None
    outline_note: str | None  # why there is no outline, when there is none


@dataclass(frozen=True)
class PriceHistory:
    """The product's stored series as a chart: an SVG whose page-derived text ``svg_chart`` escaped."""

    product_key: str
    observations: int
    svg: Markup


@dataclass(frozen=True)
class FindingPage:
    finding: Finding
    screenshot: Screenshot | None
    values: list[ShownValue]
    sightings: list[Sighting]
    others: list[Finding]
    events: list[FindingEvent]
    price_history: PriceHistory | None


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk (the screenshots are PNG), without decoding it."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(24)
    except OSError:
        return None
    if len(head) < 24 or not head.startswith(b"\x89PNG\r\n\x1a\n") or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def artifacts_by_kind(snapshot: PageSnapshot | None) -> dict[str, Artifact]:
    return {a.kind: a for a in snapshot.artifacts} if snapshot is not None else {}


def screenshot_of(finding: Finding, data_dir: Path, t: Translator) -> Screenshot | None:
    snapshot = finding.snapshot
    artifact = artifacts_by_kind(snapshot).get("screenshot")
    if snapshot is None or artifact is None:
        return None
    size = png_size(data_dir / artifact.path) or (0, 0)
    css_path = finding.evidence.get("css_path")
    if not css_path:
        return Screenshot(artifact, *size, None, t("This finding concerns the whole site, not one element."))
    box = (snapshot.element_boxes or {}).get(css_path)
    if not box or not size[1] or box["y"] >= size[1]:
        return Screenshot(artifact, *size, None, t("The element could not be located in the screenshot."))
    return Screenshot(artifact, *size, Outline(box["x"], box["y"], box["width"], box["height"]), None)


def finding_page(session: Session, finding: Finding, data_dir: Path, language: str, t: Translator) -> FindingPage:
    return FindingPage(
        finding=finding,
        screenshot=screenshot_of(finding, data_dir, t),
        values=shown_values(finding.evidence, language, t),
        sightings=list(finding.sightings),
        others=site_findings(session, finding.site_id, but=finding.id),
        events=list(history(session, finding.id)),
        price_history=price_history_of(session, finding),
    )


def price_history_of(session: Session, finding: Finding) -> PriceHistory | None:
    """The series of the finding's product: the key its evidence names (history rules), else the product
    its reference snapshot showed at the finding's price."""
    key = finding.evidence.get("product_key")
    if not key and finding.reference is not None:
        price = finding.evidence.get("price")
        shown = [row for row in series_at_snapshot(session, finding.reference.snapshot_id)
                 if price is not None and str(row.price) == str(price).split(".")[0]]
        key = shown[0].product_key if shown else None
    if not key or finding.rule not in PRICED_RULES:
        return None
    rows = series_of(session, str(key), finding.site_id)
    if not rows:
        return None
    points = [PricePoint(r.observed_at, r.price, r.reference_price, r.deadline) for r in rows]
    return PriceHistory(str(key), len(rows), Markup(svg_chart(points, f"{key} ({finding.site.domain})")))
