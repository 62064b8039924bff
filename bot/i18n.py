"""UI strings in the eight languages, from gettext catalogs (``bot/locales/<lang>/LC_MESSAGES``).

Only the assistant's own words live here; the knowledge lives in ``knowledge/``. The ``.po`` files
are read directly with Babel, so there is no compile step. A string missing from a catalog falls
back to the English source text.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

from bot.languages import LANGS, Lang

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "wegweiser"


@cache
def _catalog(lang: Lang) -> dict[str, str]:
    path = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.string, str) and message.string and not message.fuzzy
    }


def gettext(lang: Lang, message: str, /, **values: object) -> str:
    """*message* translated into *lang*, with ``{placeholders}`` filled from *values*."""
    text = _catalog(lang).get(message, message)
    return text.format(**values) if values else text


def load_all() -> None:
    """Read every catalog now (start-up), not on the first message."""
    for lang in LANGS:
        _catalog(lang)
