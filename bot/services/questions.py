"""Questions: answering from the knowledge base, keeping what found no answer (without the
asker), and the "did this help?" votes (without the voter)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.core.assistant import Reply
from bot.core.languages import Lang
from bot.core.matching import Band
from bot.db.unit_of_work import Database
from bot.services.knowledge import KnowledgeService
from bot.services.ports import Clock


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

    async def answer(self, text: str, *, lang: Lang | None, hint: str | None) -> Answer:
        """Answer *text* (in *lang* if the user chose one); a question without any answer is
        kept, text and language only, for staff to extend the knowledge base."""
        assistant = self.knowledge.assistant
        # In a thread: the embedding model needs 15-70 ms a question, and other updates must not
        # wait for it.
        reply = await asyncio.to_thread(assistant.reply, text, lang=lang, hint=hint)
        if reply.band is Band.NONE and reply.handoff_offered:
            async with self.database() as work:
                await work.unanswered.add(text, reply.lang, self.clock())
                await work.commit()
        entry = assistant.kb.entry(reply.entry_id) if reply.entry_id else None
        return Answer(reply, entry.topic if entry is not None else None)

    def picked(self, entry_id: str, lang: Lang) -> Reply:
        """The answer of an entry the user picked (a suggestion or a topic's button)."""
        return self.knowledge.assistant.answer(entry_id, lang)

    async def record_vote(self, entry_id: str, lang: Lang, helpful: bool) -> None:
        """Store a "did this help?" vote: entry, language, yes or no; nothing of the voter."""
        async with self.database() as work:
            await work.feedback.add(entry_id, lang, helpful, self.clock())
            await work.commit()
