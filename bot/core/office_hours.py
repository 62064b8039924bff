"""When the centre is open, and when it opens next: office hours and NRW public holidays (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def easter_sunday(year: int) -> date:
    """Easter Sunday of *year* (Gregorian calendar, the anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = ((h + l_ - 7 * m + 114) % 31) + 1
    return date(year, month, day)


def nrw_holidays(year: int) -> set[date]:
    """The statutory public holidays of North Rhine-Westphalia."""
    easter = easter_sunday(year)
    return {
        date(year, 1, 1),  # Neujahr
        easter - timedelta(days=2),  # Karfreitag
        easter + timedelta(days=1),  # Ostermontag
        date(year, 5, 1),  # Tag der Arbeit
        easter + timedelta(days=39),  # Christi Himmelfahrt
        easter + timedelta(days=50),  # Pfingstmontag
        easter + timedelta(days=60),  # Fronleichnam
        date(year, 10, 3),  # Tag der Deutschen Einheit
        date(year, 11, 1),  # Allerheiligen
        date(year, 12, 25),
        date(year, 12, 26),
    }


def is_holiday(day: date) -> bool:
    """True on an NRW public holiday."""
    return day in nrw_holidays(day.year)


def _spans(
    day: date, hours: Mapping[str, Sequence[str]], tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    if day in nrw_holidays(day.year):
        return []
    spans = []
    for text in hours.get(WEEKDAYS[day.weekday()], ()):
        start, end = (time.fromisoformat(part) for part in text.split("-"))
        spans.append((datetime.combine(day, start, tz), datetime.combine(day, end, tz)))
    return spans


def is_open(moment: datetime, hours: Mapping[str, Sequence[str]], tz: ZoneInfo) -> bool:
    """True during office hours (never on a public holiday)."""
    local = moment.astimezone(tz)
    return any(start <= local < end for start, end in _spans(local.date(), hours, tz))


def next_opening(moment: datetime, hours: Mapping[str, Sequence[str]], tz: ZoneInfo) -> datetime:
    """The next time the centre opens after *moment* (within the coming year)."""
    local = moment.astimezone(tz)
    for offset in range(366):
        for start, _ in _spans(local.date() + timedelta(days=offset), hours, tz):
            if start > local:
                return start
    raise ValueError("no office hours at all")
