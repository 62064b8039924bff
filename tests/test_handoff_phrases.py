"""Asking for a human, in eight languages, opens a hand-over; ordinary questions do not."""

from __future__ import annotations

import pytest

from bot.core.handoff_phrases import asks_for_a_person


@pytest.mark.parametrize(
    "text",
    [
        "Ich möchte bitte mit einem Menschen sprechen",
        "can I talk to a real person?",
        "I want a real person, not a bot",
        "Ich will einen echten Menschen!",
        "bir insanla konuşmak istiyorum",
        "أريد التحدث مع موظف",
        "vreau sa vorbesc cu un om",
        "искам да говоря с човек",
        "хочу поговорити з людиною",
        "можно поговорить с человеком?",
    ],
)
def test_requests_for_a_person(text: str) -> None:
    assert asks_for_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "Wo kann ich mein Kind in der Schule anmelden?",
        "Telefonnummer vom Integrationszentrum",
        "Welche Mitarbeiter arbeiten im KI?",
        "I want to help refugees as a volunteer",
        "где записать ребенка в школу",
        "Moin! Wer bist du eigentlich, ein echter Mensch?",  # about the bot: small talk
        "hey how are you today? are you a real person?",
    ],
)
def test_ordinary_questions(text: str) -> None:
    assert not asks_for_a_person(text)
