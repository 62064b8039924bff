"""Language detection: script first, lingua among the candidates, the hint when in doubt."""

from __future__ import annotations

import pytest

from bot.core.assistant import Assistant, verbatim_names
from bot.core.knowledge import load_knowledge_base
from bot.core.language import LanguageDetector, dominant_script
from bot.core.languages import Lang, as_lang, fallback_chain
from bot.core.normalize import words
from bot.settings import BUNDLED_KNOWLEDGE


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Wo kann ich mein Kind in der Schule anmelden?", "de"),
        ("Where can I register my son for school?", "en"),
        ("Çocuğumu okula nasıl kaydettirebilirim?", "tr"),
        ("أين يمكنني تسجيل ابني في المدرسة؟", "ar"),
        ("Unde îmi pot înscrie copilul la școală?", "ro"),
        ("Къде мога да запиша детето си на училище?", "bg"),
        ("Де можна записати дитину до школи?", "uk"),
        ("Где можно записать ребёнка в школу?", "ru"),
        ("Где можно записать ребенка в школу?", "ru"),
    ],
)
def test_full_questions(detector: LanguageDetector, text: str, lang: str) -> None:
    assert detector.detect(text).lang == lang


def test_ukrainian_letters_decide(detector: LanguageDetector) -> None:
    assert detector.detect("їжа", hint="ru").lang == "uk"


def test_the_bulgarian_hard_sign_decides(detector: LanguageDetector) -> None:
    # Before a consonant only Bulgarian writes ъ; Russian writes it before е, ё, ю, я.
    assert detector.detect("Към кого да се обрна?", hint="ru").lang == "bg"
    assert detector.detect("Где висит объявление?", hint="bg").lang == "ru"


def test_names_in_latin_letters_do_not_decide_the_script() -> None:
    # "KI" and "Krefeld" are written the same in every language: the rest of the text decides.
    named = LanguageDetector(names=["Krefeld", "Integrationslotsen"])
    assert named.detect("Факс на Integrationslotsen Krefeld?").script == "cyrillic"
    assert named.detect("Факс на Integrationslotsen Krefeld?", hint="bg").lang == "bg"


def test_one_cyrillic_or_arabic_word_decides_the_family() -> None:
    # Families writing Cyrillic or Arabic type German names in Latin letters; a German, English,
    # Turkish or Romanian writer never types a Cyrillic or Arabic word.
    detector = LanguageDetector()
    assert detector.detect("Факс на Integrationslotsen Krefeld?").script == "cyrillic"
    assert detector.detect("Integrationslotsen Крефелд", hint="de").lang in {"bg", "uk", "ru"}
    assert detector.detect("Integrationslotsen Krefeld مكتب").lang == "ar"
    assert detector.detect("Integrationslotsen Krefeld").script == "latin"


def test_cyrillic_words_in_their_own_letters_tell_the_languages_apart() -> None:
    # Folded to Latin letters, "добрий" (uk) and "добрый" (ru) are one word; unfolded they
    # are not, and a town spelt the Bulgarian way ("Дуисбург") is Bulgarian.
    cyrillic: dict[Lang, frozenset[str]] = {
        "uk": frozenset({"добрий", "день", "дуйсбург", "обєднання"}),
        "ru": frozenset({"добрый", "день", "дуйсбург", "объединение"}),
        "bg": frozenset({"добър", "ден", "дуисбург", "на", "телефон"}),
    }
    detector = LanguageDetector(cyrillic=cyrillic, names=["Duisburg"])
    assert detector.detect("Добрий день 👋").lang == "uk"
    assert detector.detect("Добрый день 👋").lang == "ru"
    assert detector.detect("телефон на KI Дуисбург").lang == "bg"
    assert detector.detect("об’єднання").lang == "uk"  # with or without the apostrophe


def test_few_words_lean_on_the_word_lists() -> None:
    # lingua's statistics on one word are noise ("numarasi" looks Romanian to it); the Turkish
    # word list knows it. Words that transliterated Russian shares ("adres") stay Turkish.
    lexicons: dict[Lang, frozenset[str]] = {
        "tr": frozenset(words("telefon numarası adres")),
        "ro": frozenset(words("telefon număr")),
        "de": frozenset(words("telefon nummer")),
        "en": frozenset(words("phone number")),
        "ru": frozenset(words("adres telefon")),
        "bg": frozenset(words("adres telefon")),
    }
    detector = LanguageDetector(lexicons=lexicons, names=["Duisburg", "Düsseldorf"])
    assert detector.detect("telefon numarasi Duisburg").lang == "tr"
    assert detector.detect("Dusseldorf adres").lang == "tr"


def test_clear_word_lists_outweigh_one_long_german_compound() -> None:
    # lingua's statistics say German for any text with "Hausaufgabenhilfe" in it; the word lists
    # know the other words as English. Without the lists' lead (half the words, 0.3 ahead) lingua
    # keeps its say: a German question stays German.
    lexicons: dict[Lang, frozenset[str]] = {
        "en": frozenset(words("is there help for my daughter son where do we go")),
        "de": frozenset(words("gibt es hilfe für meine tochter wo")),
        "tr": frozenset(words("kızım için yardım var mı")),
        "ro": frozenset(words("este ajutor pentru fiica mea")),
    }
    detector = LanguageDetector(lexicons=lexicons)
    assert LanguageDetector().detect("is there Hausaufgabenhilfe for my daughter").lang == "de"
    assert detector.detect("is there Hausaufgabenhilfe for my daughter").lang == "en"
    assert detector.detect("Gibt es Hausaufgabenhilfe für meine Tochter?").lang == "de"


