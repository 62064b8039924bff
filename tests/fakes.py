"""A recording stand-in for the Telegram Bot API at the HTTP boundary (a PTB ``BaseRequest``)."""

from __future__ import annotations

import json
import time
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {
    "id": 999000,
    "is_bot": True,
    "first_name": "Wegweiser",
    "username": "WegweiserTestBot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class FakeTelegram(BaseRequest):
    """Answers every Bot API method the way Telegram does and records each call.

    ``fail[method] = (status, description)`` makes that method fail like Telegram would
    (e.g. ``(403, "Forbidden: bot was blocked by the user")``); ``fail_once[method] =
    (status, description, parameters)`` fails it once (e.g. a 429 with ``retry_after``).
    """

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail: dict[str, tuple[int, str]] = {}
        self.fail_once: dict[str, tuple[int, str, dict[str, Any]]] = {}
        self._next_message_id = 5000
        self._next_topic = 100
        self.staff_members: set[int] = set()
        # (method, file name, content) of every file sent (a document, a photo).
        self.uploads: list[tuple[str, str | None, bytes]] = []
        self.updates: list[dict[str, Any]] = []  # what the next getUpdates returns

    @property
    def read_timeout(self) -> float | None:
        """Seconds to wait for a response (no network here)."""
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Record the call; answer with a Bot-API-shaped JSON body."""
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((name, params))
        for filename, content, _ in (request_data.multipart_data if request_data else {}).values():
            data = content if isinstance(content, bytes) else content.read()
            self.uploads.append((name, filename, data))
        if name in self.fail_once:
            status, description, parameters = self.fail_once.pop(name)
            body = {"ok": False, "error_code": status, "description": description,
                    "parameters": parameters}  # fmt: skip
            return status, json.dumps(body).encode()
        if name in self.fail:
            status, description = self.fail[name]
            body = {"ok": False, "error_code": status, "description": description}
            return status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        self._next_message_id += 1
        message: dict[str, Any] = {
            "message_id": params.get("message_id", self._next_message_id),
            "date": int(time.time()),
            "chat": {
                "id": int(params["chat_id"]),
                "type": "private" if int(params["chat_id"]) > 0 else "supergroup",
            },
            "from": BOT_USER,
        }
        if "text" in params:
            message["text"] = params["text"]
        if isinstance(params.get("reply_markup"), dict):
            message["reply_markup"] = params["reply_markup"]
        if "message_thread_id" in params:
            message["message_thread_id"] = params["message_thread_id"]
            message["is_topic_message"] = True
        return message

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name == "getUpdates":
            fetched, self.updates = self.updates, []
            return fetched
        if name in {"sendMessage", "editMessageText", "editMessageReplyMarkup", "sendDocument",
                    "sendPhoto"}:  # fmt: skip
            if "chat_id" not in params:
                return True
            return self._message(params)
        if name == "copyMessage":
            self._next_message_id += 1
            return {"message_id": self._next_message_id}
        if name == "createForumTopic":
            self._next_topic += 1
            return {"message_thread_id": self._next_topic, "name": params["name"],
                    "icon_color": 7322096}  # fmt: skip
        if name == "getChatMember":
            user = {"id": int(params["user_id"]), "is_bot": False, "first_name": "Staff"}
            status = "member" if int(params["user_id"]) in self.staff_members else "left"
            return {"status": status, "user": user}
        return True

    # What the tests read -------------------------------------------------------------------

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """The parameters of every call of *method*, in order."""
        return [params for name, params in self.calls if name == method]

    def texts(self) -> list[str]:
        """The text of every message sent."""
        return [str(p["text"]) for p in self.sent()]

    def buttons(self, index: int = -1) -> list[tuple[str, str]]:
        """(label, callback data) of the inline buttons of a sent message."""
        markup = self.sent()[index].get("reply_markup") or {}
        return [
            (button["text"], button.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]

    def clear(self) -> None:
        """Forget the calls so far."""
        self.calls.clear()
        self.uploads.clear()
