"""The outside view for process-level fault tests and benches.

``wegweiser run`` as a process that can be killed and restarted (:class:`BotProcess`), a
PostgreSQL database of its own (:func:`postgres_database`), people driving a hand-over through
the emulator (:class:`Desk`: families, staff in the forum topic), and the emulator's output
history read like an auditor would (:func:`relay_problems`). Nothing here looks inside the bot.

Relayed texts carry markers, ``[F7101#03]`` for the third message of family 7101 and
``[S7101#03]`` for the third staff reply to it, so copies can be counted wherever they land
(also when several are merged into one message).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from tests import emulator as emu

STAFF_CHAT = -100777
STAFF_USER = {"id": 5001, "is_bot": False, "first_name": "Anna"}
STAFF_IDS = "5001"  # the emulator's TG_STAFF_IDS: members of every group chat
POSTGRES_URL = os.environ.get(
    "WEGWEISER_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
HEADER = "Neue Anfrage #"
MARKER = re.compile(r"\[(?P<side>[FS])(?P<family>\d+)#(?P<n>\d+)\]")


# The bot as a process ------------------------------------------------------------------------


class BotProcess:
    """``wegweiser run`` against *api_url* (default: the emulator), restartable, log kept."""

    def __init__(
        self,
        emulator: emu.Emulator,
        token: str,
        workdir: Path,
        *,
        name: str = "bot",
        env: dict[str, str] | None = None,
    ) -> None:
        self.emulator, self.token, self.name = emulator, token, name
        self.database = workdir / f"{name}.db"  # SQLite unless env names another database
        self.log_path = self.database.with_suffix(".log")
        self.env = {"WEGWEISER_STAFF_CHAT_ID": str(STAFF_CHAT), **(env or {})}
        self.logs: list[str] = []
        self.process = self._spawn()

    def _spawn(self) -> subprocess.Popen[bytes]:
        return emu.start_bot(self.emulator, self.token, self.database, self.env)

    @property
    def pid(self) -> int:
        """The process id of ``wegweiser run``."""
        return self.process.pid

    def alive(self) -> bool:
        """Still running."""
        return self.process.poll() is None

    def wait_ready(self, timeout: float = 90) -> None:
        """Until the bot logged that it is ready (migrated, models loaded, polling)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready:" in self.log():
                return
            if not self.alive():
                raise RuntimeError(f"{self.name} exited: {self.log()[-2000:]}")
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout} s: {self.log()[-2000:]}")

    def kill(self) -> None:
        """``kill -9``: no clean-up of any kind."""
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after 30 s; the exit code."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def restart(self) -> None:
        """A new process on the same database (the old one must have ended)."""
        self.logs.append(self._read_log())
        self.process = self._spawn()

    def _read_log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    def log(self) -> str:
        """What the current process wrote so far."""
        return self._read_log()

    def all_logs(self) -> str:
        """What every process of this bot wrote, oldest first."""
        return "\n--- restart ---\n".join([*self.logs, self._read_log()])

    def peak_rss_mb(self) -> float:
        """Peak resident memory (VmHWM) of the running process, in MB."""
        return peak_rss_mb(self.pid)


def memory_mb(pid: int) -> dict[str, float]:
    """The memory figures of process *pid* in MB (Linux /proc; empty if it is gone): VmRSS now,
    VmHWM at its peak, RssAnon (its own) and RssFile (pages of mapped files: the libraries and
    the embedding model's weights, which the page cache shares and can drop)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {
        line.split(":")[0]: int(line.split()[1]) / 1024
        for line in status.splitlines()
        if line.startswith(("Vm", "Rss"))
    }


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of process *pid*, in MB (0 if it is gone)."""
    return memory_mb(pid).get("VmHWM", 0.0)


# PostgreSQL ----------------------------------------------------------------------------------


