"""ConversationService on a real database (SQLite and PostgreSQL): one transaction per use case,
the outbox rows it writes, and the outbox woken after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.core.assistant import Reply
from bot.core.buttons import stored
from bot.core.handoff import (
    MSG_ENDED,
    MSG_QUIET,
    MSG_RATE,
    MSG_SOON,
    Claim,
    HandoffStatus,
    end_buttons,
    rating_buttons,
    staff_buttons,
)
from bot.core.i18n import gettext
from bot.core.knowledge import load_knowledge_base
from bot.core.matching import Band
from bot.db import Handoff, RelayMessage
from bot.db.unit_of_work import Database
from bot.services.conversations import Closing, Conversation, ConversationService, Opening
from bot.settings import BUNDLED_KNOWLEDGE, Settings
from tests.harness import empty_database

DUISBURG = load_knowledge_base(BUNDLED_KNOWLEDGE / "duisburg")
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
STAFF_CHAT, FAMILY, NEIGHBOUR = -1001234567, 81001, 81002
ANNA, BERND = 5001, 5002


class RecordingOutbox:
    """The outbox port, remembering which conversations were woken (and in which order)."""

    def __init__(self) -> None:
        self.woken: list[int] = []

    def wake(self, handoff_id: int) -> None:
        """Note the wake-up (nothing is sent here)."""
        self.woken.append(handoff_id)


def service_on(
    database: Database, outbox: RecordingOutbox, settings: Settings
) -> ConversationService:
    """The service as ``build_application`` builds it (a fixed clock, the Duisburg centre)."""
    return ConversationService(database, lambda: NOW, outbox, settings, lambda: DUISBURG)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database."""
    async with empty_database(database_url) as database:
        yield database


@pytest.fixture
def outbox() -> RecordingOutbox:
    return RecordingOutbox()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """With a staff group."""
    return Settings(database_url=database_url, staff_chat_id=STAFF_CHAT)


@pytest.fixture
def service(
    database: Database, outbox: RecordingOutbox, settings: Settings
) -> ConversationService:
    return service_on(database, outbox, settings)


async def rows(database: Database) -> list[tuple[bool, str | None, int | None, str | None]]:
    """Every outbox row, oldest first: (to staff, text, source message id, buttons)."""
    async with database.sessions() as session:
        found = await session.scalars(select(RelayMessage).order_by(RelayMessage.id))
        return [(r.to_staff, r.text, r.message_id, r.reply_markup) for r in found]


async def handoff(database: Database, chat_id: int = FAMILY) -> Handoff:
    async with database.sessions() as session:
        found = await session.scalar(select(Handoff).where(Handoff.chat_id == chat_id))
        assert found is not None
        return found


async def test_opening_twice_tells_staff_once(
    service: ConversationService, database: Database, outbox: RecordingOutbox
) -> None:
    assert await service.open(FAMILY, "ar") is Opening.OPENED
    opened = await handoff(database)
    assert (opened.status, opened.topic_name) == ("open", f"#{opened.id} · العربية · Anfrage")
    [header, promise] = await rows(database)
    assert header[:3] == (True, header[1], None)
    assert header[3] == stored(staff_buttons(opened.id))
    assert promise == (
        False,
        f"{gettext('ar', MSG_SOON)}\n\n{gettext('ar', MSG_QUIET)}",
        None,
        stored(end_buttons("ar")),
    )
    assert outbox.woken == [opened.id]
    assert await service.open(FAMILY, "ar") is Opening.ALREADY_OPEN
    assert len(await rows(database)) == 2
    assert outbox.woken == [opened.id]
    assert service.is_with_staff(FAMILY)


async def test_the_header_shows_the_last_question_and_a_follow_up_goes_last(
    service: ConversationService, database: Database
) -> None:
    service.remember_reply(FAMILY, Reply(
        question="Wo melde ich mein Kind an?", lang="de", band=Band.UNSURE, entry_id=None,
        score=0.5, text="…", considered=(("school-entry-counselling", 0.5),),
    ))  # fmt: skip
    await service.open(FAMILY, "de", label="Ehrenamt", follow_up="Bitte schreiben Sie uns.")
    header, _, follow_up = await rows(database)
    assert header[1] is not None
    assert header[1].splitlines()[2:5] == [
        "Thema: Ehrenamt",
        "Frage: Wo melde ich mein Kind an?",
        "Geprüfte Einträge: school-entry-counselling (0.50)",
    ]
    assert follow_up == (False, "Bitte schreiben Sie uns.", None, None)


