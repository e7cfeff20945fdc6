"""A reviewer's decision as the forms send it: what was chosen, why, and the note; checked before
``storage.findings.decide`` records it (once per finding, each an audit record)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from storage.findings import DecisionError, decide
from storage.models import Finding, FindingEvent

# What a dismissal may give as its reason (the note says more); "other" needs the note.
DISMISS_REASONS = ("false-detection", "exempt-goods", "registered", "in-promotion-window", "not-vietnam-facing",
                   "duplicate", "other")
ACTIONS = {"confirmed": "confirmed", "dismissed": "dismissed", "escalated": "escalated", "reopen": None}
MAX_NOTE = 4000


class FormProblem(ValueError):
    """A decision form that cannot be recorded; the message is an interface key."""


@dataclass(frozen=True)
class DecisionInput:
    decision: str | None  # None reopens
    reason: str | None
    note: str | None


def read_decision(form: FormData) -> DecisionInput:
    action = str(form.get("decision", ""))
    if action not in ACTIONS:
        raise FormProblem("Not found")
    reason = str(form.get("reason", "")) or None
    note = str(form.get("note", "")).strip()[:MAX_NOTE] or None
    if action == "dismissed":
        if reason not in DISMISS_REASONS:
            raise FormProblem("A dismissal needs a reason.")
        if reason == "other" and not note:
            raise FormProblem("Explain the other reason in the note.")
    else:
        reason = None
    return DecisionInput(ACTIONS[action], reason, note)


def record(session: Session, findings: Iterable[Finding], choice: DecisionInput, actor: str) -> list[FindingEvent]:
    try:
        return [decide(session, finding.id, choice.decision, actor=actor, note=choice.note, reason=choice.reason)
                for finding in findings]
    except DecisionError as exc:
        raise FormProblem(str(exc)) from None
