"""The assistant: a question in, a short answer in the asker's language out (pure).

Telegram, the terminal chat and ``wegweiser ask`` all call :meth:`Assistant.reply`; none of them
decides anything about answers on its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from babel.dates import format_date, format_time

from bot.core.bidi import for_reader
from bot.core.event_status import status_line
from bot.core.i18n import gettext, load_all
from bot.core.knowledge import Contact, KnowledgeBase
from bot.core.language import LanguageDetector
from bot.core.languages import NATIVE_NAMES, Lang, as_lang
from bot.core.matching import Band, Match, Matcher, Thresholds
from bot.core.normalize import cyrillic_words, words
from bot.core.semantic import Embedder, FusedMatcher, PassageStore, SemanticIndex, SemanticSettings
from bot.core.smalltalk import SmallTalkMatcher
from bot.core.stopwords import cyrillic_stopwords_of, load_stopwords, stopwords_of

MAX_QUESTION_CHARS = 1000
MAX_SUGGESTIONS = 3
# A suggestion must be at least this share of the best score to be worth showing.
SUGGESTION_FLOOR = 0.6
# Under a confident answer, a runner-up this close that would be confident itself is offered too
# ("Rucksack oder Griffbereit?"); on the tuning questions 1 answer in 20 offers one.
CLOSE_CALL = 0.05

MSG_UNSURE = "Sorry, I am not quite sure what you mean. Did you mean one of these topics?"
MSG_NO_MATCH = "Sorry, I could not find an answer to that. A person from the centre can help you."
MSG_EMPTY = "Please type a question."
MSG_TOO_LONG = "Your message is very long. I have read the first {count} characters."
MSG_FALLBACK = "This answer is not available in {language} yet. Here it is in {fallback}:"
MSG_CAN_DO = (
    "Ask me about the integration centre's offers, for example school for newly arrived "
    "children or volunteering, or ask for a person from the centre."
)

ReplyKind = Literal["answer", "redirect", "smalltalk", "unsure", "none"]


class QuestionMatcher(Protocol):
    """What the assistant needs of a matcher (lexical alone, or fused with the semantic one)."""

    @property
    def vocabulary_size(self) -> int:
        """Number of distinct folded words indexed."""
        ...

    def match(self, text: str, limit: int = 3) -> Match:
        """The band and the best candidates for *text*."""
        ...

    def needs_model(self, text: str) -> bool:
        """True when matching *text* would run an embedding model (milliseconds of CPU)."""
        ...


@dataclass(frozen=True)
class Suggestion:
    """An entry offered when the assistant is not sure."""

    entry_id: str
    title: str


@dataclass(frozen=True)
class Reply:
    """What the assistant says to one question."""

    question: str
    lang: Lang
    band: Band
    entry_id: str | None
    score: float
    text: str
    suggestions: tuple[Suggestion, ...] = ()
    handoff_offered: bool = False
    answer_lang: Lang | None = None
    considered: tuple[tuple[str, float], ...] = ()  # (entry id, score) the matcher weighed
    kind: ReplyKind = "none"
    place: str | None = None  # the address under the answer (Telegram adds a map link)

    @property
    def confident(self) -> bool:
        """True when the text is an answer of the centre from the knowledge base."""
        return self.band is Band.CONFIDENT and self.kind == "answer"

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``wegweiser ask --json`` prints."""
        return {
            "question": self.question,
            "lang": self.lang,
            "entry": self.entry_id,
            "score": self.score,
            "confident": self.confident,
            "kind": self.kind,
            "answer": self.text,
            "suggestions": [{"entry": s.entry_id, "title": s.title} for s in self.suggestions],
            "handoff_offered": self.handoff_offered,
        }


