"""Stop words of the eight languages, folded like everything else the matcher compares."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.core.languages import LANGS, Lang
from bot.core.normalize import cyrillic_words, words

STOPWORD_DIR = Path(__file__).parent / "data" / "stopwords"


def _listed(lang: Lang) -> str:
    """The text of one language's stop-word list ("" where there is none)."""
    path = STOPWORD_DIR / f"{lang}.txt"
    return path.read_text(encoding="utf-8") if path.exists() else ""


@cache
def stopwords_of(lang: Lang) -> frozenset[str]:
    """The folded stop words of one language (function words, question words, greetings)."""
    return frozenset(word for line in _listed(lang).splitlines() for word in words(line))


@cache
def cyrillic_stopwords_of(lang: Lang) -> frozenset[str]:
    """The stop words of one language in Cyrillic letters, unfolded (see ``cyrillic_words``)."""
    return frozenset(cyrillic_words(_listed(lang)))


@cache
def load_stopwords(langs: tuple[Lang, ...] = LANGS) -> frozenset[str]:
    """The folded stop words of all *langs* together."""
    return frozenset().union(*(stopwords_of(lang) for lang in langs))
