"""Fold text in any of the eight languages to one comparable Latin form (pure, no I/O).

Both the knowledge base and the questions pass through :func:`fold`, so that "Schüler",
"Schueler" and "Schuler", "школа" and "shkola", or "مدرسة" and "madrasa" meet in the middle.
The folded form is for matching only; nothing folded is ever shown to a user.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Arabic-Indic (U+0660..) and Extended Arabic-Indic (U+06F0..) digits to ASCII.
_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ґ": "g", "д": "d", "е": "e", "ё": "e",
    "є": "ie", "ж": "zh", "з": "z", "и": "i", "і": "i", "ї": "ii", "й": "i", "к": "k",
    "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "a",
    "ы": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia", "ʼ": "", "'": "", "’": "",
}  # fmt: skip

_ARABIC = {
    "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th",
    "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s",
    "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "a", "غ": "gh", "ف": "f",
    "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "w", "ي": "y",
    "ى": "a", "ة": "a", "ء": "", "ؤ": "", "ئ": "", "گ": "g", "پ": "p", "چ": "ch",
    "ک": "k", "ی": "y", "ـ": "",
}  # fmt: skip

_OTHER_LATIN = {"ß": "ss", "ı": "i", "ø": "o", "æ": "ae", "œ": "oe", "ð": "d", "þ": "th"}

_TABLE = str.maketrans(_DIGITS | {**_CYRILLIC, **_ARABIC, **_OTHER_LATIN})

_ARABIC_LETTER = re.compile(r"[\u0621-\u064A\u0671-\u06D3]")
_ARABIC_MARKS = re.compile(r"[\u064B-\u065F\u0670\u06D6-\u06ED]")
# The article and its common clitic forms: al-, wa-l-, bi-l-, fa-l-, ka-l-, li-l-.
_ARABIC_ARTICLE = re.compile(
    r"(?<![\u0621-\u064A])(?:وال|بال|فال|كال|لل|ال)(?=[\u0621-\u064A]{2,})"
)
# Arabizi digits inside words: 3 = ع, 7 = ح, 2 = ء, 5 = خ, 9 = ق.
_ARABIZI = re.compile(r"(?<=[a-z])[23579]|[23579](?=[a-z])")
_ARABIZI_MAP = {"2": "", "3": "a", "5": "kh", "7": "h", "9": "k"}
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Typing variants folded the same way on both sides: German umlaut spellings, transliteration
# habits (sch/sh, kh/h, w/v, y/i, ph/f, q/k) and doubled letters.
_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"ae"), "a"),
    (re.compile(r"oe"), "o"),
    (re.compile(r"ue"), "u"),
    (re.compile(r"sch"), "sh"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"w"), "v"),
    (re.compile(r"q"), "k"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"y"), "i"),
    (re.compile(r"([a-z])\1+"), r"\1"),
)


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _fold_word(word: str) -> str:
    for pattern, replacement in _FOLDS:
        word = pattern.sub(replacement, word)
    return word


def is_arabic(text: str) -> bool:
    """True when *text* contains Arabic letters."""
    return bool(_ARABIC_LETTER.search(text))


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Return the folded, space-separated Latin form of *text*."""
    text = unicodedata.normalize("NFKC", text).casefold()
    if is_arabic(text):
        text = _ARABIC_MARKS.sub("", text)
        text = _ARABIC_ARTICLE.sub("", text)
    text = text.translate(_TABLE)
    text = _strip_marks(text)
    text = _ARABIZI.sub(lambda m: _ARABIZI_MAP[m.group()], text)
    words = (_fold_word(w) for w in _NON_WORD.split(text) if w)
    return " ".join(w for w in words if w)


def words(text: str) -> list[str]:
    """The folded words of *text*, in order."""
    folded = fold(text)
    return folded.split() if folded else []


_APOSTROPHES = re.compile(r"['’ʼ`´]")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u04FF]+")


def cyrillic_words(text: str) -> list[str]:
    """The Cyrillic words of *text* in their own letters, lower case, ё as е and without the
    apostrophe families often leave out ("об'єднання" as "обєднання"): what tells Bulgarian,
    Ukrainian and Russian apart, which the folded Latin form of :func:`words` merges."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _CYRILLIC_WORD.findall(_APOSTROPHES.sub("", text))


def consonant_skeleton(word: str) -> str:
    """The word without vowels, for matching Arabic script against Latin-typed Arabic."""
    return re.sub(r"[aeiou]", "", word)
