"""Hand-over to staff and back, through the real Application and a recording fake Bot API."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.core.handoff import MSG_SOON, MSG_WITHIN
from bot.core.i18n import gettext
from bot.core.staff_texts import FAMILY_DELETED, TOPIC_REOPENED
from bot.db import Handoff, RelayMessage, User
from tests import updates
from tests.fakes import FakeTelegram
from tests.harness import (
    ANNA,
    BERND,
    FAMILY,
    STAFF_CHAT,
    STRANGER,
    Desk,
    clear_tables,
    open_topic,
    start_desk,
    stop_desk,
)


async def test_a_family_asks_for_a_person_and_gets_a_topic(desk: Desk) -> None:
    topic_id = await open_topic(desk)
    [topic] = desk.api.sent("createForumTopic")
    assert int(topic["chat_id"]) == STAFF_CHAT
    assert topic["name"].startswith("#")
    assert "العربية" in topic["name"]
    header = next(p for p in desk.api.sent() if int(p["chat_id"]) == STAFF_CHAT)
    assert header["message_thread_id"] == topic_id
    assert "Sprache: العربية (ar)" in header["text"]
    assert "Frage: وين بسجل ابني بالمدرسة؟" in header["text"]
    assert "school-entry-counselling" in header["text"]
    assert [
        b["callback_data"] for row in header["reply_markup"]["inline_keyboard"] for b in row
    ] == [
        f"handoff:claim:{(await desk.handoff()).id}",
        f"handoff:close:{(await desk.handoff()).id}",
    ]
    told = desk.texts_to(FAMILY)[-1]
    # Duisburg publishes no office hours and promises no reply time: nothing is promised.
    assert told.startswith(gettext("ar", MSG_SOON))
    assert gettext("ar", "Until then I stay quiet: everything you write here goes to the centre. "
                   "With /end you talk to me again.") in told  # fmt: skip
    assert (await desk.handoff()).status == "open"


async def test_everything_the_family_sends_reaches_staff_in_order(desk: Desk) -> None:
    topic_id = await open_topic(desk)
    desk.api.clear()
    first = updates.text(FAMILY, "ابني عمره ١٢ سنة")
    photo = updates.message(FAMILY, photo=updates.PHOTO)
    voice = updates.message(FAMILY, voice=updates.VOICE)
    for payload in (first, photo, voice):
        await desk.send(payload)
    copies = desk.copies(STAFF_CHAT)
    assert [c["message_id"] for c in copies] == [
        p["message"]["message_id"] for p in (first, photo, voice)
    ]
    assert all(c["message_thread_id"] == topic_id for c in copies)
    assert desk.texts_to(FAMILY) == []  # the bot stays quiet meanwhile


async def test_staff_answer_reaches_the_family_notes_do_not(desk: Desk) -> None:
    topic_id = await open_topic(desk)
    desk.api.clear()
    answer = updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="Bitte kommen Sie am Montag.")
    await desk.send(answer)
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="! Vater spricht Deutsch"))
    [copy] = desk.copies(FAMILY)
    assert (copy["from_chat_id"], copy["message_id"]) == (
        STAFF_CHAT,
        answer["message"]["message_id"],
    )


async def test_claim_second_claim_and_unauthorised(desk: Desk) -> None:
    await open_topic(desk)
    handoff = await desk.handoff()
    await desk.send(updates.staff_press(STAFF_CHAT, ANNA, f"handoff:claim:{handoff.id}", "Anna"))
    claimed = await desk.handoff()
    assert (claimed.status, claimed.claimed_by, claimed.claimed_by_name) == (
        "claimed",
        ANNA,
        "Anna",
    )
    await desk.send(updates.staff_press(STAFF_CHAT, BERND, f"handoff:claim:{handoff.id}"))
    refused = desk.api.sent("answerCallbackQuery")[-1]
    assert refused["text"] == "Schon übernommen von Anna."
    await desk.send(updates.staff_press(STAFF_CHAT, STRANGER, f"handoff:close:{handoff.id}"))
    assert desk.api.sent("answerCallbackQuery")[-1]["text"].startswith("Dieser Befehl ist nur")
    await desk.send(updates.command(STRANGER, "/close"))
    assert desk.texts_to(STRANGER)[-1].startswith("Dieser Befehl ist nur")
    assert (await desk.handoff()).status == "claimed"


async def test_canned_reply_in_the_familys_language(desk: Desk) -> None:
    topic_id = await open_topic(desk, "tr")
    kb = desk.services.assistant.kb
    template = kb.templates[0]
    desk.api.clear()
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text=f"/reply {template.id}"))
    assert desk.texts_to(FAMILY) == [template.text["tr"]]
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="/reply"))
    assert desk.texts_to(STAFF_CHAT)[-1].startswith("Vorlagen: ")


async def test_close_rate_and_reopen_the_same_topic(desk: Desk) -> None:
    topic_id = await open_topic(desk, "uk")
    handoff = await desk.handoff()
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="/close"))
    assert (await desk.handoff()).status == "closed"
    assert gettext("uk", "The conversation with the centre has ended. You can ask me again at "
                   "any time.") in desk.texts_to(FAMILY)  # fmt: skip
    assert desk.api.sent("closeForumTopic")
    await desk.send(updates.callback(FAMILY, f"rate:{handoff.id}:5"))
    assert (await desk.handoff()).rating == 5
    desk.api.clear()
    await desk.send(updates.text(FAMILY, "Wo ist das Internationale Zentrum?"))
    assert desk.texts_to(FAMILY)  # the bot answers again
    await desk.send(updates.callback(FAMILY, "person:uk"))
    assert desk.api.sent("createForumTopic") == []
    assert [p["message_thread_id"] for p in desk.api.sent("reopenForumTopic")] == [topic_id]
    assert (await desk.handoff()).status == "open"


async def test_family_ends_with_the_end_command(desk: Desk) -> None:
    await open_topic(desk, "ro")
    await desk.send(updates.command(FAMILY, "/end"))
    assert (await desk.handoff()).status == "closed"
    assert "Die Familie hat das Gespräch beendet." in desk.texts_to(STAFF_CHAT)


async def test_a_restart_in_the_middle_loses_nothing(database_url: str, desk: Desk) -> None:
    topic_id = await open_topic(desk)
    await stop_desk(desk.app)
    api = FakeTelegram()
    app = await start_desk(database_url, api)  # a new process on the same database
    restarted = Desk(app, api)
    try:
        note = updates.text(FAMILY, "هل ما زلتم هنا؟")
        await restarted.send(note)
        [copy] = restarted.copies(STAFF_CHAT)
        assert (copy["message_id"], copy["message_thread_id"]) == (
            note["message"]["message_id"], topic_id,
        )  # fmt: skip
        assert restarted.texts_to(FAMILY) == []
    finally:
        await stop_desk(app)
    desk.app = await start_desk(database_url, FakeTelegram())  # for the fixture's teardown


async def test_a_failed_relay_is_kept_and_delivered_later_in_order(desk: Desk) -> None:
    await open_topic(desk)
    desk.api.fail_once["copyMessage"] = (502, "Bad Gateway", {})
    first = updates.text(FAMILY, "الرسالة الأولى")
    second = updates.text(FAMILY, "الرسالة الثانية")
    await desk.send(first)
    assert desk.copies(STAFF_CHAT)[-1]["message_id"] == first["message"]["message_id"]  # tried
    await desk.send(second)  # waits behind the first, which waits for its next attempt
    assert len(desk.copies(STAFF_CHAT)) == 1
    await desk.later(seconds=5)  # the sweep: the first goes again, then the second
    delivered = [c["message_id"] for c in desk.copies(STAFF_CHAT)]
    assert delivered == [first["message"]["message_id"]] * 2 + [second["message"]["message_id"]]
    async with desk.sessions() as session:
        waiting = (await session.scalars(select(RelayMessage).where(
            RelayMessage.delivered_at.is_(None)))).all()  # fmt: skip
    assert waiting == []


async def test_the_sweep_delivers_what_is_waiting_once_telegram_is_back(desk: Desk) -> None:
    await open_topic(desk)
    desk.api.fail["copyMessage"] = (502, "Bad Gateway")
    waiting = updates.text(FAMILY, "رسالة")
    await desk.send(waiting)
    await desk.later(seconds=3)  # still failing: tried again, kept
    del desk.api.fail["copyMessage"]
    desk.api.clear()
    await desk.later(seconds=1)  # not yet due (the wait doubled)
    assert desk.copies(STAFF_CHAT) == []
    await desk.later(seconds=10)
    assert [c["message_id"] for c in desk.copies(STAFF_CHAT)] == [waiting["message"]["message_id"]]


async def test_a_message_telegram_refuses_for_good_is_set_aside_and_the_rest_goes_on(
    desk: Desk,
) -> None:
    topic_id = await open_topic(desk)
    desk.api.fail_once["copyMessage"] = (400, "Bad Request: message can't be copied", {})
    poison = updates.text(FAMILY, "رسالة لا تنسخ")
    after = updates.text(FAMILY, "رسالة بعدها")
    await desk.send(poison)
    await desk.send(after)
    copied = [c["message_id"] for c in desk.copies(STAFF_CHAT)]
    assert copied == [poison["message"]["message_id"], after["message"]["message_id"]]
    note = next(t for t in desk.texts_to(STAFF_CHAT) if t.startswith("⚠️ Eine Nachricht"))
    assert "Message can't be copied" in note
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="Wir sind da."))
    assert desk.copies(FAMILY)  # and the other way still works


async def test_a_deleted_topic_is_opened_again_and_staff_are_told(desk: Desk) -> None:
    await open_topic(desk)
    desk.api.fail_once["copyMessage"] = (400, "Bad Request: message thread not found", {})
    message = updates.text(FAMILY, "مرحبا")
    await desk.send(message)
    new_topic = (await desk.handoff()).topic_id
    assert len(desk.api.sent("createForumTopic")) == 2
    assert desk.copies(STAFF_CHAT)[-1]["message_thread_id"] == new_topic
    assert TOPIC_REOPENED in desk.texts_to(STAFF_CHAT)


async def test_service_messages_are_not_relayed(desk: Desk) -> None:
    await open_topic(desk)
    desk.api.clear()
    pinned = updates.text(FAMILY, "x")
    del pinned["message"]["text"]
    pinned["message"]["pinned_message"] = updates.text(FAMILY, "alt")["message"]
    await desk.send(pinned)
    assert desk.copies(STAFF_CHAT) == []


async def test_staff_learn_when_the_family_blocked_the_bot(desk: Desk) -> None:
    topic_id = await open_topic(desk)
    desk.api.fail["copyMessage"] = (403, "Forbidden: bot was blocked by the user")
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="Hallo?"))
    assert (await desk.handoff()).family_blocked
    assert any("blockiert" in t for t in desk.texts_to(STAFF_CHAT))


async def test_asking_for_a_human_in_words_opens_a_hand_over(desk: Desk) -> None:
    await desk.send(updates.text(FAMILY, "Ich möchte bitte mit einem Menschen sprechen"))
    assert desk.api.sent("createForumTopic")
    assert (await desk.handoff()).status == "open"


async def test_a_staff_group_without_topics_works_by_replying(desk: Desk) -> None:
    desk.api.fail["createForumTopic"] = (400, "Bad Request: the chat is not a forum")
    await desk.send(updates.text(FAMILY, "Hallo", language_code="de"))
    await desk.send(updates.callback(FAMILY, "person:de"))
    assert (await desk.handoff()).topic_id is None
    question = updates.text(FAMILY, "Wann kann ich kommen?")
    await desk.send(question)
    [relayed] = desk.copies(STAFF_CHAT)
    assert "message_thread_id" not in relayed
    async with desk.sessions() as session:
        item = await session.scalar(
            select(RelayMessage).where(
                RelayMessage.message_id == question["message"]["message_id"]
            )
        )
    assert item is not None
    assert item.staff_message_id is not None
    answer = updates.message(
        STAFF_CHAT, chat_type="supergroup", language_code="de", text="Morgen um 10 Uhr.",
        reply_to_message={"message_id": item.staff_message_id, "date": 0,
                          "chat": {"id": STAFF_CHAT, "type": "supergroup", "title": "KI Team"}},
    )  # fmt: skip
    answer["message"]["from"]["id"] = ANNA
    await desk.send(answer)
    [copy] = desk.copies(FAMILY)
    assert copy["message_id"] == answer["message"]["message_id"]


async def test_delete_forgets_the_conversation_and_appointments_too(desk: Desk) -> None:
    topic_id = await open_topic(desk)
    await desk.send(updates.command(FAMILY, "/delete_me"))
    await desk.send(updates.callback(FAMILY, "delete:ar:yes"))
    note = [p for p in desk.api.sent() if p.get("message_thread_id") == topic_id][-1]
    assert note["text"] == FAMILY_DELETED
    async with desk.sessions() as session:
        assert (await session.scalars(select(Handoff))).all() == []
        assert (await session.scalars(select(RelayMessage))).all() == []
    await desk.send(updates.text(FAMILY, "Wo ist das Internationale Zentrum?"))
    assert "Flachsmarkt 15" in desk.texts_to(FAMILY)[-1]  # the bot answers again, not staff


async def test_the_purge_spares_a_family_still_talking_to_staff(desk: Desk) -> None:
    await open_topic(desk)
    async with desk.sessions() as session:
        user = await session.get(User, FAMILY)
        assert user is not None
        user.last_seen = datetime(2025, 1, 1, tzinfo=UTC)
        await session.commit()
    job_queue = desk.app.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name("purge-inactive-users")
    await job.run(desk.app)
    assert (await desk.handoff()).status == "open"
    async with desk.sessions() as session:
        assert await session.get(User, FAMILY) is not None


async def test_a_reply_time_the_centre_promises_is_told_in_the_right_plural(
    database_url: str,
) -> None:
    api = FakeTelegram()
    app = await start_desk(database_url, api, handoff_reply_minutes=120)
    try:
        await clear_tables(app)
        desk = Desk(app, api)
        await open_topic(desk)
        told = desk.texts_to(FAMILY)[-1]
        assert told.startswith(gettext("ar", MSG_WITHIN, wait="ساعتين"))  # Arabic dual
    finally:
        await stop_desk(app)


async def test_texts_waiting_for_a_throttled_topic_go_to_staff_as_one_message(
    desk: Desk,
) -> None:
    await open_topic(desk)
    desk.api.fail["copyMessage"] = (429, "Too Many Requests: retry after 1")
    messages = [updates.text(FAMILY, f"رسالة رقم {n}") for n in range(1, 5)]
    for message in messages:
        await desk.send(message)
    del desk.api.fail["copyMessage"]
    desk.api.clear()
    await desk.later(seconds=5)
    # The first was tried alone and waits; it goes alone, then the three behind it together.
    assert [c["message_id"] for c in desk.copies(STAFF_CHAT)] == [
        messages[0]["message"]["message_id"]
    ]
    [together] = [t for t in desk.texts_to(STAFF_CHAT) if t.startswith("💬 3 Nachrichten")]
    assert [line for line in together.splitlines() if line.startswith("▪️")] == [
        "▪️ رسالة رقم 2", "▪️ رسالة رقم 3", "▪️ رسالة رقم 4",
    ]  # fmt: skip
    async with desk.sessions() as session:
        rows = (await session.scalars(select(RelayMessage))).all()
    assert all(row.quote is None for row in rows)  # the texts are not kept once delivered
