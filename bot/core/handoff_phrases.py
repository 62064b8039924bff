"""Does a message ask for a human? Phrases per language in ``bot/core/data/handoff/<lang>.txt``."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.core.languages import LANGS
from bot.core.normalize import fold

PHRASE_DIR = Path(__file__).parent / "data" / "handoff"


@cache
def _phrases() -> tuple[str, ...]:
    found: set[str] = set()
    for lang in LANGS:
        path = PHRASE_DIR / f"{lang}.txt"
        if path.exists():
            found.update(
                fold(line) for line in path.read_text("utf-8").splitlines() if line.strip()
            )
    return tuple(sorted(p for p in found if p))


def asks_for_a_person(text: str) -> bool:
    """True when *text* contains a phrase like "talk to a person", in any of the languages."""
    folded = f" {fold(text)} "
    return any(f" {phrase} " in folded for phrase in _phrases())
