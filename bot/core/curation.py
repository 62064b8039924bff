"""What families asked and got no confident answer to, grouped for staff (pure, no I/O).

Kept questions (scrubbed of personal data, linked to nobody) come in three kinds: no answer at
all, an unsure one (the bot offered suggestions), and an answer the family rated "did not
help". :func:`group_questions` puts questions that say the same in other spellings together:
their content words (folded by :mod:`bot.core.normalize`, stop words of the eight languages
left out) are compared with rapidfuzz's ``token_sort_ratio``. Each group has a leader, its most
frequent wording; a question joins the first group whose leader is at least
:data:`SIMILARITY` alike, or leads a new one. A rated answer whose question is not known joins
the other ratings of the same entry.

The texts staff read are German (:mod:`bot.core.staff_texts`); buttons are plain data
(:mod:`bot.core.buttons`) with the schemes of :mod:`bot.core.callbacks`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel
from rapidfuzz import fuzz, process

from bot.core import callbacks
from bot.core import staff_texts as texts
from bot.core.assistant import SUGGESTION_FLOOR
from bot.core.buttons import Button, Keyboard
from bot.core.knowledge import KnowledgeBase
from bot.core.normalize import words
from bot.core.stopwords import load_stopwords

SIMILARITY = 85.0  # token_sort_ratio of the content words, 0..100
EXAMPLES = 2
EXAMPLE_CHARS = 160
TITLE_CHARS = 36
MARKERS = ("[Name]", "[Telefon]", "[E-Mail]", "[Link]")  # what bot.core.scrub puts in


class Reason(StrEnum):
    """Why a question is kept."""

    NONE = "none"  # no answer at all
    UNSURE = "unsure"  # not sure: suggestions were offered
    UNHELPFUL = "unhelpful"  # answered, and the family said it did not help


@dataclass(frozen=True)
class Asked:
    """One kept question (or one "did not help" whose question is not known: empty text)."""

    id: int
    text: str
    lang: str
    reason: Reason
    entry_id: str | None  # the entry that was answered, for UNHELPFUL
    asked_at: datetime


def similarity_key(text: str) -> str:
    """The folded content words of *text* (all its words if only stop words are left)."""
    folded = words(text)
    stopwords = load_stopwords()
    return " ".join([w for w in folded if w not in stopwords] or folded)


def alike(a: str, b: str) -> bool:
    """Do two similarity keys say the same?"""
    if not a or not b:
        return a == b
    return fuzz.token_sort_ratio(a, b) >= SIMILARITY


@dataclass(frozen=True)
class Group:
    """Questions that say the same; ``representative`` is the one whose text staff accept as a
    phrasing (of the leading wording, without scrubbed markers if one has none, newest)."""

    members: tuple[Asked, ...]
    representative: Asked

    @property
    def count(self) -> int:
        """How many kept questions (or ratings) the group has."""
        return len(self.members)

    @property
    def newest(self) -> datetime:
        """When the latest of them was asked."""
        return max(m.asked_at for m in self.members)

    @property
    def languages(self) -> list[tuple[str, int]]:
        """Languages with their counts, most frequent first."""
        return sorted(
            Counter(m.lang for m in self.members).items(), key=lambda kv: (-kv[1], kv[0])
        )

    @property
    def reasons(self) -> Counter[Reason]:
        """How many of each kind."""
        return Counter(m.reason for m in self.members)

    @property
    def rated_entries(self) -> list[str]:
        """The entries answered where the family said "did not help" (most frequent first)."""
        rated = Counter(m.entry_id for m in self.members if m.reason is Reason.UNHELPFUL)
        return [entry for entry, _ in rated.most_common() if entry]

    @property
    def question_known(self) -> bool:
        """False for ratings whose question is not known (nothing to add as a phrasing)."""
        return bool(self.representative.text)

    def examples(self, limit: int = EXAMPLES) -> list[str]:
        """Up to *limit* wordings, the most frequent (then newest) first; one that differs
        after folding beats one that only differs in case or punctuation."""
        ranked = [
            text for text, _ in Counter(m.text for m in self.members if m.text).most_common()
        ]
        chosen: list[str] = []
        for text in ranked:
            keys = {similarity_key(c) for c in chosen}
            if len(chosen) < limit and similarity_key(text) not in keys:
                chosen.append(text)
        chosen += [text for text in ranked if text not in chosen][: limit - len(chosen)]
        return chosen


def _representative(members: Sequence[Asked], leader: str) -> Asked:
    leading = [m for m in members if similarity_key(m.text) == leader] or list(members)
    return max(
        leading, key=lambda m: (not any(mark in m.text for mark in MARKERS), m.asked_at, m.id)
    )


def group_questions(items: Iterable[Asked]) -> list[Group]:
    """Every item in exactly one group; the largest groups first (then the most recent)."""
    with_text: list[Asked] = []
    unknown: dict[tuple[Reason, str | None], list[Asked]] = {}
    for item in items:
        if item.text:
            with_text.append(item)
        else:
            unknown.setdefault((item.reason, item.entry_id), []).append(item)
    by_key: dict[str, list[Asked]] = {}
    for item in with_text:
        by_key.setdefault(similarity_key(item.text), []).append(item)
    ordered = sorted(
        by_key.items(), key=lambda kv: (-len(kv[1]), -max(m.asked_at for m in kv[1]).timestamp())
    )
    leaders: list[str] = []
    members: list[list[Asked]] = []
    for key, found in ordered:
        match = (
            process.extractOne(key, leaders, scorer=fuzz.token_sort_ratio, score_cutoff=SIMILARITY)
            if key and leaders
            else None
        )
        if match is None:
            leaders.append(key)
            members.append(list(found))
        else:
            members[match[2]].extend(found)
    groups = [
        Group(_newest_first(found), _representative(found, leader))
        for leader, found in zip(leaders, members, strict=True)
    ]
    groups += [
        Group(_newest_first(found), max(found, key=lambda m: (m.asked_at, m.id)))
        for found in unknown.values()
    ]
    return sorted(groups, key=lambda g: (-g.count, -g.newest.timestamp(), g.representative.id))


def _newest_first(items: Iterable[Asked]) -> tuple[Asked, ...]:
    return tuple(sorted(items, key=lambda m: (m.asked_at, m.id), reverse=True))


def like(representative: Asked, items: Iterable[Asked]) -> list[Asked]:
    """The items a decision on *representative*'s group settles: those alike to it (the
    ratings of the same entry, for a rating whose question is not known)."""
    if not representative.text:
        return [
            m
            for m in items
            if not m.text
            and m.reason is representative.reason
            and m.entry_id == representative.entry_id
        ]
    key = similarity_key(representative.text)
    return [
        m
        for m in items
        if m.id == representative.id or (m.text and alike(key, similarity_key(m.text)))
    ]


# What staff read -----------------------------------------------------------------------------


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def overview_text(days: int, questions: int, groups: int, shown: int) -> str:
    """The first message of /unanswered."""
    if questions == 0:
        return texts.UNANSWERED_NONE.format(days=days)
    text = texts.UNANSWERED_HEADER.format(days=days, questions=questions, groups=groups)
    return f"{text} {texts.UNANSWERED_SHOWN.format(shown=shown)}" if shown < groups else text


def group_text(number: int, group: Group, title_of: Callable[[str], str]) -> str:
    """One group: how many, in which languages, why kept, one or two examples."""
    languages = ", ".join(f"{lang} {count}" for lang, count in group.languages)
    reasons = group.reasons
    parts = [
        texts.REASON_LABELS[reason].format(count=reasons[reason])
        for reason in Reason
        if reasons[reason]
    ]
    rated = group.rated_entries
    if rated:
        titles = ", ".join(f"„{title_of(entry)}“" for entry in rated)
        parts[-1] = f"{parts[-1]} {texts.RATED_ANSWER.format(titles=titles)}"
    lines = [texts.GROUP_LINE.format(number=number, count=group.count, languages=languages,
                                     reasons="; ".join(parts))]  # fmt: skip
    examples = group.examples()
    lines += [f"„{_short(text, EXAMPLE_CHARS)}“" for text in examples]
    if not examples:
        lines.append(texts.QUESTION_UNKNOWN)
    return "\n".join(lines)


def group_keyboard(group: Group, suggestions: Sequence[tuple[str, str]]) -> Keyboard:
    """ "➕ Formulierung von <title>" per suggested entry (id, title), then "Ignorieren"."""
    question_id = group.representative.id
    rows: list[tuple[Button, ...]] = []
    if group.question_known:
        rows += [
            (
                Button(
                    texts.BUTTON_ADD_PHRASING.format(title=_short(title, TITLE_CHARS)),
                    callbacks.add_phrasing(question_id, entry_id),
                ),
            )
            for entry_id, title in suggestions
        ]
    rows.append((Button(texts.BUTTON_IGNORE, callbacks.ignore_questions(question_id)),))
    return tuple(rows)


def suggested_entries(
    group: Group, candidates: Sequence[tuple[str, float]], kb: KnowledgeBase, limit: int = 3
) -> list[tuple[str, str]]:
    """(id, German title) of the matcher's candidates (id, score) for the group that come near
    the best (as the assistant's own suggestions do), without the entries the family already
    said did not help."""
    rated = set(group.rated_entries)
    floor = max((score for _, score in candidates), default=0.0) * SUGGESTION_FLOOR
    found = []
    for entry_id, score in candidates:
        entry = kb.entry(entry_id)
        if entry is not None and entry_id not in rated and score >= floor:
            found.append((entry_id, entry.title_in("de")))
    return found[:limit]


# The sealed test figure ----------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """Sealed questions answered confidently with the expected fact, of those in scope."""

    answered: int
    in_scope: int

    @property
    def rate(self) -> float:
        """The share answered (1.0 for an empty set)."""
        return self.answered / self.in_scope if self.in_scope else 1.0


def percent(rate: float) -> str:
    """90.8 % the German way: "90,8 %"."""
    return f"{rate * 100:.1f}".replace(".", ",") + " %"


def place_of(kb: KnowledgeBase) -> str:
    """The centre's town as staff call it: "Duisburg" of "Kommunales Integrationszentrum
    Duisburg" (the centre's id where the name says none)."""
    name = kb.centre.name
    for prefix in ("Kommunales Integrationszentrum", "KI"):
        if name.startswith(prefix + " "):
            return name.removeprefix(prefix).strip()
    return name or kb.centre.id


def figure_line(place: str, before: Figure, after: Figure) -> str:
    """ "Sealed-Testsatz Duisburg: 90,8 % → 91,0 % (+1 Frage)"."""
    change = after.answered - before.answered
    questions = texts.ONE_QUESTION if abs(change) == 1 else texts.QUESTIONS
    signed = f"+{change}" if change > 0 else ("±0" if change == 0 else f"−{-change}")
    return texts.SEALED_FIGURE.format(
        place=place, before=percent(before.rate), after=percent(after.rate),
        change=f"{signed} {questions}",
    )  # fmt: skip


def content_key(kb: KnowledgeBase) -> str:
    """A digest of everything the answers depend on (entries, contacts, events, small talk,
    the centre): the same content, the same key, whenever and however often it is loaded."""
    digest = hashlib.sha256()
    parts: tuple[BaseModel, ...] = (
        kb.centre, *kb.entries, *kb.contacts, *kb.events, *kb.smalltalk, *kb.templates,
    )  # fmt: skip
    for part in parts:
        digest.update(part.model_dump_json().encode("utf-8") + b"\x00")
    return digest.hexdigest()
