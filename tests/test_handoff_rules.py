"""The pure rules of a hand-over: the reply promise, the staff header, claiming, closing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.assistant import Reply
from bot.core.buttons import Button, stored
from bot.core.handoff import (
    Claim,
    HandoffStatus,
    Header,
    Outgoing,
    closing_messages,
    decide_claim,
    end_buttons,
    is_internal_note,
    opening_messages,
    rating_buttons,
    staff_buttons,
    staff_header,
    template_listing,
    waiting_time,
)
from bot.core.knowledge import Centre, KnowledgeBase, load_knowledge_base
from bot.core.matching import Band
from bot.settings import BUNDLED_KNOWLEDGE

DUISBURG = load_knowledge_base(BUNDLED_KNOWLEDGE / "duisburg")  # no office hours published
MONDAY_OPEN = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # 10:30 in Duisburg
MONDAY_CLOSED = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)  # 13:30, after the morning hours


def with_hours(kb: KnowledgeBase) -> Centre:
    """The centre of *kb*, had it published office hours (Monday morning, Thursday afternoon)."""
    hours = {"mon": ["09:00-12:00"], "thu": ["14:00-16:00"]}
    return Centre.model_validate({**kb.centre.model_dump(), "office_hours": hours})


def test_neither_office_hours_nor_a_reply_time_promises_nothing() -> None:
    assert waiting_time("en", MONDAY_OPEN, DUISBURG.centre, None) == (
        "A person from the centre will answer you here as soon as they can."
    )


@pytest.mark.parametrize(
    ("minutes", "promise"),
    [
        (30, "A person from the centre will answer you here, usually within 30 minutes."),
        (90, "A person from the centre will answer you here, usually within 90 minutes."),
        (180, "A person from the centre will answer you here, usually within 3 hours."),
    ],
)
def test_a_reply_time_without_office_hours_is_promised_at_any_time(
    minutes: int, promise: str
) -> None:
    assert waiting_time("en", MONDAY_CLOSED, DUISBURG.centre, minutes) == promise


def test_while_open_the_reply_time_is_promised_and_without_one_nothing() -> None:
    centre = with_hours(DUISBURG)
    assert waiting_time("en", MONDAY_OPEN, centre, 60) == (
        "A person from the centre will answer you here, usually within 60 minutes."
    )
    assert waiting_time("en", MONDAY_OPEN, centre, None) == (
        "A person from the centre will answer you here as soon as they can."
    )


def test_while_closed_the_next_opening_day_is_named_in_the_familys_language() -> None:
    centre = with_hours(DUISBURG)
    assert waiting_time("en", MONDAY_CLOSED, centre, 60) == (
        "The centre is closed right now. A person will answer you here on Thursday, "
        "December 10, 2026."
    )
    assert waiting_time("de", MONDAY_CLOSED, centre, None) == (
        "Das Zentrum ist gerade geschlossen. Jemand aus dem Team antwortet Ihnen hier am "
        "Donnerstag, 10. Dezember 2026."
    )


def test_the_header_names_the_topic_of_the_entry_the_assistant_weighed_first() -> None:
    last = Reply(
        question="وين بسجل ابني بالمدرسة؟", lang="ar", band=Band.UNSURE, entry_id=None,
        score=0.41, text="…",
        considered=(("school-entry-counselling", 0.412), ("school-system", 0.3)),
    )  # fmt: skip
    header = staff_header(7, "ar", last, DUISBURG)
    assert header == Header(
        "#7 · العربية · Schuleinstieg für neu zugewanderte Kinder",
        "Neue Anfrage #7\n"
        "Sprache: العربية (ar)\n"
        "Thema: Schuleinstieg für neu zugewanderte Kinder\n"
        "Frage: وين بسجل ابني بالمدرسة؟\n"
        "Geprüfte Einträge: school-entry-counselling (0.41), school-system (0.30)\n"
        "Antworten: hier schreiben (an die Familie). Interne Notiz: mit ! beginnen. "
        "/reply <vorlage>, /close",
    )


def test_the_header_without_a_question_and_with_a_label() -> None:
    header = staff_header(12, "uk", None, DUISBURG, label="Ehrenamt")
    assert header.topic_name == "#12 · Українська · Ehrenamt"
    assert header.text.splitlines()[2:5] == [
        "Thema: Ehrenamt",
        "Frage: –",
        "Geprüfte Einträge: –",
    ]
    assert staff_header(12, "uk", None, DUISBURG).topic_name == "#12 · Українська · Anfrage"


def test_a_long_question_is_cut_in_the_header_and_the_topic_name_fits_telegram() -> None:
    last = Reply(question="x" * 1500, lang="de", band=Band.NONE, entry_id=None, score=0.0,
                 text="…")  # fmt: skip
    header = staff_header(3, "de", last, DUISBURG, label="y" * 200)
    assert header.text.splitlines()[3] == "Frage: " + "x" * 1000
    assert header.topic_name == ("#3 · Deutsch · " + "y" * 200)[:128]


def test_the_buttons_are_stored_as_telegram_reads_them() -> None:
    rendered = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Übernehmen", callback_data="handoff:claim:5"),
          InlineKeyboardButton("Schließen", callback_data="handoff:close:5")]]
    )  # fmt: skip
    assert stored(staff_buttons(5)) == json.dumps(rendered.to_dict(), ensure_ascii=False)
    assert end_buttons("tr") == ((Button("Görüşmeyi sonlandır", "end:tr"),),)
    assert [b.data for b in rating_buttons(5)[0]] == [f"rate:5:{n}" for n in range(1, 6)]


def test_opening_tells_staff_and_the_family_in_this_order() -> None:
    header = Header("#5 · Türkçe · Anfrage", "Neue Anfrage #5")
    messages = opening_messages(5, "en", header, "PROMISE.", follow_up="Please write.")
    assert messages == (
        Outgoing(True, "Neue Anfrage #5", staff_buttons(5)),
        Outgoing(
            False,
            "PROMISE.\n\nUntil then I stay quiet: everything you write here goes to the centre. "
            "With /end you talk to me again.",
            end_buttons("en"),
        ),
        Outgoing(False, "Please write."),
    )


def test_closing_by_the_family_tells_staff_closing_by_staff_does_not() -> None:
    ended = Outgoing(
        False, "The conversation with the centre has ended. You can ask me again at any time."
    )
    rate = Outgoing(
        False,
        "How helpful was the centre? Please rate from 1 (not at all) to 5 (very).",
        rating_buttons(9),
    )
    assert closing_messages(9, "en", by_family=True) == (
        Outgoing(True, "Die Familie hat das Gespräch beendet."),
        ended,
        rate,
    )
    assert closing_messages(9, "en", by_family=False) == (ended, rate)


def test_a_claim_is_refused_while_another_holds_it() -> None:
    free = decide_claim(HandoffStatus.OPEN, None, None, 5001, "Anna")
    assert free == Claim(taken_by_other=False, holder_name="Anna", status=HandoffStatus.CLAIMED)
    assert free.answer == "Übernommen von Anna."
    again = decide_claim(HandoffStatus.CLAIMED, 5001, "Anna", 5001, "Anna")
    assert again == free
    other = decide_claim(HandoffStatus.CLAIMED, 5001, "Anna", 5002, "Bernd")
    assert other == Claim(taken_by_other=True, holder_name="Anna", status=HandoffStatus.CLAIMED)
    assert other.answer == "Schon übernommen von Anna."


def test_a_closed_conversation_stays_closed_when_claimed_and_long_names_are_cut() -> None:
    claim = decide_claim(HandoffStatus.CLOSED, None, None, 5001, "A" * 80)
    assert claim == Claim(taken_by_other=False, holder_name="A" * 64, status=HandoffStatus.CLOSED)


def test_notes_and_the_template_listing() -> None:
    assert is_internal_note("! Vater spricht Deutsch")
    assert not is_internal_note("Bitte kommen Sie am Montag.")
    assert not is_internal_note(None)
    assert template_listing(["call-us", "thanks-bye"]) == (
        "Vorlagen: call-us, thanks-bye. Zum Beispiel: /reply call-us"
    )
    assert template_listing([]) == "Es gibt noch keine Vorlagen."
