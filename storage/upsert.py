"""``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL: the writes two workers of a shared run may race
on (the same site, the same finding, the same page) are decided by a unique constraint, not by who came first.

A plain ORM ``add`` would raise on the second insert and roll back the whole batch it belongs to.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Base


def insert_unless_present(session: Session, model: type[Base], values: dict[str, Any],
                          unique: list[str]) -> int | None:
    """Insert a row of ``model`` unless one with the same ``unique`` columns exists; the new row's id, or None
    when it was there already (inserted meanwhile by another worker, or earlier)."""
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if insert is None:
        raise NotImplementedError(f"no INSERT … ON CONFLICT for {dialect}")
    statement = (insert(model).values(**values).on_conflict_do_nothing(index_elements=unique)
                 .returning(model.id))  # type: ignore[attr-defined]
    return session.execute(statement).scalar_one_or_none()
