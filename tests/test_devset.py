"""Answer quality on labelled questions: the tuning part (tests/devset) and the sealed test part
(tests/sealed), held per language so that a change cannot quietly make them worse.

The sealed part was written from ``../shared/seeds`` alone, before any tuning, by someone who
never saw the knowledge base's phrasings; weights and thresholds were chosen on the tuning part
only (``bench/calibrate.py``). ``bench/accuracy.py`` prints the same figures beside a baseline.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from bot.adapters.embedder import DiskStore
from bot.core.assistant import Assistant
from bot.core.evaluation import Labelled, Outcome, Tally, evaluate, load_set, tally
from bot.core.knowledge import load_knowledge_base
from bot.core.languages import LANGS
from bot.settings import BUNDLED_KNOWLEDGE, PROJECT_ROOT, load_settings
from tests.model import MODEL, needs_model

PARTS = {"tuning": Path(__file__).parent / "devset", "sealed": Path(__file__).parent / "sealed"}
CENTRES = ("duisburg", "duesseldorf", "krefeld")
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"

# The levels reached (bench/accuracy.py, 2026-12-03), a little below (one question per language):
# (answered with the needed fact in scope: overall, lowest language; refused out of scope;
#  replies in the asker's language). The lexical matcher alone answers 84.5 % of the tuning part
# since the 70 questions with German words in other languages joined it (2026-12-08; 85.3 %
# before).
FLOORS = {
    ("lexical", "tuning"): (0.83, 0.76, 0.95, 0.96),
    ("lexical", "sealed"): (0.82, 0.69, 0.92, 0.95),
    ("fused", "tuning"): (0.95, 0.90, 0.98, 0.96),
    ("fused", "sealed"): (0.94, 0.80, 0.96, 0.95),
}


@cache
def assistant(centre: str, method: str) -> Assistant:
    kb = load_knowledge_base(BUNDLED_KNOWLEDGE / centre)
    if method == "lexical":
        return Assistant.for_knowledge_base(kb)
    assert MODEL is not None
    return Assistant.for_knowledge_base(
        kb, embedder=MODEL, store=DiskStore(load_settings().cache_dir)
    )


@cache
def labelled(part: str, centre: str) -> tuple[Labelled, ...]:
    return tuple(load_set(PARTS[part], centre))


@cache
def outcomes(method: str, part: str) -> tuple[Outcome, ...]:
    return tuple(o for c in CENTRES for o in evaluate(assistant(c, method), labelled(part, c)))


def test_the_sets_are_large_and_varied() -> None:
    tuning = [item for c in CENTRES for item in labelled("tuning", c)]
    sealed = [item for c in CENTRES for item in labelled("sealed", c)]
    everything = tuning + sealed
    assert len(everything) >= 600
    assert len(sealed) >= 200
    assert sum(item.expect is None for item in everything) >= 100
    for items in (tuning, sealed):
        langs = Counter(item.lang for item in items)
        assert set(langs) == set(LANGS)
        assert min(langs.values()) >= 30
        kinds = Counter(item.kind for item in items)
        for kind in ("typo", "no_diacritics", "colloquial", "short", "small_talk",
                     "other_authority"):  # fmt: skip
            assert kinds[kind] >= 5, kind


def as_written(text: str) -> str:
    """Case, spacing and punctuation aside, in its own script: the matcher's fold() would make
    a Cyrillic phrasing and the same question typed in Latin letters equal, which is no copy."""
    return " ".join(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("centre", CENTRES)
def test_labels_name_real_entries_and_questions_are_not_copied(part: str, centre: str) -> None:
    kb = assistant(centre, "lexical").kb
    phrasings = {as_written(q) for e in kb.entries for qs in e.questions.values() for q in qs}
    for item in labelled(part, centre):
        for entry_id in item.right_entries:
            assert kb.entry(entry_id) is not None, item
        assert as_written(item.question) not in phrasings, f"copied from the KB: {item}"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the project")
@pytest.mark.parametrize("part", PARTS)
def test_expected_facts_are_verbatim_in_the_seeds(part: str) -> None:
    seeds = "\n".join(p.read_text("utf-8") for p in SEEDS.glob("*.txt"))
    for centre in CENTRES:
        for item in labelled(part, centre):
            for fact in item.expect_text:
                assert fact in seeds, (centre, item)


def _check(method: str, part: str) -> dict[str, Tally]:
    tallies = tally(outcomes(method, part))
    answered, lowest, refused, in_language = FLOORS[(method, part)]
    reached = {lang: round(t.answered_rate, 3) for lang, t in tallies.items()}
    assert reached["all"] >= answered, reached
    assert min(reached[lang] for lang in LANGS) >= lowest, reached
    assert tallies["all"].refused_rate >= refused, [
        (o.item.question, o.best) for o in outcomes(method, part)
        if o.item.expect is None and o.confident
    ]  # fmt: skip
    assert tallies["all"].lang_rate >= in_language, [
        (o.item.question, o.item.lang, o.lang)
        for o in outcomes(method, part)
        if o.lang != o.item.lang
    ]
    return tallies


@pytest.mark.parametrize("part", PARTS)
def test_lexical_matcher_alone(part: str) -> None:
    _check("lexical", part)


@needs_model
@pytest.mark.parametrize("part", PARTS)
def test_fused_with_the_embedding_model(part: str) -> None:
    fused = _check("fused", part)
    lexical = tally(outcomes("lexical", part))
    assert fused["all"].answered_rate > lexical["all"].answered_rate
