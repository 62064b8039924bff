"""How a labelled question's expected facts are found in an answer (bot.core.evaluation)."""

from __future__ import annotations

import pytest

from bot.core.evaluation import Labelled, Outcome, holds_fact, hours_in


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("Sonntag, 12. Juni 2016, 13 bis 18 Uhr", [13, 18]),
        ("saat 13.00 ile 18.00 arasında", [13, 18]),
        ("from 1 to 6 pm in front of the museum", [13, 18]),
        ("من الساعة ١٣ حتى الساعة ١٨", [13, 18]),
        ("Tel. 0203-283 8111, 47051 Duisburg", []),
        ("am 6.6.2016 und im Jahr 2017", []),
    ],
)
def test_hours_are_read_the_way_each_language_writes_them(text: str, hours: list[int]) -> None:
    assert hours_in(text) == hours


@pytest.mark.parametrize(
    ("answer", "fact", "holds"),
    [
        ("Adresse: Flachsmarkt 15, 47051 Duisburg", "flachsmarkt 15", True),
        ("Adresse: Flachsmarkt 16, 47051 Duisburg", "Flachsmarkt 15", False),
        ("з 13 до 18 години, перед музеєм", "13 bis 18 Uhr", True),
        ("între orele 13 și 18", "13 bis 18 Uhr", True),
        ("from 1 to 6 pm", "13 bis 18 Uhr", True),
        ("з 14 до 18 години", "13 bis 18 Uhr", False),
        ("13 червня, до 18 години", "13 bis 18 Uhr", True),  # the same hours in a row
        ("з 18 до 13", "13 bis 18 Uhr", False),
        ("Telefon 0203-283 8111", "13 bis 18 Uhr", False),
    ],
)
def test_a_fact_is_verbatim_or_the_same_hours(answer: str, fact: str, holds: bool) -> None:
    assert holds_fact(answer, fact) is holds


def test_a_confident_answer_counts_only_with_every_expected_fact() -> None:
    item = Labelled("uk", "Фест дер Фільфальт коли?", "fest", "short", (), ("13 bis 18 Uhr",))
    right = Outcome(item, "fest", True, "uk", 0.01, "з 13 до 18 години")
    wrong_time = Outcome(item, "fest", True, "uk", 0.01, "з 10 до 12 години")
    unsure = Outcome(item, "fest", False, "uk", 0.01, "з 13 до 18 години")
    assert right.answered
    assert not wrong_time.answered
    assert wrong_time.top1
    assert not wrong_time.false_confident
    assert not unsure.answered
