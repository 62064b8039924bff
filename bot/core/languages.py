"""The eight supported languages and the order in which answers fall back (pure)."""

from __future__ import annotations

from typing import Literal, get_args

Lang = Literal["de", "en", "tr", "ar", "ro", "bg", "uk", "ru"]
LANGS: tuple[Lang, ...] = get_args(Lang)

# Each language named in its own script, as a family would look for it in a list.
NATIVE_NAMES: dict[Lang, str] = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "ro": "Română",
    "bg": "Български",
    "uk": "Українська",
    "ru": "Русский",
}

FALLBACK_ORDER: tuple[Lang, ...] = ("en", "de")


def as_lang(code: str | None) -> Lang | None:
    """Map a code such as ``"tr"``, ``"pt-BR"`` or ``"UK"`` to a supported language, else None."""
    if not code:
        return None
    base = code.strip().lower().replace("_", "-").split("-")[0]
    for lang in LANGS:
        if lang == base:
            return lang
    return None


def fallback_chain(lang: Lang) -> tuple[Lang, ...]:
    """The languages to try for an answer: the language itself, then English, then German."""
    return (lang, *(f for f in FALLBACK_ORDER if f != lang))
