"""Accounts of the review app (storage.accounts) on SQLite and PostgreSQL: hashes, roles, sign-in
throttling on an explicit clock (no waiting), sessions, and the "new since last visit" mark."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select

from storage.accounts import (
    SESSION_IDLE,
    AccountError,
    SignInRefused,
    add_user,
    authenticate,
    mark_all_seen,
    mark_visit,
    open_session,
    role_allows,
    session_for,
    set_active,
    set_password,
)
from storage.db import session_scope
from storage.models import ReviewSession, ReviewUser

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
PASSWORD = "mat-khau-rat-dai-2026"


def _user(engine: Engine, name: str = "lan.nguyen", role: str = "investigator") -> None:
    with session_scope(engine) as session:
        add_user(session, name, role, PASSWORD)


def _sign_in(engine: Engine, password: str, at: datetime, name: str = "lan.nguyen", address: str = "10.1.2.3") -> str:
    with session_scope(engine) as session:
        try:
            authenticate(session, name, password, address=address, now=at)
            return "ok"
        except SignInRefused as refused:
            return f"wait {refused.retry_after}" if refused.retry_after else "wrong"


def test_passwords_are_stored_as_argon2id_hashes_and_checked(engine: Engine) -> None:
    _user(engine)
    with session_scope(engine) as session:
        user = session.scalars(select(ReviewUser)).one()
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    assert _sign_in(engine, PASSWORD, NOW) == "ok"
    assert _sign_in(engine, PASSWORD.upper(), NOW) == "wrong"
    assert _sign_in(engine, PASSWORD, NOW, name="khong.co") == "wrong"


@pytest.mark.parametrize("name, role, password, problem", [
    ("lan nguyen", "viewer", PASSWORD, "user name"),
    ("lan", "boss", PASSWORD, "unknown role"),
    ("lan", "viewer", "ngan", "at least 10"),
    ("lan", "viewer", " mat-khau-co-dau-cach ", "spaces"),
])
def test_bad_accounts_are_refused_with_a_reason(engine: Engine, name: str, role: str, password: str,
                                                problem: str) -> None:
    with session_scope(engine) as session, pytest.raises(AccountError, match=problem):
        add_user(session, name, role, password)


def test_roles_include_the_ones_below() -> None:
    assert role_allows("admin", "investigator") and role_allows("investigator", "viewer")
    assert not role_allows("viewer", "investigator") and not role_allows("nobody", "viewer")


def test_failed_sign_ins_wait_longer_each_time_and_a_success_clears_them(engine: Engine) -> None:
    _user(engine)
    assert [_sign_in(engine, "sai", NOW) for _ in range(4)] == ["wrong"] * 4
    assert _sign_in(engine, "sai", NOW) == "wrong"  # the fifth failure starts a 30 s wait
    assert _sign_in(engine, PASSWORD, NOW + timedelta(seconds=10)) == "wait 20"
    assert _sign_in(engine, "sai", NOW + timedelta(seconds=31)) == "wrong"  # the sixth: 60 s
    assert _sign_in(engine, PASSWORD, NOW + timedelta(seconds=61)) == "wait 30"
    assert _sign_in(engine, PASSWORD, NOW + timedelta(seconds=92)) == "ok"
    assert _sign_in(engine, "sai", NOW + timedelta(seconds=93)) == "wrong"  # counted from zero again


def test_a_disabled_account_cannot_sign_in_and_its_sessions_end(engine: Engine) -> None:
    _user(engine)
    with session_scope(engine) as session:
        user = session.scalars(select(ReviewUser)).one()
        token = open_session(session, user, NOW).token
    with session_scope(engine) as session:
        assert session_for(session, token, NOW) is not None
        set_active(session, "lan.nguyen", False)
    with session_scope(engine) as session:
        assert session_for(session, token, NOW) is None
        assert session.scalars(select(ReviewSession)).all() == []
    assert _sign_in(engine, PASSWORD, NOW) == "wrong"


def test_sessions_store_only_a_hash_and_end_when_idle_or_when_the_password_changes(engine: Engine) -> None:
    _user(engine)
    with session_scope(engine) as session:
        user = session.scalars(select(ReviewUser)).one()
        token = open_session(session, user, NOW).token
        assert session.scalars(select(ReviewSession.token_sha256)).one() != token
    with session_scope(engine) as session:
        assert session_for(session, token, NOW + SESSION_IDLE - timedelta(minutes=5)) is not None  # renewed
    with session_scope(engine) as session:
        assert session_for(session, token, NOW + 2 * SESSION_IDLE - timedelta(minutes=10)) is not None
        assert session_for(session, token + "x", NOW) is None
    with session_scope(engine) as session:
        assert session_for(session, token, NOW + 3 * SESSION_IDLE) is None
        token = open_session(session, session.scalars(select(ReviewUser)).one(), NOW).token
        set_password(session, "lan.nguyen", "mot-mat-khau-moi-2026")
    with session_scope(engine) as session:
        assert session_for(session, token, NOW) is None


def test_new_since_last_visit_is_what_came_after_the_previous_sessions_last_look(engine: Engine) -> None:
    _user(engine)
    with session_scope(engine) as session:
        user = session.scalars(select(ReviewUser)).one()
        first = open_session(session, user, NOW).row
        assert first.new_after_finding_id == 0 and first.new_since is None  # everything is new the first time
        mark_visit(session, first, NOW + timedelta(hours=1))
    with session_scope(engine) as session:
        user = session.scalars(select(ReviewUser)).one()
        second = open_session(session, user, NOW + timedelta(days=1)).row
        assert second.new_since == NOW + timedelta(hours=1)
        mark_all_seen(session, second, NOW + timedelta(days=1, minutes=5))
        assert second.new_since == NOW + timedelta(days=1, minutes=5)
