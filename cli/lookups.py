"""``--rule`` and ``--site`` as people type them, checked against what exists.

A rule id matches whatever its case (``promo-disc-50``); a typo is an error naming the closest id
("did you mean PROMO-DISC-50?"), never an empty answer. A site may be given as a domain in any
case, with ``www.`` or as a URL; one the database has never seen is an error naming the database.
"""

from __future__ import annotations

import os
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from detectors import RulebookError, load_rulebook, registrable_domain
from storage.models import Finding, Site

from .common import database_label
from .errors import InputError, did_you_mean


def known_rules(session: Session | None = None) -> set[str]:
    """The rule ids of the rules data, and those of stored findings (rules since retired)."""
    try:
        known = set(load_rulebook(environ=os.environ).ids())
    except RulebookError as exc:
        raise InputError(str(exc)) from None
    if session is not None:
        known |= set(session.scalars(select(Finding.rule).distinct()))
    return known


def resolve_rule(value: str | None, session: Session | None = None, option: str = "--rule") -> str | None:
    if value is None:
        return None
    known = known_rules(session)
    by_folded = {rule.casefold(): rule for rule in known}
    found = by_folded.get(value.strip().casefold())
    if found is None:
        hint = did_you_mean(value, known, "'ecwatch rules' lists them")
        raise InputError(f"{option}: unknown rule {value!r}; {hint}")
    return found


def site_key(value: str) -> str:
    """``https://www.Shop.vn/p/1`` and ``www.shop.vn`` -> ``shop.vn``: sites are registrable domains."""
    return registrable_domain(value.strip().lower()) if value.strip() else ""


def resolve_sites(values: Iterable[str], session: Session, option: str = "--site") -> list[str]:
    given = list(values)
    if not given:
        return []
    known = set(session.scalars(select(Site.domain)))
    resolved = []
    for value in given:
        domain = value.strip().lower() if value.strip().lower() in known else site_key(value)
        if domain not in known:
            hint = did_you_mean(domain or value, known, "'ecwatch findings' lists the sites with findings")
            raise InputError(f"{option}: no site {value!r} in {database_label()}; {hint}")
        resolved.append(domain)
    return resolved


def resolve_site(value: str | None, session: Session, option: str = "--site") -> str | None:
    return resolve_sites([value], session, option)[0] if value is not None else None
