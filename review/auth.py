"""Who is asking: the session cookie, roles, and the CSRF check of every form.

Every route depends on ``current_reviewer`` (or ``require(role)``); there is no anonymous page but the
sign-in form. A form is accepted only with the session's CSRF token in its ``csrf_token`` field and, when
the browser says where the form came from (``Origin``), only from this app's own origin.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Callable, Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from storage.accounts import role_allows, session_for
from storage.db import session_scope
from storage.models import ReviewSession, ReviewUser

SESSION_COOKIE = "ecwatch_session"
LOGIN_CSRF_COOKIE = "ecwatch_login_csrf"
LANG_COOKIE = "ecwatch_lang"


class LoginRequired(Exception):
    """No live session: pages redirect to the sign-in form, files answer 401."""


class Forbidden(Exception):
    """Signed in, but the role does not allow it."""


class BadForm(Exception):
    """A form without this session's CSRF token, or sent from another origin."""


@dataclass
class Reviewer:
    user: ReviewUser
    web_session: ReviewSession

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def csrf_token(self) -> str:
        return self.web_session.csrf_token

    def can(self, role: str) -> bool:
        return role_allows(self.user.role, role)


def get_db(request: Request) -> Iterator[Session]:
    """One transaction per request; handlers that redirect after a change commit before answering."""
    with session_scope(request.app.state.review.engine) as session:
        yield session


def current_reviewer(request: Request, db: Session = Depends(get_db)) -> Reviewer:
    web_session = session_for(db, request.cookies.get(SESSION_COOKIE))
    if web_session is None:
        raise LoginRequired()
    return Reviewer(web_session.user, web_session)


def require(role: str) -> Callable[[Reviewer], Reviewer]:
    def dependency(reviewer: Reviewer = Depends(current_reviewer)) -> Reviewer:
        if not reviewer.can(role):
            raise Forbidden()
        return reviewer

    return dependency


def same_origin(request: Request) -> bool:
    """False when the browser names another origin than ours (a cross-site form)."""
    origin = request.headers.get("origin")
    if origin is None:  # not sent (an older browser, a same-origin GET-turned-POST): the token decides
        return True
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin == own


def tokens_match(sent: object, expected: str | None) -> bool:
    return isinstance(sent, str) and bool(expected) and hmac.compare_digest(sent.encode(), str(expected).encode())


async def checked_form(request: Request, reviewer: Reviewer) -> FormData:
    """The request's form, if it carries the session's CSRF token and comes from this origin."""
    form = await request.form()
    if not same_origin(request) or not tokens_match(form.get("csrf_token"), reviewer.csrf_token):
        raise BadForm()
    return form


def form_by(role: str) -> Callable[..., object]:
    """A dependency giving the checked form of a reviewer with at least ``role``."""

    async def dependency(request: Request, reviewer: Reviewer = Depends(require(role))) -> tuple[Reviewer, FormData]:
        return reviewer, await checked_form(request, reviewer)

    return dependency
