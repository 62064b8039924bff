"""Answer quality and speed on the tuning part and the sealed test part, beside a baseline.

    python bench/accuracy.py [--details] [--part sealed|tuning|both] [--unseal]

The sealed part (``tests/sealed``) was written from ``../shared/seeds`` alone, before any tuning,
by someone who never saw the knowledge base's phrasings: it is the figure that counts. The tuning
part (``tests/devset``) is what weights and thresholds were chosen on (``bench/calibrate.py``).

Per language and overall, for the lexical matcher alone, the embedding model alone, both fused
(what ``wegweiser run`` uses) and a plain ``rapidfuzz.process.extractOne`` over the German
phrasings (confident at a score of 85): the share of in-scope questions answered confidently
*with the needed fact* (``expect_text``, else the right entry), top-1, the share of out-of-scope
questions refused (small talk, other authorities, anything else), replies in the asker's
language, and p50/p99 per question; then the resident memory with the model loaded.

``--details`` lists the misses of the tuning part only: the sealed part's questions stay unread
(whoever tunes must not see them) unless ``--unseal`` is given as well, e.g. for a final review.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from rapidfuzz import fuzz, process, utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.adapters.embedder import DiskStore, load_embedder  # noqa: E402
from bot.core.assistant import Assistant  # noqa: E402
from bot.core.evaluation import Labelled, Outcome, Tally, evaluate, load_set, tally  # noqa: E402
from bot.core.knowledge import KnowledgeBase, load_knowledge_base  # noqa: E402
from bot.core.languages import LANGS  # noqa: E402
from bot.core.semantic import FusedMatcher, SemanticSettings  # noqa: E402
from bot.settings import load_settings  # noqa: E402

CENTRES = ("duisburg", "duesseldorf", "krefeld")
BASELINE_CONFIDENT = 85.0
PARTS = {"sealed": ROOT / "tests" / "sealed", "tuning": ROOT / "tests" / "devset"}


def baseline(kb: KnowledgeBase, items: list[Labelled]) -> list[Outcome]:
    """extractOne over the German phrasings, as a first attempt would do it."""
    choices: list[str] = []
    owners: list[str] = []
    for entry in kb.entries:
        for phrasing in entry.questions.get("de", ()):
            choices.append(phrasing)
            owners.append(entry.id)
    outcomes = []
    for item in items:
        started = time.perf_counter()
        found = process.extractOne(
            item.question, choices, scorer=fuzz.WRatio, processor=utils.default_process
        )
        elapsed = time.perf_counter() - started
        best, confident = (
            (owners[found[2]], found[1] >= BASELINE_CONFIDENT) if found else (None, False)
        )
        answered = kb.entry(best) if best is not None else None
        text = answered.answers.get("de", "") if answered else ""
        outcomes.append(Outcome(item, best, confident, "de", elapsed, text))
    return outcomes


def assistants(kb: KnowledgeBase) -> dict[str, Assistant]:
    """The three ways of matching, on one knowledge base."""
    found = {"lexical": Assistant.for_knowledge_base(kb)}
    embedder = load_embedder()
    if embedder is None:
        print("(the embedding model is not installed here: lexical and baseline only)")
        return found
    store = DiskStore(load_settings().cache_dir)
    fused = Assistant.for_knowledge_base(kb, embedder=embedder, store=store)
    assert isinstance(fused.matcher, FusedMatcher)
    alone = replace(fused.matcher.settings, lexical_weight=0.0, skip_lexical_score=2.0)
    found["semantic"] = Assistant.for_knowledge_base(
        kb, embedder=embedder, store=store, semantic=alone
    )
    found["fused"] = fused
    return found


def row(key: str, t: Tally) -> str:
    """One line of the table."""
    p50, p99 = t.latency_ms()
    return (
        f"{key:<5}{len(t.seconds):>5}{t.in_scope:>5} {t.answered_rate:>8.1%}{t.top1_rate:>7.1%}"
        f"{t.refused_rate:>9.1%}{t.lang_rate:>8.1%}{p50:>8.2f}{p99:>8.2f}"
    )


def report(part: str, results: dict[str, list[Outcome]], details: bool) -> None:
    """The tables of one part."""
    print(f"\n=== {part} part ===")
    header = (
        f"{'lang':<5}{'n':>5}{'in':>5} {'answered':>8}{'top-1':>7}{'refused':>9}{'lang ok':>8}"
        f"{'p50 ms':>8}{'p99 ms':>8}"
    )
    for method, outcomes in results.items():
        tallies = tally(outcomes)
        print(f"\n{method}")
        print(header)
        print("-" * len(header))
        for key in [*LANGS, "all"]:
            if key in tallies:
                print(row(key, tallies[key]))
        everything = tallies["all"]
        print(
            f"in scope confident and wrong: {everything.confident_wrong}/{everything.in_scope}; "
            f"out of scope answered: {everything.oos_confident}/{everything.out_of_scope}"
        )
        by_kind = tally(outcomes, key=lambda o: o.item.kind)
        print(
            "answered/refused by kind: "
            + ", ".join(
                f"{kind} {t.answered_rate if t.in_scope else t.refused_rate:.0%}"
                for kind, t in by_kind.items()
                if kind != "all"
            )
        )
    if details and "fused" in results:
        misses: dict[str, list[str]] = defaultdict(list)
        for o in results["fused"]:
            if o.answered or (o.item.expect is None and not o.confident):
                continue
            misses[o.item.lang].append(
                f"  {o.item.question!r}: expected {o.item.expect} {list(o.item.expect_text)}, "
                f"got {o.best}{' (confident)' if o.confident else ''} [{o.item.kind}]"
            )
        for lang, lines in misses.items():
            print(f"\n{lang}:")
            print("\n".join(lines))


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--details", action="store_true", help="list every miss of 'fused' (tuning part)"
    )
    parser.add_argument(
        "--unseal", action="store_true", help="with --details: list the sealed part's misses too"
    )
    parser.add_argument("--part", choices=("sealed", "tuning", "both"), default="both")
    args = parser.parse_args()
    parts = ("sealed", "tuning") if args.part == "both" else (args.part,)
    results: dict[str, dict[str, list[Outcome]]] = {p: defaultdict(list) for p in parts}
    model_runs = asked = 0
    for centre in CENTRES:
        kb = load_knowledge_base(ROOT / "knowledge" / centre)
        ways = assistants(kb)
        for assistant in ways.values():
            assistant.warm_up()
        for part in parts:
            items = load_set(PARTS[part], centre)
            for method, assistant in ways.items():
                before = getattr(assistant.matcher, "model_runs", 0)
                results[part][method].extend(evaluate(assistant, items))
                if method == "fused":
                    model_runs += getattr(assistant.matcher, "model_runs", 0) - before
                    asked += len(items)
            results[part]["baseline"].extend(baseline(kb, items))
    for part in parts:
        details = args.details and (part == "tuning" or args.unseal)
        report(part, dict(results[part]), details)
        if args.details and not details:
            print(f"\n(the {part} part's misses are not listed: see --unseal)")
    if asked:
        print(f"\nfused: the model ran for {model_runs} of {asked} questions")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process (three knowledge bases, model): {rss:.0f} MB")
    print(f"defaults: {SemanticSettings()}")


if __name__ == "__main__":
    main()
