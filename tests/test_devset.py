"""Answer quality on the labelled development set (tests/devset), held per language.

The questions were written independently of the knowledge base, as families type them: typos,
missing diacritics, colloquial and very short questions, Latin-typed Cyrillic and Arabic, and
out-of-scope questions that must not get a confident answer. ``bench/accuracy.py`` prints the
same figures beside a plain rapidfuzz baseline.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.evaluation import Labelled, Outcome, evaluate, load_labelled, tally
from bot.knowledge import load_knowledge_base
from bot.languages import LANGS
from bot.normalize import fold
from bot.settings import BUNDLED_KNOWLEDGE

DEVSET = Path(__file__).parent / "devset"
CENTRES = ("duisburg", "duesseldorf", "krefeld")

# The level reached (bench/accuracy.py), held so that a change cannot quietly make it worse.
MIN_TOP1 = {"de": 0.975, "en": 0.975, "tr": 0.975, "ar": 0.975, "ro": 0.975, "bg": 0.975,
            "uk": 0.95, "ru": 0.95}  # fmt: skip
MIN_TOP1_ALL = 0.975
MAX_FALSE_ANSWERS = 0.05  # out-of-scope questions answered confidently
MAX_CONFIDENT_WRONG = 0.01  # in-scope questions answered confidently with the wrong entry
MIN_LANGUAGE_RIGHT = 0.96  # replies in the language the question was asked in


@cache
def assistant(centre: str) -> Assistant:
    return Assistant.for_knowledge_base(load_knowledge_base(BUNDLED_KNOWLEDGE / centre))


@cache
def labelled(centre: str) -> tuple[Labelled, ...]:
    return tuple(load_labelled(DEVSET / f"{centre}.yaml"))


@cache
def outcomes() -> tuple[Outcome, ...]:
    return tuple(o for c in CENTRES for o in evaluate(assistant(c), labelled(c)))


def test_the_set_is_large_and_varied() -> None:
    items = [item for c in CENTRES for item in labelled(c)]
    assert len(items) >= 300
    assert sum(item.expect is None for item in items) >= 40
    langs = Counter(item.lang for item in items)
    assert set(langs) == set(LANGS)
    assert min(langs.values()) >= 30
    kinds = Counter(item.kind for item in items)
    for kind in ("typo", "no_diacritics", "colloquial", "short", "translit", "out_of_scope"):
        assert kinds[kind] >= 10, kind


@pytest.mark.parametrize("centre", CENTRES)
def test_labels_name_real_entries_and_questions_are_not_copied(centre: str) -> None:
    kb = assistant(centre).kb
    phrasings = {fold(q) for e in kb.entries for qs in e.questions.values() for q in qs}
    for item in labelled(centre):
        assert item.expect is None or kb.entry(item.expect) is not None, item
        assert fold(item.question) not in phrasings, f"copied from the knowledge base: {item}"


def test_top1_accuracy_per_language() -> None:
    tallies = tally(outcomes())
    reached = {lang: round(t.top1_rate, 3) for lang, t in tallies.items()}
    for lang in LANGS:
        assert reached[lang] >= MIN_TOP1[lang], reached
    assert reached["all"] >= MIN_TOP1_ALL, reached


def test_out_of_scope_questions_get_no_confident_answer() -> None:
    everything = tally(outcomes())["all"]
    assert everything.out_of_scope >= 40
    assert everything.false_answer_rate <= MAX_FALSE_ANSWERS, [
        (o.item.question, o.best) for o in outcomes() if o.item.expect is None and o.confident
    ]


def test_few_confident_wrong_answers_in_scope() -> None:
    everything = tally(outcomes())["all"]
    assert everything.confident_wrong / everything.in_scope <= MAX_CONFIDENT_WRONG, [
        (o.item.question, o.item.expect, o.best)
        for o in outcomes()
        if o.item.expect and o.false_confident
    ]


def test_replies_come_in_the_askers_language() -> None:
    assert tally(outcomes())["all"].lang_rate >= MIN_LANGUAGE_RIGHT, [
        (o.item.question, o.item.lang, o.lang) for o in outcomes() if o.lang != o.item.lang
    ]
