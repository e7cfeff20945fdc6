"""Pages built by hand for unit tests of single rules (no page model involved)."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Iterable

from detectors.page.badges import read_badge_marks
from detectors.page.document import Document
from detectors.domains import registrable_domain
from detectors.rulebook import BUNDLED_RULES_DIR, Rulebook, load_rulebook
from detectors.types import Context, Link, Offer, Page, Registry, Signals

VN_SHOP = Signals(True, ("lang=vi",), True, ("cart",), False, ())
VN_MARKETPLACE = Signals(True, ("lang=vi",), True, ("cart",), True, ("seller sign-up",))
VN_NEWS = Signals(True, ("lang=vi",), False, (), False, ())


def make_page(
    body: str,
    *,
    url: str = "https://demo-shop.vn/",
    offers: Iterable[Offer] = (),
    signals: Signals = VN_SHOP,
    links: Iterable[Link] = (),
) -> Page:
    html = f"<html lang='vi'><head><title>Demo</title></head><body>{body}</body></html>"
    document = Document.from_html(html)
    return Page(
        url=url, domain=registrable_domain(url), html=html, text=document.text, title="Demo", lang="vi",
        declared_lang="vi", links=tuple(links), images=(), structured={}, offers=tuple(offers),
        signals=signals, badge_marks=read_badge_marks(document.root, url, document.css_paths),
        document=document,
    )


def offer(name: str, price: str | None, reference: str | None = None, **kw: object) -> Offer:
    values = {
        "name": name,
        "price": Decimal(price) if price is not None else None,
        "reference_price": Decimal(reference) if reference is not None else None,
        "currency": "VND",
        "source": "dom",
        "snippet": f"{name} {price} {reference or ''}".strip(),
        "css_path": "html > body > div",
    }
    values.update(kw)
    return Offer(**values)  # type: ignore[arg-type]


def ctx(on: str = "2026-11-23", registry: Registry | None = None, **extra: object) -> Context:
    return Context(on=date.fromisoformat(on), registry=registry, extra=extra)


def rules_of(findings: Iterable[object]) -> list[str]:
    return sorted({f.rule for f in findings})  # type: ignore[attr-defined]


def rulebook_with(tmp_path: Path, file_name: str, old: str, new: str) -> Rulebook:
    """The bundled rules with one edit in one file (a switch turned, a threshold changed)."""
    rules_dir = tmp_path / "rules"
    shutil.copytree(BUNDLED_RULES_DIR, rules_dir)
    path = rules_dir / file_name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {file_name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_rulebook(rules_dir)
