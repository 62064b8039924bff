"""Forged and misplaced buttons change nothing (a client can send any callback data): family
buttons count only in that family's private chat, staff buttons only in the staff group; one
vote per chat and answer."""

from __future__ import annotations

import pytest

from bot.core.i18n import gettext
from bot.db import Feedback, Handoff
from tests import updates
from tests.harness import ANNA, FAMILY, STAFF_CHAT, STRANGER, Bot, Desk, open_topic

STALE = gettext("de", "This button no longer works. Please use /menu.")


def alerts(desk: Bot) -> list[str]:
    return [str(p.get("text")) for p in desk.api.sent("answerCallbackQuery")]


FAMILY_BUTTONS = ["person:de", "end:de", "fb:de:school-entry:0", "rate:1:5", "delete:de:yes",
                  "appt:1:cancel", "volmsg:de", "lang:tr"]  # fmt: skip


@pytest.mark.parametrize("data", FAMILY_BUTTONS)
async def test_a_family_button_pressed_in_the_staff_group_changes_nothing(
    desk: Desk, data: str
) -> None:
    await open_topic(desk)
    [before] = await desk.rows(Handoff)
    desk.api.clear()
    await desk.send(updates.staff_press(STAFF_CHAT, STRANGER, data, name="Mallory"))
    assert alerts(desk) == [STALE]
    assert [m for m, _ in desk.api.calls if m != "answerCallbackQuery"] == []  # no edit, no text
    [after] = await desk.rows(Handoff)
    assert (after.chat_id, after.status) == (before.chat_id, before.status)
    assert await desk.rows(Feedback) == []


async def test_a_staff_button_pressed_in_a_private_chat_changes_nothing(desk: Desk) -> None:
    await open_topic(desk)
    desk.api.clear()
    await desk.send(updates.callback(ANNA, "handoff:close:1"))
    assert alerts(desk) == [STALE]
    [handoff] = await desk.rows(Handoff)
    assert handoff.status == "open"


async def test_a_family_button_of_another_chat_changes_nothing(bot: Bot) -> None:
    press = updates.callback(FAMILY, "person:de")
    press["callback_query"]["message"]["chat"]["id"] = FAMILY + 1  # someone else's message
    await bot.send(press)
    assert alerts(bot) == [STALE]


async def test_one_vote_per_chat_and_answer(bot: Bot) -> None:
    for _ in range(5):
        await bot.send(updates.callback(FAMILY, "fb:de:school-entry:1"))
    assert len(await bot.rows(Feedback)) == 1
    assert alerts(bot)[1:] == [gettext("de", "You have already rated this answer. Thank you!")] * 4
