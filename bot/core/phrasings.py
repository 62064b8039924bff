"""Add one phrasing to the text of an entry file, keeping every other byte (pure).

Staff accept a family's question as another way to ask for an entry; the entry file then gets
one new line at the end of its ``questions:`` → ``<lang>:`` list (the language list is created
at the end of ``questions:`` when missing)::

    questions:
      de:
        - "Förderunterricht Klasse 5"
        - "Hausaufgabenhilfe am Samstag"      <- the one new line

The file is edited as text, never dumped again by a YAML library, so comments, quoting and
layout stay as they were and the change is a one-line diff to review. The phrasing is written
as a double-quoted YAML scalar (quotes, backslashes and characters YAML cannot carry raw are
escaped), and the result is parsed again: it must equal the old file's data plus exactly that
phrasing, or nothing is returned.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml

from bot.core.normalize import fold

MAX_PHRASING_CHARS = 1000


class Refusal(StrEnum):
    """Why a phrasing was not added (the callers say it in their audience's words)."""

    EMPTY = "empty"  # nothing left of the text once cleaned
    ALREADY_THERE = "already there"  # the list has it (folded alike) already
    NOT_EDITABLE = "not editable"  # not a file whose questions this module can edit as text
    NO_ENTRY = "no entry"  # the knowledge base has no entry with that id
    READ_ONLY = "read only"  # the file or its folder may not be written
    INVALID = "invalid"  # the knowledge base with the new line has errors
    WRITE_FAILED = "write failed"  # the system refused to write the file


class PhrasingRefused(ValueError):
    """The phrasing was not added; ``refusal`` says why, ``detail`` adds what is known."""

    def __init__(self, refusal: Refusal, detail: str = "") -> None:
        super().__init__(f"{refusal}: {detail}" if detail else str(refusal))
        self.refusal = refusal
        self.detail = detail


# What PyYAML's reader cannot take raw, YAML's own line breaks, and the byte-order mark.
_UNPRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\x85\u2028\u2029\ufeff]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_KEY_LINE = re.compile(
    r"^(?P<indent>[ ]+)(?P<key>[\"']?[A-Za-z_-]+[\"']?)[ \t]*:(?P<rest>.*?)\r?\n?$"
)
_QUESTIONS_LINE = re.compile(r"^questions[ \t]*:(?P<rest>.*?)\r?\n?$")
_ITEM = re.compile(r"^(?P<indent>[ ]*)-(?:[ \t]|\r?\n?$)")


def clean(text: str) -> str:
    """*text* as one line: whitespace runs (line breaks too) become one space, control and
    broken characters (lone surrogates) go, and it is cut at :data:`MAX_PHRASING_CHARS`."""
    text = _CONTROL.sub("", _SURROGATE.sub("", " ".join(text.split())))
    return text[:MAX_PHRASING_CHARS].strip()


def quoted(text: str) -> str:
    """*text* as a double-quoted YAML scalar that reads back as exactly *text*."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _UNPRINTABLE.sub(lambda m: _escape(m.group()), body) + '"'


def _escape(char: str) -> str:
    code = ord(char)
    if char == "\t":
        return "\\t"
    if char == "\n":
        return "\\n"
    if code <= 0xFF:
        return f"\\x{code:02X}"
    if code <= 0xFFFF:
        return f"\\u{code:04X}"
    return f"\\U{code:08X}"


def _is_content(line: str) -> bool:
    """Not blank and not only a comment."""
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _is_empty_rest(rest: str) -> bool:
    """Nothing but maybe a comment after ``key:``."""
    stripped = rest.strip()
    return not stripped or stripped.startswith("#")


@dataclass(frozen=True)
class _Block:
    """Where the ``questions:`` mapping is, as line numbers of the file."""

    start: int  # the "questions:" line
    end: int  # the first line after the block
    key_indent: int | None  # the indentation of the language keys (None: there are none)


def _questions_block(lines: list[str]) -> _Block:
    starts = [i for i, line in enumerate(lines) if _QUESTIONS_LINE.match(line)]
    if len(starts) != 1:
        raise PhrasingRefused(Refusal.NOT_EDITABLE, "no single top-level 'questions:' line")
    start = starts[0]
    found = _QUESTIONS_LINE.match(lines[start])
    if found is None or not _is_empty_rest(found["rest"]):
        raise PhrasingRefused(Refusal.NOT_EDITABLE, "'questions:' is not in block style")
    end = start + 1
    while end < len(lines) and (not _is_content(lines[end]) or lines[end][0] in " \t"):
        end += 1
    key_indent = None
    for line in lines[start + 1 : end]:
        if _is_content(line):
            key = _KEY_LINE.match(line)
            if key is None:
                raise PhrasingRefused(Refusal.NOT_EDITABLE, "unexpected line under 'questions:'")
            key_indent = len(key["indent"])
            break
    return _Block(start, end, key_indent)


def _last_content(lines: list[str], start: int, end: int) -> int:
    """The last line in [start, end) that is not blank or a comment (start if none)."""
    last = start
    for index in range(start, end):
        if _is_content(lines[index]):
            last = index
    return last


def _language_keys(lines: list[str], block: _Block) -> dict[str, int]:
    """Language key -> its line, for the keys at the block's key indentation."""
    keys: dict[str, int] = {}
    for index in range(block.start + 1, block.end):
        key = _KEY_LINE.match(lines[index])
        if key is not None and len(key["indent"]) == block.key_indent:
            keys[key["key"].strip("\"'")] = index
    return keys


