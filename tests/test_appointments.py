"""Reading appointment times, reminder times (night rule, summer time), the .ics file."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.booking import (
    ANSWER_DATA,
    AppointmentStatus,
    FamilyAnswer,
    answer_data,
    choose_place,
    ics_file,
    map_link,
    parse_offsets,
    parse_when,
    reminder_times,
    when_text,
)
from bot.core.knowledge import load_knowledge_base
from bot.core.office_hours import WEEKDAYS
from bot.errors import AppointmentError
from bot.settings import BUNDLED_KNOWLEDGE

BERLIN = ZoneInfo("Europe/Berlin")
# Hours a centre might configure (the bundled knowledge bases publish none).
WEEKDAY_HOURS = {day: ("08:00-16:00",) for day in WEEKDAYS[:5]}
NOW = datetime(2026, 11, 23, 11, 0, tzinfo=BERLIN)  # a Monday


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["2026-12-03", "10:30"], datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN)),
        (["03.12.", "10:30"], datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN)),
        (["3.12.2026", "9.15"], datetime(2026, 12, 3, 9, 15, tzinfo=BERLIN)),
        (["morgen", "9:00"], datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN)),
        (["05.01.", "10:00"], datetime(2027, 1, 5, 10, 0, tzinfo=BERLIN)),  # next year
    ],
)
def test_dates_staff_type(words: list[str], expected: datetime) -> None:
    when, rest = parse_when([*words, "Flachsmarkt"], NOW, BERLIN, WEEKDAY_HOURS)
    assert when == expected
    assert rest == ["Flachsmarkt"]


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        (["gestern", "10:00"], "Datum nicht verstanden"),
        (["31.02.", "10:00"], "gibt es nicht"),
        (["03.12.", "25:00"], "Uhrzeit nicht verstanden"),
        (["2026-11-20", "10:00"], "Vergangenheit"),
        (["heute", "10:00"], "Vergangenheit"),
        (["2026-11-28", "10:00"], "Öffnungszeiten"),  # a Saturday
        (["2026-12-25", "10:00"], "Feiertag"),
        (["03.12."], "Datum und Uhrzeit"),
    ],
)
def test_refused_with_the_reason(words: list[str], reason: str) -> None:
    with pytest.raises(AppointmentError, match=reason):
        parse_when(words, NOW, BERLIN, WEEKDAY_HOURS)


def test_offsets() -> None:
    assert parse_offsets("24h,2h") == (timedelta(hours=24), timedelta(hours=2))
    assert parse_offsets("90m, 2d, 24h") == (
        timedelta(days=2), timedelta(hours=24), timedelta(minutes=90),
    )  # fmt: skip
    with pytest.raises(ValueError, match="offset"):
        parse_offsets("soon")


def test_no_reminder_at_night_and_none_before_the_booking() -> None:
    starts = datetime(2026, 12, 3, 8, 0, tzinfo=BERLIN)
    due = reminder_times(starts, parse_offsets("24h,2h"), BERLIN, NOW)
    assert due == [
        datetime(2026, 12, 2, 8, 0, tzinfo=BERLIN),
        datetime(
            2026, 12, 2, 21, 30, tzinfo=BERLIN
        ),  # 06:00 would be at night: the evening before
    ]
    late_booking = datetime(2026, 12, 3, 7, 0, tzinfo=BERLIN)
    assert reminder_times(starts, parse_offsets("24h,2h"), BERLIN, late_booking) == []


@pytest.mark.parametrize(
    ("starts", "starts_utc", "two_days_before_utc"),
    [
        # Monday 30 March 2026 09:00, the morning after the change to summer time (29 March):
        # stored 07:00 UTC; "48h before" is Saturday 09:00 winter time = 08:00 UTC.
        (
            datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN),
            datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
            datetime(2026, 3, 28, 8, 0, tzinfo=UTC),
        ),
        # Monday 26 October 2026 09:00, the morning after the change back (25 October):
        # stored 08:00 UTC; "48h before" is Saturday 09:00 summer time = 07:00 UTC.
        (
            datetime(2026, 10, 26, 9, 0, tzinfo=BERLIN),
            datetime(2026, 10, 26, 8, 0, tzinfo=UTC),
            datetime(2026, 10, 24, 7, 0, tzinfo=UTC),
        ),
    ],
)
def test_summer_time_changes(
    starts: datetime, starts_utc: datetime, two_days_before_utc: datetime
) -> None:
    words = [starts.strftime("%Y-%m-%d"), starts.strftime("%H:%M")]
    when, _ = parse_when(words, datetime(2026, 1, 5, 10, 0, tzinfo=BERLIN), BERLIN, WEEKDAY_HOURS)
    assert when.astimezone(UTC) == starts_utc
    stored = when.astimezone(UTC)  # what the database keeps
    [due] = reminder_times(stored, parse_offsets("48h"), BERLIN, datetime(2026, 1, 5, tzinfo=UTC))
    assert due.astimezone(UTC) == two_days_before_utc
    assert due.astimezone(BERLIN).hour == 9  # the same local hour, whatever the clock change


def test_ics_and_map_link() -> None:
    starts = datetime(2026, 12, 3, 10, 30, tzinfo=BERLIN)
    data = ics_file("appt-7@wegweiser", starts, 60, "Termin; KI", "Flachsmarkt 15, 1. Etage", NOW)
    text = data.decode()
    assert "DTSTART:20261203T093000Z\r\n" in text
    assert "DTEND:20261203T103000Z\r\n" in text
    assert "SUMMARY:Termin\\; KI\r\n" in text
    assert "LOCATION:Flachsmarkt 15\\, 1. Etage\r\n" in text
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert map_link("Flachsmarkt 15, 47051 Duisburg").endswith("Flachsmarkt+15%2C+47051+Duisburg")


def test_one_local_date_formatter() -> None:
    moment = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)  # 10:30 in Duisburg
    assert when_text(moment, BERLIN, "de") == "Donnerstag, 3. Dezember 2026, 10:30"
    assert when_text(moment, BERLIN, "en") == "Thursday, December 3, 2026, 10:30\u202fAM"


def test_the_place_is_a_contact_free_text_or_the_school_counselling() -> None:
    kb = load_knowledge_base(BUNDLED_KNOWLEDGE / "duisburg")
    counselling = "Internationales Zentrum, Flachsmarkt 15, 1. Etage, 47051 Duisburg"
    assert choose_place(kb, []) == counselling
    assert choose_place(kb, ["school-counselling"]) == counselling
    assert choose_place(kb, ["Rathaus,", "Zimmer", "3"]) == "Rathaus, Zimmer 3"


def test_the_familys_buttons_carry_their_answer() -> None:
    assert [answer.status for answer in FamilyAnswer] == [
        AppointmentStatus.CONFIRMED, AppointmentStatus.CANCELLED, AppointmentStatus.OTHER
    ]  # fmt: skip
    data = answer_data(42, FamilyAnswer.OTHER)
    assert data == "appt:42:other"
    match = re.match(ANSWER_DATA, data)
    assert match is not None
    assert match.groups() == ("42", "other")
