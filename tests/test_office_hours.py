"""Office hours and NRW holidays decide what a family is told about when staff answer."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.core.office_hours import WEEKDAYS, easter_sunday, is_open, next_opening, nrw_holidays

BERLIN = ZoneInfo("Europe/Berlin")
# Hours a centre might configure (the bundled knowledge bases publish none).
WEEKDAY_HOURS = {day: ("08:00-16:00",) for day in WEEKDAYS[:5]}
HOURS = {"mon": ("09:00-12:00", "13:00-15:00"), "thu": ("14:00-16:00",)}


def test_easter_and_the_movable_holidays() -> None:
    assert easter_sunday(2026) == date(2026, 4, 5)
    assert easter_sunday(2027) == date(2027, 3, 28)
    holidays = nrw_holidays(2026)
    assert date(2026, 4, 3) in holidays  # Karfreitag
    assert date(2026, 6, 4) in holidays  # Fronleichnam (a holiday in NRW)
    assert date(2026, 11, 1) in holidays  # Allerheiligen
    assert date(2026, 10, 31) not in holidays  # Reformationstag is not, in NRW


def test_open_and_closed() -> None:
    monday_morning = datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN)
    assert is_open(monday_morning, HOURS, BERLIN)
    assert not is_open(monday_morning.replace(hour=12, minute=30), HOURS, BERLIN)
    assert is_open(datetime(2026, 11, 23, 9, 30, tzinfo=UTC), HOURS, BERLIN)  # 10:30 in Berlin


def test_next_opening_skips_nights_weekends_and_holidays() -> None:
    friday_evening = datetime(2026, 12, 24, 18, 0, tzinfo=BERLIN)  # Thursday 24 Dec, evening
    assert next_opening(friday_evening, WEEKDAY_HOURS, BERLIN) == datetime(
        2026, 12, 28, 8, 0, tzinfo=BERLIN
    )  # 25 and 26 Dec are holidays, 27 Dec a Sunday
    lunch = datetime(2026, 11, 23, 12, 15, tzinfo=BERLIN)
    assert next_opening(lunch, HOURS, BERLIN) == datetime(2026, 11, 23, 13, 0, tzinfo=BERLIN)
    before_easter = datetime(2026, 4, 2, 17, 0, tzinfo=BERLIN)  # Maundy Thursday after hours
    assert next_opening(before_easter, HOURS, BERLIN) == datetime(2026, 4, 9, 14, 0, tzinfo=BERLIN)
