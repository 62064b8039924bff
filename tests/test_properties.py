"""Whatever arrives, nothing breaks: random Unicode, huge, empty, right-to-left overrides,
zero-width and control characters, as text, as commands with arguments (family and staff) and as
callback data. Each is handled without an error, and a family always gets an answer."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.db import Handoff
from tests import updates
from tests.harness import ANNA, FAMILY, STAFF_CHAT, Desk, open_topic

EXAMPLES = int(os.environ.get("WEGWEISER_PROPERTY_EXAMPLES", "20"))
PROPERTIES = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure can be repeated
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NASTY = [
    "\u202e", "\u202d", "\u2066", "\u200b", "\u200d", "\ufeff", "\x00", "\x07", "\x1b[2J",
    "\r\n", "\t", "\u0301", "\U0001f1e9\U0001f1ea", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "﷽", "ẞ", "İ", "ı", "ǅ", "𝔚𝔢𝔤", "٠١٢", "²", "99999999999999999999", "-1", "0", "%s", "{0}",
    "{name}", "<b>", "</a>", "*_`[", "' OR 1=1 --", "../../etc/passwd", "cancel", "move",
    "9999-12-31", "1900-01-01", "31.02.", "25:99", "10:00", "morgen", "documents", "x" * 4000,
]  # fmt: skip
COMMANDS = [
    "start", "menu", "language", "events", "volunteer", "appointments", "help", "privacy",
    "delete", "staff", "end", "contact", "appointment", "reply", "close", "claim", "reload",
    "mydata", "stats", "nonsense",
]  # fmt: skip
SCHEMES = [
    "lang:", "menu:", "ans:", "sug:", "fb:", "person:", "end:", "rate:", "appt:", "evics:",
    "evrem:", "evsub:", "volmsg:", "handoff:claim:", "handoff:close:",
]  # fmt: skip

pieces = st.one_of(st.text(max_size=40), st.sampled_from(NASTY))
hostile_text = st.one_of(
    st.lists(pieces, max_size=8).map("".join),
    st.integers(min_value=4000, max_value=9000).map(lambda n: "Schule " * (n // 7)),
)
arguments = st.lists(
    st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=12)), max_size=4
).map(lambda words: " ".join(w.replace(" ", "") or "x" for w in words))
command_lines = st.tuples(st.sampled_from(COMMANDS), arguments).map(
    lambda parts: f"/{parts[0]} {parts[1]}".rstrip()
)
STAFF_COMMANDS = ["appointment", "appointments", "reply", "close", "claim", "stats", "nonsense"]
staff_lines = st.tuples(
    st.sampled_from(STAFF_COMMANDS),
    st.lists(st.sampled_from(["cancel", "move", "1", *NASTY]), max_size=4).map(" ".join),
).map(lambda parts: f"/{parts[0]} {parts[1]}".rstrip())
callback_data = st.one_of(
    st.text(min_size=1, max_size=64),
    st.tuples(st.sampled_from(SCHEMES), st.sampled_from([*NASTY, "1", "de", "de:x", "1:5"])).map(
        "".join
    ),
)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: these properties are about input, not about the database."""
    return f"sqlite+aiosqlite:///{tmp_path / 'properties.db'}"


def errors_in(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.levelno >= logging.ERROR]


def answered(desk: Desk, chat_id: int) -> bool:
    """Did the chat get a message, or its button press an answer?"""
    return any(
        method == "answerCallbackQuery" or str(params.get("chat_id")) == str(chat_id)
        for method, params in desk.api.calls
    )


async def _fresh(desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    desk.clock.advance(minutes=1)  # each example is a new visit, not part of a flood
    await desk.send(updates.command(FAMILY, "/end"))
    desk.api.clear()
    caplog.clear()


@PROPERTIES
@given(text=hostile_text)
async def test_any_text_from_a_family_is_answered(
    desk: Desk, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    await _fresh(desk, caplog)
    payload: dict[str, Any] = updates.text(FAMILY, text or " ")
    await desk.send(payload)
    assert errors_in(caplog.records) == []
    assert answered(desk, FAMILY)


@PROPERTIES
@given(line=command_lines)
async def test_any_command_from_a_family_is_answered(
    desk: Desk, caplog: pytest.LogCaptureFixture, line: str
) -> None:
    await _fresh(desk, caplog)
    await desk.send(updates.command(FAMILY, line))
    assert errors_in(caplog.records) == []
    assert answered(desk, FAMILY)


@PROPERTIES
@given(data=callback_data)
async def test_any_button_press_gets_an_answer(
    desk: Desk, caplog: pytest.LogCaptureFixture, data: str
) -> None:
    await _fresh(desk, caplog)
    await desk.send(updates.callback(FAMILY, data))
    assert errors_in(caplog.records) == []
    assert answered(desk, FAMILY)


@PROPERTIES
@given(line=staff_lines)
@example(line="/appointment cancel ²")
@example(line="/appointment cancel 99999999999999999999")
@example(line="/appointment move 1 ²")
@example(line="/appointment 9999-12-31 10:00")
@example(line="/reply documents extra")
async def test_any_staff_command_in_a_topic_is_answered(
    desk: Desk, caplog: pytest.LogCaptureFixture, line: str
) -> None:
    rows = await desk.rows(Handoff)
    if not rows or rows[0].topic_id is None or rows[0].status == "closed":
        await open_topic(desk)
    topic_id = (await desk.handoff()).topic_id
    assert topic_id is not None
    desk.clock.advance(minutes=1)
    desk.api.clear()
    caplog.clear()
    await desk.send(updates.in_topic(STAFF_CHAT, topic_id, ANNA, text=line))
    assert errors_in(caplog.records) == []
    assert answered(desk, STAFF_CHAT)
