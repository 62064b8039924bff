"""Realistic update JSON as Telegram sends it (private chats unless said otherwise)."""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(10_000)


def _user(user_id: int, language_code: str | None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Amina"}
    if language_code:
        user["language_code"] = language_code
    return user


def _chat(chat_id: int, chat_type: str) -> dict[str, Any]:
    if chat_type == "private":
        return {"id": chat_id, "type": "private", "first_name": "Amina"}
    return {"id": chat_id, "type": chat_type, "title": "Eltern-Gruppe"}


def message(
    chat_id: int,
    *,
    language_code: str | None = "de",
    chat_type: str = "private",
    edited: bool = False,
    **content: Any,
) -> dict[str, Any]:
    """An update with a message (``text=...``, ``sticker=...``, ``photo=[...]`` …)."""
    user_id = chat_id if chat_type == "private" else 4242
    body: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": _chat(chat_id, chat_type),
        "from": _user(user_id, language_code),
        **content,
    }
    if edited:
        body["edit_date"] = int(time.time())
    return {"update_id": next(_ids), "edited_message" if edited else "message": body}


def in_topic(
    staff_chat: int, topic_id: int, user_id: int, name: str = "Frau Yilmaz", **content: Any
) -> dict[str, Any]:
    """A staff member writes in a forum topic of the staff supergroup."""
    body: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(time.time()),
        "chat": {"id": staff_chat, "type": "supergroup", "title": "KI Team", "is_forum": True},
        "from": {"id": user_id, "is_bot": False, "first_name": name},
        "message_thread_id": topic_id,
        "is_topic_message": True,
        **content,
    }
    if "text" in content and content["text"].startswith("/"):
        length = len(content["text"].split()[0])
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": next(_ids), "message": body}


def in_group(
    staff_chat: int, user_id: int, line: str, name: str = "Frau Yilmaz"
) -> dict[str, Any]:
    """A staff member writes in the staff supergroup itself (not in a topic), e.g. ``/stats``."""
    update = in_topic(staff_chat, 0, user_id, name, text=line)
    del update["message"]["message_thread_id"], update["message"]["is_topic_message"]
    return update


def text(chat_id: int, words: str, **kwargs: Any) -> dict[str, Any]:
    """A text message."""
    return message(chat_id, text=words, **kwargs)


def command(chat_id: int, line: str, **kwargs: Any) -> dict[str, Any]:
    """A command such as ``/start school-ar``, with its bot_command entity."""
    name = line.split()[0]
    entity = {"type": "bot_command", "offset": 0, "length": len(name)}
    return message(chat_id, text=line, entities=[entity], **kwargs)


def callback(
    chat_id: int, data: str, *, message_id: int = 1, language_code: str | None = "de"
) -> dict[str, Any]:
    """A press on an inline button of a bot message."""
    return {
        "update_id": next(_ids),
        "callback_query": {
            "id": str(next(_ids)),
            "from": _user(chat_id, language_code),
            "chat_instance": "42",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _chat(chat_id, "private"),
                "from": {"id": 999000, "is_bot": True, "first_name": "Wegweiser"},
                "text": "…",
            },
        },
    }


STICKER = {
    "file_id": "CAACAgIAAxkBAAIBQ2Vk",
    "file_unique_id": "AgADxQ",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
    "emoji": "👍",
}
PHOTO = [{"file_id": "AgACAgIAAxkBAAIBR2Vk", "file_unique_id": "AQADx", "width": 90, "height": 90}]
VOICE = {"file_id": "AwACAgIAAxkBAAIBS2Vk", "file_unique_id": "AgADy", "duration": 3}
DOCUMENT = {"file_id": "BQACAgIAAxkBAAIBT2Vk", "file_unique_id": "AgADz", "file_name": "a.pdf"}
LOCATION = {"latitude": 51.4344, "longitude": 6.7623}


def staff_press(
    staff_chat: int, user_id: int, data: str, name: str = "Herr Demir"
) -> dict[str, Any]:
    """A staff member presses a button of the header in the staff group."""
    update = callback(user_id, data)
    query = update["callback_query"]
    query["from"] = {"id": user_id, "is_bot": False, "first_name": name}
    query["message"]["chat"] = {"id": staff_chat, "type": "supergroup", "title": "KI Team"}
    return update
