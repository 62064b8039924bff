"""Small talk and questions for other authorities: never answered as if the centre knew."""

from __future__ import annotations

import pytest

from bot.core.assistant import MSG_CAN_DO
from bot.core.i18n import gettext
from tests.harness import bundled, duisburg


@pytest.mark.parametrize(
    ("text", "lang", "item"),
    [
        ("Wie geht es dir?", "de", "how-are-you"),
        ("ok 👍", None, "ok"),
        ("👋", None, "greeting"),
        ("Merhaba", "tr", "greeting"),
        ("shukran", "ar", "thanks"),
        ("спасибо!!", "ru", "thanks"),
        ("Wie viel Uhr haben wir?", "de", "time-date"),
        ("thnaks", "en", "thanks"),  # a typo
    ],
)
def test_small_talk_gets_a_friendly_reply_and_what_the_bot_can_do(
    text: str, lang: str | None, item: str
) -> None:
    reply = duisburg().reply(text, hint="de")
    assert reply.kind == "smalltalk", reply
    assert reply.entry_id is None
    assert not reply.confident
    assert not reply.handoff_offered
    small_talk = next(t for t in duisburg().kb.smalltalk if t.id == item)
    assert reply.text == f"{small_talk.answer_in(reply.lang)} {gettext(reply.lang, MSG_CAN_DO)}"
    if lang is not None:
        assert reply.lang == lang


def test_a_greeting_before_a_question_is_a_question() -> None:
    reply = duisburg().reply("Hallo, wo melde ich mein Kind in der Schule an?")
    assert reply.kind == "answer"
    assert reply.entry_id == "school-entry-counselling"


@pytest.mark.parametrize(
    ("centre", "text", "number"),
    [
        ("duisburg", "Termin Ausländerbehörde Aufenthaltstitel verlängern", "0203 / 94000"),
        ("duisburg", "Wo beantrage ich Kindergeld?", "0203 / 94000"),
        ("krefeld", "Ich suche eine Wohnung in Krefeld", "02151/86-2502"),
        ("duesseldorf", "Wo bekomme ich einen Kita-Platz?", "0211 8924061"),
    ],
)
def test_other_authorities_get_the_way_to_a_person_not_an_answer(
    centre: str, text: str, number: str
) -> None:
    reply = bundled(centre).reply(text)
    assert reply.kind == "redirect", reply.considered
    entry = bundled(centre).kb.entry(reply.entry_id or "")
    assert entry is not None
    assert entry.topic == "other_authorities"
    assert not reply.confident  # not counted as an answer of the centre
    assert reply.handoff_offered
    assert number in reply.text
