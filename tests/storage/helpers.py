"""Judgements and snapshots built by hand for storage tests."""

from __future__ import annotations

from typing import Iterable

from detectors.judge import JUDGED, Judgement
from detectors.types import Finding, Severity
from storage.judge import vietnam_date
from storage.models import PageSnapshot


def judgement_of(snapshot: PageSnapshot, findings: Iterable[Finding], version: str = "v1") -> Judgement:
    """What a judge would return for ``snapshot`` had the detectors found ``findings`` on it."""
    return Judgement(snapshot.final_url, vietnam_date(snapshot.fetched_at), version, JUDGED, tuple(findings))


def detected(rule: str = "PROMO-DISC-50", subject: str = "offer:noi-com", message: str = "61% off",
             snippet: str = "<del>2.000.000đ</del> 790.000đ") -> Finding:
    return Finding(
        rule=rule, severity=Severity.HIGH, title="Discount above 50%", title_vi="Giảm giá quá 50%",
        legal_basis="Circular 39/2025/TT-BCT Art. 4(1)", message=message,
        evidence={"snippet": snippet, "css_path": "div.price", "ratio": "0.605"}, subject=subject, scope="site",
    )
