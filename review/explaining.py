"""Why a rule fired on a finding's page: the detectors' own explanation, judged again from the stored page.

HOOK: ``detectors.explain(page, context, rulebook=...)`` comes with another change (the ``detect --explain``
work). Until it is in ``detectors``, ``available()`` is False and the finding page says so; once it is, the
page links to the explanation with no change here. Re-judging uses the one judge (rules and registry as
stored now, the date the page was fetched), never a second copy of the finding logic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

import detectors
from storage.blobs import BlobStore
from storage.judge import Judge, PageToJudge
from storage.models import Finding


@dataclass(frozen=True)
class RuleExplanation:
    rule: str
    status: str  # raised | silent | not in force
    reasons: list[str]
    page: dict[str, Any]  # the whole explanation as plain data (signals, offers, badges...)

    @property
    def as_json(self) -> str:
        return json.dumps(self.page, ensure_ascii=False, indent=1, default=str)


def available() -> bool:
    return callable(getattr(detectors, "explain", None))


def explain_finding(session: Session, finding: Finding, blobs: BlobStore) -> RuleExplanation | None:
    """The explanation of the finding's rule on its reference page; None when it cannot be made.

    Raises ``OSError`` when the stored page cannot be read.
    """
    explain = getattr(detectors, "explain", None)
    snapshot = finding.snapshot
    if explain is None or snapshot is None:
        return None
    judge = Judge.from_store(session)
    page_to_judge = PageToJudge.of_snapshot(snapshot, blobs)
    _judgement, page = judge.judge(page_to_judge)
    if page is None:
        return None
    data = explain(page, judge.context(snapshot.fetched_at, snapshot.ad_id), rulebook=judge.rulebook).to_dict()
    verdict = next((r for r in data.get("rules", []) if r.get("rule") == finding.rule), None)
    if verdict is None:
        return RuleExplanation(finding.rule, "silent", [], data)
    return RuleExplanation(finding.rule, verdict["status"], list(verdict.get("reasons", [])), data)
