"""Recognise small talk ("hallo", "danke", "wie geht's?", "ok 👍") as a whole message (pure).

Small talk is never a question for the knowledge base: it gets a short friendly reply and what
the assistant can do. A message counts as small talk only when the *whole* message is one of the
table's phrasings (folded: case, accents, script and punctuation ignored; a small typo allowed),
so "Hallo, wo melde ich mein Kind in der Schule an?" is still a question.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.core.knowledge import SmallTalk
from bot.core.languages import Lang
from bot.core.normalize import fold

MAX_WORDS = 6  # longer messages are questions, whatever they start with
TYPO_SCORE = 82.0  # fuzz.ratio of a phrasing with a small typo ("hallloo", "thnaks")
_SYMBOLS = re.compile(r"[\s\ufe0f\u200d]+")


@dataclass(frozen=True)
class SmallTalkHit:
    """Which item a message is, and the languages whose phrasings it matched."""

    item: SmallTalk
    langs: frozenset[Lang]


def _symbols_of(text: str) -> str:
    """The emoji and other symbols of *text*, without spaces and joiners ("👍👍" stays)."""
    kept = (ch for ch in text if unicodedata.category(ch).startswith("S"))
    return _SYMBOLS.sub("", "".join(kept))


def _key(text: str) -> str:
    folded = fold(text)
    return folded if folded else _symbols_of(text)


class SmallTalkMatcher:
    """The small-talk table, folded for look-up."""

    def __init__(self, items: tuple[SmallTalk, ...]) -> None:
        """Index every phrasing of every item."""
        self._by_key: dict[str, list[tuple[SmallTalk, Lang]]] = {}
        for item in items:
            for lang, phrasings in item.questions.items():
                for phrasing in phrasings:
                    key = _key(phrasing)
                    if key:
                        self._by_key.setdefault(key, []).append((item, lang))
        self._keys = list(self._by_key)

    def find(self, text: str) -> SmallTalkHit | None:
        """The small-talk item *text* is, or None when it is (or may be) a real question."""
        key = _key(text)
        if not key or len(key.split()) > MAX_WORDS:
            return None
        found = self._by_key.get(key)
        if found is None and len(key) >= 5:
            best = process.extractOne(key, self._keys, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
            found = self._by_key[best[0]] if best else None
        if found is None:
            return None
        item = found[0][0]
        return SmallTalkHit(item, frozenset(lang for other, lang in found if other.id == item.id))
