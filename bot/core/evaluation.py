"""Measure answer quality on labelled questions (used by the tests and ``bench/accuracy.py``).

A labelled file is a YAML list of ``{lang, q, expect, also, expect_text, kind}``: ``expect`` is the
entry id the question is about (``also``: others that answer it as well), or null when the centre
has no answer for it (out of scope: small talk, other authorities, anything else);
``expect_text`` lists the facts (verbatim: an address, a phone number, a programme's name) that a
right answer must contain. A time of day is the one fact that is written the local way in every
language ("13 bis 18 Uhr", "saat 13.00 ile 18.00", "from 1 to 6 pm"): it counts when the same hours
follow each other in the answer (see :func:`holds_fact`).

The figure that counts is :attr:`Tally.answered_rate`: the share of in-scope questions that got a
confident answer containing every expected fact (or, with no fact listed, the right entry).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import quantiles

import yaml

from bot.core.assistant import Assistant
from bot.core.bidi import strip_isolates
from bot.core.languages import LANGS, Lang, as_lang


@dataclass(frozen=True)
class Labelled:
    """One labelled question."""

    lang: Lang
    question: str
    expect: str | None
    kind: str
    also: tuple[str, ...] = ()
    expect_text: tuple[str, ...] = ()

    @property
    def right_entries(self) -> frozenset[str]:
        """The entries that answer the question."""
        return frozenset((self.expect, *self.also)) if self.expect else frozenset()


@dataclass(frozen=True)
class Outcome:
    """What happened to one labelled question."""

    item: Labelled
    best: str | None
    confident: bool
    lang: Lang
    seconds: float
    text: str = ""

    @property
    def top1(self) -> bool:
        """In scope and the best candidate is one of the right entries."""
        return self.best in self.item.right_entries

    @property
    def answered(self) -> bool:
        """In scope, confident, and the answer holds every expected fact (or is the right one)."""
        if self.item.expect is None or not self.confident:
            return False
        if self.item.expect_text:
            return all(holds_fact(self.text, fact) for fact in self.item.expect_text)
        return self.top1

    @property
    def false_confident(self) -> bool:
        """A confident answer that is wrong (or any confident answer out of scope)."""
        return self.confident and not self.top1 and not self.answered


# A range of hours the way the seeds write it: "13 bis 18 Uhr", "13-18 Uhr", "13:00 bis 18 Uhr".
_HOUR_RANGE = re.compile(r"(\d{1,2})(?:[:.]00)?\s*(?:bis|-|–)\s*(\d{1,2})(?:[:.]00)?\s*Uhr")
# An hour in any language: one or two digits, not part of a longer number, a date or a phone
# number ("12. Juni" is a day, "0203-283" no hour); an "am/pm" after it is kept.
_HOUR = re.compile(
    r"(?<![\d.,/-])(\d{1,2})(?:[:.]00)?(?!\d|[.,/-]\d|\.\s)\s*(pm|p\.m\.|am|a\.m\.)?", re.I
)


def hours_in(text: str) -> list[int]:
    """The hours of the day in *text*, in order, on the 24-hour clock ("1 to 6 pm" → 13, 18)."""
    found = [(int(m.group(1)), (m.group(2) or "").casefold()) for m in _HOUR.finditer(text)]
    hours = [h for h, _ in found]
    for i, (hour, suffix) in enumerate(found):
        if suffix.startswith("p"):
            hours[i] = hour + 12 if hour < 12 else hour
            if i and found[i - 1][1] == "" and hours[i - 1] < 12 <= hours[i]:
                hours[i - 1] += 12  # "from 1 to 6 pm": the pm belongs to both
    return [h for h in hours if h <= 24]


def holds_fact(text: str, fact: str) -> bool:
    """True if *text* contains *fact*: verbatim (case aside), or, for a range of hours, the same
    hours one after the other in whatever way the language writes them."""
    if fact.casefold() in text.casefold():
        return True
    hour_range = _HOUR_RANGE.fullmatch(fact.strip())
    if hour_range is None:
        return False
    wanted = [int(hour_range.group(1)), int(hour_range.group(2))]
    hours = hours_in(text)
    return any(hours[i : i + 2] == wanted for i in range(len(hours) - 1))


@dataclass
class Tally:
    """Counts for one language (or all)."""

    in_scope: int = 0
    top1: int = 0
    answered: int = 0
    confident_right: int = 0
    confident_wrong: int = 0
    out_of_scope: int = 0
    oos_confident: int = 0
    lang_right: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        self.seconds.append(outcome.seconds)
        self.lang_right += outcome.lang == outcome.item.lang
        if outcome.item.expect is None:
            self.out_of_scope += 1
            self.oos_confident += outcome.confident
            return
        self.in_scope += 1
        self.top1 += outcome.top1
        self.answered += outcome.answered
        self.confident_right += outcome.confident and outcome.top1
        self.confident_wrong += outcome.false_confident

    @property
    def top1_rate(self) -> float:
        """Share of in-scope questions whose best candidate is right."""
        return self.top1 / self.in_scope if self.in_scope else 1.0

    @property
    def answered_rate(self) -> float:
        """Share of in-scope questions answered confidently with the needed fact."""
        return self.answered / self.in_scope if self.in_scope else 1.0

    @property
    def refused_rate(self) -> float:
        """Share of out-of-scope questions not answered as if the centre knew."""
        return 1.0 - self.false_answer_rate if self.out_of_scope else 1.0

    @property
    def false_answer_rate(self) -> float:
        """Share of out-of-scope questions answered confidently."""
        return self.oos_confident / self.out_of_scope if self.out_of_scope else 0.0

    @property
    def lang_rate(self) -> float:
        """Share of questions answered in the language they were asked in."""
        total = len(self.seconds)
        return self.lang_right / total if total else 1.0

    def latency_ms(self) -> tuple[float, float]:
        """p50 and p99 of the time per question, in milliseconds."""
        return percentiles_ms(self.seconds)


def percentiles_ms(seconds: list[float]) -> tuple[float, float]:
    """p50 and p99 of *seconds*, in milliseconds."""
    if not seconds:
        return 0.0, 0.0
    if len(seconds) == 1:
        return seconds[0] * 1000, seconds[0] * 1000
    cuts = quantiles(seconds, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


def load_labelled(path: Path) -> list[Labelled]:
    """Read a labelled YAML file."""
    items = []
    for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
        lang = as_lang(str(raw["lang"]))
        if lang is None:
            raise ValueError(f"{path}: unknown language {raw['lang']!r}")
        items.append(
            Labelled(
                lang,
                str(raw["q"]),
                raw.get("expect"),
                str(raw.get("kind", "")),
                tuple(str(a) for a in raw.get("also") or ()),
                tuple(str(t) for t in raw.get("expect_text") or ()),
            )
        )
    return items


def load_set(folder: Path, centre: str) -> list[Labelled]:
    """Every labelled file of *centre* in *folder* (``<centre>.yaml``, ``extra-<centre>.yaml``)."""
    return [
        item
        for name in (f"{centre}.yaml", f"extra-{centre}.yaml")
        if (folder / name).exists()
        for item in load_labelled(folder / name)
    ]


def evaluate(assistant: Assistant, items: Iterable[Labelled]) -> list[Outcome]:
    """Ask every question (with no language given) and record the outcome and time."""
    outcomes = []
    for item in items:
        started = time.perf_counter()
        reply = assistant.reply(item.question)
        elapsed = time.perf_counter() - started
        text = strip_isolates(reply.text)
        outcomes.append(Outcome(item, reply.entry_id, reply.confident, reply.lang, elapsed, text))
    return outcomes


def tally(
    outcomes: Iterable[Outcome], key: Callable[[Outcome], str] = lambda o: o.item.lang
) -> dict[str, Tally]:
    """Tallies by *key* (default: language), plus ``"all"``."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    for outcome in outcomes:
        tallies[key(outcome)].add(outcome)
        tallies["all"].add(outcome)
    order = [*LANGS, "all"]
    return dict(
        sorted(tallies.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    )
