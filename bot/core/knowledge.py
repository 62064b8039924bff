"""Read a centre's knowledge base (plain YAML files) into frozen, validated models.

Layout of one knowledge base folder::

    centre.yaml          the centre: name, address, phone, office hours, time zone, languages
    entries/<id>.yaml    one entry per file: questions and answers in every language
    contacts.yaml        contact persons and desks: role, name, address, phone, e-mail
    events.yaml          dated events
    templates.yaml       canned replies for staff (``/reply <id>``)
    smalltalk.yaml       optional: more small talk (greetings, thanks …) beside the bundled table

An entry is an answer of the centre (``kind: answer``) or says that another authority handles the
question (``kind: redirect``). Under every answer the assistant shows where to go (``place``) and
whom to contact (``contact``): ids from ``contacts.yaml``, the centre's own card when left out,
``none`` for nothing.

:func:`check_knowledge_base` collects every problem with file and field;
:func:`load_knowledge_base` raises :class:`~bot.errors.KnowledgeBaseError` with that report
instead of a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.core.languages import LANGS, Lang, fallback_chain
from bot.core.normalize import fold
from bot.errors import KnowledgeBaseError

Topic = Literal[
    "about",
    "contacts",
    "school_entry",
    "language_support",
    "parents",
    "volunteering",
    "events",
    "programmes",
    "youth_culture",
    "training_work",
    "anti_racism",
    "teachers",
    "politics",
    "other_authorities",
]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
EntryKind = Literal["answer", "redirect"]
# Topics whose answers must tell a family where to go or whom to call.
TOPICS_NEEDING_CONTACT: frozenset[str] = frozenset(
    {"about", "contacts", "school_entry", "volunteering"}
)
NO_CONTACT = "none"
ENTRY_SUFFIXES = (".yaml", ".yml")  # of the files in entries/
Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=48)]
NonEmpty = Annotated[str, Field(min_length=1)]

MIN_PHRASINGS = 3
REVIEW_MAX_AGE = timedelta(days=365)
_UNREADABLE = object()  # read_yaml() already reported why
# The town after a German postcode: "Erkrather Straße 377 - 389, 40227 Düsseldorf".
_TOWN = re.compile(r"\b\d{5}\s+([^\W\d][\w-]*)")
_TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Centre(_Frozen):
    """The integration centre a knowledge base belongs to."""

    id: Slug
    name: NonEmpty
    address: str | None = None
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    website: str | None = None
    office_hours: dict[Weekday, tuple[str, ...]] | None = None
    timezone: str = "Europe/Berlin"
    languages: tuple[Lang, ...] = LANGS
    card: Slug | None = None  # the contact (contacts.yaml) that is the centre's own card
    source: NonEmpty

    @field_validator("office_hours")
    @classmethod
    def _hours_are_ranges(
        cls, value: dict[Weekday, tuple[str, ...]] | None
    ) -> dict[Weekday, tuple[str, ...]] | None:
        for day, ranges in (value or {}).items():
            for span in ranges:
                if not _TIME_RANGE.match(span):
                    raise ValueError(f"{day}: '{span}' is not a time range like 09:00-12:30")
                start, end = span.split("-")
                if start >= end:
                    raise ValueError(f"{day}: '{span}' ends before it starts")
        if value is not None and not any(value.values()):
            raise ValueError("no opening time on any day (leave office_hours out if none)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (e.g. Europe/Berlin)") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The centre's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def working_hours(self) -> Mapping[str, Sequence[str]] | None:
        """The published office hours, or None where the centre publishes none."""
        if not self.office_hours:
            return None
        return {str(day): spans for day, spans in self.office_hours.items()}


class Entry(_Frozen):
    """One question-and-answer topic, in every language."""

    id: Slug
    kind: EntryKind = "answer"
    topic: Topic
    source: NonEmpty
    last_reviewed: date
    place: Slug | None = None  # contact id whose address is shown; None: the centre's card
    contact: Slug | None = None  # contact id whose phone/e-mail/name is shown; None: the card
    related: tuple[Slug, ...] = ()
    event: Slug | None = None
    keywords: tuple[NonEmpty, ...] = ()
    title: dict[Lang, NonEmpty]
    questions: dict[Lang, tuple[NonEmpty, ...]]
    answers: dict[Lang, NonEmpty]
    reviewed: dict[Lang, bool] = Field(default_factory=dict)

    def answer_in(self, lang: Lang) -> tuple[Lang, str] | None:
        """The answer in *lang*, else in the fallback languages; with the language used."""
        for candidate in fallback_chain(lang):
            if candidate in self.answers:
                return candidate, self.answers[candidate]
        return None

    def title_in(self, lang: Lang) -> str:
        """The title in *lang* or the nearest fallback."""
        for candidate in (*fallback_chain(lang), *self.title):
            if candidate in self.title:
                return self.title[candidate]
        return self.id


class Contact(_Frozen):
    """A person or desk to call about some topics."""

    id: Slug
    name: str | None = None
    role: dict[Lang, NonEmpty]
    topics: tuple[Topic, ...] = ()
    phone: str | None = None
    fax: str | None = None
    email: str | None = None
    address: str | None = None
    source: NonEmpty

    def role_in(self, lang: Lang) -> str:
        """The role in *lang* or the nearest fallback."""
        for candidate in (*fallback_chain(lang), *self.role):
            if candidate in self.role:
                return self.role[candidate]
        return self.name or self.id


class SmallTalk(_Frozen):
    """A greeting, thanks, "how are you" …: phrasings and a short friendly reply per language."""

    id: Slug
    questions: dict[Lang, tuple[NonEmpty, ...]]
    answers: dict[Lang, NonEmpty]

    def answer_in(self, lang: Lang) -> str:
        """The reply in *lang* or the nearest fallback."""
        for candidate in (*fallback_chain(lang), *self.answers):
            if candidate in self.answers:
                return self.answers[candidate]
        return ""


class Template(_Frozen):
    """A canned reply staff send with ``/reply <id>``, in every language."""

    id: Slug
    title: NonEmpty
    text: dict[Lang, NonEmpty]

    def text_in(self, lang: Lang) -> str:
        """The text in *lang* or the nearest fallback."""
        for candidate in (*fallback_chain(lang), *self.text):
            if candidate in self.text:
                return self.text[candidate]
        return self.title


def _parse_local(value: object) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str):
        for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
            try:
                return datetime.strptime(value.strip(), pattern)  # noqa: DTZ007 - local, see Event
            except ValueError:
                continue
    raise ValueError(f"cannot read the date '{value}' (write YYYY-MM-DD HH:MM)")


class Event(_Frozen):
    """A dated event; ``start``/``end`` are local times of the centre (naive)."""

    id: Slug
    title: dict[Lang, NonEmpty]
    start: datetime
    end: datetime | None = None
    place: str | None = None
    source: NonEmpty
    note: str | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _local_datetime(cls, value: object) -> datetime | None:
        return None if value is None else _parse_local(value)

    def title_in(self, lang: Lang) -> str:
        """The title in *lang* or the nearest fallback."""
        for candidate in (*fallback_chain(lang), *self.title):
            if candidate in self.title:
                return self.title[candidate]
        return self.id


@dataclass(frozen=True)
class KnowledgeBase:
    """A loaded, validated knowledge base of one centre."""

    directory: Path
    centre: Centre
    entries: tuple[Entry, ...]
    contacts: tuple[Contact, ...] = ()
    events: tuple[Event, ...] = ()
    templates: tuple[Template, ...] = ()
    smalltalk: tuple[SmallTalk, ...] = ()
    _by_id: Mapping[str, Entry] = field(init=False, repr=False, compare=False)
    _card: Contact = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})
        object.__setattr__(self, "_card", self._own_card())

    def card(self) -> Contact:
        """The centre's own contact card: ``centre.card``, a contact 'centre', or centre.yaml."""
        return self._card

    def _own_card(self) -> Contact:
        found = self.contact(self.centre.card or "centre")
        if found is not None:
            return found
        c = self.centre
        return Contact(
            id="centre",
            role={lang: c.name for lang in c.languages} or {"de": c.name},
            phone=c.phone,
            fax=c.fax,
            email=c.email,
            address=c.address,
            source=c.source,
        )

    def towns(self) -> list[str]:
        """The towns of the centre's and the contacts' addresses ("40227 Düsseldorf")."""
        addresses = [self.centre.address, *(contact.address for contact in self.contacts)]
        return list(dict.fromkeys(m.group(1) for a in addresses if a for m in _TOWN.finditer(a)))

    def contact(self, contact_id: str) -> Contact | None:
        """The contact with this id, or None."""
        return next((c for c in self.contacts if c.id == contact_id), None)

    def place_of(self, entry: Entry) -> Contact | None:
        """Where to go for *entry* (its ``place``, else the centre's card; None for 'none')."""
        return self._resolve(entry.place)

    def contact_of(self, entry: Entry) -> Contact | None:
        """Whom to contact for *entry* (its ``contact``, else the card; None for 'none')."""
        return self._resolve(entry.contact)

    def _resolve(self, contact_id: str | None) -> Contact | None:
        if contact_id == NO_CONTACT:
            return None
        if contact_id is None:
            return self.card()
        return self.contact(contact_id) or self.card()

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, or None."""
        return self._by_id.get(entry_id)

    def event(self, event_id: str) -> Event | None:
        """The event with this id, or None."""
        return next((e for e in self.events if e.id == event_id), None)

    def template(self, template_id: str) -> Template | None:
        """The canned reply with this id, or None."""
        return next((t for t in self.templates if t.id == template_id), None)


@dataclass(frozen=True)
class Problem:
    """One finding of the checker: where (file, field) and what."""

    file: str
    field: str
    message: str
    level: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{self.level}: {where}: {self.message}"


def file_name(root: Path, path: Path) -> str:
    """*path* as reports name it: from the knowledge base *root*'s parent on
    (``duisburg/entries/about.yaml``), else in full."""
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


@dataclass
class _Collector:
    root: Path
    problems: list[Problem] = field(default_factory=list)
    # Texts read instead of the files at these paths (an edit checked before it is written).
    overrides: Mapping[Path, str] = field(default_factory=dict)
    overridden: set[Path] = field(default_factory=set)  # the overrides that were read

    def rel(self, path: Path) -> str:
        return file_name(self.root, path)

    def error(self, path: Path, where: str, message: str) -> None:
        self.problems.append(Problem(self.rel(path), where, message, "error"))

    def warn(self, path: Path, where: str, message: str) -> None:
        self.problems.append(Problem(self.rel(path), where, message, "warning"))

    def read_yaml(self, path: Path) -> Any:
        try:
            text = self.overrides.get(path.resolve())
            if text is not None:
                self.overridden.add(path.resolve())
            else:
                text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            self.error(path, "", "file is missing")
            return _UNREADABLE
        except (OSError, UnicodeDecodeError) as exc:
            self.error(path, "", f"cannot read the file ({exc.__class__.__name__})")
            return _UNREADABLE
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.error(path, line, f"not valid YAML: {problem}")
            return _UNREADABLE

    def validate(self, model: type[_Frozen], data: Any, path: Path, prefix: str = "") -> Any:
        if data is _UNREADABLE:
            return None
        if not isinstance(data, dict):
            self.error(path, prefix, "expected a mapping of fields (key: value)")
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
                self.error(path, where, _readable(err))
            return None


def _readable(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling)"
    if kind == "literal_error":
        return f"{err['msg'].lower()}, got '{err.get('input')}'"
    message = str(err["msg"])
    return message.removeprefix("Value error, ")


def _list_of(collector: _Collector, path: Path, key: str, model: type[_Frozen]) -> tuple[Any, ...]:
    data = collector.read_yaml(path) if path.exists() else {key: []}
    if data is _UNREADABLE:
        return ()
    data = data or {key: []}
    if not isinstance(data, dict) or not isinstance(data.get(key, []), list):
        collector.error(path, key, f"expected '{key}:' followed by a list")
        return ()
    items = []
    for index, item in enumerate(data.get(key) or []):
        model_obj = collector.validate(model, item, path, f"{key}[{index}]")
        if model_obj is not None:
            items.append(model_obj)
    return tuple(items)


def _entry_files(collector: _Collector, directory: Path) -> Iterator[Path]:
    folder = directory / "entries"
    if not folder.is_dir():
        collector.error(folder, "", "folder is missing: entries go into entries/<id>.yaml")
        return
    files = sorted(p for p in folder.iterdir() if p.suffix in ENTRY_SUFFIXES)
    if not files:
        collector.error(folder, "", "no entries (*.yaml) found")
    yield from files


# Facts that stay verbatim in every language: phone numbers and postcodes (5+ digits, maybe
# with separators), e-mail addresses and web addresses.
_VERBATIM_FACT = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?:https?://|www\.)[^\s,;)]+[^\s,;).:]"
    r"|\+?\d[\d /-]{3,}\d"
)


def verbatim_facts(text: str) -> set[str]:
    """Phone numbers, postcodes, e-mail and web addresses in *text* (digits compared bare)."""
    found = set()
    for match in _VERBATIM_FACT.findall(text):
        digits = re.sub(r"\D", "", match)
        if "@" in match or "www." in match or "://" in match:
            found.add(match.rstrip("."))
        elif len(digits) >= 5:
            found.add(digits)
    return found


# A name the German answer quotes („Integration durch Bildung“, „Förderunterricht“): programme
# and project names stay as they are in every language, a translation in brackets beside them.
_QUOTED_NAME = re.compile(r"„([^“”\"\n]{2,80})[“”\"]")


def quoted_names(text: str) -> set[str]:
    """The names *text* quotes German-style („…“)."""
    return {name.strip() for name in _QUOTED_NAME.findall(text)}


def _check_contacts_of(
    collector: _Collector,
    path: Path,
    entry: Entry,
    contacts: tuple[Contact, ...],
    draft: KnowledgeBase | None,
) -> None:
    """Contact ids exist, and answers of topics that need one tell where to go or whom to call.

    *draft* is the knowledge base without entries (None where centre.yaml is broken, which is
    reported there): it resolves ids, the card and ``none`` as answers do.
    """
    known = {c.id for c in contacts}
    missing = False
    for field_name in ("place", "contact"):
        wanted = getattr(entry, field_name)
        if wanted not in (None, NO_CONTACT) and wanted not in known:
            collector.error(path, field_name, f"no contact with id '{wanted}' in contacts.yaml")
            missing = True
    if missing or draft is None:
        return
    if entry.kind == "answer" and entry.topic in TOPICS_NEEDING_CONTACT:
        place, contact = draft.place_of(entry), draft.contact_of(entry)
        useful = (place is not None and place.address) or (
            contact is not None and (contact.phone or contact.email or contact.address)
        )
        if not useful:
            collector.error(
                path,
                "place",
                f"a '{entry.topic}' answer must say where to go or whom to contact: "
                "give place/contact ids from contacts.yaml with an address or a phone",
            )


def _check_verbatim(collector: _Collector, path: Path, entry: Entry) -> None:
    """Numbers, e-mails and web addresses of every translation are those of the German, and the
    names it quotes are there too."""
    german = entry.answers.get("de")
    if german is None:
        return
    expected = verbatim_facts(german)
    names = sorted(quoted_names(german))
    for lang, text in entry.answers.items():
        if lang == "de":
            continue
        found = verbatim_facts(text)
        for extra in sorted(found - expected):
            collector.error(
                path, f"answers.{lang}", f"'{extra}' differs from the German answer's facts"
            )
        for missing in sorted(expected - found):
            collector.warn(path, f"answers.{lang}", f"'{missing}' of the German answer is missing")
        folded = " ".join(text.split()).casefold()
        for name in names:
            if " ".join(name.split()).casefold() not in folded:
                collector.warn(
                    path,
                    f"answers.{lang}",
                    f"the name '{name}' of the German answer is missing (names stay as they are)",
                )


def _check_entries(
    collector: _Collector,
    centre: Centre | None,
    entries: list[tuple[Path, Entry]],
    events: tuple[Event, ...],
    today: date,
    contacts: tuple[Contact, ...] = (),
    draft: KnowledgeBase | None = None,
) -> None:
    languages = centre.languages if centre else LANGS
    seen_ids: dict[str, Path] = {}
    seen_phrasings: dict[str, tuple[str, Path]] = {}
    ids = {entry.id for _, entry in entries}
    event_ids = {event.id for event in events}
    for path, entry in entries:
        if entry.id in seen_ids:
            collector.error(
                path, "id", f"duplicate id '{entry.id}' (also in {seen_ids[entry.id].name})"
            )
        seen_ids.setdefault(entry.id, path)
        if path.stem != entry.id:
            collector.warn(path, "id", f"file name differs from id '{entry.id}'")
        for lang in languages:
            if lang not in entry.answers:
                collector.warn(
                    path, f"answers.{lang}", "missing translation (falls back to English/German)"
                )
            if lang not in entry.title:
                collector.warn(path, f"title.{lang}", "missing translation")
            count = len(entry.questions.get(lang, ()))
            if count < MIN_PHRASINGS:
                collector.warn(
                    path,
                    f"questions.{lang}",
                    f"{count} phrasings, at least {MIN_PHRASINGS} wanted",
                )
        if not any(lang in entry.answers for lang in ("de", "en")):
            collector.error(path, "answers", "needs at least a German or an English answer")
        for related in entry.related:
            if related not in ids:
                collector.error(path, "related", f"no entry with id '{related}'")
            elif related == entry.id:
                collector.warn(path, "related", "an entry is not related to itself")
        if entry.event and entry.event not in event_ids:
            collector.error(path, "event", f"no event with id '{entry.event}' in events.yaml")
        _check_contacts_of(collector, path, entry, contacts, draft)
        _check_verbatim(collector, path, entry)
        if today - entry.last_reviewed > REVIEW_MAX_AGE:
            collector.warn(
                path, "last_reviewed", f"not reviewed since {entry.last_reviewed.isoformat()}"
            )
        for lang, phrasings in entry.questions.items():
            for index, phrasing in enumerate(phrasings):
                key = fold(phrasing)
                other = seen_phrasings.get(key)
                if other and other[0] != entry.id:
                    collector.error(
                        path,
                        f"questions.{lang}[{index}]",
                        f"the same phrasing is under entry '{other[0]}' ({other[1].name})",
                    )
                seen_phrasings.setdefault(key, (entry.id, path))


def check_knowledge_base(
    directory: Path, *, today: date | None = None, overrides: Mapping[Path, str] | None = None
) -> tuple[KnowledgeBase | None, list[Problem]]:
    """Read and check a knowledge base; returns it (None on errors) and every problem found.

    *overrides* gives the text of some files as they would be after an edit (by path inside
    *directory*): the whole knowledge base is checked with them before anything is written.
    """
    today = today or date.today()  # noqa: DTZ011 - a calendar date is all that is compared
    directory = Path(directory)
    edits = {Path(path).resolve(): text for path, text in (overrides or {}).items()}
    collector = _Collector(directory, overrides=edits)
    if not directory.is_dir():
        collector.error(directory, "", "knowledge base folder not found")
        return None, collector.problems
    centre_path = directory / "centre.yaml"
    centre = collector.validate(Centre, collector.read_yaml(centre_path), centre_path)
    events = _list_of(collector, directory / "events.yaml", "events", Event)
    contacts = _list_of(collector, directory / "contacts.yaml", "contacts", Contact)
    templates = _list_of(collector, directory / "templates.yaml", "templates", Template)
    for kind, items, path in (
        ("event", events, directory / "events.yaml"),
        ("contact", contacts, directory / "contacts.yaml"),
        ("template", templates, directory / "templates.yaml"),
    ):
        ids = [item.id for item in items]
        for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
            collector.error(path, "id", f"duplicate {kind} id '{duplicate}'")
    smalltalk = _smalltalk(collector, directory / "smalltalk.yaml")
    entries: list[tuple[Path, Entry]] = []
    for path in _entry_files(collector, directory):
        entry = collector.validate(Entry, collector.read_yaml(path), path)
        if entry is not None:
            entries.append((path, entry))
    draft = KnowledgeBase(directory, centre, (), contacts) if centre is not None else None
    if centre is not None and centre.card and draft and draft.contact(centre.card) is None:
        collector.error(
            centre_path, "card", f"no contact with id '{centre.card}' in contacts.yaml"
        )
    _check_entries(collector, centre, entries, events, today, contacts, draft)
    for unread in sorted(set(edits) - collector.overridden):
        collector.error(unread, "", "not a file of this knowledge base (entries/<id>.yaml …)")
    problems = collector.problems
    if centre is None or any(p.level == "error" for p in problems):
        return None, problems
    kb = KnowledgeBase(
        directory, centre, tuple(e for _, e in entries), contacts, events, templates, smalltalk
    )
    return kb, problems


BUNDLED_SMALLTALK = Path(__file__).parent / "data" / "smalltalk.yaml"


def _smalltalk(collector: _Collector, path: Path) -> tuple[SmallTalk, ...]:
    """The bundled small-talk table, with the centre's own items added or replacing by id."""
    bundled = {t.id: t for t in _list_of(collector, BUNDLED_SMALLTALK, "smalltalk", SmallTalk)}
    own = {t.id: t for t in _list_of(collector, path, "smalltalk", SmallTalk)}
    return tuple({**bundled, **own}.values())


def format_report(problems: list[Problem]) -> str:
    """One line per problem, errors first, then a count."""
    ordered = sorted(problems, key=lambda p: (p.level != "error", p.file, p.field))
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    lines = [str(p) for p in ordered]
    lines.append(f"{errors} error(s), {warnings} warning(s)")
    return "\n".join(lines)


def load_knowledge_base(directory: Path, *, today: date | None = None) -> KnowledgeBase:
    """Load a knowledge base or raise :class:`KnowledgeBaseError` with the checker's report."""
    kb, problems = check_knowledge_base(directory, today=today)
    if kb is None:
        errors = [p for p in problems if p.level == "error"]
        raise KnowledgeBaseError(
            f"knowledge base {directory} has errors:\n" + format_report(errors)
        )
    return kb
