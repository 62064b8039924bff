"""Curation: what families asked without a confident answer, grouped for staff, and a question
accepted as a phrasing of an entry written into the knowledge base's files.

The matcher learns nothing by itself: a phrasing reaches the knowledge base only when staff
accept it (``/unanswered`` in the staff group, or ``wegweiser kb add-phrasing``). The edit is
one new line in the entry file (:mod:`bot.core.phrasings`); the whole knowledge base is checked
with it before the file is replaced (atomically), then the running assistant is reloaded. A
read-only file or a knowledge base that the line would break changes nothing.

After an accepted phrasing, the share of the centre's sealed test questions answered
confidently with the expected fact is measured before and after (in a thread; the "before" of a
knowledge base's content is measured once). The sealed questions serve for nothing else.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from bot.core.assistant import Assistant
from bot.core.curation import (
    Asked,
    Figure,
    Group,
    Reason,
    content_key,
    group_questions,
    like,
    place_of,
    suggested_entries,
)
from bot.core.evaluation import Labelled, evaluate, load_labelled, tally
from bot.core.knowledge import Problem, check_knowledge_base, file_name, format_report
from bot.core.languages import as_lang
from bot.core.phrasings import PhrasingRefused, Refusal, add_phrasing, clean
from bot.db.models import UnansweredQuestion
from bot.db.unit_of_work import Database
from bot.services.knowledge import KnowledgeService
from bot.services.ports import Clock

log = logging.getLogger("wegweiser")
MAX_GROUPS = 8  # groups shown by /unanswered, the largest first
HANDLED_REMEMBERED = 1000  # decided groups remembered (to tell a second press what happened)
FIGURES_REMEMBERED = 16  # sealed figures kept, by knowledge-base content


class KnowledgeFiles(Protocol):
    """The knowledge base's files (``bot.adapters.knowledge_files.KnowledgeFolder``)."""

    def entry_file(self, directory: Path, entry_id: str) -> Path | None:
        """The file of an entry, or None."""
        ...

    def read(self, path: Path) -> str:
        """A file's text as it is."""
        ...

    def writable(self, path: Path) -> bool:
        """May the file be replaced?"""
        ...

    def replace(self, path: Path, text: str) -> None:
        """Replace the file's text atomically; ``OSError`` if the system refuses."""
        ...


@dataclass(frozen=True)
class Edit:
    """A phrasing written into an entry file."""

    path: Path
    entry_id: str
    lang: str
    phrasing: str
    before: str
    after: str
    folder: str | None = None  # the file's folder, from the knowledge base's parent on

    @property
    def name(self) -> str:
        """The file as the checker names it: ``<centre folder>/entries/<id>.yaml``."""
        return self.path.name if self.folder is None else f"{self.folder}/{self.path.name}"

    def diff(self) -> str:
        """The change as a unified diff (one added line)."""
        name = self.name
        return "".join(
            difflib.unified_diff(
                self.before.splitlines(keepends=True),
                self.after.splitlines(keepends=True),
                f"a/{name}",
                f"b/{name}",
                n=1,
            )
        )