class Assistant:
    """Answers questions from one centre's knowledge base."""

    def __init__(
        self,
        kb: KnowledgeBase,
        matcher: QuestionMatcher,
        detector: LanguageDetector | None = None,
        *,
        embedder: Embedder | None = None,
        store: PassageStore | None = None,
    ) -> None:
        self.kb = kb
        self.matcher = matcher
        self.detector = detector or LanguageDetector()
        self.smalltalk = SmallTalkMatcher(kb.smalltalk)
        self.embedder = embedder
        self.store = store

    @classmethod
    def for_knowledge_base(
        cls,
        kb: KnowledgeBase,
        *,
        detector: LanguageDetector | None = None,
        thresholds: Thresholds | None = None,
        embedder: Embedder | None = None,
        store: PassageStore | None = None,
        semantic: SemanticSettings | None = None,
    ) -> Assistant:
        """An assistant with the bundled stop words; fused with *embedder*'s scores if given."""
        stopwords = load_stopwords(kb.centre.languages)
        detector = detector or LanguageDetector(
            lexicons=lexicons_of(kb),
            names=verbatim_names(kb),
            cyrillic=cyrillic_lexicons_of(kb),
        )
        lexical = Matcher.from_knowledge_base(kb, stopwords, thresholds)
        matcher: QuestionMatcher = lexical
        if embedder is not None:
            matcher = FusedMatcher(lexical, SemanticIndex(kb, embedder, store, semantic))
        return cls(kb, matcher, detector, embedder=embedder, store=store)

    def with_knowledge_base(self, kb: KnowledgeBase) -> Assistant:
        """A new assistant for an edited *kb*, with the same model and vector store."""
        return Assistant.for_knowledge_base(kb, embedder=self.embedder, store=self.store)

    @property
    def semantic(self) -> bool:
        """True when answers use the embedding model beside the lexical matcher."""
        return isinstance(self.matcher, FusedMatcher)

    def warm_up(self) -> None:
        """Load language models, UI catalogs and date formats now, not on the first question."""
        self.detector.warm_up()
        load_all()
        moment = datetime.now(UTC)
        for lang in self.kb.centre.languages:
            format_date(moment, format="full", locale=lang)
            format_time(moment, format="short", locale=lang)
        self.reply("warm up")

    def needs_model(self, question: str) -> bool:
        """True when :meth:`reply` would run the embedding model for *question* (5-30 ms: worth
        a worker thread); False where the lexical match decides or the result is remembered."""
        return self.matcher.needs_model(question.strip()[:MAX_QUESTION_CHARS])

    def reply(
        self,
        question: str,
        *,
        lang: Lang | None = None,
        hint: str | None = None,
        now: datetime | None = None,
    ) -> Reply:
        """Answer *question*; *lang* is the user's explicit choice, *hint* e.g. Telegram's."""
        text = question.strip()
        notes: list[str] = []
        if len(text) > MAX_QUESTION_CHARS:
            text = text[:MAX_QUESTION_CHARS]
            notes.append(MSG_TOO_LONG)
        detection = self.detector.detect(text, hint)
        small_talk = self.smalltalk.find(text)
        if small_talk is not None:
            chosen = lang or _small_talk_lang(small_talk.langs, detection.lang, as_lang(hint))
            body = f"{small_talk.item.answer_in(chosen)} {gettext(chosen, MSG_CAN_DO)}"
            return Reply(question, chosen, Band.NONE, None, 0.0, body, kind="smalltalk")
        chosen = lang or detection.lang
        if not any(ch.isalnum() for ch in text):  # empty, only emoji or punctuation
            return Reply(question, chosen, Band.NONE, None, 0.0, gettext(chosen, MSG_EMPTY))
        match = self.matcher.match(text)
        prefix = [gettext(chosen, MSG_TOO_LONG, count=MAX_QUESTION_CHARS)] if notes else []
        best = match.best
        considered = tuple((c.entry_id, c.score) for c in match.candidates)
        if match.band is Band.CONFIDENT and best is not None:
            answered = self.answer(best.entry_id, chosen, now=now, question=question)
            return replace(
                answered,
                text="\n".join([*prefix, answered.text]),
                score=best.score,
                considered=considered,
                suggestions=self._close_calls(match, chosen),
            )
        if match.band is Band.UNSURE and best is not None:
            floor = best.score * SUGGESTION_FLOOR
            suggestions = tuple(
                self._suggestion(c.entry_id, chosen)
                for c in match.candidates[:MAX_SUGGESTIONS]
                if c.score >= floor
            )
            body = "\n".join([*prefix, gettext(chosen, MSG_UNSURE)])
            return Reply(
                question, chosen, Band.UNSURE, best.entry_id, best.score, body, suggestions, True,
                considered=considered, kind="unsure",
            )  # fmt: skip
        body = "\n".join([*prefix, gettext(chosen, MSG_NO_MATCH)])
        score = best.score if best else 0.0
        return Reply(
            question, chosen, Band.NONE, None, score, body, (), True, considered=considered
        )

    def answer(
        self,
        entry_id: str,
        lang: Lang,
        *,
        now: datetime | None = None,
        question: str = "",
    ) -> Reply:
        """The answer of one entry in *lang* (e.g. after the user picked a suggestion)."""
        entry = self.kb.entry(entry_id)
        if entry is None:
            return Reply(
                question, lang, Band.NONE, None, 0.0, gettext(lang, MSG_NO_MATCH), (), True
            )
        found = entry.answer_in(lang)
        if found is None:  # the checker forbids this; keep the user informed all the same
            return Reply(
                question, lang, Band.NONE, None, 0.0, gettext(lang, MSG_NO_MATCH), (), True
            )
        answer_lang, body = found
        parts: list[str] = []
        if answer_lang != lang:
            parts.append(
                gettext(
                    lang,
                    MSG_FALLBACK,
                    language=NATIVE_NAMES[lang],
                    fallback=NATIVE_NAMES[answer_lang],
                )
            )
        parts.append(for_reader(body, answer_lang))
        event = self.kb.event(entry.event) if entry.event else None
        if event is not None:
            moment = now or datetime.now(UTC)
            parts.append(status_line(event, self.kb.centre.tz, lang, moment))
        place = self.kb.place_of(entry)
        block = contact_block(place, self.kb.contact_of(entry), lang, body)
        if block:
            parts.append(for_reader(block, lang))
        return Reply(
            question,
            lang,
            Band.CONFIDENT,
            entry.id,
            1.0,
            "\n\n".join(parts),
            handoff_offered=entry.kind == "redirect",
            answer_lang=answer_lang,
            kind=entry.kind,
            place=place.address if place else None,
        )

    def title(self, entry_id: str, lang: Lang) -> str:
        """The entry's title in *lang* (for menus and suggestions)."""
        entry = self.kb.entry(entry_id)
        return entry.title_in(lang) if entry else entry_id

    def _close_calls(self, match: Match, lang: Lang) -> tuple[Suggestion, ...]:
        """Close runners-up (answers, not redirects) that would be confident answers themselves."""
        best = match.candidates[0].score
        return tuple(
            self._suggestion(c.entry_id, lang)
            for c in match.candidates[1:MAX_SUGGESTIONS]
            if c.score >= match.threshold
            and best - c.score < CLOSE_CALL
            and (entry := self.kb.entry(c.entry_id)) is not None
            and entry.kind == "answer"
        )

    def _suggestion(self, entry_id: str, lang: Lang) -> Suggestion:
        return Suggestion(entry_id, self.title(entry_id, lang))


