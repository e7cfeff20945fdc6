"""MOIT badges ("Đã thông báo / Đã đăng ký Bộ Công Thương") and whether they hold up.

A badge is a *claim*: an image or icon that looks like the MOIT badge, or any link to
online.gov.vn (the page model's ``Page.badge_marks``, ``detectors.page.badges``). Image, file name and alt text prove nothing (legal-rules §5.1: self-hosted
copies and lookalikes abound); a claim is valid only when its link carries a record id
that resolves to an ACTIVE record for the page's own registrable domain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from detectors.page.document import Needles
from detectors.portal import is_portal_url, parse_portal_link
from detectors.types import BadgeMark, Page, Registry, RegistryRecord

__all__ = ["BadgeClaim", "badge_claims", "pending_claims"]

# "Đang chờ xác nhận / đang thực hiện thủ tục" next to the ministry's name: a badge claiming a
# procedure that is not finished (legal-rules §1 ECOM-BADGE-FAKE, §6: fake "Đang thực hiện thủ tục" texts).
PENDING_CLAIM_RE = re.compile(
    r"đang\s+(?:chờ\s+(?:bộ\s+công\s+thương\s+)?(?:xác\s+nhận|duyệt|phê\s+duyệt)"
    r"|(?:thực\s+hiện|làm|hoàn\s+thiện)\s+thủ\s+tục\s+(?:đăng\s+ký|thông\s+báo))",
    re.I,
)
MINISTRY_RE = re.compile(r"bộ\s+công\s+thương|(?<!\w)bct(?!\w)|online\.gov\.vn", re.I)
_PENDING_NEEDLES = Needles(["đang"])  # every PENDING_CLAIM_RE match starts with it
# Every MINISTRY_RE match holds one of these ("bct" also covers "bct" inside other words: only a prefilter).
_MINISTRY_NEEDLES = Needles(["bộ công thương", "bct", "online.gov.vn"])


@dataclass(frozen=True)
class BadgeClaim:
    """One badge or portal link and what checking it showed."""

    css_path: str
    snippet: str  # the markup as written (shortened)
    href: str | None  # absolute link target, if any
    record_id: str | None
    image_kind: str | None  # "notified" | "registered" | None: what the image/alt suggests
    status: str  # see STATUSES
    record: RegistryRecord | None = None
    others: tuple[RegistryRecord, ...] = field(default=())  # records found under the id for other domains

    @property
    def is_valid(self) -> bool:
        return self.status == "valid"

    @property
    def kind_hint(self) -> str | None:
        if self.record is not None:
            return self.record.kind
        return self.image_kind


STATUSES = {
    "valid": "resolves to an active record for this domain",
    "unverified": "links to a portal record, but no registry was consulted",
    "no_link": "badge image or icon without a link",
    "not_portal": "badge links somewhere other than online.gov.vn",
    "no_record_id": "links to online.gov.vn without a record id",
    "unresolved": "links to a portal record the registry does not hold (not fetched yet?)",
    "not_found": "record id not found in a registry declared complete",
    "other_domain": "record belongs to another domain",
    "revoked": "record is revoked",
    "pending": "record is pending ('Website chưa được xác nhận')",
}


def badge_claims(page: Page, registry: Registry | None, *, registry_complete: bool = False) -> list[BadgeClaim]:
    """Every badge image/icon and every link to online.gov.vn on the page, checked.

    A record id the registry does not hold is "unresolved" (the crawler fills the registry as it
    fetches portal pages, and a portal outage must not turn every badge into a fake) unless the
    caller declares the registry complete, when it is "not_found".
    """
    return [_check(page, raw, registry, registry_complete) for raw in page.badge_marks]


def pending_claims(page: Page) -> list[tuple[str, str]]:
    """(text, css_path) of sentences saying the MOIT procedure is still pending."""
    return [
        (b.text, b.css_path)
        for b in (page.document.blocks_with(_PENDING_NEEDLES) if page.document.text_has(_MINISTRY_NEEDLES) else ())
        if PENDING_CLAIM_RE.search(b.text) and MINISTRY_RE.search(b.text) and len(b.text) < 400
    ]


def _check(page: Page, raw: BadgeMark, registry: Registry | None, complete: bool) -> BadgeClaim:
    def claim(status: str, record_id: str | None = None, record: RegistryRecord | None = None,
              others: Sequence[RegistryRecord] = ()) -> BadgeClaim:
        return BadgeClaim(raw.css_path, raw.snippet, raw.href, record_id, raw.image_kind, status, record, tuple(others))

    if raw.href is None:
        return claim("no_link")
    if not is_portal_url(raw.href):
        return claim("not_portal")
    link = parse_portal_link(raw.href)
    if link is None:
        return claim("no_record_id")
    if registry is None:
        return claim("unverified", link.record_id)
    records = list(registry.by_record_id(link.record_id))
    own = [r for r in records if r.domain == page.domain]
    others = [r for r in records if r.domain != page.domain]
    for status in ("active", "pending", "revoked"):
        match = next((r for r in own if r.status == status), None)
        if match is not None:
            return claim("valid" if status == "active" else status, link.record_id, match, others)
    if others:
        return claim("other_domain", link.record_id, None, others)
    return claim("not_found" if complete else "unresolved", link.record_id)
