"""Appointments without I/O: their statuses, reading what staff type, reminder times, where it
takes place, what the family reads (when, where, a map link), the .ics file.

Times are aware datetimes; they are stored in UTC and shown in the centre's time zone, so an
appointment on the morning after the change to or from summer time keeps its local hour.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from bot.core import callbacks
from bot.core.bidi import for_reader
from bot.core.i18n import gettext
from bot.core.knowledge import KnowledgeBase
from bot.core.languages import Lang
from bot.core.office_hours import is_holiday, is_open
from bot.errors import AppointmentError

NIGHT_STARTS, NIGHT_ENDS = time(22, 0), time(7, 0)
EVENING = time(21, 30)  # a reminder due at night goes out the evening before, at this time
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_GERMAN = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{2,4})?$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")
_RELATIVE = {"heute": 0, "today": 0, "morgen": 1, "tomorrow": 1, "übermorgen": 2}
_OFFSET = re.compile(r"^(\d{1,4})\s*([mhd])$")


MSG_APPOINTMENT = "Your appointment at the integration centre:\n{when}\n{place}"
MSG_MOVED = "Your appointment has been moved to {when}.\n{place}"
MSG_CANCELLED = "The centre has cancelled your appointment on {when}."
MSG_REMINDER = "Reminder: your appointment at the integration centre is on {when}.\n{place}"
MSG_EVENT_REMINDER = "Reminder: {title} is on {when}. Place: {place}"
ANSWER_DATA = callbacks.APPOINTMENT_ANSWER  # the family's buttons, see answer_data


class AppointmentStatus(StrEnum):
    """Where an appointment stands (stored as its value)."""

    BOOKED = "booked"  # staff booked it; the family has not answered
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"  # by the family or by the centre: no more reminders
    OTHER = "other"  # the family needs another date


class ReminderStatus(StrEnum):
    """Where one reminder stands (stored as its value)."""

    PENDING = "pending"
    SENDING = "sending"  # claimed by a dispatcher, not yet accepted by Telegram
    SENT = "sent"
    UNDELIVERABLE = "undeliverable"  # blocked or refused for good: not tried again
    SKIPPED = "skipped"  # replaced (moved, cancelled) or too late to be useful


class FamilyAnswer(StrEnum):
    """The buttons under the appointment message."""

    CONFIRM = "confirm"
    CANCEL = "cancel"
    OTHER = "other"

    @property
    def status(self) -> AppointmentStatus:
        """The appointment's status after this answer."""
        return {
            FamilyAnswer.CONFIRM: AppointmentStatus.CONFIRMED,
            FamilyAnswer.CANCEL: AppointmentStatus.CANCELLED,
            FamilyAnswer.OTHER: AppointmentStatus.OTHER,
        }[self]


def answer_data(appointment_id: int, answer: FamilyAnswer) -> str:
    """What pressing *answer* under appointment *appointment_id* sends back (``ANSWER_DATA``)."""
    return callbacks.appointment_answer(appointment_id, answer.value)


BOOKING_HORIZON = timedelta(days=365)  # no appointment further ahead (a typo like 2062)
MAX_PLACE = 300  # characters: the place goes into messages, reminders and the staff list


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """``"24h,2h,90m"`` -> the offsets before an appointment, largest first."""
    offsets = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        match = _OFFSET.match(part.lower())
        if match is None:
            raise ValueError(f"'{part}' is not an offset like 24h, 2h or 90m")
        amount, unit = int(match[1]), match[2]
        offsets.append(timedelta(**{{"m": "minutes", "h": "hours", "d": "days"}[unit]: amount}))
    return tuple(sorted(set(offsets), reverse=True))


def _day(text: str, today: date) -> date:
    word = text.lower()
    if word in _RELATIVE:
        return today + timedelta(days=_RELATIVE[word])
    if match := _ISO.match(text):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := _GERMAN.match(text):
        day, month = int(match[1]), int(match[2])
        year = int(match[3]) if match[3] else today.year
        year = year + 2000 if year < 100 else year
        found = date(year, month, day)
        return found if match[3] or found >= today else date(year + 1, month, day)
    raise AppointmentError(
        f"'{text}': Datum nicht verstanden (z. B. 2026-12-03, 03.12. oder morgen)"
    )


def parse_when(
    words: Sequence[str],
    now: datetime,
    tz: ZoneInfo,
    hours: Mapping[str, Sequence[str]] | None,
    horizon: timedelta = BOOKING_HORIZON,
) -> tuple[datetime, list[str]]:
    """Date and time from the first two words (``03.12. 10:30``, ``morgen 9:00`` …) and the rest.

    Refused with the reason: unreadable, in the past, further ahead than *horizon*, on a public
    holiday, outside the office hours the centre has configured (none configured: any time of a
    working day is accepted), or a place longer than ``MAX_PLACE`` characters.
    """
    if len(words) < 2:
        raise AppointmentError("Bitte Datum und Uhrzeit angeben, z. B. /appointment 03.12. 10:30")
    local_today = now.astimezone(tz).date()
    try:
        day = _day(words[0], local_today)
    except ValueError:
        raise AppointmentError(f"'{words[0]}': dieses Datum gibt es nicht") from None
    match = _TIME.match(words[1])
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        raise AppointmentError(f"'{words[1]}': Uhrzeit nicht verstanden (z. B. 10:30)")
    when = datetime.combine(day, time(int(match[1]), int(match[2])), tz)
    if when <= now:
        raise AppointmentError("Dieser Zeitpunkt liegt in der Vergangenheit.")
    if when > now + horizon:
        raise AppointmentError(
            f"Das liegt mehr als {horizon.days} Tage voraus (WEGWEISER_BOOKING_HORIZON_DAYS)."
        )
    if len(" ".join(words[2:])) > MAX_PLACE:
        raise AppointmentError(f"Der Ort ist zu lang (höchstens {MAX_PLACE} Zeichen).")
    if hours is None:
        if is_holiday(when.date()):
            raise AppointmentError("Das ist ein Feiertag.")
    elif not is_open(when, hours, tz):
        raise AppointmentError("Das ist außerhalb der Öffnungszeiten (oder ein Feiertag).")
    return when, list(words[2:])


