"""Privacy by design, as a family meets it: told what is stored on first contact, shown all of it
with /mydata, everything deleted after a confirmation (and not readable in the file afterwards),
closed records purged on a schedule; and a flood gets one notice while others are answered."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.i18n import gettext
from bot.db import Appointment, Handoff, UnansweredQuestion, User
from tests import updates
from tests.harness import (
    ANNA,
    FAMILY,
    STAFF_CHAT,
    START,
    Bot,
    Desk,
    open_topic,
    running,
)  # fmt: skip

CONTROLLER = "Kommunales Integrationszentrum Duisburg, Alter Markt 23, 47051 Duisburg"
CONTACT = "datenschutz@example.org"
OTHER_FAMILY = 81_002


@pytest.fixture
async def noticing(database_url: str) -> AsyncIterator[Bot]:
    """A bot that gives the first-contact notice (as installed by default)."""
    async with running(database_url, Bot, privacy_notice=True, privacy_contact=CONTACT) as bot:
        yield bot


async def test_first_contact_is_told_what_is_stored_and_who_is_responsible(noticing: Bot) -> None:
    await noticing.send(
        updates.text(FAMILY, "Wo ist das Internationale Zentrum?", language_code="tr")
    )
    notice, answer = noticing.api.texts()
    assert notice == "\n".join([
        gettext("tr", "Before we start: I store your chat number, the language you use and when "
                "you last wrote to me, so that I can answer you in your language. Responsible for "
                "this data: {controller}.", controller=CONTROLLER),
        gettext("tr", "Questions about data protection: {contact}", contact=CONTACT),
        gettext("tr", "/privacy explains more, /mydata shows your data, /delete deletes it."),
    ])  # fmt: skip
    assert "Flachsmarkt 15" in answer
    noticing.api.clear()
    await noticing.send(updates.text(FAMILY, "Und wann ist offen?", language_code="tr"))
    assert len(noticing.api.texts()) == 1  # told once, not with every message


async def test_without_a_configured_contact_no_contact_is_named(database_url: str) -> None:
    async with running(database_url, Bot, privacy_notice=True) as bot:
        await bot.send(updates.command(FAMILY, "/start", language_code="en"))
        notice = bot.api.texts()[0]
        assert notice.startswith("Before we start:")
        assert "data protection" not in notice
        assert notice.endswith(
            "/privacy explains more, /mydata shows your data, /delete deletes it."
        )


async def test_mydata_shows_everything_stored_as_text_and_json(desk: Desk) -> None:
    await open_topic(desk, "uk")
    desk.api.clear()
    await desk.send(updates.command(FAMILY, "/mydata", language_code="uk"))
    text = desk.texts_to(FAMILY)[-1]
    assert text.startswith(gettext("uk", "This is everything I store about you:"))
    assert gettext("uk", "Conversations with the centre: {count}", count=1) in text
    [document] = desk.api.sent("sendDocument")
    assert document["caption"] == gettext("uk", "Your data as a file (JSON).")


async def test_mydata_file_holds_the_profile_conversations_and_appointments(desk: Desk) -> None:
    topic_id = await open_topic(desk, "ar")
    day = (START + timedelta(days=10)).date()
    while day.weekday() != 3:
        day += timedelta(days=1)
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA,
                                     text=f"/appointment {day.isoformat()} 10:30"))  # fmt: skip
    stored = await desk.services.users.everything_about(FAMILY)
    assert stored["profile"]["chat_id"] == FAMILY
    assert stored["profile"]["language"] is None  # never chose one with /language
    [conversation] = stored["conversations_with_staff"]
    assert conversation["status"] == "open"
    [appointment] = stored["appointments"]
    assert (
        appointment["place"] == "Internationales Zentrum, Flachsmarkt 15, 1. Etage, 47051 Duisburg"
    )
    json.dumps(stored)  # all plain data


async def test_delete_needs_a_yes_and_then_the_text_is_gone_from_the_file(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("reads the SQLite file itself; PostgreSQL frees deleted rows with VACUUM")
    async with running(database_url, Desk) as desk:
        topic_id = await open_topic(desk)
        day = (START + timedelta(days=10)).date()
        while day.weekday() != 3:
            day += timedelta(days=1)
        place = "Musterweg 12a Hinterhaus Zimmer 404"
        line = f"/appointment {day.isoformat()} 10:30 {place}"
        await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text=line))
        assert [a.place for a in await desk.rows(Appointment)] == [place]
        await desk.send(updates.command(FAMILY, "/delete"))
        assert await desk.rows(User)  # asked, not yet deleted
        await desk.send(updates.callback(FAMILY, "delete:ar:yes"))
        assert await desk.rows(User) == []
        assert await desk.rows(Handoff) == []
        assert await desk.rows(Appointment) == []
    database = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
    files = [p for p in database.parent.glob(database.name + "*") if p.is_file()]
    assert files
    assert not any(place.encode() in p.read_bytes() for p in files)


async def test_closed_conversations_and_past_appointments_are_purged_after_the_retention(
    desk: Desk,
) -> None:
    await open_topic(desk)
    await desk.send(updates.command(FAMILY, "/end"))
    async with desk.sessions() as session:
        [handoff] = (await session.scalars(select(Handoff))).all()
        assert handoff.closed_at is not None
    await desk.services.questions.answer(
        "Wie beantrage ich einen Angelschein?", lang="de", hint=None
    )
    assert len(await desk.rows(UnansweredQuestion)) == 1
    desk.clock.advance(days=89)
    await desk.services.questions.answer(
        "Wo gibt es Schwimmkurse für Kinder?", lang="de", hint=None
    )
    desk.clock.advance(days=2)
    counts = await desk.services.users.purge_records()
    assert counts == {
        "conversations": 1,
        "appointments": 0,
        "event_reminders": 0,
        "unanswered_questions": 1,
    }
    assert await desk.rows(Handoff) == []
    assert [q.text for q in await desk.rows(UnansweredQuestion)] == [
        "Wo gibt es Schwimmkurse für Kinder?"
    ]


async def test_a_flood_gets_one_notice_and_other_families_are_answered(bot: Bot) -> None:
    for n in range(30):
        await bot.send(updates.text(FAMILY, f"Frage {n}: wo ist die Schule?"))
    texts = bot.api.texts()
    flood = gettext("de", "You are sending many messages at once. I will answer again in a "
                    "moment – please write your question in one message.")  # fmt: skip
    assert texts.count(flood) == 1
    assert len(texts) == 8 + 1  # the burst, then the notice, then quiet
    bot.api.clear()
    await bot.send(updates.text(OTHER_FAMILY, "Wo ist das Internationale Zentrum?"))
    assert len(bot.api.texts()) == 1
    bot.clock.advance(seconds=30)  # calm again: answered again
    bot.api.clear()
    await bot.send(updates.text(FAMILY, "Wo ist das Internationale Zentrum?"))
    assert "Flachsmarkt 15" in bot.api.texts()[-1]


async def test_end_without_a_conversation_says_so(bot: Bot) -> None:
    await bot.send(updates.command(FAMILY, "/end", language_code="bg"))
    assert bot.api.texts() == [gettext(
        "bg", "You are not talking to a person from the centre right now. Write your question, "
        "or choose “Talk to a person”.",
    )]  # fmt: skip
