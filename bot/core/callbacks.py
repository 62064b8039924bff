"""Every callback-data scheme of the bot's buttons, built and recognised here, in one table.

A client can send any callback data, so each press is validated again on the way in: its
pattern (ids of bounded length, known languages and actions) and its audience — a family's
buttons count only in a private chat, pressed by that family; staff buttons only in the staff
group (``handlers.callbacks`` enforces it before any feature handler runs).
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.core.languages import LANGS, Lang


class Audience(StrEnum):
    """Who may press a button of a scheme, and where."""

    FAMILY = "family"  # in the family's own private chat
    STAFF = "staff"  # in the staff group, by staff


LANG = "(" + "|".join(LANGS) + ")"
ENTRY = "([a-z0-9-]{1,48})"
ID = r"(\d{1,9})"  # bounded: no overflow, no huge numbers
MENU_TOPICS = ("school", "volunteering", "events", "contacts")

PICK_LANGUAGE = re.compile(rf"^lang:{LANG}$")
MENU = re.compile(rf"^menu:{LANG}:({'|'.join(MENU_TOPICS)})$")
ANSWER = re.compile(rf"^ans:{LANG}:{ENTRY}$")
SUGGESTION = re.compile(rf"^sug:{LANG}:{ENTRY}$")  # a suggestion under an unsure answer
FEEDBACK = re.compile(rf"^fb:{LANG}:{ENTRY}:([01])$")
PERSON = re.compile(rf"^person:{LANG}$")
DELETE = re.compile(rf"^delete:{LANG}:(yes|no)$")
END = re.compile(rf"^end:{LANG}$")
RATE = re.compile(rf"^rate:{ID}:([1-5])$")
APPOINTMENT_ANSWER = re.compile(rf"^appt:{ID}:(confirm|cancel|other)$")
EVENT_BUTTON = re.compile(rf"^ev(ics|rem|sub):{LANG}:{ENTRY}$")
VOLUNTEER_MESSAGE = re.compile(rf"^volmsg:{LANG}$")
STAFF_ACTION = re.compile(rf"^handoff:(claim|close):{ID}$")
# /unanswered: a kept question's id (its group's representative), and an entry of the base.
ADD_PHRASING = re.compile(rf"^phr:{ID}:{ENTRY}$")
IGNORE_QUESTIONS = re.compile(rf"^ign:{ID}$")

# The first part of the data (before the first colon) names the scheme.
AUDIENCE = {
    "lang": Audience.FAMILY, "menu": Audience.FAMILY, "ans": Audience.FAMILY,
    "sug": Audience.FAMILY,
    "fb": Audience.FAMILY, "person": Audience.FAMILY, "delete": Audience.FAMILY,
    "end": Audience.FAMILY, "rate": Audience.FAMILY, "appt": Audience.FAMILY,
    "evics": Audience.FAMILY, "evrem": Audience.FAMILY, "evsub": Audience.FAMILY,
    "volmsg": Audience.FAMILY, "handoff": Audience.STAFF,
    "phr": Audience.STAFF, "ign": Audience.STAFF,
}  # fmt: skip


def audience_of(data: str) -> Audience | None:
    """Whose button *data* is (None: no scheme of ours)."""
    return AUDIENCE.get(data.partition(":")[0])


def pick_language(lang: Lang) -> str:
    return f"lang:{lang}"


def menu(lang: Lang, topic: str) -> str:
    return f"menu:{lang}:{topic}"


def answer(lang: Lang, entry_id: str) -> str:
    return f"ans:{lang}:{entry_id}"


def suggestion(lang: Lang, entry_id: str) -> str:
    """Pressing it answers with the entry, like ``answer``, and counts as a suggestion taken."""
    return f"sug:{lang}:{entry_id}"


def vote(lang: Lang, entry_id: str, helpful: bool) -> str:
    return f"fb:{lang}:{entry_id}:{int(helpful)}"


def person(lang: Lang) -> str:
    return f"person:{lang}"


def delete(lang: Lang, confirmed: bool) -> str:
    return f"delete:{lang}:{'yes' if confirmed else 'no'}"


def end(lang: Lang) -> str:
    return f"end:{lang}"


def rate(handoff_id: int, stars: int) -> str:
    return f"rate:{handoff_id}:{stars}"


def appointment_answer(appointment_id: int, action: str) -> str:
    return f"appt:{appointment_id}:{action}"


def event_action(action: str, lang: Lang, event_id: str) -> str:
    """*action*: ``ics`` (add to calendar), ``rem`` (remind me), ``sub`` (new date)."""
    return f"ev{action}:{lang}:{event_id}"


def volunteer_message(lang: Lang) -> str:
    return f"volmsg:{lang}"


def staff_action(action: str, handoff_id: int) -> str:
    """*action*: ``claim`` or ``close``."""
    return f"handoff:{action}:{handoff_id}"


def add_phrasing(question_id: int, entry_id: str) -> str:
    """Accept the group of kept question *question_id* as a phrasing of *entry_id* (at most
    4 + 9 + 1 + 48 = 62 bytes: within Telegram's 64)."""
    return f"phr:{question_id}:{entry_id}"


def ignore_questions(question_id: int) -> str:
    """Ignore (delete) the group of kept question *question_id*."""
    return f"ign:{question_id}"
