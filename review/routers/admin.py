"""Administration: user accounts (added, disabled, re-roled; never deleted, decisions name them) and the
import of registry records, after which the stored pages of the domains named are judged again."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from detectors import RegistryFileError, RulebookError, read_registry_csv
from detectors.types import RegistryRecord
from storage.accounts import ROLES, AccountError, add_user, list_users, set_active, set_role
from storage.db import session_scope
from storage.judge import Judge, RejudgeStats, rejudge_sites
from storage.repository import save_registry_records

from ..auth import Reviewer, form_by, get_db, require
from ..pages import render, see_other

router = APIRouter(prefix="/admin")
MAX_REGISTRY_FILE = 20 * 1024 * 1024


def _users_page(request: Request, reviewer: Reviewer, db: Session, problem: str | None = None,
                status_code: int = 200) -> Response:
    return render(request, "users.html", reviewer, users=list_users(db), roles=ROLES, problem=problem,
                  status_code=status_code)


@router.get("/users")
def users(request: Request, reviewer: Reviewer = Depends(require("admin")), db: Session = Depends(get_db)) -> Response:
    return _users_page(request, reviewer, db)


@router.post("/users")
def change_users(request: Request, checked: tuple[Reviewer, FormData] = Depends(form_by("admin")),
                 db: Session = Depends(get_db)) -> Response:
    """``action`` add (name, role, password), disable, enable or role (name, role)."""
    reviewer, form = checked
    action, name, role = (str(form.get(k, "")) for k in ("action", "name", "role"))
    try:
        if action == "add":
            add_user(db, name.strip(), role, str(form.get("password", "")))
        elif action in ("disable", "enable"):
            if name == reviewer.name:
                raise AccountError("you cannot disable your own account")
            set_active(db, name, action == "enable")
        elif action == "role":
            set_role(db, name, role)
        else:
            raise AccountError(f"unknown action {action!r}")
    except AccountError as problem:
        db.rollback()
        return _users_page(request, reviewer, db, str(problem), status_code=400)
    db.commit()
    return see_other("/admin/users?msg=user-saved")


@router.get("/registry")
def registry(request: Request, reviewer: Reviewer = Depends(require("admin"))) -> Response:
    return render(request, "registry.html", reviewer)


@router.post("/registry")
async def import_registry(request: Request, checked: tuple[Reviewer, FormData] = Depends(form_by("admin"))) -> Response:
    reviewer, form = checked
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return render(request, "registry.html", reviewer, problem="Not found", status_code=400)
    data = await upload.read(MAX_REGISTRY_FILE + 1)
    try:
        if len(data) > MAX_REGISTRY_FILE:
            raise RegistryFileError("the file is larger than 20 MB")
        records = read_registry_csv(data.decode("utf-8-sig"))
    except (RegistryFileError, UnicodeDecodeError) as exc:
        return render(request, "registry.html", reviewer, problem=f"{upload.filename}: {exc}", status_code=400)
    try:
        count, stats = await run_in_threadpool(_import, request.app.state.review, records)
    except RulebookError as exc:
        return render(request, "registry.html", reviewer, problem=str(exc), status_code=500)
    return render(request, "registry.html", reviewer, imported=count, stats=stats)


def _import(state: Any, records: list[RegistryRecord]) -> tuple[int, RejudgeStats]:
    """Store the records, then judge the stored pages of their domains again (as ``ecwatch registry import``)."""
    with session_scope(state.engine) as session:
        count = save_registry_records(session, records)
        judge = Judge.from_store(session)
    return count, rejudge_sites(state.engine, judge, state.blobs, domains={r.domain for r in records})
