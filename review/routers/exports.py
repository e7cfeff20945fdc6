"""Exports of the queue's current filter: the findings CSV and the signed bundle, written by the same
code as ``ecwatch export`` (``storage.exports.export_findings``, ``storage.bundles.export_bundle``)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask
from starlette.datastructures import FormData

from storage.bundles import EmptySelectionError, export_bundle
from storage.db import session_scope
from storage.exports import ExportError, export_findings
from storage.keys import SigningKeyError, load_signing_key

from ..auth import Reviewer, form_by
from ..pages import render
from ..queue import QueueFilter

router = APIRouter()
FORMATS = {"csv": ("findings.csv", "text/csv; charset=utf-8"), "bundle": ("case.zip", "application/zip")}


@router.post("/export")
def export(request: Request, checked: tuple[Reviewer, FormData] = Depends(form_by("investigator"))) -> Response:
    reviewer, form = checked
    fmt = str(form.get("format", "csv"))
    if fmt not in FORMATS:
        fmt = "csv"
    qf = QueueFilter.from_params({k[2:]: str(v) for k, v in form.items() if k.startswith("q_")})
    flt = qf.finding_filter(reviewer.web_session.new_after_finding_id)
    state = request.app.state.review
    name, media_type = FORMATS[fmt]
    scratch = Path(tempfile.mkdtemp(prefix="ecwatch-export-"))
    output = scratch / name
    try:
        # Its own session: the exports stream rows and let go of them as they go.
        with session_scope(state.engine) as session:
            if fmt == "csv":
                export_findings(session, flt, output, data_dir=state.data_dir)
            else:
                export_bundle(session, flt, output, data_dir=state.data_dir,
                              signing_key=load_signing_key(state.data_dir))
    except (ExportError, SigningKeyError) as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        return render(request, "error.html", reviewer, status_code=409, problem=_problem(exc))
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return FileResponse(output, media_type=media_type, filename=f"ecwatch-{stamp}-{name}",
                        background=BackgroundTask(shutil.rmtree, scratch, ignore_errors=True))


def _problem(exc: Exception) -> str:
    if isinstance(exc, SigningKeyError):
        return "No signing key: an administrator must run 'ecwatch keys init' first."
    if isinstance(exc, EmptySelectionError):
        return "Nothing to export: no finding matches this filter."
    return str(exc)
