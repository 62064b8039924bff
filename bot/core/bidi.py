"""Keep phone numbers, addresses and links readable inside right-to-left (Arabic) text (pure).

Inside Arabic text a bidirectional renderer may show "0203-283 8111" as "8111 0203-283". Each
left-to-right run (digits and Latin letters with the punctuation between them) is wrapped in
Unicode isolates (U+2066 … U+2069): invisible, and the characters stay exactly as they are.
"""

from __future__ import annotations

import re

LRI, RLI, PDI = "\u2066", "\u2067", "\u2069"  # left-to-right / right-to-left isolate, end
_LTR_RUN = re.compile(
    r"[0-9A-Za-z\u00C0-\u024F](?:[0-9A-Za-z\u00C0-\u024F .,:/@+\-–()]*[0-9A-Za-z\u00C0-\u024F)])?"
)


def isolate_ltr(text: str) -> str:
    """*text* with every left-to-right run isolated (for Arabic)."""
    return _LTR_RUN.sub(_isolated, text)


def _isolated(found: re.Match[str]) -> str:
    """One run in isolates; a closing parenthesis whose opening one stands before the run, in
    the Arabic text ("(Kommunales Integrationszentrum)"), stays outside with it, so that the
    renderer pairs and mirrors the two (inside, it would show as a second ")")."""
    run = found.group()
    kept = run
    while kept.endswith(")") and kept.count(")") > kept.count("("):
        kept = kept[:-1].rstrip(" .,:/@+-–")
    return f"{LRI}{kept}{PDI}{run[len(kept) :]}"


def for_reader(text: str, lang: str) -> str:
    """*text* as it should be sent to a reader of *lang* (isolated runs for Arabic)."""
    return isolate_ltr(text) if lang == "ar" else text


def strip_isolates(text: str) -> str:
    """The text without the isolates (what was there before)."""
    return text.replace(LRI, "").replace(PDI, "")
