"""The queue page, "mark all as seen", and one decision for a site's findings of one rule."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from storage.accounts import mark_all_seen, mark_visit
from storage.models import Finding
from storage.repository import STATES

from ..auth import Reviewer, form_by, get_db, require
from ..decisions import DISMISS_REASONS, FormProblem, read_decision, record
from ..pages import render, safe_next, see_other
from ..queue import (DECISION_FILTERS, SEVERITIES, SORTS, QueueFilter, known_rules, known_sites, queue_page, rule_counts,
                     shown_day)

router = APIRouter()


@router.get("/")
def queue(request: Request, reviewer: Reviewer = Depends(require("viewer")), db: Session = Depends(get_db)) -> Response:
    qf = QueueFilter.from_params(request.query_params)
    if any(value == "" for value in request.query_params.values()):  # the filter form sends every field
        return see_other("/" + qf.query())
    new_after = reviewer.web_session.new_after_finding_id
    page = queue_page(db, qf, new_after)
    response = render(
        request, "queue.html", reviewer, qf=qf, page=page, counts=rule_counts(db, qf, new_after),
        rules=known_rules(db), sites=known_sites(db), states=STATES, decisions=DECISION_FILTERS,
        severities=SEVERITIES, sorts=SORTS, new_after=new_after, new_since=reviewer.web_session.new_since,
        reasons=DISMISS_REASONS, shown_day=shown_day,
    )
    mark_visit(db, reviewer.web_session)  # seen as it is now: newer findings are "new" at the next sign-in
    return response


@router.post("/seen")
def seen(request: Request, checked: tuple[Reviewer, FormData] = Depends(form_by("viewer")),
         db: Session = Depends(get_db)) -> Response:
    reviewer, form = checked
    mark_all_seen(db, reviewer.web_session)
    db.commit()
    return see_other(safe_next(str(form.get("back", "/"))))


@router.post("/decide-group")
def decide_group(request: Request, checked: tuple[Reviewer, FormData] = Depends(form_by("investigator")),
                 db: Session = Depends(get_db)) -> Response:
    """One decision for the findings listed in the form: all of one rule on one site, as the reviewer saw them."""
    reviewer, form = checked
    ids = sorted({int(v) for v in form.getlist("finding") if str(v).isdigit()})
    findings = list(db.scalars(select(Finding).where(Finding.id.in_(ids)))) if ids else []
    back = safe_next(str(form.get("back", "/")))
    if not findings or len(findings) != len(ids) or len({(f.site_id, f.rule) for f in findings}) != 1:
        return render(request, "error.html", reviewer, status_code=400, problem="Not found")
    try:
        record(db, findings, read_decision(form), reviewer.name)
    except FormProblem as problem:
        return render(request, "error.html", reviewer, status_code=400, problem=str(problem))
    db.commit()
    return see_other(back + ("&" if "?" in back else "?") + "msg=decided")
