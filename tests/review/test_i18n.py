"""Every word the interface shows has its Vietnamese: no English leaks into the default language."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from review import decisions, pages
from review.i18n import VI, translator

REVIEW = Path(__file__).resolve().parents[2] / "review"
TEMPLATE_KEY = re.compile(r"""\bt\(\s*(["'])(.+?)\1""")


def _template_keys() -> set[str]:
    keys = set()
    for template in (REVIEW / "templates").glob("*.html"):
        keys |= {match.group(2) for match in TEMPLATE_KEY.finditer(template.read_text(encoding="utf-8"))}
    return keys


def _python_keys() -> set[str]:
    """Interface keys the views pass as ``problem=``/``error=`` strings or raise as ``FormProblem``."""
    keys = set(pages.MESSAGES.values()) | set(decisions.DISMISS_REASONS)
    for module in REVIEW.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg in ("problem", "error") and isinstance(node.value, ast.Constant):
                keys.add(node.value.value)
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "FormProblem"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                keys.add(node.args[0].value)
    return keys


def test_every_key_has_a_vietnamese_translation() -> None:
    keys = _template_keys() | _python_keys()
    assert len(keys) > 100
    assert sorted(k for k in keys if k not in VI) == []


def test_english_shows_the_keys_and_fills_values() -> None:
    assert translator("en")("{count} findings match", count=3) == "3 findings match"
    assert translator("vi")("{count} findings match", count=3) == "3 phát hiện khớp bộ lọc"
