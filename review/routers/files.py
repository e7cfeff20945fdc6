"""Evidence files, only through the app and only signed in.

A file is named by its artifact id, never by a path from the request: the path comes from the database
and must stay inside the data dir. Crawled HTML is hostile: it is served as ``text/plain`` with
``Content-Security-Policy: sandbox`` (no script could run even if a browser rendered it), or shown
escaped inside an app page; it is never rendered in the app's origin.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy.orm import Session

from storage.judge import content_type_of
from storage.models import Artifact

from ..auth import Reviewer, get_db, require
from ..formatting import file_size
from ..pages import render

router = APIRouter()

EVIDENCE_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'none'; script-src 'none'"
TEXT_SHOWN = 2 * 1024 * 1024  # bytes of an HTML file shown in the page; the rest is downloaded
EXTENSIONS = {"html": ".html.txt", "dom": ".dom.html.txt", "warc": ".warc.gz", "screenshot": ".png"}


def _artifact(db: Session, artifact_id: int, data_dir: Path) -> tuple[Artifact, Path]:
    artifact = db.get(Artifact, artifact_id)
    if artifact is None:
        raise HTTPException(404)
    root = data_dir.resolve()
    path = (root / artifact.path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise HTTPException(404)
    return artifact, path


def _media_type(artifact: Artifact, path: Path) -> str:
    if artifact.kind == "screenshot":
        with open(path, "rb") as handle:
            return "image/jpeg" if handle.read(3) == b"\xff\xd8\xff" else "image/png"
    if artifact.kind in ("html", "dom"):
        return "text/plain; charset=utf-8"
    return "application/octet-stream"


@router.get("/evidence/{artifact_id}")
def evidence_file(request: Request, artifact_id: int, reviewer: Reviewer = Depends(require("viewer")),
                  db: Session = Depends(get_db)) -> Response:
    artifact, path = _artifact(db, artifact_id, request.app.state.review.data_dir)
    download = request.query_params.get("download") == "1" or artifact.kind == "warc"
    name = f"{artifact.sha256[:16]}-{artifact.kind}{EXTENSIONS.get(artifact.kind, '')}"
    return FileResponse(path, media_type=_media_type(artifact, path), filename=name if download else None,
                        content_disposition_type="attachment" if download else "inline",
                        headers={"Content-Security-Policy": EVIDENCE_POLICY, "Cache-Control": "private, no-store",
                                 "X-Content-Type-Options": "nosniff"})


def _decoded(data: bytes, headers: dict[str, object]) -> str:
    declared = (content_type_of(headers) or "").lower()
    charset = declared.split("charset=", 1)[1].split(";")[0].strip() if "charset=" in declared else "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


@router.get("/evidence/{artifact_id}/text")
def evidence_text(request: Request, artifact_id: int, reviewer: Reviewer = Depends(require("viewer")),
                  db: Session = Depends(get_db)) -> Response:
    """An HTML file as escaped text in an app page: readable, searchable, and inert."""
    artifact, path = _artifact(db, artifact_id, request.app.state.review.data_dir)
    if artifact.kind not in ("html", "dom"):
        raise HTTPException(404)
    with open(path, "rb") as handle:
        data = handle.read(TEXT_SHOWN + 1)
    back = request.query_params.get("finding", "")  # the finding page it was opened from
    return render(request, "evidence_text.html", reviewer, artifact=artifact,
                  finding_id=int(back) if back.isdigit() else None,
                  text=_decoded(data[:TEXT_SHOWN], artifact.snapshot.headers if artifact.kind == "html" else {}),
                  cut=file_size(TEXT_SHOWN) if len(data) > TEXT_SHOWN else None)