def test_transliterated_bulgarian_with_few_known_words() -> None:
    lexicons: dict[Lang, frozenset[str]] = {
        "bg": frozenset({"koi", "e", "na"}),
        "ro": frozenset({"e", "centru"}),
        "de": frozenset({"der", "ist"}),
    }
    detector = LanguageDetector(lexicons=lexicons)
    # Three of its eight words are Bulgarian ones (one shared with Romanian): Bulgarian.
    assert detector.detect("Koi e rakovoditel na integracionnia centar v Dyuseldorf?").lang == "bg"


def test_hint_decides_short_ambiguous_text(detector: LanguageDetector) -> None:
    assert detector.detect("Rucksack", hint="tr").lang == "tr"
    assert detector.detect("школа", hint="bg").lang == "bg"
    assert detector.detect("школа", hint="uk").lang == "uk"


def test_hint_does_not_override_a_clear_sentence(detector: LanguageDetector) -> None:
    assert detector.detect("Wann ist das nächste Fest der Vielfalt?", hint="en").lang == "de"


def test_a_hint_in_another_script_is_ignored_for_arabic(detector: LanguageDetector) -> None:
    assert detector.detect("مدرسة", hint="de").lang == "ar"


def test_no_letters_uses_the_hint_or_german(detector: LanguageDetector) -> None:
    assert detector.detect("👍🙂", hint="ro").lang == "ro"
    assert detector.detect("👍🙂").lang == "de"
    assert detector.detect("", hint="xx").lang == "de"


def test_scripts() -> None:
    assert dominant_script("abc") == "latin"
    assert dominant_script("абв abc абв") == "cyrillic"
    assert dominant_script("مرحبا hi") == "arabic"
    assert dominant_script("123 🙂") == "none"


def test_language_codes_and_fallbacks() -> None:
    assert as_lang("uk-UA") == "uk"
    assert as_lang("pt-BR") is None
    assert as_lang(None) is None
    assert fallback_chain("tr") == ("tr", "en", "de")
    assert fallback_chain("en") == ("en", "de")
    assert fallback_chain("de") == ("de", "en")


def test_german_words_with_umlauts_are_not_transliteration() -> None:
    # A Ukrainian phrasing typed in Latin letters borrowed "Aufenthaltstitel"; a German question
    # with two words only German writes (ä, ö) is still German.
    lexicons: dict[Lang, frozenset[str]] = {
        "uk": frozenset(words("Aufenthaltstitel termin prodovzhyty")),
        "de": frozenset(words("Termin der")),
        "ar": frozenset(words("shu raqam el b")),
    }
    detector = LanguageDetector(lexicons=lexicons)
    assert detector.detect("Termin Ausländerbehörde Aufenthaltstitel verlängern").lang == "de"
    # One such word is a place name in any language.
    assert detector.detect("shu raqam el telefon b Düsseldorf?").lang == "ar"


def test_words_many_languages_use_do_not_decide() -> None:
    # "Meldebescheinigung" is written so in German, Romanian and Turkish questions alike, and
    # "am" is both German and Romanian: the word lists cannot tell, and lingua must not be
    # swayed by the long German word.
    shared = frozenset(words("Meldebescheinigung am"))  # word lists hold folded words
    lexicons: dict[Lang, frozenset[str]] = {
        "de": shared | set(words("ich habe")),
        "ro": shared,
        "tr": frozenset(words("Meldebescheinigung")),
    }
    detector = LanguageDetector(lexicons=lexicons)
    assert detector.detect("am pierdut meldebescheinigung").lang == "ro"
    assert detector.detect("ich habe meine Meldebescheinigung verloren").lang == "de"


def test_a_text_of_shared_words_and_names_only_takes_the_hint_or_the_default() -> None:
    # "KAoA" is in the questions of every language, "Duisburg" is a name: nothing says which
    # language "KAoA Duisburg?" is in, so lingua's guess must not decide.
    everyone = frozenset(words("KAoA"))
    lexicons: dict[Lang, frozenset[str]] = {lang: everyone for lang in ("de", "en", "tr", "ro")}
    detector = LanguageDetector(lexicons=lexicons, names=["Duisburg"])
    assert detector.detect("KAoA Duisburg?").lang == "de"
    assert detector.detect("KAoA Duisburg?", hint="ro").lang == "ro"
    assert detector.detect("What does KAoA mean?").lang == "en"  # the other words decide


def test_the_towns_of_the_addresses_are_names() -> None:
    # "Düsseldorf" (the centre's address) looks German to lingua; in "Dusseldorf KI adres" it is
    # a name, and the Turkish "adres" decides.
    kb = load_knowledge_base(BUNDLED_KNOWLEDGE / "duesseldorf")
    assert "Düsseldorf" in verbatim_names(kb)
    assistant = Assistant.for_knowledge_base(kb)
    assert assistant.reply("Dusseldorf KI adres").lang == "tr"
    assert assistant.reply("Wo ist das KI in Düsseldorf?").lang == "de"
