"""Inline buttons as plain data: what a use case puts under a message it queues (pure).

A queued message keeps its buttons as the Bot API's ``InlineKeyboardMarkup`` object in JSON
(:func:`stored`), which the outbox sends as it is; ``handlers.keyboards.inline`` renders the same
data for a message a handler sends itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    """One inline button: its label and the callback data it sends back when pressed."""

    label: str
    data: str


Keyboard = tuple[tuple[Button, ...], ...]  # rows of buttons


def stored(keyboard: Keyboard) -> str:
    """The buttons as stored with an outbox row (the Bot API's inline keyboard, as JSON)."""
    rows = [[{"callback_data": b.data, "text": b.label} for b in row] for row in keyboard]
    return json.dumps({"inline_keyboard": rows}, ensure_ascii=False)
