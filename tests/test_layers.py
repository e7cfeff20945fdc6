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


# The detectors' public face: the package itself, its types, and the judge every path goes through.
DETECTORS_PUBLIC = {"detectors", "detectors.types", "detectors.judge"}


def test_storage_uses_only_the_detectors_public_api() -> None:
    offenders = []
    for module in _modules("storage"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("detectors"):
                if node.module not in DETECTORS_PUBLIC:
                    offenders.append(f"{module.relative_to(ROOT)}: from {node.module}")
    assert offenders == []


def _string_constants(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_schedules_start_no_process_of_a_higher_layer() -> None:
    """``schedules`` reaches the crawler through a process; a command line naming the CLI would slip
    past the import check."""
    offenders = [f"{module.relative_to(ROOT)}: {value!r}" for module in _modules("schedules")
                 for value in _string_constants(module) if value in ("cli", "cli.main") or value.startswith("cli.")]
    assert offenders == []


@pytest.mark.parametrize("folder", ["bench", "detectors", "storage", "crawler", "schedules", "review", "cli"])
def test_nothing_shipped_imports_the_tests(folder: str) -> None:
    offenders = [f"{module.relative_to(ROOT)}" for module in _modules(folder) if "tests" in imported_top_levels(module)]
    assert offenders == []
