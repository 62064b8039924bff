"""Questions: answering from the knowledge base, keeping what found no confident answer
(without the asker), the "did this help?" votes (without the voter), and what each question got
(an anonymous event for the statistics, written in groups by the :class:`ActivityLog`)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.assistant import Reply
from bot.core.curation import Reason
from bot.core.insights import Activity, ActivityKind, question_activity
from bot.core.languages import Lang
from bot.core.matching import Band
from bot.core.scrub import scrub
from bot.db.unit_of_work import Database
from bot.services.activity_log import ActivityLog
from bot.services.knowledge import KnowledgeService
from bot.services.ports import Clock

VOTES_REMEMBERED = 100_000  # (chat, answer) pairs that voted, newest kept
ASKED_REMEMBERED = 5000  # chats whose last answered question is kept (in memory) for a "no"


@dataclass(frozen=True)
class Answer:
    """The assistant's reply, and the topic of the entry it answered with (the handler shows
    the events or the volunteering list after such an answer)."""

    reply: Reply
    topic: str | None


class QuestionService:
    """Answers questions with the running assistant and stores what staff learn from."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        knowledge: KnowledgeService,
        activity: ActivityLog,
    ) -> None:
        self.database = database
        self.clock = clock
        self.knowledge = knowledge
        self.activity = activity  # its owner closes it (the bot's stop)
        self._voted: OrderedDict[tuple[int, str], None] = OrderedDict()
        # Per chat, in memory only: the entry last answered and the question (scrubbed), so
        # that a "did not help" is kept with the question that got that answer.
        self._asked: OrderedDict[int, tuple[str, str]] = OrderedDict()

    async def answer(
        self,
        text: str,
        *,
        lang: Lang | None,
        hint: str | None,
        names: Sequence[str] = (),
        chat_id: int | None = None,
    ) -> Answer:
        """Answer *text* (in *lang* if the user chose one); a question without a confident
        answer (none at all, or unsure: suggestions offered) is kept, text, language and why
        only, for staff to extend the knowledge base — with phone numbers, e-mail addresses and
        names (the asker's *names* too) taken out first. For a confident answer, *chat_id*'s
        question is remembered in memory until its vote."""
        assistant = self.knowledge.assistant
        # The embedding model needs 5-30 ms a question: in a thread, so that other updates do not
        # wait for it. Without it (a clear lexical match, a repeat) an answer takes about a
        # millisecond, less than handing it to a thread and back.
        if assistant.needs_model(text):
            reply = await asyncio.to_thread(assistant.reply, text, lang=lang, hint=hint)
        else:
            reply = assistant.reply(text, lang=lang, hint=hint)
        entry = assistant.kb.entry(reply.entry_id) if reply.entry_id else None
        topic = entry.topic if entry is not None else None
        reason = _kept_because(reply)
        activity = question_activity(reply, topic)  # anonymous, for the statistics
        if activity is not None:
            self.activity.add(activity)  # written with the others waiting
        if reason is not None:
            async with self.database() as work:
                await work.unanswered.add(scrub(text, names), reply.lang, self.clock(), reason)
                await work.commit()
        if reason is None and chat_id is not None and reply.confident and reply.entry_id:
            self._asked[chat_id] = (reply.entry_id, scrub(text, names))
            self._asked.move_to_end(chat_id)
            while len(self._asked) > ASKED_REMEMBERED:
                self._asked.popitem(last=False)
        return Answer(reply, topic)

    def picked(self, entry_id: str, lang: Lang) -> Reply:
        """The answer of an entry the user picked (a suggestion or a topic's button)."""
        return self.knowledge.assistant.answer(entry_id, lang)

    async def take_suggestion(self, entry_id: str, lang: Lang) -> Reply:
        """The answer of a suggestion the user pressed under an unsure reply (counted for the
        statistics, anonymously)."""
        reply = self.picked(entry_id, lang)
        entry = self.knowledge.assistant.kb.entry(entry_id)
        if entry is not None and reply.entry_id is not None:
            self.activity.add(Activity(ActivityKind.SUGGESTION_TAKEN, lang, entry.topic, entry_id))
        return reply

    async def record_vote(self, chat_id: int, entry_id: str, lang: Lang, helpful: bool) -> bool:
        """Store a "did this help?" vote: entry, language, yes or no; nothing of the voter. One
        vote per chat and answer (remembered in memory only, so that the vote stays unlinked);
        False if this chat had voted on it already. A "no" is kept for staff too, with the
        question that got this answer if this chat's last question did (scrubbed, unlinked)."""
        if (chat_id, entry_id) in self._voted:
            return False
        self._voted[(chat_id, entry_id)] = None
        while len(self._voted) > VOTES_REMEMBERED:
            self._voted.popitem(last=False)
        question = ""
        if self._asked.get(chat_id, ("", ""))[0] == entry_id:
            question = self._asked.pop(chat_id)[1]
        async with self.database() as work:
            await work.feedback.add(entry_id, lang, helpful, self.clock())
            if not helpful:
                await work.unanswered.add(question, lang, self.clock(), Reason.UNHELPFUL, entry_id)
            await work.commit()
        return True

    def forget_chat(self, chat_id: int) -> None:
        """Drop what is remembered of a chat (it deleted its data)."""
        self._asked.pop(chat_id, None)


def _kept_because(reply: Reply) -> Reason | None:
    """Why a question is kept for staff: no answer at all, or an unsure one; None: answered
    (or small talk, or nothing to answer)."""
    if reply.band is Band.NONE and reply.handoff_offered:
        return Reason.NONE
    if reply.band is Band.UNSURE and reply.suggestions:
        return Reason.UNSURE
    return None
