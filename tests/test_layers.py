"""Imports run one way: cli -> crawler | schedules | review -> storage -> detectors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("detectors", "storage", "crawler", "schedules", "review", "cli")

# What each package may import of ours (besides itself).
ALLOWED = {
    "detectors": set(),
    "storage": {"detectors"},
    "crawler": {"storage", "detectors"},
    "schedules": {"storage", "detectors"},
    "review": {"storage", "detectors"},
    "cli": {"crawler", "schedules", "review", "storage", "detectors"},
}
FORBIDDEN_THIRD_PARTY = {
    "detectors": {"scrapy", "sqlalchemy", "apscheduler", "twisted", "alembic", "playwright", "scrapy_playwright"},
    "storage": {"scrapy", "twisted", "apscheduler", "playwright"},
    "schedules": {"scrapy", "twisted", "playwright"},
}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else []


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_lower_layers(package: str) -> None:
    ours = set(PACKAGES)
    offenders = []
    for module in _modules(package):
        for name in imported_top_levels(module):
            if name in ours and name != package and name not in ALLOWED[package]:
                offenders.append(f"{module.relative_to(ROOT)} imports {name}")
            if name in FORBIDDEN_THIRD_PARTY.get(package, set()):
                offenders.append(f"{module.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_storage_uses_only_the_detectors_types() -> None:
    offenders = []
    for module in _modules("storage"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("detectors"):
                if node.module != "detectors.types":
                    offenders.append(f"{module.relative_to(ROOT)}: from {node.module}")
    assert offenders == []
