"""UI strings in the eight languages, from gettext catalogs (``bot/core/locales/<lang>/...``).

Only the assistant's own words live here; the knowledge lives in ``knowledge/``. The ``.po`` files
are read directly with Babel, so there is no compile step. A string missing from a catalog falls
back to the English source text.
"""

from __future__ import annotations

import gettext as _stdlib_gettext
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from bot.core.languages import LANGS, Lang

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "wegweiser"


@dataclass(frozen=True)
class _Catalog:
    singular: dict[str, str]
    plural: dict[str, tuple[str, ...]]  # keyed by the singular msgid
    plural_index: Callable[[int], int]


@cache
def _read(lang: Lang) -> _Catalog:
    path = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return _Catalog({}, {}, lambda n: int(n != 1))
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    singular: dict[str, str] = {}
    plural: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            forms = tuple(str(form) for form in message.string or ())
            if all(forms):
                plural[str(message.id[0])] = forms
        elif isinstance(message.string, str) and message.string:
            singular[str(message.id)] = message.string
    return _Catalog(singular, plural, _stdlib_gettext.c2py(catalog.plural_expr))


def _catalog(lang: Lang) -> dict[str, str]:
    return _read(lang).singular


def gettext(lang: Lang, message: str, /, **values: object) -> str:
    """*message* translated into *lang*, with ``{placeholders}`` filled from *values*."""
    text = _catalog(lang).get(message, message)
    return text.format(**values) if values else text


def ngettext(lang: Lang, singular: str, plural: str, count: int, /, **values: object) -> str:
    """The form of *singular*/*plural* that *count* takes in *lang* (Arabic has six)."""
    catalog = _read(lang)
    forms = catalog.plural.get(singular)
    if forms:
        index = catalog.plural_index(count)
        text = forms[min(index, len(forms) - 1)]
    else:
        text = singular if count == 1 else plural
    return text.format(count=count, **values)


def load_all() -> None:
    """Read every catalog now (start-up), not on the first message."""
    for lang in LANGS:
        _catalog(lang)
