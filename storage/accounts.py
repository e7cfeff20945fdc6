"""Accounts of the review app: users and roles, password hashes, signed-in sessions, sign-in throttling
and the mark the queue's "new since last visit" compares with.

Passwords are hashed with Argon2id (argon2-cffi's defaults, RFC 9106's low-memory profile). A session
cookie carries a random token; only its SHA-256 is stored, so a copy of the database signs nobody in.
Repeated failed sign-ins for a user name (or from one address) are refused for a while that doubles
with each further failure; the clock is a parameter so the policy is tested without waiting.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .models import Finding, LoginThrottle, ReviewSession, ReviewUser, utcnow

ROLES = ("viewer", "investigator", "admin")  # each may do what the ones before it may
MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 64
SESSION_IDLE = timedelta(hours=2)
SESSION_MAX = timedelta(hours=12)
# Throttling: a user name may fail this often before waiting; an address (an office behind one NAT) more.
FREE_FAILURES = {"user": 5, "addr": 20}
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
FAILURES_FORGOTTEN_AFTER = timedelta(hours=1)

_hasher = PasswordHasher()
# Verified when the user name does not exist, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A request about accounts that cannot be met (unknown user, weak password...); one line."""


class SignInRefused(Exception):
    """Wrong name or password, a disabled account, or too many failures (``retry_after`` set)."""

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def role_allows(role: str, needed: str) -> bool:
    return role in ROLES and ROLES.index(role) >= ROLES.index(needed)


# --- users --------------------------------------------------------------------------------------


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password:
        raise AccountError("a password may not start or end with spaces (a copy-paste slip?)")


def _check_name(name: str) -> None:
    if not name or len(name) > MAX_NAME_LENGTH or not all(c.isalnum() or c in "._-@" for c in name):
        raise AccountError(f"a user name is 1-{MAX_NAME_LENGTH} letters, digits or . _ - @ (got {name!r})")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")


def add_user(session: Session, name: str, role: str, password: str) -> ReviewUser:
    _check_name(name)
    _check_role(role)
    check_password(password)
    if find_user(session, name) is not None:
        raise AccountError(f"user {name!r} exists already")
    user = ReviewUser(name=name, role=role, password_hash=_hasher.hash(password), active=True)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, name: str) -> ReviewUser | None:
    return session.scalar(select(ReviewUser).where(ReviewUser.name == name))


def get_user(session: Session, name: str) -> ReviewUser:
    user = find_user(session, name)
    if user is None:
        raise AccountError(f"no user {name!r}")
    return user


def list_users(session: Session) -> Sequence[ReviewUser]:
    return session.scalars(select(ReviewUser).order_by(ReviewUser.name)).all()


def set_active(session: Session, name: str, active: bool) -> ReviewUser:
    """Disable (signing out every session of the user) or enable an account; nothing is deleted."""
    user = get_user(session, name)
    user.active = active
    user.disabled_at = None if active else utcnow()
    if not active:
        session.execute(delete(ReviewSession).where(ReviewSession.user_id == user.id))
    session.flush()
    return user


def set_role(session: Session, name: str, role: str) -> ReviewUser:
    _check_role(role)
    user = get_user(session, name)
    user.role = role
    session.flush()
    return user


def set_password(session: Session, name: str, password: str) -> ReviewUser:
    check_password(password)
    user = get_user(session, name)
    user.password_hash = _hasher.hash(password)
    session.execute(delete(ReviewSession).where(ReviewSession.user_id == user.id))
    session.flush()
    return user


# --- signing in -----------------------------------------------------------------------------------


def authenticate(session: Session, name: str, password: str, *, address: str, now: datetime | None = None
                 ) -> ReviewUser:
    """The active user with this name and password; ``SignInRefused`` otherwise (and the failure counted)."""
    now = now or utcnow()
    keys = (f"user:{name[:MAX_NAME_LENGTH]}", f"addr:{address}")
    wait = max((_waiting(session, key, now) for key in keys), default=0)
    if wait:
        raise SignInRefused("too many failed sign-ins", retry_after=wait)
    user = find_user(session, name)
    if not _verifies(user.password_hash if user else _DUMMY_HASH, password) or user is None or not user.active:
        for key in keys:
            _count_failure(session, key, now)
        session.flush()
        raise SignInRefused("wrong user name or password, or the account is disabled")
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == keys[0]))
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.flush()
    return user


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _waiting(session: Session, key: str, now: datetime) -> int:
    row = session.get(LoginThrottle, key)
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return 0
    return max(1, int((row.blocked_until - now).total_seconds() + 0.999))


def _count_failure(session: Session, key: str, now: datetime) -> None:
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0)
        session.add(row)
    elif now - row.last_failure_at > FAILURES_FORGOTTEN_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    over = row.failures - FREE_FAILURES[key.split(":", 1)[0]]
    if over >= 0:
        row.blocked_until = now + min(FIRST_WAIT * (2 ** min(over, 16)), LONGEST_WAIT)


# --- sessions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewSession:
    token: str  # goes in the cookie; never stored
    row: ReviewSession


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: ReviewUser, now: datetime | None = None) -> NewSession:
    now = now or utcnow()
    session.execute(delete(ReviewSession).where(ReviewSession.expires_at < now))
    token = secrets.token_urlsafe(32)
    row = ReviewSession(token_sha256=token_hash(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                        created_at=now, seen_at=now, expires_at=now + SESSION_IDLE,
                        new_after_finding_id=user.last_visit_finding_id, new_since=user.last_visit_at)
    session.add(row)
    session.flush()
    return NewSession(token, row)


def session_for(session: Session, token: str | None, now: datetime | None = None) -> ReviewSession | None:
    """The live session of this cookie token (its idle time renewed), or None."""
    if not token:
        return None
    now = now or utcnow()
    row = session.get(ReviewSession, token_hash(token))
    if row is None or row.expires_at <= now or now - row.created_at > SESSION_MAX or not row.user.active:
        return None
    if now - row.seen_at > timedelta(minutes=1):  # not a write on every request
        row.seen_at = now
        row.expires_at = min(now + SESSION_IDLE, row.created_at + SESSION_MAX)
    return row


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(ReviewSession).where(ReviewSession.token_sha256 == token_hash(token)))


# --- "new since last visit" ---------------------------------------------------------------------


def latest_finding_id(session: Session) -> int:
    return session.scalar(select(func.max(Finding.id))) or 0


def mark_visit(session: Session, web_session: ReviewSession, now: datetime | None = None) -> None:
    """The user has seen the queue as it is now: at their next sign-in, newer findings are "new"."""
    user = web_session.user
    user.last_visit_at = now or utcnow()
    user.last_visit_finding_id = max(user.last_visit_finding_id, latest_finding_id(session))


def mark_all_seen(session: Session, web_session: ReviewSession, now: datetime | None = None) -> None:
    """Nothing is "new" any more in this session either."""
    mark_visit(session, web_session, now)
    web_session.new_after_finding_id = web_session.user.last_visit_finding_id
    web_session.new_since = web_session.user.last_visit_at
