"""Questions: answering from the knowledge base, keeping what found no answer (without the
asker), the "did this help?" votes (without the voter), and what each question got (an
anonymous event for the statistics)."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.assistant import Reply
from bot.core.insights import Activity, ActivityKind, question_activity
from bot.core.languages import Lang
from bot.core.matching import Band
from bot.core.scrub import scrub
from bot.db.unit_of_work import Database
from bot.services.knowledge import KnowledgeService
from bot.services.ports import Clock

VOTES_REMEMBERED = 100_000  # (chat, answer) pairs that voted, newest kept


@dataclass(frozen=True)
class Answer:
    """The assistant's reply, and the topic of the entry it answered with (the handler shows
    the events or the volunteering list after such an answer)."""

    reply: Reply
    topic: str | None


class QuestionService:
    """Answers questions with the running assistant and stores what staff learn from."""

    def __init__(self, database: Database, clock: Clock, knowledge: KnowledgeService) -> None:
        self.database = database
        self.clock = clock
        self.knowledge = knowledge
        self._voted: OrderedDict[tuple[int, str], None] = OrderedDict()

    async def answer(
        self, text: str, *, lang: Lang | None, hint: str | None, names: Sequence[str] = ()
    ) -> Answer:
        """Answer *text* (in *lang* if the user chose one); a question without any answer is
        kept, text and language only, for staff to extend the knowledge base — with phone
        numbers, e-mail addresses and names (the asker's *names* too) taken out first."""
        assistant = self.knowledge.assistant
        # In a thread: the embedding model needs 15-70 ms a question, and other updates must not
        # wait for it.
        reply = await asyncio.to_thread(assistant.reply, text, lang=lang, hint=hint)
        entry = assistant.kb.entry(reply.entry_id) if reply.entry_id else None
        topic = entry.topic if entry is not None else None
        unanswered = reply.band is Band.NONE and reply.handoff_offered
        activity = question_activity(reply, topic)  # anonymous, for the statistics
        if unanswered or activity is not None:
            moment = self.clock()
            async with self.database() as work:
                if unanswered:
                    await work.unanswered.add(scrub(text, names), reply.lang, moment)
                if activity is not None:
                    await work.activity.record(activity, moment)
                await work.commit()
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
            taken = Activity(ActivityKind.SUGGESTION_TAKEN, lang, entry.topic, entry_id)
            async with self.database() as work:
                await work.activity.record(taken, self.clock())
                await work.commit()
        return reply

    async def record_vote(self, chat_id: int, entry_id: str, lang: Lang, helpful: bool) -> bool:
        """Store a "did this help?" vote: entry, language, yes or no; nothing of the voter. One
        vote per chat and answer (remembered in memory only, so that the vote stays unlinked);
        False if this chat had voted on it already."""
        if (chat_id, entry_id) in self._voted:
            return False
        self._voted[(chat_id, entry_id)] = None
        while len(self._voted) > VOTES_REMEMBERED:
            self._voted.popitem(last=False)
        async with self.database() as work:
            await work.feedback.add(entry_id, lang, helpful, self.clock())
            await work.commit()
        return True