async def test_without_a_staff_group_nothing_is_opened(
    database: Database, outbox: RecordingOutbox, database_url: str
) -> None:
    service = service_on(database, outbox, Settings(database_url=database_url))
    assert await service.open(FAMILY, "de") is Opening.NO_STAFF_GROUP
    assert await rows(database) == []
    assert outbox.woken == []
    assert not service.is_with_staff(FAMILY)


async def test_two_staff_members_claim_the_first_keeps_it(
    service: ConversationService, database: Database, outbox: RecordingOutbox
) -> None:
    await service.open(FAMILY, "tr")
    handoff_id = (await handoff(database)).id
    first = await service.claim(handoff_id, ANNA, "Anna Schmidt")
    assert first == Claim(taken_by_other=False, holder_name="Anna Schmidt",
                          status=HandoffStatus.CLAIMED)  # fmt: skip
    second = await service.claim(handoff_id, BERND, "Bernd")
    assert second == Claim(taken_by_other=True, holder_name="Anna Schmidt",
                           status=HandoffStatus.CLAIMED)  # fmt: skip
    claimed = await handoff(database)
    assert (claimed.status, claimed.claimed_by, claimed.claimed_by_name) == (
        "claimed", ANNA, "Anna Schmidt",
    )  # fmt: skip
    assert (await rows(database))[2:] == [(True, "Übernommen von Anna Schmidt.", None, None)]
    assert outbox.woken == [handoff_id, handoff_id]  # the refused claim wrote nothing
    assert await service.claim(handoff_id + 1, ANNA, "Anna") is None


async def test_the_family_closes_then_reopens_the_same_conversation(
    service: ConversationService, database: Database
) -> None:
    await service.open(FAMILY, "uk")
    opened = await handoff(database)
    assert await service.claim(opened.id, ANNA, "Anna") is not None
    assert await service.close_by_family(FAMILY) == Closing(topic_to_close=None)
    closed = await handoff(database)
    assert (closed.status, closed.closed_at) == ("closed", NOW)
    assert not service.is_with_staff(FAMILY)
    assert (await rows(database))[3:] == [
        (True, "Die Familie hat das Gespräch beendet.", None, None),
        (False, gettext("uk", MSG_ENDED), None, None),
        (False, gettext("uk", MSG_RATE), None, stored(rating_buttons(opened.id))),
    ]
    assert await service.close_by_family(FAMILY) is None  # nothing open any more
    assert await service.rate(opened.id, FAMILY, 4) == "uk"
    assert await service.open(FAMILY, "ru") is Opening.OPENED
    reopened = await handoff(database)
    assert (reopened.id, reopened.status, reopened.lang) == (opened.id, "open", "ru")
    assert (reopened.claimed_by, reopened.rating, reopened.closed_at) == (None, None, None)
    assert service.is_with_staff(FAMILY)


async def test_staff_close_names_the_topic_and_the_topic_is_told(
    service: ConversationService, database: Database
) -> None:
    await service.open(FAMILY, "de")
    opened = await handoff(database)
    async with database() as work:
        found = await work.handoffs.get(opened.id)
        assert found is not None
        found.topic_id = 77
        await work.commit()
    assert await service.close_by_staff(opened.id) == Closing(topic_to_close=77)
    note = (True, "Gespräch geschlossen; die Familie wurde gefragt, wie hilfreich es war.",
            None, None)  # fmt: skip
    assert [row[1] for row in (await rows(database))[2:4]] == [
        gettext("de", MSG_ENDED),
        gettext("de", MSG_RATE),
    ]
    assert (await rows(database))[4] == note
    assert (await handoff(database)).status == "closed"
    assert await service.close_by_staff(opened.id) == Closing(topic_to_close=None)
    assert (await rows(database))[5:] == [note]  # already closed: only the note again
    assert await service.close_by_staff(opened.id + 1) is None


