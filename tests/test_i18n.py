"""Every UI string the code uses is translated into all eight languages, placeholders intact."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from bot.core.handoff import MSG_ENDED
from bot.core.i18n import LOCALES, _catalog, _read, gettext, ngettext
from bot.core.languages import LANGS, Lang
from handlers.errors import MSG_WAITS
from handlers.family.questions import MSG_HELPFUL

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]


def _messages_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "gettext"
            and len(node.args) >= 2
        ):
            arg = node.args[1]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
            elif isinstance(arg, ast.Name) and arg.id in constants:
                found.add(constants[arg.id])
            else:
                pytest.fail(
                    f"{path}: gettext() with a message the test cannot read: {ast.dump(arg)}"
                )
    return found


USED = sorted(set().union(*(_messages_in(p) for p in SOURCES)))


def _fields(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name)


def test_the_scanner_finds_the_strings_the_code_uses() -> None:
    # If the scan missed strings, the catalog tests below would check nothing.
    assert {MSG_HELPFUL, MSG_WAITS, MSG_ENDED} <= set(USED)


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_translates_every_used_string(lang: Lang) -> None:
    catalog = _catalog(lang)
    missing = [m for m in USED if m not in catalog]
    assert missing == []
    for message in USED:
        # A translation may leave a placeholder out (it names the language itself, say).
        assert set(_fields(catalog[message])) <= set(_fields(message)), (lang, message)
        if lang != "en" and len(message) > 20:  # "E-mail: {email}" may stay as it is
            assert catalog[message] != message, (lang, message)


@pytest.mark.parametrize("lang", LANGS)
def test_catalog_files_exist(lang: Lang) -> None:
    assert (LOCALES / lang / "LC_MESSAGES" / "wegweiser.po").is_file()


def test_gettext_fills_placeholders_and_falls_back_to_english() -> None:
    assert gettext("en", "Phone: {phone}", phone="0203") == "Phone: 0203"
    assert gettext("de", "A string nobody translated") == "A string nobody translated"
    assert "0203-283 8111" in gettext("tr", "Phone: {phone}", phone="0203-283 8111")


PLURALS = (
    "{count} hour",
    "{count} minute",
    "If you do not write to me for {count} day, your data is deleted automatically.",
    "Closed conversations with the centre and past appointments are deleted after {count} day.",
)


@pytest.mark.parametrize("lang", LANGS)
def test_counts_have_every_plural_form_of_the_language(lang: Lang) -> None:
    catalog = _read(lang)
    forms = {catalog.plural_index(n) for n in range(200)}
    for singular in PLURALS:
        assert len(catalog.plural[singular]) == len(forms), (lang, singular)
        # Arabic (one, two) and Romanian (one) say the number in words.
        assert all("{count}" in form or lang in ("ar", "ro") for form in catalog.plural[singular])


def test_the_plural_messages_are_the_ones_the_code_uses() -> None:
    used = {
        node.args[1].value
        for path in SOURCES
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "ngettext"
        and isinstance(node.args[1], ast.Constant)
    }
    assert used == set(PLURALS)


def test_retention_days_take_the_plural_of_their_number() -> None:
    deleted = "If you do not write to me for {count} day, your data is deleted automatically."
    also = "If you do not write to me for {count} days, your data is deleted automatically."
    assert "7 zile" in ngettext("ro", deleted, also, 7)
    assert "20 de zile" in ngettext("ro", deleted, also, 20)
    assert "21 день" in ngettext("ru", deleted, also, 21)
    assert "3 дні" in ngettext("uk", deleted, also, 3)
    assert "يومين" in ngettext("ar", deleted, also, 2)
    assert "1 Tag lang" in ngettext("de", deleted, also, 1)


def test_arabic_has_its_dual_and_its_plural_of_few() -> None:
    hours = [ngettext("ar", "{count} hour", "{count} hours", n) for n in (1, 2, 3, 11)]
    assert hours == ["ساعة واحدة", "ساعتين", "3 ساعات", "11 ساعة"]
    assert ngettext("ru", "{count} hour", "{count} hours", 21) == "21 часа"
