"""Stop words of the eight languages, folded like everything else the matcher compares."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.core.languages import LANGS, Lang
from bot.core.normalize import cyrillic_words, words

STOPWORD_DIR = Path(__file__).parent / "data" / "stopwords"


@cache
def stopwords_of(lang: Lang) -> frozenset[str]:
    """The folded stop words of one language (function words, question words, greetings)."""
    path = STOPWORD_DIR / f"{lang}.txt"
    if not path.exists():
        return frozenset()
    found: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        found.update(words(line))
    return frozenset(found)


@cache
def cyrillic_stopwords_of(lang: Lang) -> frozenset[str]:
    """The stop words of one language in Cyrillic letters, unfolded (see ``cyrillic_words``)."""
    path = STOPWORD_DIR / f"{lang}.txt"
    if not path.exists():
        return frozenset()
    return frozenset(cyrillic_words(path.read_text(encoding="utf-8")))


@cache
def load_stopwords(langs: tuple[Lang, ...] = LANGS) -> frozenset[str]:
    """The folded stop words of all *langs* together."""
    return frozenset().union(*(stopwords_of(lang) for lang in langs))