def reminder_times(
    starts_at: datetime, offsets: Sequence[timedelta], tz: ZoneInfo, booked_at: datetime
) -> list[datetime]:
    """When to remind: each offset before the start, never at night (22-7 h: the evening before),
    never before the booking itself, at most once per moment."""
    due: set[datetime] = set()
    for offset in offsets:
        moment = (
            starts_at.astimezone(tz) - offset
        )  # wall-clock: "24h before" = same time, day before
        if moment.time() >= NIGHT_STARTS:
            moment = datetime.combine(moment.date(), EVENING, tz)
        elif moment.time() < NIGHT_ENDS:
            moment = datetime.combine(moment.date() - timedelta(days=1), EVENING, tz)
        if booked_at < moment < starts_at:
            due.add(moment)
    return sorted(due)


def map_link(address: str) -> str:
    """A link that shows *address* on OpenStreetMap."""
    return f"https://www.openstreetmap.org/search?query={quote_plus(address)}"


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def ics_file(
    uid: str, starts_at: datetime, minutes: int, summary: str, place: str, stamp: datetime
) -> bytes:
    """An iCalendar (RFC 5545) file with one event, times in UTC."""

    def utc(moment: datetime) -> str:
        return moment.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Wegweiser//Kommunales Integrationszentrum//DE",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{utc(stamp)}",
        f"DTSTART:{utc(starts_at)}",
        f"DTEND:{utc(starts_at + timedelta(minutes=minutes))}",
        f"SUMMARY:{_ics_text(summary)}",
        f"LOCATION:{_ics_text(place)}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def when_text(moment: datetime, tz: ZoneInfo, lang: Lang) -> str:
    """Date and time the local way for *lang*, in the time zone *tz*."""
    local = moment.astimezone(tz)
    day = format_date(local.date(), format="full", locale=lang)
    return f"{day}, {format_time(local.time(), format='short', locale=lang)}"


def choose_place(kb: KnowledgeBase, words: Sequence[str]) -> str:
    """Where: a contact id of the knowledge base (its address), free text, or else the school
    counselling desk, the centre's address, the centre's name — never an invented place."""
    if words:
        contact = next((c for c in kb.contacts if c.id == words[0] and c.address), None)
        return contact.address if contact and contact.address else " ".join(words)
    school = min(  # the most specific contact for school entry, e.g. the counselling desk
        (c for c in kb.contacts if "school_entry" in c.topics and c.address),
        key=lambda c: len(c.topics),
        default=None,
    )
    return (school.address if school else None) or kb.centre.address or kb.centre.name


def appointment_text(
    starts_at: datetime, place: str, bring: str | None, tz: ZoneInfo, lang: Lang
) -> str:
    """What the family receives: when, where (verbatim, with a map link), what to bring."""
    parts = [gettext(lang, MSG_APPOINTMENT, when=when_text(starts_at, tz, lang), place=place)]
    if bring:
        parts.append(f"{gettext(lang, 'Please bring:')}\n{bring}")
    parts.append(gettext(lang, "Map: {link}", link=map_link(place)))
    parts.append(gettext(lang, "Add it to your calendar with the file below."))
    return for_reader("\n\n".join(parts), lang)


def moved_text(starts_at: datetime, place: str, tz: ZoneInfo, lang: Lang) -> str:
    """The family's message when the centre moved the appointment."""
    return gettext(lang, MSG_MOVED, when=when_text(starts_at, tz, lang), place=place)


def cancelled_text(starts_at: datetime, tz: ZoneInfo, lang: Lang) -> str:
    """The family's message when the centre cancelled the appointment."""
    return gettext(lang, MSG_CANCELLED, when=when_text(starts_at, tz, lang))


def reminder_text(
    starts_at: datetime, place: str, bring: str | None, tz: ZoneInfo, lang: Lang
) -> str:
    """A reminder of an appointment: when, where, what to bring."""
    text = gettext(lang, MSG_REMINDER, when=when_text(starts_at, tz, lang), place=place)
    if bring:
        text += f"\n\n{gettext(lang, 'Please bring:')}\n{bring}"
    return for_reader(text, lang)


def event_reminder_text(
    title: str, starts_at: datetime, place: str, tz: ZoneInfo, lang: Lang
) -> str:
    """A reminder of an event the family asked to be reminded of."""
    when = when_text(starts_at, tz, lang)
    return for_reader(gettext(lang, MSG_EVENT_REMINDER, title=title, when=when, place=place), lang)


def appointment_calendar(
    appointment_id: int, starts_at: datetime, minutes: int, place: str, stamp: datetime,
    lang: Lang,
) -> bytes:  # fmt: skip
    """The .ics file that goes with the appointment message."""
    summary = gettext(lang, "Appointment at the integration centre")
    return ics_file(
        f"appointment-{appointment_id}@wegweiser", starts_at, minutes, summary, place, stamp
    )
