"""Manners: a staff edit reaches the family's copy; an anonymous admin's answer is relayed;
commands for other bots and service messages are left alone; staff commands only where they
belong."""

from __future__ import annotations

import time
from typing import Any

from bot.core import staff_texts as texts
from bot.core.i18n import gettext
from tests import updates
from tests.harness import ANNA, FAMILY, STAFF_CHAT, Bot, Desk, open_topic

ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                   "username": "GroupAnonymousBot"}  # fmt: skip


def edited(update: dict[str, Any], text: str) -> dict[str, Any]:
    """The same message, edited (Telegram sends it as ``edited_message``)."""
    body = {**update["message"], "text": text, "edit_date": int(time.time())}
    return {"update_id": update["update_id"] + 1, "edited_message": body}


async def test_a_staff_edit_edits_the_familys_copy(desk: Desk) -> None:
    topic_id = await open_topic(desk)
    answer = updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="Termin ist um 10 Uhr")
    await desk.send(answer)
    [copy] = desk.copies(FAMILY)
    assert copy["message_id"] == answer["message"]["message_id"]
    copy_id = desk.api._next_message_id  # the fake numbers what it sends: the copy came last
    desk.api.clear()
    await desk.send(edited(answer, "Termin ist um 11 Uhr"))
    [edit] = desk.api.sent("editMessageText")
    assert (int(edit["chat_id"]), int(edit["message_id"]), edit["text"]) == (
        FAMILY, copy_id, "Termin ist um 11 Uhr"
    )  # fmt: skip


async def test_an_anonymous_admins_answer_is_relayed(desk: Desk) -> None:
    topic_id = await open_topic(desk)
    answer = updates.in_topic(STAFF_CHAT, topic_id, ANNA, text="Wir melden uns morgen.")
    answer["message"]["from"] = ANONYMOUS_ADMIN
    answer["message"]["sender_chat"] = {"id": STAFF_CHAT, "type": "supergroup", "title": "KI Team"}
    await desk.send(answer)
    assert len(desk.copies(FAMILY)) == 1


async def test_commands_for_other_bots_are_left_alone(bot: Bot) -> None:
    group = {"chat_type": "supergroup"}
    await bot.send(updates.command(-100123, "/start@SomeOtherBot", **group))
    await bot.send(updates.command(-100123, "/frobnicate@SomeOtherBot", **group))
    assert bot.api.texts() == []
    await bot.send(updates.command(-100123, "/start@WegweiserTestBot", **group))
    assert bot.api.texts() == [gettext("de", "Please write to me in a private chat.")]


async def test_a_service_message_in_a_private_chat_gets_no_reply(bot: Bot) -> None:
    await bot.send(updates.message(FAMILY, message_auto_delete_timer_changed={
        "message_auto_delete_time": 86400}))  # fmt: skip
    pinned = {"message_id": 1, "date": 0, "chat": {"id": FAMILY, "type": "private"}, "text": "x"}
    await bot.send(updates.message(FAMILY, pinned_message=pinned))
    assert bot.api.texts() == []


async def test_appointment_outside_the_staff_group_points_to_a_topic(desk: Desk) -> None:
    await desk.send(updates.command(ANNA, "/appointment 2026-12-17 10:30"))
    assert desk.texts_to(ANNA) == [texts.USE_IN_TOPIC]