async def _admin(statement: str, url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(
        url.replace("postgresql+asyncpg://", "postgresql://"), timeout=5
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def postgres_unavailable(url: str = POSTGRES_URL) -> str | None:
    """Why PostgreSQL at *url* cannot be used, or None."""
    try:
        asyncio.run(_admin("SELECT 1", url))
    except Exception as exc:
        return f"PostgreSQL not reachable at {url}: {exc.__class__.__name__}: {exc}"
    return None


@contextmanager
def postgres_database(url: str = POSTGRES_URL) -> Iterator[str]:
    """A new database on the server of *url* (its URL), dropped afterwards."""
    name = f"wegweiser_faults_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"', url))
    base, _, _ = url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', url))


def via_port(url: str, port: int, host: str = "127.0.0.1") -> str:
    """*url* with its host and port replaced (to go through a :class:`TcpProxy`)."""
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    netloc = f"{user}@{host}:{port}" if user else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


# What the emulator saw -----------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """One message the bot sent (callback answers excluded), from the emulator's history."""

    message_id: int
    chat_id: int
    thread: int | None
    text: str  # text or caption; '' for media without caption and service-like copies
    raw: dict[str, Any]
    edited: bool = False  # an edit of an earlier message (the emulator hands it out again)

    @property
    def markers(self) -> list[tuple[str, int, int]]:
        """The relay markers in the text: (side, family, number)."""
        return [(m["side"], int(m["family"]), int(m["n"])) for m in MARKER.finditer(self.text)]


def outputs_of(history: list[dict[str, Any]]) -> list[Output]:
    """The bot's messages in a ``/getUpdatesHistory`` answer, in the order they were sent."""
    found = []
    for item in history:
        message = item.get("message") or {}
        if "chat_id" not in message or "callback_answer" in message:
            continue  # a user's message, or a callback answer
        thread = message.get("message_thread_id")
        text = message.get("text") if message.get("text") is not None else message.get("caption")
        found.append(
            Output(
                message_id=int(item.get("messageId") or 0),
                chat_id=int(message["chat_id"]),
                thread=int(thread) if thread not in (None, "") else None,
                text=str(text or ""),
                raw=message,
                edited=bool(item.get("edited")),
            )
        )
    return found


def family_text(family: int, n: int) -> str:
    """The family's *n*-th message in a hand-over."""
    return f"[F{family}#{n:02d}] Wir haben noch eine Frage zur Anmeldung, Nachricht {n}."


def staff_text(family: int, n: int) -> str:
    """Staff's *n*-th reply to *family*."""
    return f"[S{family}#{n:02d}] Danke, wir kümmern uns darum ({n})."


def markers_in(outputs: list[Output], side: str, family: int) -> list[int]:
    """The numbers of *family*'s marked messages of *side* (F or S) in *outputs*, in order."""
    return [n for o in outputs for s, f, n in o.markers if s == side and f == family]


def sequence_problems(
    label: str, seen: list[int], expected: list[int], in_flight: int = 0
) -> list[str]:
    """What is wrong with *seen* against *expected* (missing, duplicated, out of order).

    *in_flight*: how many messages may come twice in a row — the documented at-least-once window
    of a process killed between Telegram taking a message and the outbox marking it (one request
    per kill and direction); any other repeat is a duplicate.
    """
    problems = []
    repeats = [n for before, n in pairwise(seen) if n == before]
    if len(repeats) <= in_flight and all(seen.count(n) == 2 for n in repeats):
        for n in repeats:
            seen = seen[: seen.index(n)] + seen[seen.index(n) + 1 :]
    counts = Counter(seen)
    missing = [n for n in expected if n not in counts]
    doubled = sorted(n for n, c in counts.items() if c > 1)
    first_seen = list(dict.fromkeys(seen))
    if missing:
        problems.append(f"{label}: missing {missing}")
    if doubled:
        problems.append(f"{label}: duplicated {doubled} (seen {seen})")
    if first_seen != sorted(first_seen):
        problems.append(f"{label}: out of order {first_seen}")
    unexpected = sorted(set(seen) - set(expected))
    if unexpected:
        problems.append(f"{label}: not sent but relayed {unexpected}")
    return problems


@dataclass(frozen=True)
class Handover:
    """A family whose chat is with staff, and the staff topic of that conversation."""

    family: dict[str, Any]
    thread: int
    opened_after: int  # the last message id the bot had sent when the hand-over was complete

    @property
    def family_id(self) -> int:
        """The family's chat id."""
        return int(self.family["id"])


def relay_problems(
    outputs: list[Output],
    handovers: list[Handover],
    family_sent: dict[int, list[int]],
    staff_sent: dict[int, list[int]],
    in_flight: int = 0,
) -> list[str]:
    """Every relay that is missing, doubled, out of order or in the wrong place.

    *family_sent* / *staff_sent*: per family, the numbers of the messages sent by the family /
    by staff, in sending order; *in_flight*: see :func:`sequence_problems`.
    """
    problems = []
    for handover in handovers:
        family = handover.family_id
        topic = [o for o in outputs if o.chat_id == STAFF_CHAT and o.thread == handover.thread]
        to_family = [o for o in outputs if o.chat_id == family]
        problems += sequence_problems(
            f"family {family} -> staff topic {handover.thread}",
            markers_in(topic, "F", family),
            family_sent.get(family, []),
            in_flight,
        )
        problems += sequence_problems(
            f"staff -> family {family}",
            markers_in(to_family, "S", family),
            staff_sent.get(family, []),
            in_flight,
        )
        elsewhere = [
            o.message_id
            for o in outputs
            if (o.chat_id, o.thread) != (STAFF_CHAT, handover.thread)
            and markers_in([o], "F", family)
        ]
        if elsewhere:
            problems.append(f"family {family}'s messages also outside its topic: {elsewhere}")
    return problems


def automatic_answers(outputs: list[Output], handover: Handover) -> list[str]:
    """What the bot itself sent the family after the hand-over (anything but staff copies)."""
    return [
        o.text[:80] or f"<message without text: {sorted(o.raw)}>"
        for o in outputs
        if o.chat_id == handover.family_id
        and o.message_id > handover.opened_after
        and not markers_in([o], "S", handover.family_id)
    ]


# Driving it from outside ---------------------------------------------------------------------


def staff_body(token: str, thread: int | None, text: str, **extra: Any) -> dict[str, Any]:
    """A staff member's message in the staff group (in topic *thread*), for the emulator."""
    body: dict[str, Any] = {
        "botToken": token,
        "date": int(time.time()),
        "from": STAFF_USER,
        "chat": {"id": STAFF_CHAT, "type": "supergroup", "title": "KI Team", "is_forum": True},
        "text": text,
        **extra,
    }
    if thread is not None:
        body.update(message_thread_id=thread, is_topic_message=True)
    if text.startswith("/"):
        name = text.split()[0]
        body["entities"] = [{"offset": 0, "length": len(name), "type": "bot_command"}]
    return body


def family_body(token: str, user: dict[str, Any], text: str, **extra: Any) -> dict[str, Any]:
    """A family's message in its private chat with the bot."""
    body: dict[str, Any] = {
        "botToken": token,
        "date": int(time.time()),
        "from": user,
        "chat": {"id": user["id"], "type": "private"},
        "text": text,
        **extra,
    }
    if text.startswith("/"):
        name = text.split()[0]
        body["entities"] = [{"offset": 0, "length": len(name), "type": "bot_command"}]
    return body


def pinned_notice(body: dict[str, Any], pinned_text: str) -> dict[str, Any]:
    """*body* turned into a service message: "… pinned a message" (no text of its own)."""
    service = {key: value for key, value in body.items() if key not in ("text", "entities")}
    service["pinned_message"] = {
        "message_id": 1,
        "date": body["date"],
        "chat": body["chat"],
        "text": pinned_text,
    }
    return service


def route(body: dict[str, Any]) -> str:
    """The emulator's client route for *body* (commands must come as ``/sendCommand``)."""
    return "/sendCommand" if "entities" in body else "/sendMessage"


class Desk:
    """Families and staff of one bot token, played through the emulator's client side."""

    def __init__(self, emulator: emu.Emulator, token: str) -> None:
        self.emulator, self.token = emulator, token

    def post(self, body: dict[str, Any]) -> None:
        """Deliver one user message to the emulator."""
        self.emulator.http.post(route(body), json=body).raise_for_status()

    def family_says(self, family: dict[str, Any], text: str) -> None:
        """The family writes *text* (a command if it starts with /)."""
        self.post(family_body(self.token, family, text))

    def staff_says(self, thread: int, text: str) -> None:
        """Staff write *text* in topic *thread* (a command if it starts with /)."""
        self.post(staff_body(self.token, thread, text))

    def outputs(self) -> list[Output]:
        """Everything the bot has sent so far."""
        answer = self.emulator.http.post("/getUpdatesHistory", json={"token": self.token})
        answer.raise_for_status()
        return outputs_of(answer.json()["result"])

    def wait_until(
        self, done: Callable[[list[Output]], bool], timeout: float, poll: float = 0.3
    ) -> list[Output]:
        """Poll the history until *done* holds or *timeout* passed; the last history read."""
        deadline = time.monotonic() + timeout
        outputs = self.outputs()
        while not done(outputs) and time.monotonic() < deadline:
            time.sleep(poll)
            outputs = self.outputs()
        return outputs

    def hand_over(self, family: dict[str, Any], timeout: float = 90) -> Handover:
        """The family sends /staff; its topic is the one whose header appears next."""
        known = {o.message_id for o in self.outputs()}
        family_id = int(family["id"])
        self.family_says(family, "/staff")

        def complete(outputs: list[Output]) -> bool:
            new = [o for o in outputs if o.message_id not in known]
            header = any(o.chat_id == STAFF_CHAT and o.text.startswith(HEADER) for o in new)
            told = any(o.chat_id == family_id and "/end" in o.text for o in new)
            return header and told

        outputs = self.wait_until(complete, timeout)
        headers = [
            o
            for o in outputs
            if o.message_id not in known and o.chat_id == STAFF_CHAT and o.text.startswith(HEADER)
        ]
        if not complete(outputs) or headers[0].thread is None:
            raise AssertionError(
                f"no hand-over for {family_id} within {timeout} s: {outputs[-5:]}"
            )
        return Handover(family, headers[0].thread, max(o.message_id for o in outputs))


# The same from asyncio, for benches ----------------------------------------------------------


class AsyncDesk:
    """The client side of the emulator for many simulated people at once (httpx, asyncio)."""

    def __init__(self, url: str, token: str, connections: int = 400) -> None:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.http = httpx.AsyncClient(base_url=url, timeout=60, limits=limits)
        self.token = token

    async def close(self) -> None:
        """Close the connections."""
        await self.http.aclose()

    async def post(self, body: dict[str, Any]) -> None:
        """Deliver one user message."""
        (await self.http.post(route(body), json=body)).raise_for_status()

    async def wait(self, chat_id: int, seconds: float) -> list[Output]:
        """The bot's next unread messages to *chat_id* (empty after *seconds*). The emulator's
        long poll ends by itself (so no asyncio timeout around it), also early and empty when
        the bot wrote to another chat: then it is asked again."""
        deadline = time.monotonic() + seconds
        while True:
            left = max(0.001, deadline - time.monotonic())
            body = {"token": self.token, "chatId": chat_id, "timeout": max(1, int(left * 1000))}
            answer = await self.http.post("/waitUpdates", json=body, timeout=left + 30)
            found = outputs_of(answer.json().get("result", []))
            if found or time.monotonic() >= deadline:
                return found

    async def unread(self, chat_id: int) -> list[Output]:
        """The bot's unread messages to *chat_id*, without waiting."""
        return await self.wait(chat_id, 0.001)