class PhrasingEditor:
    """Adds a phrasing to an entry file: checked, written atomically, or nothing at all."""

    def __init__(self, files: KnowledgeFiles) -> None:
        self.files = files

    def add(
        self,
        directory: Path,
        entry_id: str,
        lang: str,
        phrasing: str,
        *,
        today: date | None = None,
    ) -> Edit:
        """Write *phrasing* into entry *entry_id*'s *lang* questions; raises
        :class:`PhrasingRefused` (and nothing is written) when it cannot be."""
        path = self.files.entry_file(directory, entry_id)
        if path is None:
            raise PhrasingRefused(Refusal.NO_ENTRY, entry_id)
        try:
            before = self.files.read(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise PhrasingRefused(Refusal.NOT_EDITABLE, f"unreadable: {exc}") from exc
        after = add_phrasing(before, lang, phrasing)
        kb, problems = check_knowledge_base(directory, today=today, overrides={path: after})
        if kb is None:
            raise PhrasingRefused(Refusal.INVALID, format_report(_errors(problems)))
        if kb.entry(entry_id) is None:
            raise PhrasingRefused(Refusal.NO_ENTRY, entry_id)
        if not self.files.writable(path):
            raise PhrasingRefused(Refusal.READ_ONLY, str(path))
        try:
            self.files.replace(path, after)
        except OSError as exc:
            raise PhrasingRefused(
                Refusal.WRITE_FAILED, exc.strerror or type(exc).__name__
            ) from exc
        try:
            folder: str | None = str(path.parent.resolve().relative_to(directory.resolve().parent))
        except ValueError:
            folder = None
        return Edit(path, entry_id, lang, clean(phrasing), before, after, folder)

    def undo(self, edit: Edit) -> None:
        """Put the file back as it was before *edit* (if nobody changed it since)."""
        if self.files.read(edit.path) == edit.after:
            self.files.replace(edit.path, edit.before)


def _errors(problems: Sequence[Problem]) -> list[Problem]:
    return [p for p in problems if p.level == "error"]


@dataclass(frozen=True)
class GroupView:
    """A group of kept questions with the entries suggested for it (id, German title)."""

    group: Group
    suggestions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Overview:
    """What /unanswered shows: the period, how many were kept, the largest groups."""

    days: int
    questions: int
    groups: int
    shown: tuple[GroupView, ...]


class Decision(StrEnum):
    """What became of a press on a group's button."""

    ADDED = "added"  # the phrasing is in the file and the assistant reloaded
    ALREADY_IN_LIST = "already in list"  # the entry's list had it already: the group is settled
    IGNORED = "ignored"
    DECIDED_BEFORE = "decided before"  # a colleague settled the group already
    GONE = "gone"  # no such group (any more)
    ENTRY_GONE = "entry gone"  # the entry is not in the knowledge base (any more)
    REFUSED = "refused"  # not written: ``refusal`` and ``detail`` say why


@dataclass(frozen=True)
class Outcome:
    """The answer to a press: the decision, what it was about, and for ADDED the assistants
    before and after (to measure the sealed figures)."""

    decision: Decision
    text: str = ""
    lang: str = ""
    entry_id: str = ""
    title: str = ""
    settled: int = 0  # stored questions deleted
    file: str = ""
    refusal: Refusal | None = None
    detail: str = ""
    confident_now: bool = False
    earlier: Outcome | None = None  # DECIDED_BEFORE: what the colleague decided
    by: str = ""  # who decided
    before: Assistant | None = field(default=None, repr=False, compare=False)
    after: Assistant | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class SealedChange:
    """The sealed figure of the centre before and after an accepted phrasing (``before`` and
    ``after`` are None where the sealed questions are not installed: ``path`` says where they
    were looked for)."""

    place: str
    path: Path | None
    before: Figure | None = None
    after: Figure | None = None


def _asked(row: UnansweredQuestion) -> Asked:
    reason = Reason(row.reason) if row.reason in set(Reason) else Reason.NONE
    return Asked(row.id, row.text, row.lang, reason, row.entry_id, row.created_at)


class CurationService:
    """/unanswered and its buttons: list the groups, accept a phrasing, ignore a group."""

    def __init__(
        self,
        database: Database,
        clock: Clock,
        knowledge: KnowledgeService,
        editor: PhrasingEditor,
        sealed_dir: Path | None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.knowledge = knowledge
        self.editor = editor
        self.sealed_dir = sealed_dir
        self._deciding = asyncio.Lock()  # one decision at a time: no phrasing added twice
        self._decided: OrderedDict[int, Outcome] = OrderedDict()
        self._figures: OrderedDict[tuple[str, bool, tuple[Labelled, ...]], Figure] = OrderedDict()
        self.measured = 0  # how often the sealed set was run (a figure is kept per content)

    async def overview(self, days: int) -> Overview:
        """The groups of the questions kept in the last *days* days, the largest first, each
        with the entries the running matcher finds closest."""
        async with self.database() as work:
            rows = await work.unanswered.since(self.clock() - timedelta(days=days))
        items = [_asked(row) for row in rows]
        assistant = self.knowledge.assistant
        groups = await asyncio.to_thread(group_questions, items)
        shown = await asyncio.to_thread(self._views, assistant, groups[:MAX_GROUPS])
        return Overview(days, len(items), len(groups), tuple(shown))

    @staticmethod
    def _views(assistant: Assistant, groups: Sequence[Group]) -> list[GroupView]:
        """The entries the running matcher finds closest to each group's question."""
        views = []
        for group in groups:
            text = group.representative.text
            match = assistant.matcher.match(text) if text else None
            candidates = [(c.entry_id, c.score) for c in match.candidates] if match else []
            suggestions = suggested_entries(group, candidates, assistant.kb)
            views.append(GroupView(group, tuple(suggestions)))
        return views

    async def accept(self, question_id: int, entry_id: str, by: str) -> Outcome:
        """Add the text of kept question *question_id* as a phrasing of *entry_id* (in the
        question's language), reload, and settle the questions alike to it."""
        async with self._deciding:
            found = await self._undecided(question_id)
            if isinstance(found, Outcome):
                return found
            if not found.text:
                return Outcome(Decision.GONE)
            asked = found
            old = self.knowledge.assistant
            entry = old.kb.entry(entry_id)
            if entry is None:
                return Outcome(Decision.ENTRY_GONE, entry_id=entry_id)
            about = Outcome(
                Decision.GONE, text=clean(asked.text), lang=asked.lang, entry_id=entry_id,
                title=entry.title_in("de"), file=self._file_name(old, entry_id), by=by,
            )  # fmt: skip
            try:
                edit = await asyncio.to_thread(
                    self.editor.add, old.kb.directory, entry_id, asked.lang, asked.text
                )
            except PhrasingRefused as refused:
                if refused.refusal is not Refusal.ALREADY_THERE:
                    log.warning("phrasing for %s not added: %s", entry_id, refused.refusal)
                    return replace(
                        about, decision=Decision.REFUSED, refusal=refused.refusal,
                        detail=refused.detail,
                    )  # fmt: skip
                settled = await self._settle(asked)
                outcome = replace(about, decision=Decision.ALREADY_IN_LIST, settled=settled)
                return self._remember(question_id, outcome)
            report = await self.knowledge.reload()
            if report.knowledge_base is None:  # another file broke meanwhile: take ours back
                await asyncio.to_thread(self.editor.undo, edit)
                return replace(
                    about, decision=Decision.REFUSED, refusal=Refusal.INVALID,
                    detail=format_report(report.errors),
                )  # fmt: skip
            settled = await self._settle(asked)
            new = self.knowledge.assistant
            reply = await asyncio.to_thread(new.reply, asked.text, lang=as_lang(asked.lang))
            outcome = replace(
                about, decision=Decision.ADDED, settled=settled,
                confident_now=reply.confident and reply.entry_id == entry_id,
                before=old, after=new,
            )  # fmt: skip
            return self._remember(question_id, outcome)

    async def ignore(self, question_id: int, by: str) -> Outcome:
        """Delete the kept questions alike to *question_id* (the group disappears)."""
        async with self._deciding:
            found = await self._undecided(question_id)
            if isinstance(found, Outcome):
                return found
            settled = await self._settle(found)
            return self._remember(question_id, Outcome(Decision.IGNORED, settled=settled, by=by))

    async def _undecided(self, question_id: int) -> Asked | Outcome:
        """The kept question *question_id*, or the outcome if it was decided or is gone."""
        earlier = self._decided.get(question_id)
        if earlier is not None:
            return Outcome(Decision.DECIDED_BEFORE, earlier=earlier, by=earlier.by)
        async with self.database() as work:
            representative = await work.unanswered.get(question_id)
        if representative is None:
            return Outcome(Decision.GONE)
        return _asked(representative)

    async def _settle(self, representative: Asked) -> int:
        """Delete the stored questions alike to *representative*: kinder to privacy than a
        mark, and the group is gone from /unanswered."""
        async with self.database() as work:
            rows = await work.unanswered.all()
            alike = like(representative, [_asked(row) for row in rows])
            deleted = await work.unanswered.delete_ids([item.id for item in alike])
            await work.commit()
        return deleted

    def _remember(self, question_id: int, outcome: Outcome) -> Outcome:
        """Keep what was decided on a group (without the assistants: an old one is large)."""
        self._decided[question_id] = replace(outcome, before=None, after=None)
        while len(self._decided) > HANDLED_REMEMBERED:
            self._decided.popitem(last=False)
        return outcome

    def _file_name(self, assistant: Assistant, entry_id: str) -> str:
        directory = assistant.kb.directory
        path = self.editor.files.entry_file(directory, entry_id)
        return file_name(directory, path) if path is not None else entry_id

    async def sealed_change(self, before: Assistant, after: Assistant) -> SealedChange:
        """The centre's sealed figure with *before*'s and *after*'s matcher (in a thread)."""
        place = place_of(after.kb)
        if self.sealed_dir is None:
            return SealedChange(place, None)
        path = self.sealed_dir / f"{after.kb.centre.id}.yaml"
        if not path.is_file():
            return SealedChange(place, path)
        items = await asyncio.to_thread(load_labelled, path)
        first = await self._figure(before, items)
        second = await self._figure(after, items)
        return SealedChange(place, path, first, second)

    async def _figure(self, assistant: Assistant, items: Sequence[Labelled]) -> Figure:
        """Measured once per knowledge-base content, way of matching and sealed set."""
        key = (content_key(assistant.kb), assistant.semantic, tuple(items))
        found = self._figures.get(key)
        if found is None:
            found = await asyncio.to_thread(_measure, assistant, items)
            self.measured += 1
            self._figures[key] = found
            while len(self._figures) > FIGURES_REMEMBERED:
                self._figures.popitem(last=False)
        return found


def _measure(assistant: Assistant, items: Sequence[Labelled]) -> Figure:
    """Ask every sealed question; count those answered confidently with the expected fact."""
    if not items:
        return Figure(0, 0)
    total = tally(evaluate(assistant, items))["all"]
    return Figure(total.answered, total.in_scope)
