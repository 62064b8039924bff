"""/contact WORD: the contact persons for a topic, a district, a programme.

The search index is built once per knowledge base and cached under a weak reference to it, so
that a reload does not keep the old knowledge base alive.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass

from bot.core.contacts import ContactIndex, build_contact_index, search_contacts
from bot.core.knowledge import Contact, KnowledgeBase
from bot.core.languages import Lang
from bot.services.knowledge import KnowledgeService


@dataclass(frozen=True)
class ContactSearch:
    """What a search found: contact persons; else the knowledge base's confident answer to the
    word; else whom to reach instead (the first contact, or just the centre's name)."""

    found: tuple[Contact, ...] = ()
    answer: str | None = None
    instead: Contact | None = None
    centre_name: str = ""


class ContactService:
    """Finds contact persons in the running knowledge base."""

    def __init__(self, knowledge: KnowledgeService) -> None:
        self.knowledge = knowledge
        self._index: tuple[weakref.ref[KnowledgeBase], ContactIndex] | None = None

    def index(self) -> ContactIndex:
        """The contact index of the running knowledge base (built on first use)."""
        kb = self.knowledge.knowledge_base
        if self._index is not None and self._index[0]() is kb:
            return self._index[1]
        index = build_contact_index(kb)
        self._index = (weakref.ref(kb), index)
        return index

    async def find(self, query: str, lang: Lang) -> ContactSearch:
        """The contact persons for *query*; else what the knowledge base says about it."""
        found = search_contacts(self.index(), query)
        if found:
            return ContactSearch(found=tuple(found))
        assistant = self.knowledge.assistant
        reply = await asyncio.to_thread(assistant.reply, query, lang=lang)
        if reply.confident:  # "Marxloh", "Hausaufgabenhilfe": what the knowledge base says
            return ContactSearch(answer=reply.text)
        kb = assistant.kb
        return ContactSearch(instead=next(iter(kb.contacts), None), centre_name=kb.centre.name)
