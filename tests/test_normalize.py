"""Folding: the spellings families really type meet the knowledge base's spelling."""

from __future__ import annotations

import pytest

from bot.core.normalize import consonant_skeleton, cyrillic_words, fold, words


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("Schueler", "Schüler"),
        ("Schuler", "Schüler"),
        ("SCHÜLER!!", "schüler"),
        ("cocugumu okula nasil kaydettiririm", "Çocuğumu okula nasıl kaydettiririm"),
        ("unde imi inscriu copilul la scoala", "Unde îmi înscriu copilul la școală?"),
        ("gde zapisat rebenka v shkolu", "где записать ребенка в школу"),
        ("de zapysaty dytynu do shkoly", "де записати дитину до школи"),
        ("kade da zapisha deteto", "къде да запиша детето"),
        ("Straße", "Strasse"),
        ("ﬁle", "file"),  # compatibility ligature (NFKC)
    ],
)
def test_typing_variants_fold_to_the_same_words(typed: str, written: str) -> None:
    assert fold(typed) == fold(written)


def test_arabic_indic_digits_become_ascii() -> None:
    assert fold("٠٢٠٣-٢٨٣ ۸۱۱۱") == "0203 283 8111"


def test_arabic_article_and_diacritics_are_removed() -> None:
    assert fold("المَدْرَسَة") == fold("مدرسة")
    assert fold("بالمدرسة") == fold("مدرسة")


def test_arabizi_digits_inside_words() -> None:
    assert fold("3arabi") == fold("aarabi")
    assert fold("ma7al") == "mahal"
    assert fold("2026") == "2026"


def test_punctuation_and_emoji_are_dropped() -> None:
    assert words("Hallo?! 👋 …  KOMM-AN NRW") == ["halo", "kom", "an", "nrv"]
    assert words("🙂🙂") == []
    assert words("") == []


def test_consonant_skeleton_bridges_arabizi_and_arabic_script() -> None:
    assert consonant_skeleton(fold("مدرسة")) == consonant_skeleton(fold("madrasa")).rstrip()


def test_every_apostrophe_phones_type_folds_alike() -> None:
    # Ukrainian "сім'я" is typed with ', ’ (phone keyboards) or ʼ (the Ukrainian letter).
    assert fold("сім’я") == fold("сім'я") == fold("сімʼя") == "simia"
    assert fold("I’d like") == fold("I'd like")


def test_cyrillic_words_keep_their_letters() -> None:
    # Folding merges "добрий" (uk) and "добрый" (ru); the Cyrillic words keep them apart, with
    # ё as е and without the apostrophe that families type in any form or leave out.
    assert cyrillic_words("Добрий день, KI Duisburg!") == ["добрий", "день"]
    assert cyrillic_words("Добрый день") != cyrillic_words("Добрий день")
    assert cyrillic_words("об’єднання об'єднання обєднання") == ["обєднання"] * 3
    assert cyrillic_words("Ёлка") == ["елка"]