def contact_block(place: Contact | None, contact: Contact | None, lang: Lang, body: str) -> str:
    """Where to go and whom to contact, verbatim, under an answer (what the body lacks of it).

    ``📍 <address>`` of the entry's place, then ``☎ <phone> · ✉ <e-mail> — <role>: <name>`` of
    its contact, so a family always knows whose number it is.
    """
    lines = []
    if place is not None and place.address and place.address not in body:
        label = "" if place == contact else f" ({place.role_in(lang)})"
        lines.append(f"📍 {place.address}{label}")
    if contact is not None:
        reach = [(icon, v) for icon, v in (("☎", contact.phone), ("✉", contact.email)) if v]
        told = all(v in body for _, v in reach) and (not contact.name or contact.name in body)
        if reach and not told:
            lines.append(
                " · ".join(f"{icon} {v}" for icon, v in reach) + f" — {_who(contact, lang)}"
            )
        elif not reach and contact != place and contact.address and contact.address not in body:
            lines.append(f"📍 {contact.address} ({_who(contact, lang)})")
    return "\n".join(lines)


def _who(contact: Contact, lang: Lang) -> str:
    role = contact.role_in(lang)
    return f"{role}: {contact.name}" if contact.name and contact.name not in role else role


def _small_talk_lang(phrased_in: frozenset[Lang], detected: Lang, hint: Lang | None) -> Lang:
    """The detected language if the phrasing is one of it ("hallo" is de and ro), else the
    user's Telegram language if it is, else the phrasing's language."""
    for candidate in (detected, hint):
        if candidate is not None and candidate in phrased_in:
            return candidate
    return min(phrased_in) if phrased_in else detected


def _phrasings_and_titles(kb: KnowledgeBase) -> Iterator[tuple[Lang, str]]:
    """Every phrasing and title of *kb*, with its language."""
    for entry in kb.entries:
        for lang, phrasings in entry.questions.items():
            for text in (*phrasings, entry.title.get(lang, "")):
                yield lang, text


def lexicons_of(kb: KnowledgeBase) -> dict[Lang, frozenset[str]]:
    """Per language: its stop words and the folded words of its phrasings and titles."""
    lexicons: dict[Lang, set[str]] = {
        lang: set(stopwords_of(lang)) for lang in kb.centre.languages
    }
    for lang, text in _phrasings_and_titles(kb):
        lexicons.setdefault(lang, set()).update(words(text))
    return {lang: frozenset(found) for lang, found in lexicons.items()}


def cyrillic_lexicons_of(kb: KnowledgeBase) -> dict[Lang, frozenset[str]]:
    """Per language: the Cyrillic words, unfolded, of its stop words, phrasings, titles and
    small talk ("добрий" is Ukrainian, "добрый" Russian; folded, both are "dobryi")."""
    lexicons: dict[Lang, set[str]] = {
        lang: set(cyrillic_stopwords_of(lang)) for lang in kb.centre.languages
    }
    small_talk = (
        (lang, text)
        for talk in kb.smalltalk
        for lang, phrasings in talk.questions.items()
        for text in phrasings
    )
    for lang, text in itertools.chain(_phrasings_and_titles(kb), small_talk):
        lexicons.setdefault(lang, set()).update(cyrillic_words(text))
    return {lang: frozenset(found) for lang, found in lexicons.items() if found}


def verbatim_names(kb: KnowledgeBase) -> list[str]:
    """Keywords that stay as they are inside Arabic and Cyrillic answers, and the towns of the
    addresses ("Düsseldorf" in "KI Dusseldorf adres" is Turkish): names, not words."""
    names = kb.towns()
    for entry in kb.entries:
        for keyword in entry.keywords:
            needle = keyword.casefold()
            kept = sum(needle in entry.answers.get(lang, "").casefold() for lang in ("ar", "ru"))
            if kept == 2:
                names.append(keyword)
    return names
