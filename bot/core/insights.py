"""Statistics for staff (pure): the anonymous events the use cases record, the figures of a
window of days (in total, per language, per topic), and how staff read them — German text for
/stats and the weekly digest, CSV for ``wegweiser report``, the plain data of the chart.

An event says what happened, in which language and topic, and within which hour — never who:
no chat id, no text (``bot.db.models.Activity``). The "did this help?" votes are counted from
their own table, and the appointments kept from the appointments themselves (there is no
attendance record: "kept" means over and neither cancelled nor waiting for another date).
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.core import staff_texts as texts
from bot.core.assistant import Reply
from bot.core.bidi import PDI, RLI
from bot.core.languages import LANGS, NATIVE_NAMES, as_lang
from bot.core.matching import Band

MESSAGE_LIMIT = 4096  # characters of one Telegram message
CAPTION_LIMIT = 1024  # characters of a photo's caption
STATS_WINDOWS = (7, 30)  # days: /stats and the digest, side by side
CHART_WEEKS = 12  # bars of the digest's chart, 7 days each
CHART_LANGUAGES = 5  # languages shown by name; the others are summed up
CHART_TOPICS = 8
NO_TOPIC = ""  # the topic key of what belongs to no topic
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ActivityKind(StrEnum):
    """What happened (one row of ``activity`` each)."""

    QUESTION = "question"  # outcome: a QuestionOutcome
    SUGGESTION_TAKEN = "suggestion_taken"  # a suggestion under an unsure answer was pressed
    HANDOFF_OPENED = "handoff_opened"  # a conversation with staff opened (or reopened)
    HANDOFF_CLOSED = "handoff_closed"  # outcome: the Party that closed it
    FIRST_STAFF_REPLY = "first_staff_reply"  # seconds since the conversation (re)opened
    REMINDER_SENT = "reminder_sent"  # outcome: what it reminded of (Reminded)
    REMINDER_UNDELIVERABLE = "reminder_undeliverable"  # blocked or refused for good
    APPOINTMENT_BOOKED = "appointment_booked"
    APPOINTMENT_CONFIRMED = "appointment_confirmed"  # by the family
    APPOINTMENT_CANCELLED = "appointment_cancelled"  # outcome: the Party that cancelled


class QuestionOutcome(StrEnum):
    """What a question got."""

    CONFIDENT = "confident"  # an answer of the knowledge base
    REDIRECT = "redirect"  # an entry saying which other office handles it
    UNSURE = "unsure"  # suggestions to choose from
    NONE = "none"  # no answer: a person is offered
    SMALLTALK = "smalltalk"  # "hello", "thank you"


class Party(StrEnum):
    """Who closed a conversation or cancelled an appointment."""

    FAMILY = "family"
    CENTRE = "centre"


class Reminded(StrEnum):
    """What a reminder was of."""

    APPOINTMENT = "appointment"
    EVENT = "event"


@dataclass(frozen=True)
class Activity:
    """One anonymous event to record: no chat, no text."""

    kind: ActivityKind
    lang: str
    topic: str | None = None
    entry_id: str | None = None
    outcome: str | None = None
    seconds: int | None = None


def question_activity(reply: Reply, topic: str | None) -> Activity | None:
    """The event of a question and its reply (*topic*: of the reply's entry, for an unsure reply
    the best candidate's); None for a message without a letter or digit, which asks nothing."""
    if reply.kind == "smalltalk":
        outcome = QuestionOutcome.SMALLTALK
    elif reply.band is Band.CONFIDENT:
        outcome = (
            QuestionOutcome.REDIRECT if reply.kind == "redirect" else QuestionOutcome.CONFIDENT
        )
    elif reply.band is Band.UNSURE:
        outcome = QuestionOutcome.UNSURE
    elif reply.handoff_offered:
        outcome = QuestionOutcome.NONE
    else:
        return None
    return Activity(ActivityKind.QUESTION, reply.lang, topic, reply.entry_id, outcome)


def hour_of(moment: datetime) -> datetime:
    """The start of *moment*'s hour (UTC): events are kept to the hour, so that their time
    cannot be matched to a person's message."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


# The figures ---------------------------------------------------------------------------------


class Measure(StrEnum):
    """A count of the figures (the name of a :class:`Tally` field)."""

    QUESTIONS = "questions"
    CONFIDENT = "confident"
    REDIRECTED = "redirected"
    SUGGESTIONS_TAKEN = "suggestions_taken"
    HELPFUL_YES = "helpful_yes"
    HELPFUL_NO = "helpful_no"
    HANDOFFS_OPENED = "handoffs_opened"
    HANDOFFS_CLOSED = "handoffs_closed"
    REMINDERS_SENT = "reminders_sent"
    REMINDERS_UNDELIVERABLE = "reminders_undeliverable"
    APPOINTMENTS_BOOKED = "appointments_booked"
    APPOINTMENTS_CONFIRMED = "appointments_confirmed"
    APPOINTMENTS_KEPT = "appointments_kept"
    APPOINTMENTS_CANCELLED = "appointments_cancelled"


_MEASURES_OF_KIND = {
    ActivityKind.SUGGESTION_TAKEN: Measure.SUGGESTIONS_TAKEN,
    ActivityKind.HANDOFF_OPENED: Measure.HANDOFFS_OPENED,
    ActivityKind.HANDOFF_CLOSED: Measure.HANDOFFS_CLOSED,
    ActivityKind.REMINDER_SENT: Measure.REMINDERS_SENT,
    ActivityKind.REMINDER_UNDELIVERABLE: Measure.REMINDERS_UNDELIVERABLE,
    ActivityKind.APPOINTMENT_BOOKED: Measure.APPOINTMENTS_BOOKED,
    ActivityKind.APPOINTMENT_CONFIRMED: Measure.APPOINTMENTS_CONFIRMED,
    ActivityKind.APPOINTMENT_CANCELLED: Measure.APPOINTMENTS_CANCELLED,
}


def measures_of(kind: str, outcome: str | None) -> tuple[Measure, ...]:
    """What an event of *kind* with *outcome* counts towards (a first staff reply counts as a
    time, see :class:`ReplyTime`)."""
    if kind == ActivityKind.QUESTION:
        if outcome == QuestionOutcome.CONFIDENT:
            return (Measure.QUESTIONS, Measure.CONFIDENT)
        if outcome == QuestionOutcome.REDIRECT:
            return (Measure.QUESTIONS, Measure.REDIRECTED)
        return (Measure.QUESTIONS,)
    found = _MEASURES_OF_KIND.get(kind)  # type: ignore[call-overload]  # any str of the table
    return (found,) if found is not None else ()


@dataclass(frozen=True)
class Fact:
    """*count* of one measure, in one language and topic."""

    measure: Measure
    lang: str
    topic: str | None
    count: int = 1


@dataclass(frozen=True)
class ReplyTime:
    """How long a family waited for staff's first reply."""

    lang: str
    topic: str | None
    seconds: int


def facts_of_events(kind: str, outcome: str | None, lang: str, topic: str | None,
                    count: int) -> list[Fact]:  # fmt: skip
    """The facts of *count* recorded events alike."""
    return [Fact(m, lang, topic, count) for m in measures_of(kind, outcome)]


@dataclass(frozen=True)
class Tally:
    """The counts of one window, for everything or for one language or topic."""

    questions: int = 0
    confident: int = 0
    redirected: int = 0
    suggestions_taken: int = 0
    helpful_yes: int = 0
    helpful_no: int = 0
    handoffs_opened: int = 0
    handoffs_closed: int = 0
    reminders_sent: int = 0
    reminders_undeliverable: int = 0
    appointments_booked: int = 0
    appointments_confirmed: int = 0
    appointments_kept: int = 0
    appointments_cancelled: int = 0
    reply_seconds: tuple[int, ...] = ()  # sorted

    def count(self, measure: Measure) -> int:
        """The count of *measure*."""
        value: int = getattr(self, measure.value)
        return value

    def plus(self, measure: Measure, count: int) -> Tally:
        """This tally with *count* more of *measure*."""
        changes: dict[str, int] = {measure.value: self.count(measure) + count}
        return replace(self, **changes)  # type: ignore[arg-type]

    def with_reply(self, seconds: int) -> Tally:
        """This tally with one more first reply after *seconds*."""
        return replace(self, reply_seconds=tuple(sorted((*self.reply_seconds, seconds))))

    def __add__(self, other: Tally) -> Tally:
        summed: dict[str, int] = {m.value: self.count(m) + other.count(m) for m in Measure}
        replies = tuple(sorted((*self.reply_seconds, *other.reply_seconds)))
        return Tally(**summed, reply_seconds=replies)

    @property
    def confident_share(self) -> float | None:
        """The share of questions answered confidently (None without questions)."""
        return self.confident / self.questions if self.questions else None

    @property
    def median_reply_seconds(self) -> float | None:
        """The median wait for staff's first reply (None without replies)."""
        return statistics.median(self.reply_seconds) if self.reply_seconds else None

    @property
    def anything(self) -> bool:
        """True if something at all was counted."""
        return any(self.count(m) for m in Measure) or bool(self.reply_seconds)


TALLY_COUNTS = tuple(f.name for f in fields(Tally) if f.name != "reply_seconds")
assert tuple(m.value for m in Measure) == TALLY_COUNTS, "a Measure for every count"


@dataclass(frozen=True)
class Figures:
    """The figures of the *days* up to *until*: in total, per language, per topic."""

    days: int
    until: datetime
    total: Tally = field(default_factory=Tally)
    by_lang: Mapping[str, Tally] = field(default_factory=dict)
    by_topic: Mapping[str, Tally] = field(default_factory=dict)


def tally(
    days: int, until: datetime, facts: Iterable[Fact], replies: Iterable[ReplyTime] = ()
) -> Figures:
    """Add up *facts* and *replies* of one window."""
    total = Tally()
    by_lang: dict[str, Tally] = {}
    by_topic: dict[str, Tally] = {}
    for fact in facts:
        if fact.count <= 0:
            continue
        topic = fact.topic or NO_TOPIC
        total = total.plus(fact.measure, fact.count)
        by_lang[fact.lang] = by_lang.get(fact.lang, Tally()).plus(fact.measure, fact.count)
        by_topic[topic] = by_topic.get(topic, Tally()).plus(fact.measure, fact.count)
    for reply in replies:
        topic = reply.topic or NO_TOPIC
        total = total.with_reply(reply.seconds)
        by_lang[reply.lang] = by_lang.get(reply.lang, Tally()).with_reply(reply.seconds)
        by_topic[topic] = by_topic.get(topic, Tally()).with_reply(reply.seconds)
    return Figures(days, until, total, by_lang, by_topic)


def parse_days(text: str) -> int:
    """A window such as ``7d``, ``30d`` or ``12w`` (a bare number is days) in days, 1 to 3650;
    ValueError with the reason otherwise."""
    found = re.fullmatch(r"\s*([0-9]{1,4})\s*([dDwW]?)\s*", text)
    days = int(found[1]) * (7 if found[2].lower() == "w" else 1) if found else 0
    if not 1 <= days <= 3650:
        raise ValueError(f"expected days or weeks such as 7d, 30d or 12w, not '{text}'")
    return days


def last_due(now: datetime, tz: ZoneInfo, weekday: int, hour: int) -> datetime:
    """The latest moment at or before *now* that is *weekday* (0: Monday) at *hour* o'clock in
    *tz* (the digest is due then), in UTC."""
    local = now.astimezone(tz)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    due = _at(day, hour, tz)
    if due > now:
        due = _at(day - timedelta(days=7), hour, tz)
    return due


def _at(day: date, hour: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


# German text for staff -----------------------------------------------------------------------


def duration_text(seconds: float | None) -> str:
    """*seconds* the short German way ("45 Sek.", "12 Min.", "1 Std. 5 Min.", "2 Tg. 3 Std.")."""
    if seconds is None:
        return texts.NOTHING
    whole = round(seconds)
    if whole < 60:
        return texts.DURATION_SECONDS.format(n=whole)
    minutes = whole // 60
    if minutes < 60:
        return texts.DURATION_MINUTES.format(n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return texts.DURATION_HOURS.format(h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return texts.DURATION_DAYS.format(d=days, h=hours)


def share_text(share: float | None) -> str:
    """A share as a German percentage ("75 %"), or a dash."""
    return texts.NOTHING if share is None else f"{round(share * 100)} %"


def language_name(lang: str) -> str:
    """The code, then the name ("ar · العربية"): starting with Latin letters, the line stays
    left-to-right in Telegram."""
    name = _native(lang)
    return f"{lang} · {RLI}{name}{PDI}" if lang == "ar" else f"{lang} · {name}"


def topic_name(topic: str) -> str:
    """The topic as staff read it ("Schulanmeldung"; an unknown id as it is), or "ohne Thema"."""
    return texts.TOPIC_LABELS.get(topic, topic) if topic else texts.STATS_NO_TOPIC


def _side_by_side(values: Iterable[str]) -> str:
    return " | ".join(values)


def _counts(tallies: Sequence[Tally], *measures: Measure) -> str:
    """The measures of each window, slashed, windows side by side ("3/1 | 10/4")."""
    return _side_by_side("/".join(str(t.count(m)) for m in measures) for t in tallies)


def _confident(tallies: Sequence[Tally]) -> str:
    return _side_by_side(f"{t.confident} ({share_text(t.confident_share)})" for t in tallies)


def totals_lines(windows: Sequence[Figures], title: str, tz: ZoneInfo) -> list[str]:
    """The heading and the totals of every window, side by side."""
    tallies = [w.total for w in windows]
    until = windows[-1].until.astimezone(tz).strftime("%d.%m.%Y %H:%M")
    heading = texts.STATS_WINDOWS.format(
        title=title, until=until,
        windows=_side_by_side(texts.STATS_WINDOW.format(days=w.days) for w in windows),
    )  # fmt: skip
    replies = _side_by_side(duration_text(t.median_reply_seconds) for t in tallies)
    m = Measure
    return [
        heading,
        texts.STATS_QUESTIONS.format(values=_counts(tallies, m.QUESTIONS)),
        texts.STATS_CONFIDENT.format(values=_confident(tallies)),
        texts.STATS_REDIRECTED.format(values=_counts(tallies, m.REDIRECTED)),
        texts.STATS_SUGGESTIONS.format(values=_counts(tallies, m.SUGGESTIONS_TAKEN)),
        texts.STATS_VOTES.format(values=_counts(tallies, m.HELPFUL_YES, m.HELPFUL_NO)),
        texts.STATS_HANDOFFS.format(values=_counts(tallies, m.HANDOFFS_OPENED, m.HANDOFFS_CLOSED)),
        texts.STATS_FIRST_REPLY.format(values=replies),
        texts.STATS_REMINDERS.format(
            values=_counts(tallies, m.REMINDERS_SENT, m.REMINDERS_UNDELIVERABLE)
        ),
        texts.STATS_APPOINTMENTS.format(
            values=_counts(
                tallies, m.APPOINTMENTS_BOOKED, m.APPOINTMENTS_CONFIRMED, m.APPOINTMENTS_CANCELLED
            )
        ),
        texts.STATS_KEPT.format(values=_counts(tallies, m.APPOINTMENTS_KEPT)),
        texts.STATS_KEPT_NOTE,
    ]


def _parts(tallies: Sequence[Tally]) -> str:
    """One language's or topic's figures: questions and the share always, the rest if any."""
    m = Measure
    parts = [
        texts.STATS_PART_QUESTIONS.format(values=_counts(tallies, m.QUESTIONS)),
        texts.STATS_PART_CONFIDENT.format(
            values=_side_by_side(share_text(t.confident_share) for t in tallies)
        ),
    ]
    optional = (
        (texts.STATS_PART_SUGGESTIONS, (m.SUGGESTIONS_TAKEN,)),
        (texts.STATS_PART_VOTES, (m.HELPFUL_YES, m.HELPFUL_NO)),
        (texts.STATS_PART_HANDOFFS, (m.HANDOFFS_OPENED,)),
        (texts.STATS_PART_REMINDERS, (m.REMINDERS_SENT,)),
        (texts.STATS_PART_APPOINTMENTS, (m.APPOINTMENTS_BOOKED,)),
    )
    for template, measures in optional:
        if any(t.count(measure) for t in tallies for measure in measures):
            parts.append(template.format(values=_counts(tallies, *measures)))
    if any(t.reply_seconds for t in tallies):
        waits = _side_by_side(duration_text(t.median_reply_seconds) for t in tallies)
        parts.append(texts.STATS_PART_FIRST_REPLY.format(values=waits))
    return " · ".join(parts)


def _breakdown(
    keyed: Sequence[Mapping[str, Tally]],
    windows: Sequence[Figures],
    heading: str,
    name: Callable[[str], str],
) -> list[str]:
    """A heading and one line per key (language or topic) of *keyed* (one mapping a window)
    with anything counted, the most asked first (in the longest window), "no topic" last."""
    keys = {key for found in keyed for key, t in found.items() if t.anything}
    if not keys:
        return []
    longest = max(range(len(windows)), key=lambda i: windows[i].days)

    def order(key: str) -> tuple[bool, int, int, str]:
        counted = keyed[longest].get(key, Tally())
        return (key == NO_TOPIC, -counted.questions, _rank(key), key)

    lines = [heading.format(windows=_side_by_side(f"{w.days} Tage" for w in windows))]
    for key in sorted(keys, key=order):
        lines.append(f"{name(key)}: {_parts([found.get(key, Tally()) for found in keyed])}")
    return lines


def stats_blocks(windows: Sequence[Figures], title: str, tz: ZoneInfo) -> list[list[str]]:
    """The totals, then the lines per language and per topic (those with anything counted)."""
    by_lang = [w.by_lang for w in windows]
    by_topic = [w.by_topic for w in windows]
    blocks = [
        totals_lines(windows, title, tz),
        _breakdown(by_lang, windows, texts.STATS_BY_LANGUAGE, language_name),
        _breakdown(by_topic, windows, texts.STATS_BY_TOPIC, topic_name),
    ]
    return [block for block in blocks if block]


def stats_messages(windows: Sequence[Figures], title: str, tz: ZoneInfo) -> list[str]:
    """/stats: totals, then per language and per topic, in messages of at most Telegram's
    length."""
    return pack(stats_blocks(windows, title, tz))


def digest_texts(windows: Sequence[Figures], tz: ZoneInfo) -> tuple[str, list[str]]:
    """The digest's caption under the chart (the totals), and the messages after it (per
    language and per topic)."""
    totals, *details = stats_blocks(windows, texts.DIGEST_TITLE, tz)
    caption, *more = pack([totals], CAPTION_LIMIT)
    return caption, pack([more, *details]) if more else pack(details)


def pack(blocks: Sequence[Sequence[str]], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Blocks of lines as few messages of at most *limit* characters: blocks are separated by
    an empty line, and a message breaks between lines (a line too long is cut)."""
    messages: list[str] = []
    current = ""
    for number, block in enumerate(blocks):
        for index, line in enumerate(block):
            line = line[:limit]
            joint = "\n\n" if index == 0 and number > 0 else "\n"
            if not current:
                current = line
            elif len(current) + len(joint) + len(line) <= limit:
                current = f"{current}{joint}{line}"
            else:
                messages.append(current)
                current = line
    if current:
        messages.append(current)
    return messages


# CSV -----------------------------------------------------------------------------------------

# After questions and confident: the share, then the other counts as Tally names them.
CSV_COLUMNS = ("days", "scope", "key", "questions", "confident", "confident_share",
               *TALLY_COUNTS[2:], "first_reply_median_seconds")  # fmt: skip


def csv_text(windows: Sequence[Figures]) -> str:
    """The figures as CSV: a row for the total, each language and each topic of every window."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for window in windows:
        rows = [("total", "", window.total)]
        rows += [("language", k, t) for k, t in sorted(window.by_lang.items())]
        rows += [("topic", k, t) for k, t in sorted(window.by_topic.items())]
        for scope, key, counted in rows:
            share = counted.confident_share
            median = counted.median_reply_seconds
            writer.writerow([
                window.days, scope, key, counted.questions, counted.confident,
                "" if share is None else f"{share:.3f}", *(counted.count(Measure(name))
                for name in TALLY_COUNTS[2:]), "" if median is None else round(median),
            ])  # fmt: skip
    return out.getvalue()


# The chart's data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """One colour of a stacked bar chart: its label and a value per bar."""

    label: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class Chart:
    """What the digest's picture shows, as plain data (``bot.adapters.charts`` draws it): the
    questions per week stacked by language, and the questions per topic."""

    title: str
    weeks_title: str
    week_labels: tuple[str, ...]
    weeks: tuple[Series, ...]  # the languages asked most, in their own scripts
    other_languages: Series | None  # the rest, summed up
    topics_title: str
    topic_labels: tuple[str, ...]
    topics: tuple[Series, ...]
    empty: str = texts.CHART_EMPTY

    @property
    def has_questions(self) -> bool:
        """True if any bar is above zero."""
        return any(any(s.values) for s in self.weeks)

    @property
    def stacked(self) -> tuple[Series, ...]:
        """Every series of the weekly bars, the summed-up rest last."""
        return (*self.weeks, *((self.other_languages,) if self.other_languages else ()))


def chart_of(weeks: Sequence[Figures], month: Figures, tz: ZoneInfo) -> Chart:
    """The chart of consecutive 7-day *weeks* (oldest first) and of *month*'s topics."""
    labels = tuple(
        (w.until - timedelta(days=w.days)).astimezone(tz).strftime("%d.%m.") for w in weeks
    )
    asked: dict[str, int] = {}
    for week in weeks:
        for lang, counted in week.by_lang.items():
            asked[lang] = asked.get(lang, 0) + counted.questions
    ranked = sorted((k for k, n in asked.items() if n), key=lambda k: (-asked[k], _rank(k)))
    named, others = ranked[:CHART_LANGUAGES], ranked[CHART_LANGUAGES:]
    if len(others) == 1:
        named, others = ranked, []
    series = [
        Series(_native(lang), tuple(w.by_lang.get(lang, Tally()).questions for w in weeks))
        for lang in named
    ]
    rest = None
    if others:
        summed = tuple(sum(w.by_lang.get(k, Tally()).questions for k in others) for w in weeks)
        rest = Series(texts.CHART_MORE_LANGUAGES, summed)
    topics = sorted(
        (k for k, t in month.by_topic.items() if t.questions),
        key=lambda k: (-month.by_topic[k].questions, k),
    )
    shown, hidden = topics[:CHART_TOPICS], topics[CHART_TOPICS:]
    if len(hidden) == 1:
        shown, hidden = topics, []
    confident = [month.by_topic[k].confident for k in shown]
    other = [month.by_topic[k].questions - month.by_topic[k].confident for k in shown]
    topic_labels = [topic_name(k) for k in shown]
    if hidden:
        confident.append(sum(month.by_topic[k].confident for k in hidden))
        other.append(
            sum(month.by_topic[k].questions - month.by_topic[k].confident for k in hidden)
        )
        topic_labels.append(texts.CHART_MORE_TOPICS)
    until = month.until.astimezone(tz).strftime("%d.%m.%Y")
    return Chart(
        title=texts.CHART_TITLE.format(until=until),
        weeks_title=texts.CHART_WEEKS,
        week_labels=labels,
        weeks=tuple(series),
        other_languages=rest,
        topics_title=texts.CHART_TOPICS.format(days=month.days),
        topic_labels=tuple(topic_labels),
        topics=(
            Series(texts.CHART_CONFIDENT, tuple(confident)),
            Series(texts.CHART_OTHER, tuple(other)),
        ),
    )


def _rank(lang: str) -> int:
    return LANGS.index(lang) if lang in LANGS else len(LANGS)


def _native(lang: str) -> str:
    known = as_lang(lang)
    return NATIVE_NAMES[known] if known else lang
