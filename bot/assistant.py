"""The assistant: a question in, a short answer in the asker's language out (pure).

Telegram, the terminal chat and ``wegweiser ask`` all call :meth:`Assistant.reply`; none of them
decides anything about answers on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from babel.dates import format_date, format_time

from bot.bidi import for_reader
from bot.event_status import status_line
from bot.i18n import gettext, load_all
from bot.knowledge import KnowledgeBase
from bot.language import LanguageDetector
from bot.languages import NATIVE_NAMES, Lang
from bot.matching import Band, Match, Matcher, Thresholds
from bot.normalize import words
from bot.stopwords import load_stopwords, stopwords_of

MAX_QUESTION_CHARS = 1000
MAX_SUGGESTIONS = 3
# A suggestion must be at least this share of the best score to be worth showing.
SUGGESTION_FLOOR = 0.6

MSG_UNSURE = "Sorry, I am not quite sure what you mean. Did you mean one of these topics?"
MSG_NO_MATCH = "Sorry, I could not find an answer to that. A person from the centre can help you."
MSG_EMPTY = "Please type a question."
MSG_TOO_LONG = "Your message is very long. I have read the first {count} characters."
MSG_FALLBACK = "This answer is not available in {language} yet. Here it is in {fallback}:"


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

    @property
    def confident(self) -> bool:
        """True when the text is an answer from the knowledge base."""
        return self.band is Band.CONFIDENT

    def to_json(self) -> dict[str, Any]:
        """The JSON object ``wegweiser ask --json`` prints."""
        return {
            "question": self.question,
            "lang": self.lang,
            "entry": self.entry_id,
            "score": self.score,
            "confident": self.confident,
            "answer": self.text,
            "suggestions": [{"entry": s.entry_id, "title": s.title} for s in self.suggestions],
            "handoff_offered": self.handoff_offered,
        }


class Assistant:
    """Answers questions from one centre's knowledge base."""

    def __init__(
        self, kb: KnowledgeBase, matcher: Matcher, detector: LanguageDetector | None = None
    ) -> None:
        self.kb = kb
        self.matcher = matcher
        self.detector = detector or LanguageDetector()

    @classmethod
    def for_knowledge_base(
        cls,
        kb: KnowledgeBase,
        *,
        detector: LanguageDetector | None = None,
        thresholds: Thresholds | None = None,
    ) -> Assistant:
        """An assistant with the bundled stop words of the centre's languages."""
        stopwords = load_stopwords(kb.centre.languages)
        detector = detector or LanguageDetector(lexicons=lexicons_of(kb), names=verbatim_names(kb))
        return cls(kb, Matcher.from_knowledge_base(kb, stopwords, thresholds), detector)

    def warm_up(self) -> None:
        """Load language models, UI catalogs and date formats now, not on the first question."""
        self.detector.warm_up()
        load_all()
        moment = datetime.now(UTC)
        for lang in self.kb.centre.languages:
            format_date(moment, format="full", locale=lang)
            format_time(moment, format="short", locale=lang)
        self.reply("warm up")

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
        match = self.matcher.match(text) if text else Match(Band.NONE, ())
        chosen = lang or detection.lang
        prefix = [gettext(chosen, MSG_TOO_LONG, count=MAX_QUESTION_CHARS)] if notes else []
        if not any(ch.isalnum() for ch in text):  # empty, only emoji or punctuation
            return Reply(question, chosen, Band.NONE, None, 0.0, gettext(chosen, MSG_EMPTY))
        best = match.best
        considered = tuple((c.entry_id, c.score) for c in match.candidates)
        if match.band is Band.CONFIDENT and best is not None:
            answered = self.answer(best.entry_id, chosen, now=now, question=question)
            return replace(
                answered,
                text="\n".join([*prefix, answered.text]),
                score=best.score,
                considered=considered,
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
                considered=considered,
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
        return Reply(
            question,
            lang,
            Band.CONFIDENT,
            entry.id,
            1.0,
            "\n\n".join(parts),
            answer_lang=answer_lang,
        )

    def title(self, entry_id: str, lang: Lang) -> str:
        """The entry's title in *lang* (for menus and suggestions)."""
        entry = self.kb.entry(entry_id)
        return entry.title_in(lang) if entry else entry_id

    def _suggestion(self, entry_id: str, lang: Lang) -> Suggestion:
        return Suggestion(entry_id, self.title(entry_id, lang))


def lexicons_of(kb: KnowledgeBase) -> dict[Lang, frozenset[str]]:
    """Per language: its stop words and the folded words of its phrasings and titles."""
    lexicons: dict[Lang, set[str]] = {
        lang: set(stopwords_of(lang)) for lang in kb.centre.languages
    }
    for entry in kb.entries:
        for lang, phrasings in entry.questions.items():
            for text in (*phrasings, entry.title.get(lang, "")):
                lexicons.setdefault(lang, set()).update(words(text))
    return {lang: frozenset(found) for lang, found in lexicons.items()}


def verbatim_names(kb: KnowledgeBase) -> list[str]:
    """Keywords that stay as they are inside Arabic and Cyrillic answers: names, not words."""
    names = []
    for entry in kb.entries:
        for keyword in entry.keywords:
            needle = keyword.casefold()
            kept = sum(needle in entry.answers.get(lang, "").casefold() for lang in ("ar", "ru"))
            if kept == 2:
                names.append(keyword)
    return names
