"""Personal data is taken out of kept questions; the question itself stays readable."""

from __future__ import annotations

import pytest

from bot.core.scrub import scrub


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        (
            "Mein Name ist Ayşe Yılmaz, Telefon 0176 5550123, wo melde ich mein Kind an?",
            "Mein Name ist [Name], Telefon [Telefon], wo melde ich mein Kind an?",
        ),
        (
            "my name is John Smith and my email is john.smith@example.org",
            "my name is [Name] and my email is [E-Mail]",
        ),
        ("Benim adım Mehmet, okul kaydı nerede?", "Benim adım [Name], okul kaydı nerede?"),
        ("اسمي أحمد علي، أين أسجل ابني؟", "اسمي [Name]، أين أسجل ابني؟"),
        ("Numele meu este Ion Popescu. Unde e școala?", "Numele meu este [Name]. Unde e școala?"),
        ("Казвам се Иван Петров, къде е училището?", "Казвам се [Name], къде е училището?"),
        ("Мене звати Олена, де записати дитину?", "Мене звати [Name], де записати дитину?"),
        ("Меня зовут Анна Иванова. Где школа?", "Меня зовут [Name]. Где школа?"),
        ("Ruf mich an: +49 (203) 283-2001!", "Ruf mich an: [Telefon]!"),
        ("Call 0203/28 32 001 please", "Call [Telefon] please"),
    ],
)
def test_names_numbers_and_addresses_are_replaced(text: str, kept: str) -> None:
    assert scrub(text) == kept


@pytest.mark.parametrize(
    "text",
    [
        "Wo melde ich mein Kind (9 Jahre) für die Schule an?",
        "Is the office open on 24.12.2026 at 10:00?",
        "Flachsmarkt 15, 47051 Duisburg: wie komme ich hin?",
        "KOMM-AN NRW – wer ist zuständig?",
    ],
)
def test_questions_without_personal_data_stay_as_they_are(text: str) -> None:
    assert scrub(text) == text


def test_the_senders_own_name_is_replaced_wherever_it_stands() -> None:
    kept = scrub("Hallo, hier ist Yusuf. Yusuf braucht einen Schulplatz", ["Yusuf", "Demir"])
    assert kept == "Hallo, hier ist [Name]. [Name] braucht einen Schulplatz"
