"""How the cost per question grows with the size of the knowledge base.

    python bench/scale.py [--sizes 500,1000,2000,5000] [--questions 400]

A synthetic knowledge base (N entries x 8 languages x 3 phrasings, pseudo-words in Latin,
Cyrillic and Arabic script, a shared Zipf-like pool of common words plus a few words that belong
to one entry) is indexed; then questions made from phrasings with a dropped word and a typo are
answered with the full assistant (language detection included). Printed per size: index build
time, vocabulary, top-1 accuracy and p50/p99 per question, beside a plain rapidfuzz
``extractOne`` over the German phrasings of the same base.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from pathlib import Path

from rapidfuzz import fuzz, process, utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.assistant import Assistant  # noqa: E402
from bot.core.evaluation import percentiles_ms  # noqa: E402
from bot.core.knowledge import Centre, Entry, KnowledgeBase  # noqa: E402
from bot.core.languages import LANGS, Lang  # noqa: E402

SYLLABLES = (
    "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fe", "gi",
    "ho", "ju", "le", "ma", "no", "pi", "re", "so", "tu", "va", "ze",
)  # fmt: skip
TO_CYRILLIC = str.maketrans("abdefghijklmnoprstuvz", "абдефгхийклмнопрстувз")
TO_ARABIC = str.maketrans(dict(zip("abdefghijklmnoprstuvz", "ابديفغهيجكلمنوبرستوفز", strict=True)))


def pseudo_word(rng: random.Random) -> str:
    """A pronounceable nonsense word of 2-4 syllables."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def in_script(word: str, lang: Lang) -> str:
    """The word written in the script of *lang*."""
    if lang in ("bg", "uk", "ru"):
        return word.translate(TO_CYRILLIC)
    if lang == "ar":
        return word.translate(TO_ARABIC)
    return word


def synthetic_kb(size: int, rng: random.Random) -> KnowledgeBase:
    """*size* entries, each with 3 phrasings in each of the eight languages."""
    common = [pseudo_word(rng) for _ in range(2000)]
    weights = [1 / (rank + 1) for rank in range(len(common))]
    entries = []
    for index in range(size):
        own = [pseudo_word(rng) for _ in range(3)]
        questions: dict[Lang, tuple[str, ...]] = {}
        for lang in LANGS:
            phrasings = []
            for _ in range(3):
                shared = rng.choices(common, weights=weights, k=rng.randint(2, 5))
                picked = [*rng.sample(own, 2), *shared]
                rng.shuffle(picked)
                phrasings.append(" ".join(in_script(w, lang) for w in picked))
            questions[lang] = tuple(phrasings)
        entries.append(
            Entry(
                id=f"e{index}",
                topic="about",
                source="synthetic",
                last_reviewed=date(2026, 1, 1),
                title={lang: f"{in_script(own[0], lang)} {index}" for lang in LANGS},
                questions=questions,
                answers={lang: f"answer {index}" for lang in LANGS},
            )
        )
    centre = Centre(id="synthetic", name="Synthetic", source="synthetic")
    return KnowledgeBase(Path("synthetic"), centre, tuple(entries))


def with_typo(text: str, rng: random.Random) -> str:
    """Drop one word (if there are several) and swap two letters of another."""
    words = text.split()
    if len(words) > 3:
        words.pop(rng.randrange(len(words)))
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 3:
        j = rng.randrange(len(w) - 1)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def measure(size: int, count: int) -> None:
    """Build, ask, print one line."""
    rng = random.Random(size)
    kb = synthetic_kb(size, rng)
    started = time.perf_counter()
    assistant = Assistant.for_knowledge_base(kb)
    build = time.perf_counter() - started
    assistant.warm_up()
    questions = []
    for _ in range(count):
        entry = rng.choice(kb.entries)
        lang = rng.choice(LANGS)
        questions.append((with_typo(rng.choice(entry.questions[lang]), rng), entry.id))

    times, right = [], 0
    for question, expected in questions:
        t0 = time.perf_counter()
        reply = assistant.reply(question)
        times.append(time.perf_counter() - t0)
        right += reply.entry_id == expected

    choices = [q for e in kb.entries for q in e.questions["de"]]
    owners = [e.id for e in kb.entries for _ in e.questions["de"]]
    base_times, base_right = [], 0
    for question, expected in questions:
        t0 = time.perf_counter()
        found = process.extractOne(
            question, choices, scorer=fuzz.WRatio, processor=utils.default_process
        )
        base_times.append(time.perf_counter() - t0)
        base_right += bool(found) and owners[found[2]] == expected

    p50, p99 = percentiles_ms(times)
    b50, b99 = percentiles_ms(base_times)
    docs = sum(len(q) for e in kb.entries for q in e.questions.values())
    print(
        f"{size:>6} {docs:>8} {assistant.matcher.vocabulary_size:>7} {build:>8.2f} "
        f"| {right / count:>6.1%} {p50:>7.2f} {p99:>7.2f} "
        f"| {base_right / count:>8.1%} {b50:>7.2f} {b99:>7.2f}"
    )


def main() -> None:
    """Print one line per size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="500,1000,2000,5000")
    parser.add_argument("--questions", type=int, default=400)
    args = parser.parse_args()
    print(
        f"{'entries':>6} {'texts':>8} {'words':>7} {'build s':>8} "
        f"| {'top-1':>6} {'p50 ms':>7} {'p99 ms':>7} "
        f"| {'base top-1':>8} {'p50 ms':>7} {'p99 ms':>7}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        measure(size, args.questions)


if __name__ == "__main__":
    main()
