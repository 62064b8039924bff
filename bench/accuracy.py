"""Answer quality and speed on the labelled development set, beside a plain rapidfuzz baseline.

    python bench/accuracy.py [--details]

Per language and overall: top-1 accuracy (the best entry is the right one), the share of
out-of-scope questions answered confidently (false answers), the share answered in the asker's
language, and the latency per question (p50/p99). The baseline, measured in the same run, is
``rapidfuzz.process.extractOne`` over the German phrasings of the same knowledge base with its
default scorer (WRatio); it "answers confidently" at a score of 85 or more.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

from rapidfuzz import fuzz, process, utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import Assistant  # noqa: E402
from bot.evaluation import Labelled, Outcome, evaluate, load_labelled, percentiles_ms, tally  # noqa: E402
from bot.knowledge import KnowledgeBase, load_knowledge_base  # noqa: E402
from bot.languages import LANGS  # noqa: E402

CENTRES = ("duisburg", "duesseldorf", "krefeld")
BASELINE_CONFIDENT = 85.0


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
        outcomes.append(Outcome(item, best, confident, item.lang, elapsed))
    return outcomes


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--details", action="store_true", help="list every miss")
    args = parser.parse_args()

    ours: list[Outcome] = []
    base: list[Outcome] = []
    for centre in CENTRES:
        kb = load_knowledge_base(ROOT / "knowledge" / centre)
        assistant = Assistant.for_knowledge_base(kb)
        assistant.warm_up()
        items = load_labelled(ROOT / "tests" / "devset" / f"{centre}.yaml")
        ours.extend(evaluate(assistant, items))
        base.extend(baseline(kb, items))

    mine, theirs = tally(ours), tally(base)
    print(f"{len(ours)} labelled questions, {mine['all'].out_of_scope} of them out of scope\n")
    header = (
        f"{'lang':<5}{'n':>5} | {'top-1':>7}{'false':>7}{'lang ok':>8}{'p50 ms':>8}{'p99 ms':>8}"
        f" | {'baseline top-1':>15}{'false':>7}{'p50 ms':>8}{'p99 ms':>8}"
    )
    print(header)
    print("-" * len(header))
    for key in [*LANGS, "all"]:
        m, t = mine[key], theirs[key]
        m50, m99 = m.latency_ms()
        t50, t99 = t.latency_ms()
        print(
            f"{key:<5}{len(m.seconds):>5} | {m.top1_rate:>7.1%}{m.false_answer_rate:>7.1%}"
            f"{m.lang_rate:>8.1%}{m50:>8.2f}{m99:>8.2f}"
            f" | {t.top1_rate:>15.1%}{t.false_answer_rate:>7.1%}{t50:>8.2f}{t99:>8.2f}"
        )
    everything = mine["all"]
    print(
        f"\nconfident and right: {everything.confident_right}/{everything.in_scope} in scope; "
        f"confident and wrong: {everything.confident_wrong}; "
        f"false answers out of scope: {everything.oos_confident}/{everything.out_of_scope}"
    )
    by_kind = tally(ours, key=lambda o: o.item.kind)
    print(
        "top-1 by kind: "
        + ", ".join(
            f"{kind} {t.top1_rate:.0%}"
            for kind, t in by_kind.items()
            if kind not in {"all", "out_of_scope"}
        )
    )
    p50, p99 = percentiles_ms([o.seconds for o in ours])
    print(f"latency over all questions: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    if args.details:
        misses: dict[str, list[str]] = defaultdict(list)
        for o in ours:
            if o.top1 or (o.item.expect is None and not o.confident):
                continue
            misses[o.item.lang].append(
                f"  {o.item.question!r}: expected {o.item.expect}, got {o.best}"
                f"{' (confident)' if o.confident else ''} [{o.item.kind}]"
            )
        for lang, lines in misses.items():
            print(f"\n{lang}:")
            print("\n".join(lines))
        wrong_lang = [o for o in ours if o.lang != o.item.lang]
        if wrong_lang:
            print("\nanswered in another language:")
            for o in wrong_lang:
                print(f"  {o.item.question!r}: {o.item.lang} -> {o.lang}")


if __name__ == "__main__":
    main()
