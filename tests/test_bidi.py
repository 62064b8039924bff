"""Phone numbers and addresses stay verbatim and readable inside Arabic text."""

from __future__ import annotations

from bot.core.bidi import LRI, PDI, isolate_ltr, strip_isolates


def test_ltr_runs_are_isolated_and_nothing_else_changes() -> None:
    text = (
        "اتصلوا بالمركز على الرقم 0203-283 8111 أو زوروا Flachsmarkt 15, 1. Etage, 47051 Duisburg."
    )
    isolated = isolate_ltr(text)
    assert strip_isolates(isolated) == text
    assert f"{LRI}0203-283 8111{PDI}" in isolated
    assert f"{LRI}Flachsmarkt 15, 1. Etage, 47051 Duisburg{PDI}" in isolated


def test_text_without_latin_or_digits_is_unchanged() -> None:
    assert isolate_ltr("مرحبًا بكم") == "مرحبًا بكم"


def test_arabic_answers_carry_isolates_others_do_not() -> None:
    from bot.core.assistant import Assistant
    from bot.core.knowledge import load_knowledge_base
    from bot.settings import BUNDLED_KNOWLEDGE

    assistant = Assistant.for_knowledge_base(load_knowledge_base(BUNDLED_KNOWLEDGE / "duisburg"))
    arabic = assistant.answer("address-contact", "ar").text
    german = assistant.answer("address-contact", "de").text
    assert f"{LRI}0203-283 8111{PDI}" in arabic
    assert LRI not in german
    entry = assistant.kb.entry("address-contact")
    assert entry is not None
    assert strip_isolates(arabic) == entry.answers["ar"]


def test_a_parenthesis_opened_in_the_arabic_text_closes_outside_the_isolate() -> None:
    text = "مركز الاندماج البلدي (Kommunales Integrationszentrum) منذ (معلومات عام 2016)."
    isolated = isolate_ltr(text)
    assert strip_isolates(isolated) == text
    assert f"({LRI}Kommunales Integrationszentrum{PDI}) منذ" in isolated
    assert f"عام {LRI}2016{PDI})." in isolated
    # A pair that opens and closes inside the run stays inside it.
    address = isolate_ltr("زوروا Flachsmarkt 15 (2. OG), 47051 Duisburg اليوم")
    assert f"{LRI}Flachsmarkt 15 (2. OG), 47051 Duisburg{PDI}" in address