def _item_offset(lines: list[str], block: _Block) -> int:
    """How far the list items stand right of their key in this file (2 if no list says)."""
    for index in range(block.start + 1, block.end):
        item = _ITEM.match(lines[index])
        if item is not None and block.key_indent is not None:
            return max(0, len(item["indent"]) - block.key_indent)
    return 2


def add_phrasing(source: str, lang: str, phrasing: str) -> str:
    """The text of the entry file *source* with *phrasing* (cleaned) added to its *lang*
    questions; raises :class:`PhrasingRefused` (``EMPTY``, ``ALREADY_THERE``,
    ``NOT_EDITABLE``) and then nothing is to be written."""
    text = clean(phrasing)
    if not any(ch.isalnum() for ch in text):
        raise PhrasingRefused(Refusal.EMPTY)
    data = _parsed(source)
    questions = data.get("questions")
    if questions is None:
        questions = {}
    if not isinstance(questions, dict):
        raise PhrasingRefused(Refusal.NOT_EDITABLE, "'questions' is not a mapping")
    existing = questions.get(lang)
    if existing is not None and not isinstance(existing, list):
        raise PhrasingRefused(Refusal.NOT_EDITABLE, f"'questions.{lang}' is not a list")
    if _alike(text) in {_alike(str(q)) for q in existing or ()}:
        raise PhrasingRefused(Refusal.ALREADY_THERE)
    newline = "\r\n" if "\r\n" in source else "\n"
    lines = source.splitlines(keepends=True)
    block = _questions_block(lines)
    keys = _language_keys(lines, block)
    key_indent = block.key_indent if block.key_indent is not None else 2
    offset = _item_offset(lines, block)
    if lang in keys:
        key_line = keys[lang]
        found = _KEY_LINE.match(lines[key_line])
        if found is None or not _is_empty_rest(found["rest"]):
            raise PhrasingRefused(Refusal.NOT_EDITABLE, f"'{lang}:' is not a block list")
        later = [line for line in keys.values() if line > key_line]
        after = _last_content(lines, key_line, min(later, default=block.end))
        new = [" " * (key_indent + offset) + f"- {quoted(text)}{newline}"]
    else:
        after = _last_content(lines, block.start, block.end)
        new = [
            " " * key_indent + f"{lang}:{newline}",
            " " * (key_indent + offset) + f"- {quoted(text)}{newline}",
        ]
    if not lines[after].endswith("\n"):
        lines[after] += newline
    result = "".join([*lines[: after + 1], *new, *lines[after + 1 :]])
    expected = copy.deepcopy(data)
    expected.setdefault("questions", {})
    if expected["questions"] is None:
        expected["questions"] = {}
    expected["questions"][lang] = [*(existing or ()), text]
    if _parsed(result) != expected:
        raise PhrasingRefused(Refusal.NOT_EDITABLE, "the edit would change more than one line")
    return result


def _alike(text: str) -> str:
    """What two phrasings share when they are the same question: the folded form (the
    checker's test for repeated phrasings), or the case-folded text of a script fold drops."""
    return fold(text) or " ".join(text.casefold().split())


def _parsed(source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise PhrasingRefused(Refusal.NOT_EDITABLE, "the file is not valid YAML") from exc
    if not isinstance(data, dict):
        raise PhrasingRefused(Refusal.NOT_EDITABLE, "the file is not a mapping of fields")
    return data
