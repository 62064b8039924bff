"""Which of the eight languages a question is written in (offline, no I/O after start-up).

The script decides first (an Arabic word means Arabic; a Cyrillic one narrows to Bulgarian,
Ukrainian or Russian, whatever Latin names stand around it), then lingua, restricted to the
candidate languages and in its low-accuracy mode (small models, about 35 MB for all eight),
beside word lists of each language, picks among them. A hint such as Telegram's
``language_code`` wins when the text is too short or too ambiguous to tell.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from bot.core.languages import Lang, as_lang
from bot.core.matching import remembered
from bot.core.normalize import cyrillic_words, fold, words

_ARABIC = re.compile(r"[\u0600-\u06FF]")
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
_LETTERS_UK = re.compile(r"[іїєґІЇЄҐ]")
_LETTERS_RU = re.compile(r"[ыэёЫЭЁ]")
# Russian writes ъ only before е, ё, ю, я ("объявление"); Bulgarian before consonants too ("към").
_LETTERS_BG = re.compile(r"[ъЪ](?![еёюяЕЁЮЯ])|[ѝЍ]")
# Letters that German, Turkish and Romanian write and transliterated Arabic, Bulgarian, Ukrainian
# or Russian never need: two words with them ("Ausländerbehörde ... verlängern") mean the text is
# not transliterated; one may be a place ("... b Düsseldorf?").
_LETTERS_LATIN_LANGS = re.compile(r"\w*[äöüßğışţțșăâîçÄÖÜĞİŞŢȚȘĂÂÎÇ]\w*")
NOT_TRANSLIT_WORDS = 2
_WORD = re.compile(r"\w+")
# A word the phrasings of three or more languages use ("Meldebescheinigung", "telefon", "online")
# tells lingua nothing about which one is asked: "am pierdut meldebescheinigung" is Romanian.
SHARED_BY = 3

_LATIN_LANGS: tuple[Lang, ...] = ("de", "en", "tr", "ro")
_CYRILLIC_LANGS: tuple[Lang, ...] = ("bg", "uk", "ru")
_TRANSLIT_LANGS: tuple[Lang, ...] = ("ar", "bg", "uk", "ru")
_LINGUA_NAMES: dict[Lang, str] = {
    "de": "GERMAN",
    "en": "ENGLISH",
    "tr": "TURKISH",
    "ar": "ARABIC",
    "ro": "ROMANIAN",
    "bg": "BULGARIAN",
    "uk": "UKRAINIAN",
    "ru": "RUSSIAN",
}
_LINGUA_CODES = {name: lang for lang, name in _LINGUA_NAMES.items()}
MIN_NAME_WORD = 3
DETECTIONS_REMEMBERED = 10_000  # (text, hint) pairs whose language is remembered
SURE = 0.6  # below this, a hint (Telegram's language_code) decides
LEXICAL_WEIGHT = 0.5  # share of the word lists against lingua's statistics ...
LEXICAL_WEIGHT_FEW = 0.8  # ... where lingua sees FEW_WORDS words or fewer
FEW_WORDS = 2
# Where the word lists are this clear (the best language knows this share of the words, this far
# ahead of the next), they weigh LEXICAL_WEIGHT_FEW too: "is there Hausaufgabenhilfe for my
# daughter" is English, though one long German compound makes lingua's statistics say German.
CLEAR_SHARE = 0.5
CLEAR_LEAD = 0.3
TRANSLIT_MIN = 0.2  # Latin letters: share of words a non-Latin language must know ...
TRANSLIT_LEAD = 0.1  # ... and its lead over the best Latin-script language


@dataclass(frozen=True)
class Detection:
    """The language found, how sure (0..1), and the script the text is written in."""

    lang: Lang
    confidence: float
    script: str


def dominant_script(text: str) -> str:
    """``"arabic"``, ``"cyrillic"``, ``"latin"`` or ``"none"`` (emoji, digits, empty)."""
    counts = {
        "arabic": len(_ARABIC.findall(text)),
        "cyrillic": len(_CYRILLIC.findall(text)),
        "latin": len(_LATIN.findall(text)),
    }
    script, count = max(counts.items(), key=lambda item: item[1])
    return script if count else "none"


def family_script(text: str) -> str:
    """The script that decides the language family: Arabic or Cyrillic letters anywhere (a
    family writing Arabic or Cyrillic types German names in Latin letters, the other way round
    no one does: "Integrationslotsen Крефелд" is Bulgarian), else Latin or ``"none"``."""
    arabic, cyrillic = len(_ARABIC.findall(text)), len(_CYRILLIC.findall(text))
    if arabic or cyrillic:
        return "arabic" if arabic >= cyrillic else "cyrillic"
    return dominant_script(text)


class LanguageDetector:
    """Detects the language of short questions; build once, reuse.

    *lexicons* are the folded words each language uses (its stop words, including how they are
    typed in Latin letters, and the knowledge base's phrasings): they recognise transliterated
    Arabic, Bulgarian, Ukrainian and Russian, which lingua cannot. *names* (programme and place
    names kept verbatim in every language, and the towns of the addresses) are removed before
    lingua looks at the text, so that "when is the Fest der Vielfalt?" is English. *cyrillic* are
    the Cyrillic words of Bulgarian, Ukrainian and Russian in their own letters, which folding
    merges ("добрий" uk, "добрый" ru).
    """

    def __init__(
        self,
        default: Lang = "de",
        lexicons: Mapping[Lang, frozenset[str]] | None = None,
        names: Iterable[str] = (),
        cyrillic: Mapping[Lang, frozenset[str]] | None = None,
    ) -> None:
        self.default = default
        self._lexicons = dict(lexicons or {})
        given = dict(cyrillic or {})
        self._cyrillic = {lang: given[lang] for lang in _CYRILLIC_LANGS if lang in given}
        self._cyrillic_spread = dict(
            Counter(word for lexicon in self._cyrillic.values() for word in lexicon)
        )
        counts = Counter(word for lexicon in self._lexicons.values() for word in lexicon)
        self._spread = dict(counts)
        self._shared_words = frozenset(w for w, n in counts.items() if n >= SHARED_BY)
        # Among the Latin-script languages only: "adres" is Turkish, whatever transliterated
        # Bulgarian and Russian write.
        latin = Counter(
            word for lang in _LATIN_LANGS for word in self._lexicons.get(lang, frozenset())
        )
        self._latin_spread = dict(latin)
        self._latin_shared = frozenset(w for w, n in latin.items() if n >= SHARED_BY)
        # Words of names ("komm", "nrw", "haniel"), compared folded, so "komm an nrw" counts too.
        self._name_words = frozenset(
            w for name in names for w in words(name) if len(w) >= MIN_NAME_WORD
        )
        self._detected: dict[tuple[str, str | None], Detection] = {}

    @cached_property
    def _lingua(self) -> Any:
        from lingua import Language, LanguageDetectorBuilder

        languages = [getattr(Language, name) for name in _LINGUA_NAMES.values()]
        return (
            LanguageDetectorBuilder.from_languages(*languages)
            .with_low_accuracy_mode()
            .with_preloaded_language_models()
            .build()
        )

    def warm_up(self) -> None:
        """Load the language models now rather than on the first question."""
        self._lingua_shares("warm up", _LATIN_LANGS)

    def _lingua_shares(self, text: str, among: tuple[Lang, ...]) -> dict[Lang, float]:
        values = self._lingua.compute_language_confidence_values(text)
        chosen = {
            _LINGUA_CODES[v.language.name]: float(v.value)
            for v in values
            if _LINGUA_CODES[v.language.name] in among
        }
        total = sum(chosen.values())
        if total <= 0:
            return dict.fromkeys(among, 1 / len(among))
        return {lang: value / total for lang, value in chosen.items()}

    def _lexical_shares(self, text: str, latin_only: bool = False) -> dict[Lang, float]:
        """Per language (only the Latin-script ones if *latin_only*): the share of the words it
        knows, each word split among the languages (of those) that know it."""
        found = words(text)
        if not found or not self._lexicons:
            return {}
        spread = self._latin_spread if latin_only else self._spread
        shares: dict[Lang, float] = {}
        for lang, lexicon in self._lexicons.items():
            if not latin_only or lang in _LATIN_LANGS:
                hits = sum(1 / spread[w] for w in found if w in lexicon)
                shares[lang] = hits / len(found)
        return shares

    def _cyrillic_shares(self, text: str) -> dict[Lang, float]:
        """Like :meth:`_lexical_shares` among Bulgarian, Ukrainian and Russian, on the words in
        their own letters; empty where none of them is known."""
        found = cyrillic_words(text)
        known = [w for w in found if w in self._cyrillic_spread]
        if not known:
            return {}
        return {
            lang: sum(1 / self._cyrillic_spread[w] for w in known if w in lexicon) / len(found)
            for lang, lexicon in self._cyrillic.items()
        }

    @staticmethod
    def _without(text: str, dropped: frozenset[str]) -> str:
        """*text* without the words whose folded form is *dropped* (unless nothing is left):
        the words of verbatim names, or the words several languages' phrasings use."""
        if not dropped:
            return text
        stripped = _WORD.sub(lambda m: " " if fold(m.group()) in dropped else m.group(), text)
        return text if dominant_script(stripped) == "none" else stripped

    def detect(self, text: str, hint: str | None = None) -> Detection:
        """The most likely language of *text*; *hint* decides when the text cannot. Families
        ask the same things again: results are remembered per text and hint."""
        return remembered(
            self._detected, (text, hint), DETECTIONS_REMEMBERED, lambda: self._detect(text, hint)
        )

    def _detect(self, text: str, hint: str | None) -> Detection:
        hinted = as_lang(hint)
        stripped = self._without(text, self._name_words)
        script = family_script(stripped)
        if script == "none":
            return Detection(hinted or self.default, 0.0, script)
        if script == "arabic":
            return Detection("ar", 1.0, script)
        if script == "cyrillic":
            if _LETTERS_UK.search(text):
                return Detection("uk", 0.95, script)
            if _LETTERS_RU.search(text):
                return Detection("ru", 0.95, script)
            if _LETTERS_BG.search(text):
                return Detection("bg", 0.95, script)
            # A town in Cyrillic letters is spelt the way of one language ("Дуисбург": bg).
            lexical = self._cyrillic_shares(text) or self._lexical_shares(stripped)
            return self._decide(text, stripped, lexical, _CYRILLIC_LANGS, hinted, script)
        lexical = self._lexical_shares(stripped)
        translit = max(_TRANSLIT_LANGS, key=lambda lang: lexical.get(lang, 0.0))
        latin_best = max((lexical.get(lang, 0.0) for lang in _LATIN_LANGS), default=0.0)
        if (
            len(_LETTERS_LATIN_LANGS.findall(text)) < NOT_TRANSLIT_WORDS
            and lexical.get(translit, 0.0) >= TRANSLIT_MIN
            and lexical[translit] > latin_best + TRANSLIT_LEAD
        ):
            if hinted in _TRANSLIT_LANGS and hinted != translit:
                translit = hinted  # e.g. Ukrainian and Russian typed in Latin letters look alike
            return Detection(translit, min(1.0, lexical[translit]), script)
        if all(w in self._latin_shared or w in self._name_words for w in words(stripped)):
            # Names and words of three or more languages only ("KAoA?", "Kita Duisburg"): the
            # text tells nothing of its language.
            return Detection(hinted or self.default, 0.0, script)
        latin = self._lexical_shares(stripped, latin_only=True)
        return self._decide(text, stripped, latin, _LATIN_LANGS, hinted, script)

    def _decide(
        self,
        text: str,
        stripped: str,
        lexical: dict[Lang, float],
        among: tuple[Lang, ...],
        hinted: Lang | None,
        script: str,
    ) -> Detection:
        """Among *among*: lingua on *stripped* (names out) without shared words, beside the
        word lists' *lexical* shares; the hint where that is unsure or *text* very short."""
        seen = self._without(stripped, self._shared_words)
        statistical = self._lingua_shares(seen, among)
        total = sum(lexical.get(lang, 0.0) for lang in among)
        # lingua's statistics say little about one or two words ("numarasi" looks Romanian), and
        # less than the word lists where those are clear.
        few = len(_WORD.findall(seen)) <= FEW_WORDS
        weight = LEXICAL_WEIGHT_FEW if few or _clear(lexical, among) else LEXICAL_WEIGHT
        combined = {
            lang: (1 - weight) * statistical.get(lang, 0.0)
            + weight * (lexical.get(lang, 0.0) / total if total else 0.0)
            for lang in among
        }
        if not total:
            combined = statistical
        lang = max(combined, key=lambda key: combined[key])
        confidence = combined[lang]
        short = len(_WORD.findall(text)) <= 2
        if hinted and (short or confidence < SURE) and (hinted in among or script == "latin"):
            return Detection(hinted, max(confidence, 0.5), script)
        return Detection(lang, confidence, script)


def _clear(lexical: Mapping[Lang, float], among: tuple[Lang, ...]) -> bool:
    """True where the word lists' best language knows CLEAR_SHARE of the words and leads the
    next by CLEAR_LEAD."""
    first, second = sorted((lexical.get(lang, 0.0) for lang in among), reverse=True)[:2]
    return first >= CLEAR_SHARE and first - second >= CLEAR_LEAD
