"""Choose the fusion weights and band thresholds by cross-validation on the tuning questions.

    python bench/calibrate.py [--folds 5]

Only ``tests/devset`` (the tuning part) is read; the sealed part (``tests/sealed``) is never
looked at here. For every question the lexical candidates, the semantic similarities per entry
and whether each entry's answer holds the expected facts are computed once; then a grid of
settings is scored by

    J = answered in scope − 2 · false answers out of scope − 1 · confident wrong answers in scope

(shares). A second stage then chooses, for those settings, how clear a lexical match must be for
the model to be skipped: the highest J, and among equal J the gate that runs the model least.
The settings chosen on k−1 folds are scored on the held-out fold (the cross-validated figure),
and the settings best on all tuning questions are printed for ``SemanticSettings``.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import random
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.adapters.embedder import DiskStore, load_embedder  # noqa: E402
from bot.core.assistant import Assistant  # noqa: E402
from bot.core.bidi import strip_isolates  # noqa: E402
from bot.core.evaluation import Labelled, holds_fact, load_set  # noqa: E402
from bot.core.knowledge import load_knowledge_base  # noqa: E402
from bot.core.matching import Matcher  # noqa: E402
from bot.core.normalize import words  # noqa: E402
from bot.core.semantic import (  # noqa: E402
    SemanticIndex,
    SemanticSettings,
    beyond_reach,
    confident_threshold,
    lexical_is_clear,
    model_text,
)
from bot.settings import load_settings  # noqa: E402

CENTRES = ("duisburg", "duesseldorf", "krefeld")


@dataclass
class Features:
    """What one question's outcome depends on, computed once."""

    item: Labelled
    small_talk: bool
    lexical: np.ndarray  # per entry: lexical score (0 where no candidate)
    phrasing: np.ndarray  # per entry: closest phrasing/title cosine
    answer: np.ndarray  # per entry: answer passage cosine
    good: np.ndarray  # per entry: True when answering with it counts as answered
    redirect: np.ndarray  # per entry: True for "another authority handles this"
    word_count: int  # folded words of the question


def features(limit_entries: int = 10) -> list[Features]:
    """Features of every tuning question of the three centres."""
    embedder = load_embedder()
    if embedder is None:
        raise SystemExit("the embedding model is not installed here")
    store = DiskStore(load_settings().cache_dir)
    found: list[Features] = []
    for centre in CENTRES:
        kb = load_knowledge_base(ROOT / "knowledge" / centre)
        assistant = Assistant.for_knowledge_base(kb)
        lexical = assistant.matcher
        assert isinstance(lexical, Matcher)
        index = SemanticIndex(kb, embedder, store, SemanticSettings(answer_discount=1.0))
        ids = index.entry_ids
        position = {entry_id: i for i, entry_id in enumerate(ids)}
        texts: dict[tuple[str, str], str] = {}
        for item in load_set(ROOT / "tests" / "devset", centre):
            small = assistant.smalltalk.find(item.question) is not None
            lang = assistant.detector.detect(item.question, None).lang
            lex = np.zeros(len(ids))
            for candidate in lexical.match(item.question, limit=limit_entries).candidates:
                lex[position[candidate.entry_id]] = candidate.score
            vector = embedder.embed_queries([model_text(index.settings, item.question)])[0]
            phrasing = np.full(len(ids), -1.0)
            answer = np.full(len(ids), -1.0)
            np.maximum.at(phrasing, index._query_owner, index._queries @ vector)
            np.maximum.at(answer, index._passage_owner, index._passages @ vector)
            good = np.zeros(len(ids), dtype=bool)
            if item.expect is not None:
                for i, entry_id in enumerate(ids):
                    if item.expect_text:
                        key = (entry_id, lang)
                        if key not in texts:
                            texts[key] = strip_isolates(assistant.answer(entry_id, lang).text)
                        good[i] = all(holds_fact(texts[key], f) for f in item.expect_text)
                    else:
                        good[i] = entry_id in item.right_entries
            redirect = np.array([e.kind == "redirect" for e in kb.entries])
            found.append(
                Features(
                    item, small, lex, phrasing, answer, good, redirect, len(words(item.question))
                )
            )
    return found


GRID = {
    # The similarity scale was chosen on the full grid on 2026-12-01 (floor 0.82 or 0.84,
    # ceiling 0.88-0.92, slope past it 0-0.5, answers as passages 0-1): only its winners are
    # kept here, so that the thresholds for long messages fit in the same run.
    "floor": (0.82,),
    "ceiling": (0.90,),
    "above_ceiling": (0.0,),  # slope of the score past the ceiling (0: capped at 1)
    "answer_discount": (0.0,),  # answers as passages: 0.97 and 1.0 never won (2026-12-01)
    "lexical_weight": (0.5, 0.6, 0.7),
    "confident": (0.55, 0.60, 0.65),
    "margin": (0.0, 0.03),
    # how far the confident threshold falls for long messages, from how many words, to what
    "long_slope": (0.0, 0.04, 0.08, 0.12, 0.16, 0.20),
    "long_from": (4, 6, 8, 10),
    "long_floor": (0.45, 0.40, 0.35, 0.30),  # ties: the higher
}


GATE = {  # the model is skipped where the lexical score is this high and this far ahead
    "skip_lexical_score": (0.8, 0.7, 0.65, 0.6, 0.55, 0.5),
    "skip_lexical_lead": (0.3, 0.2, 0.1, 0.05),  # 0.02 (the lexical margin) saves 0.5 %
}


def settings_of(p: dict[str, float]) -> SemanticSettings:
    """The :class:`SemanticSettings` of a grid point (fields it does not name keep defaults)."""
    return replace(SemanticSettings(), **p)  # type: ignore[arg-type]