async def test_relayed_messages_are_written_in_order(
    service: ConversationService, database: Database, outbox: RecordingOutbox
) -> None:
    assert not await service.relay_from_family(FAMILY, 10, "Hallo")  # not with staff yet
    await service.open(FAMILY, "ar")
    handoff_id = (await handoff(database)).id
    for message_id in (11, 12, 13):
        assert await service.relay_from_family(FAMILY, message_id, None)
    assert await service.relay_from_family(FAMILY, 11, None)  # handled again: not twice
    assert await service.relay_from_staff(handoff_id, STAFF_CHAT, 500)
    await service.note_to_staff(handoff_id, "Die Familie hat Termin #3 bestätigt.")
    assert (await rows(database))[2:] == [
        (True, None, 11, None),
        (True, None, 12, None),
        (True, None, 13, None),
        (False, None, 500, None),
        (True, "Die Familie hat Termin #3 bestätigt.", None, None),
    ]
    assert outbox.woken == [handoff_id] * 7
    await service.close_by_family(FAMILY)
    assert not await service.relay_from_family(FAMILY, 14, None)
    assert not await service.relay_from_staff(handoff_id, STAFF_CHAT, 501)


async def test_a_canned_reply_goes_in_the_familys_language(
    service: ConversationService, database: Database
) -> None:
    await service.open(FAMILY, "tr")
    handoff_id = (await handoff(database)).id
    template = DUISBURG.template("call-us")
    assert template is not None
    assert not await service.reply_with_template(handoff_id, "no-such-template")
    assert not await service.reply_with_template(handoff_id, None)
    assert await service.reply_with_template(handoff_id, "call-us")
    assert (await rows(database))[2:] == [(False, template.text["tr"], None, None)]


async def test_only_the_conversations_own_chat_may_rate_it(
    service: ConversationService, database: Database
) -> None:
    await service.open(FAMILY, "ro")
    handoff_id = (await handoff(database)).id
    await service.close_by_family(FAMILY)
    assert await service.rate(handoff_id, NEIGHBOUR, 1) == "ro"
    assert (await handoff(database)).rating is None
    assert await service.rate(handoff_id, FAMILY, 5) == "ro"
    assert (await handoff(database)).rating == 5
    assert await service.rate(handoff_id + 1, FAMILY, 5) == "de"  # unknown: German


async def test_a_staff_message_belongs_to_its_topic_or_to_the_message_it_replies_to(
    service: ConversationService, database: Database
) -> None:
    await service.open(FAMILY, "en")
    opened = await handoff(database)
    async with database() as work:
        found = await work.handoffs.get(opened.id)
        assert found is not None
        found.topic_id = 42
        relayed = await work.relays.add(opened.id, to_staff=True, now=NOW, from_chat_id=FAMILY,
                                        message_id=9)  # fmt: skip
        relayed.staff_message_id = 900
        await work.commit()
    expected = Conversation(opened.id, FAMILY, "en", HandoffStatus.OPEN, 42)
    assert await service.handoff_for_staff_message(42, None) == expected
    assert await service.handoff_for_staff_message(None, 900) == expected
    assert await service.handoff_for_staff_message(43, 900) == expected
    assert await service.handoff_for_staff_message(43, 901) is None
    assert await service.handoff_for_staff_message(None, None) is None


async def test_who_is_with_staff_is_read_again_at_start_and_forgotten_on_delete(
    service: ConversationService, database: Database, outbox: RecordingOutbox, settings: Settings
) -> None:
    await service.open(FAMILY, "de")
    await service.open(NEIGHBOUR, "de")
    await service.close_by_family(NEIGHBOUR)
    restarted = service_on(database, outbox, settings)
    assert not restarted.is_with_staff(FAMILY)
    await restarted.load_active()
    assert (restarted.is_with_staff(FAMILY), restarted.is_with_staff(NEIGHBOUR)) == (True, False)
    reply = Reply(question="?", lang="de", band=Band.NONE, entry_id=None, score=0.0, text="…")
    restarted.remember_reply(FAMILY, reply)
    assert restarted.last_reply(FAMILY) is reply
    restarted.forget_chat(FAMILY)
    assert (restarted.is_with_staff(FAMILY), restarted.last_reply(FAMILY)) == (False, None)
