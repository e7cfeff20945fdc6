"""Signing in and out, and the interface language."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from storage.accounts import SESSION_MAX, SignInRefused, authenticate, close_session, open_session, session_for

from ..auth import (LANG_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE, BadForm, Reviewer, form_by, get_db, same_origin,
                    tokens_match)
from ..i18n import LANGUAGES
from ..pages import render, safe_next, see_other

router = APIRouter()


def _secure(request: Request) -> bool:
    # Behind a TLS proxy uvicorn's --proxy-headers makes the scheme https.
    return request.url.scheme == "https"


def _login_form(request: Request, *, error: str | None = None, seconds: int = 0, status_code: int = 200,
                headers: dict[str, str] | None = None, next_path: str | None = None) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status_code=status_code, headers=headers, error=error,
                      seconds=seconds, login_csrf=token, next=safe_next(next_path or request.query_params.get("next")))
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request),
                        path="/login")
    return response


@router.get("/login")
def login_page(request: Request, db: Session = Depends(get_db)) -> Response:
    if session_for(db, request.cookies.get(SESSION_COOKIE)) is not None:
        return see_other(safe_next(request.query_params.get("next")))
    return _login_form(request)


@router.post("/login")
async def login(request: Request, db: Session = Depends(get_db)) -> Response:
    form = await request.form()
    if not same_origin(request) or not tokens_match(form.get("csrf_token"), request.cookies.get(LOGIN_CSRF_COOKIE)):
        raise BadForm()
    name, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    address = request.client.host if request.client else "unknown"
    try:
        user = authenticate(db, name, password, address=address)
    except SignInRefused as refused:
        db.commit()  # the failure counts even though the answer is an error
        if refused.retry_after:
            return _login_form(request, error="Too many failed sign-ins. Try again in {seconds} s.",
                               seconds=refused.retry_after, status_code=429, next_path=str(form.get("next", "")),
                               headers={"Retry-After": str(refused.retry_after)})
        return _login_form(request, error="Wrong user name or password, or the account is disabled.",
                           status_code=401, next_path=str(form.get("next", "")))
    new = open_session(db, user)
    db.commit()
    response = see_other(safe_next(str(form.get("next", ""))))
    response.set_cookie(SESSION_COOKIE, new.token, httponly=True, samesite="lax", secure=_secure(request),
                        max_age=int(SESSION_MAX.total_seconds()), path="/")
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, checked: tuple[Reviewer, object] = Depends(form_by("viewer")),
           db: Session = Depends(get_db)) -> Response:
    close_session(db, request.cookies.get(SESSION_COOKIE))
    db.commit()
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def choose_language(request: Request, code: str) -> Response:
    response = see_other(safe_next(request.query_params.get("next")))
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", secure=_secure(request),
                            httponly=True)
    return response
