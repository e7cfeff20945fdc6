"""A finding's page, the decision on it, and the detectors' explanation of its rule."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from storage.models import Finding

from .. import explaining
from ..auth import Reviewer, form_by, get_db, require
from ..decisions import DISMISS_REASONS, FormProblem, read_decision, record
from ..finding_view import PRICED_RULES, finding_page
from ..i18n import translator
from ..pages import language, render, see_other
from ..queue import QueueFilter, neighbours

router = APIRouter()


def _finding(db: Session, finding_id: int) -> Finding:
    finding = db.get(Finding, finding_id)
    if finding is None:
        raise HTTPException(404)
    return finding


def _page(request: Request, reviewer: Reviewer, db: Session, finding: Finding, qf: QueueFilter, *,
          problem: str | None = None, status_code: int = 200) -> Response:
    lang = language(request)
    previous, following = neighbours(db, qf, reviewer.web_session.new_after_finding_id, finding.id)
    view = finding_page(db, finding, request.app.state.review.data_dir, lang, translator(lang))
    return render(request, "finding.html", reviewer, status_code=status_code, view=view, f=finding, qf=qf,
                  previous=previous, following=following, reasons=DISMISS_REASONS, problem=problem,
                  priced=finding.rule in PRICED_RULES, can_explain=explaining.available())


@router.get("/findings/{finding_id}")
def show(request: Request, finding_id: int, reviewer: Reviewer = Depends(require("viewer")),
         db: Session = Depends(get_db)) -> Response:
    return _page(request, reviewer, db, _finding(db, finding_id), QueueFilter.from_params(request.query_params))


@router.post("/findings/{finding_id}/decision")
def decision(request: Request, finding_id: int, checked: tuple[Reviewer, FormData] = Depends(form_by("investigator")),
             db: Session = Depends(get_db)) -> Response:
    reviewer, form = checked
    finding = _finding(db, finding_id)
    qf = QueueFilter.from_params({k[2:]: str(v) for k, v in form.items() if k.startswith("q_")})
    # The next finding as the queue stood before this decision (deciding may take this one out of it).
    _previous, following = neighbours(db, qf, reviewer.web_session.new_after_finding_id, finding.id)
    try:
        record(db, [finding], read_decision(form), reviewer.name)
    except FormProblem as problem:
        db.rollback()
        return _page(request, reviewer, db, _finding(db, finding_id), qf, problem=str(problem), status_code=400)
    db.commit()
    go_next = form.get("then") == "next"
    target = following if go_next and following is not None else finding.id
    message = "last" if go_next and following is None else "decided"
    return see_other(f"/findings/{target}?" + urlencode({**qf.params(), "msg": message}))


@router.get("/findings/{finding_id}/explain")
def explain(request: Request, finding_id: int, reviewer: Reviewer = Depends(require("viewer")),
            db: Session = Depends(get_db)) -> Response:
    finding = _finding(db, finding_id)
    problem = None
    explanation = None
    if explaining.available():
        try:
            explanation = explaining.explain_finding(db, finding, request.app.state.review.blobs)
        except OSError as exc:
            problem = str(exc)
    return render(request, "explain.html", reviewer, f=finding, explanation=explanation, problem=problem,
                  available=explaining.available(), qf=QueueFilter.from_params(request.query_params))
