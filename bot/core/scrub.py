"""Take personal data out of a text before it is kept (questions the bot could not answer).

What goes: e-mail addresses, phone numbers (7 digits or more, with the usual separators), web
addresses with a query, the names a writer gives ("Mein Name ist …", "меня зовут …", "اسمي …" in
the eight languages), and any names the caller knows (the sender's Telegram name). Each becomes a
marker such as ``[Name]``, so staff still see what kind of question it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# +49 176 5550123, 0176/555 01 23, (0203) 283-2001, 0049-203-2832001: seven digits or more.
PHONE = re.compile(r"(?<![\w])\+?\(?\d(?:[\s()./-]{0,3}\d){6,}(?![\w])")
DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})")
URL_WITH_QUERY = re.compile(r"https?://\S+\?\S+")
INTRODUCTIONS = (
    "mein name ist", "ich heiße", "ich heisse", "mein name lautet",
    "my name is", "i am called", "i'm called", "name is",
    "benim adım", "benim adim", "adım", "adim", "benim ismim", "ismim",
    "اسمي", "انا اسمي", "أنا اسمي",
    "numele meu este", "numele meu e", "mă numesc", "ma numesc", "mă cheamă", "ma cheama",
    "казвам се", "името ми е", "мене звати", "моє ім'я", "моє ім’я", "меня зовут", "моё имя",
    "мое имя",
)  # fmt: skip
_INTRO = re.compile(
    r"(?i)(?<!\w)(?:" + "|".join(re.escape(p) for p in INTRODUCTIONS) + r")\s*[:\-–]?\s+"
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
NAME_WORDS = 3  # "Ayşe Yılmaz", "Maria Elena Popescu"


def _name_after(text: str, start: int) -> int:
    """Where the name that begins at *start* ends (up to three words, no punctuation between;
    in scripts with capitals, a second word counts only when it is capitalised)."""
    end, position = start, start
    for count in range(NAME_WORDS):
        match = _WORD.match(text, position)
        if match is None:
            break
        word = match.group()
        if count > 0 and word[0].lower() != word[0].upper() and not word[0].isupper():
            break
        end = match.end()
        gap = re.match(r"[ \t]+", text[end:])
        if gap is None:
            break
        position = end + gap.end()
    return end


def scrub(text: str, known_names: Iterable[str] = ()) -> str:
    """*text* without e-mail addresses, phone numbers and the names it gives."""
    text = EMAIL.sub("[E-Mail]", text)
    text = URL_WITH_QUERY.sub("[Link]", text)
    text = PHONE.sub(lambda m: m.group() if DATE.fullmatch(m.group()) else "[Telefon]", text)
    for name in sorted({n.strip() for n in known_names if len(n.strip()) >= 2}, key=len)[::-1]:
        text = re.sub(rf"(?i)(?<!\w){re.escape(name)}(?!\w)", "[Name]", text)
    parts, position = [], 0
    for intro in _INTRO.finditer(text):
        if intro.start() < position:
            continue
        end = _name_after(text, intro.end())
        if end > intro.end():
            parts += [text[position : intro.end()], "[Name]"]
            position = end
    parts.append(text[position:])
    return "".join(parts)
