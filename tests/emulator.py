"""``../shared/telegram-emulator`` (a local Bot API stand-in) as a process, and a client for it.

Used by the end-to-end test and by ``bench/e2e.py``: the bot runs as a real process, talks real
HTTP on loopback, and this client plays the users.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import httpx

from bot.adapters.embedder import DiskStore, load_embedder
from bot.core.knowledge import load_knowledge_base
from bot.core.semantic import SemanticIndex
from bot.settings import DEFAULT_KB, load_settings

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "telegram-emulator"
WORKDIR = ROOT / ".cache" / "telegram-emulator"  # ../shared is read-only: install beside us


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def unavailable() -> str | None:
    """Why the emulator cannot run here, or None."""
    if not (SOURCE / "emulator.js").exists():
        return f"no telegram emulator at {SOURCE}"
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node/npm not installed"
    return None


def install() -> None:
    """Copy the emulator next to the project and ``npm ci`` it once."""
    WORKDIR.mkdir(parents=True, exist_ok=True)
    for name in ("emulator.js", "package.json", "package-lock.json"):
        shutil.copy2(SOURCE / name, WORKDIR / name)
    if not (WORKDIR / "node_modules" / "telegram-test-api").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=WORKDIR,
            check=True,
            timeout=300,
            stdout=subprocess.DEVNULL,
        )


class Emulator:
    """The emulator process on a free loopback port, with the test-driver side of its API."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        install()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            ["node", "emulator.js", str(self.port), "127.0.0.1"],
            cwd=WORKDIR,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.http = httpx.Client(base_url=self.url, timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.http.post("/getUpdatesHistory", json={"token": "probe"})
                return
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the telegram emulator did not start")

    def stop(self) -> None:
        """End the emulator."""
        self.http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    # The user side ---------------------------------------------------------------------------

    @staticmethod
    def user(user_id: int, language_code: str = "de") -> dict[str, Any]:
        """A Telegram user in a private chat with the bot."""
        return {"id": user_id, "is_bot": False, "first_name": f"U{user_id}",
                "language_code": language_code}  # fmt: skip

    def send_text(self, token: str, user: dict[str, Any], text: str) -> None:
        """The user writes *text*."""
        body = {"botToken": token, "date": int(time.time()), "from": user,
                "chat": {"id": user["id"], "type": "private"}, "text": text}  # fmt: skip
        self.http.post("/sendMessage", json=body).raise_for_status()

    def send_command(self, token: str, user: dict[str, Any], line: str) -> None:
        """The user sends a command such as ``/start school-tr``."""
        name = line.split()[0]
        entity = {"offset": 0, "length": len(name), "type": "bot_command"}
        body = {"botToken": token, "date": int(time.time()), "from": user,
                "chat": {"id": user["id"], "type": "private"}, "text": line,
                "entities": [entity]}  # fmt: skip
        self.http.post("/sendCommand", json=body).raise_for_status()

    def press(self, token: str, user: dict[str, Any], data: str, message_id: int) -> None:
        """The user presses an inline button with callback *data* under message *message_id*."""
        body = {"botToken": token, "from": user, "data": data,
                "message": {"message_id": message_id, "date": int(time.time()),
                            "chat": {"id": user["id"], "type": "private"}}}  # fmt: skip
        self.http.post("/sendCallback", json=body).raise_for_status()

    def wait(
        self, token: str, chat_id: int, count: int = 1, timeout: float = 20
    ) -> list[BotOutput]:
        """The bot's next *count* outputs to *chat_id* (messages, edits, callback answers)."""
        found: list[BotOutput] = []
        deadline = time.monotonic() + timeout
        while len(found) < count and time.monotonic() < deadline:
            left = max(1, int((deadline - time.monotonic()) * 1000))
            answer = self.http.post(
                "/waitUpdates", json={"token": token, "chatId": chat_id, "timeout": left}
            ).json()
            found.extend(BotOutput(raw) for raw in answer.get("result", []))
        return found


class BotOutput:
    """One thing the bot sent to a chat, as the emulator stored it."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.message: dict[str, Any] = raw.get("message", {})
        self.message_id = int(raw.get("messageId", 0))
        self.edited = bool(raw.get("edited"))

    @property
    def text(self) -> str:
        """The message text ('' for callback answers)."""
        return str(self.message.get("text", ""))

    @property
    def callback_answer(self) -> dict[str, Any] | None:
        """The answerCallbackQuery payload, if this is one."""
        answer = self.message.get("callback_answer")
        return answer if isinstance(answer, dict) else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of the inline keyboard."""
        markup = self.message.get("reply_markup") or {}
        if isinstance(markup, str):
            markup = json.loads(markup)
        return [
            (button["text"], button.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]


@cache
def warm_embeddings(kb: Path = DEFAULT_KB) -> None:
    """Embed *kb* into the shared cache once, so the bot process starts in about a second."""
    embedder = load_embedder()
    if embedder is not None:
        SemanticIndex(load_knowledge_base(kb), embedder, DiskStore(load_settings().cache_dir))


def start_bot(
    emulator: Emulator, token: str, database: Path, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``wegweiser run`` as a process, polling the emulator (logs go to *database*.log)."""
    warm_embeddings(Path((extra or {}).get("WEGWEISER_KB", DEFAULT_KB)))
    env = {
        **os.environ,
        "WEGWEISER_TELEGRAM_TOKEN": token,
        "WEGWEISER_TELEGRAM_API_URL": emulator.url,
        "WEGWEISER_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        **(extra or {}),
    }
    with database.with_suffix(".log").open("wb") as log:  # the child keeps its own handle
        return subprocess.Popen(
            [str(Path(sys.executable).parent / "wegweiser"), "run"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
