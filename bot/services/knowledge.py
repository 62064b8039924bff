"""The running knowledge base: checking and reloading it without a restart, on request or when
its files change.

A broken edit never replaces the running version: the report names every problem with file and
field, and the old knowledge base keeps answering. A good one replaces the assistant, then the
subscribers of events with a new date are told (through the events service).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.assistant import Assistant
from bot.core.knowledge import KnowledgeBase, Problem, check_knowledge_base
from bot.services.events import Announcement, EventService

log = logging.getLogger("wegweiser")
# Names, modification times and sizes of a knowledge base's files.
Fingerprint = tuple[tuple[str, int, int], ...]


def fingerprint(directory: Path) -> Fingerprint:
    """Names, modification times and sizes of the knowledge base's YAML files."""
    files = sorted(p for p in directory.rglob("*") if p.suffix in {".yaml", ".yml"})
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)


@dataclass(frozen=True)
class ReloadReport:
    """What a reload did: the new knowledge base (None if the edit is broken and the old one
    stays), every problem found (file and field), and the announcements of new dates."""

    knowledge_base: KnowledgeBase | None
    problems: tuple[Problem, ...] = ()
    announcement: Announcement = field(default_factory=Announcement)

    @property
    def errors(self) -> list[Problem]:
        """The problems that keep the edit out."""
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> int:
        """How many warnings the checker had."""
        return sum(p.level == "warning" for p in self.problems)


class KnowledgeService:
    """Holds the assistant that answers, and replaces it when the knowledge base is edited."""

    def __init__(self, assistant: Assistant, events: EventService) -> None:
        self.assistant = assistant
        self.events = events
        self.fingerprint: Fingerprint | None = None  # the files as last read (None: not yet)
        self._reloading = asyncio.Lock()  # one reload at a time (/reload and the file watch)

    @property
    def knowledge_base(self) -> KnowledgeBase:
        """The knowledge base answering now."""
        return self.assistant.kb

    async def reload(self) -> ReloadReport:
        """Check the files; swap the assistant only if they are fine, then announce new dates."""
        async with self._reloading:
            old = self.assistant.kb
            kb, problems = await asyncio.to_thread(check_knowledge_base, old.directory)
            self.fingerprint = fingerprint(old.directory)
            if kb is None:
                log.warning("knowledge base edit refused: %d problem(s)", len(problems))
                return ReloadReport(None, tuple(problems))
            assistant = await asyncio.to_thread(self.assistant.with_knowledge_base, kb)
            await asyncio.to_thread(assistant.warm_up)
            self.assistant = assistant
            announcement = await self.events.announce_new_dates(old.events, kb.events, kb)
            return ReloadReport(kb, tuple(problems), announcement)

    async def reload_if_changed(self) -> ReloadReport | None:
        """Reload when a file changed since the last look (the first look only remembers)."""
        current = fingerprint(self.assistant.kb.directory)
        if self.fingerprint in (None, current):
            self.fingerprint = current
            return None
        return await self.reload()