def outcome(f: Features, s: SemanticSettings) -> tuple[bool, bool, bool]:
    """(answered, false answer out of scope, confident wrong in scope) under settings *s*."""
    if f.small_talk or out_of_reach(f, s):  # no answer, with or without the model
        return False, False, False
    if skipped(f, s):
        top_entry = int(np.argmax(f.lexical))  # the model is not run: the lexical answer stands
        if f.redirect[top_entry]:
            return False, False, f.item.expect is not None
        if f.item.expect is None:
            return False, True, False
        return bool(f.good[top_entry]), False, not f.good[top_entry]
    sim = np.maximum(f.phrasing, f.answer * s.answer_discount)
    scaled = np.maximum((sim - s.floor) / (s.ceiling - s.floor), 0)
    semantic = np.minimum(scaled, 1) + s.above_ceiling * np.maximum(scaled - 1, 0)
    fused = s.lexical_weight * f.lexical + (1 - s.lexical_weight) * semantic
    order = np.argsort(-fused)
    top, second = fused[order[0]], fused[order[1]]
    confident = top >= confident_threshold(s, f.word_count) and top - second >= s.margin
    if not confident:
        return False, False, False
    if f.redirect[order[0]]:  # "not something the centre handles": a refusal
        return False, False, f.item.expect is not None
    if f.item.expect is None:
        return False, True, False
    right = bool(f.good[order[0]])
    return right, False, not right


def skipped(f: Features, s: SemanticSettings) -> bool:
    """True where the lexical match is clear enough that the model is not run."""
    lexical = np.sort(f.lexical)[::-1]
    return lexical_is_clear(s, float(lexical[0]), float(lexical[1]))


def out_of_reach(f: Features, s: SemanticSettings) -> bool:
    """True where not even a perfect semantic score could make the lexical best confident."""
    return not skipped(f, s) and beyond_reach(s, float(np.max(f.lexical)), f.word_count)


def model_share(data: list[Features], p: dict[str, float]) -> float:
    """Share of the questions (small talk aside) for which the model runs."""
    s = settings_of(p)
    asked = [f for f in data if not f.small_talk]
    return sum(not skipped(f, s) and not out_of_reach(f, s) for f in asked) / max(len(asked), 1)


def best_gate(data: list[Features], chosen: dict[str, float]) -> dict[str, float]:
    """Second stage: the lexical clarity from which the model is skipped, for *chosen* settings.

    The highest J wins; among equal J, the gate that runs the model least (throughput).
    """
    ranked = []
    for score, lead in itertools.product(*GATE.values()):
        p = {**chosen, "skip_lexical_score": score, "skip_lexical_lead": lead}
        ranked.append((round(objective(data, p)[0], 9), -model_share(data, p), p))
    return max(ranked, key=lambda item: item[:2])[2]


def objective(data: list[Features], p: dict[str, float]) -> tuple[float, float, float, float]:
    """J and its three shares."""
    inside = [f for f in data if f.item.expect is not None]
    outside = [f for f in data if f.item.expect is None]
    answered = wrong = false = 0
    settings = settings_of(p)
    for f in data:
        a, fa, w = outcome(f, settings)
        answered += a
        false += fa
        wrong += w
    a_rate = answered / max(len(inside), 1)
    f_rate = false / max(len(outside), 1)
    w_rate = wrong / max(len(inside), 1)
    return a_rate - 2 * f_rate - w_rate, a_rate, f_rate, w_rate


def best_settings(data: list[Features]) -> tuple[dict[str, float], tuple[float, ...]]:
    """The grid point with the highest J on *data*."""
    keys = list(GRID)
    best: tuple[dict[str, float], tuple[float, ...]] | None = None
    for values in itertools.product(*(GRID[k] for k in keys)):
        p = dict(zip(keys, values, strict=True))
        if p["ceiling"] <= p["floor"]:
            continue
        score = objective(data, p)
        if best is None or score[0] > best[1][0]:
            best = (p, score)
    assert best is not None
    return best


def main() -> None:
    """Cross-validate, then print the settings chosen on all tuning questions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--features", help="keep the computed features in this file (reused)")
    args = parser.parse_args()
    cached = Path(args.features) if args.features else None
    if cached is not None and cached.exists():
        data = pickle.loads(cached.read_bytes())
    else:
        data = features()
        if cached is not None:
            cached.write_bytes(pickle.dumps(data))
    print(f"{len(data)} tuning questions, {sum(f.item.expect is None for f in data)} out of scope")
    shuffled = data[:]
    random.Random(7).shuffle(shuffled)
    folds = [shuffled[i :: args.folds] for i in range(args.folds)]
    held_out: list[tuple[float, ...]] = []
    for k, fold in enumerate(folds):
        train = [f for j, other in enumerate(folds) if j != k for f in other]
        chosen, _ = best_settings(train)
        chosen = best_gate(train, chosen)
        held_out.append((*objective(fold, chosen), model_share(fold, chosen)))
        print(f"fold {k + 1}: chosen {chosen} -> held out {held_out[-1][1:]}")
    mean = np.mean(np.array(held_out), axis=0)
    print(
        f"cross-validated: answered {mean[1]:.1%}, false answers {mean[2]:.1%}, "
        f"confident wrong {mean[3]:.1%}, model run for {mean[4]:.1%}"
    )
    chosen, _ = best_settings(data)
    chosen = best_gate(data, chosen)
    score = objective(data, chosen)
    print(f"on all tuning questions: {chosen} -> answered {score[1]:.1%}, false {score[2]:.1%}, "
          f"wrong {score[3]:.1%}, model run for {model_share(data, chosen):.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
