"""Rendering a page: the template with the reviewer, the language's words and formatters, and the
messages a redirect may name (``?msg=``, only from a fixed list, so a link cannot put words in the app)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .auth import LANG_COOKIE, Reviewer
from .formatting import file_size, local_time, percent, vnd
from .i18n import language_of, translator

MESSAGES = {
    "decided": "Decision recorded.",
    "last": "That was the last finding of the queue.",
    "user-saved": "User saved.",
}


def language(request: Request) -> str:
    return language_of(request.cookies.get(LANG_COOKIE))


def render(request: Request, name: str, reviewer: Reviewer | None = None, *, status_code: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    lang = language(request)
    t = translator(lang)
    message = MESSAGES.get(request.query_params.get("msg", ""))
    values = {
        "t": t, "lang": lang, "reviewer": reviewer, "message": t(message) if message else None,
        "when": local_time, "day": lambda moment: local_time(moment, with_time=False),
        "money": lambda value: vnd(value, lang), "share": lambda value: percent(value, lang),
        "file_size": file_size, "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **context,
    }
    return request.app.state.review.templates.TemplateResponse(request, name, values, status_code=status_code,
                                                               headers=headers)


def safe_next(target: str | None, default: str = "/") -> str:
    """A path of this app to go to after a form; anything else (another host, ``//evil``) is refused."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default


def see_other(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)
