"""Throughput and latency of the real ``wegweiser run`` process, beside a minimal echo bot.

    python bench/e2e.py [--users 50] [--seconds 30]

Both bots poll the local Bot API emulator (../shared/telegram-emulator) on loopback; N simulated
users each send a question, wait for the reply, and send the next. Printed: round trips per
second and p50/p99 latency for the echo bot, for Wegweiser with its default flood limit
(Telegram's 30 messages a second overall) and with the limiter off, with the embedding model
(the default) and with the lexical matcher alone; and the resident memory of ``wegweiser run``
with the entries of all three knowledge bases loaded. The knowledge base's embeddings are
computed before the clock starts (a restart reads them from the cache). The tuning questions
are sent in turn, each new to the bot at first, then again (the bot's result cache answers
repeats); "new" is the share of round trips whose question the bot had not been sent before, so
a short run (``--seconds 10``) measures new questions only and ``--asked-before`` repeats only.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.evaluation import load_set, percentiles_ms  # noqa: E402
from bot.core.normalize import fold  # noqa: E402
from tests import emulator as emu  # noqa: E402
from tests.process import memory_mb  # noqa: E402

CENTRES = ("duisburg", "duesseldorf", "krefeld")

# The simulated users are robots in a tight question-answer loop: per-chat flood control would
# (rightly) hold them back, and each new chat's first-contact notice would count as its answer.
ROBOTS = {"WEGWEISER_FLOOD_PER_MINUTE": "0", "WEGWEISER_PRIVACY_NOTICE": "false"}


def questions() -> list[str]:
    """The tuning questions of all centres (each different): realistic text and length."""
    return [item.question for c in CENTRES for item in load_set(ROOT / "tests/devset", c)]


def merged_knowledge_base(target: Path) -> Path:
    """One knowledge base with the entries of all three centres (ids prefixed, no duplicates)."""
    source = ROOT / "knowledge"
    shutil.copytree(source / "duisburg", target, dirs_exist_ok=True)
    seen: set[str] = set()
    for path in (target / "entries").glob("*.yaml"):
        data = yaml.safe_load(path.read_text("utf-8"))
        seen.update(fold(q) for qs in data["questions"].values() for q in qs)
    contacts_file = target / "contacts.yaml"
    contacts = yaml.safe_load(contacts_file.read_text("utf-8"))["contacts"]
    for centre in ("duesseldorf", "krefeld"):
        theirs = yaml.safe_load((source / centre / "contacts.yaml").read_text("utf-8"))
        for contact in theirs["contacts"]:
            contacts.append({**contact, "id": f"{centre}-{contact['id']}"})
        card = yaml.safe_load((source / centre / "centre.yaml").read_text("utf-8")).get("card")
        for path in sorted((source / centre / "entries").glob("*.yaml")):
            data = yaml.safe_load(path.read_text("utf-8"))
            data["id"] = f"{centre}-{data['id']}"
            data["related"] = [f"{centre}-{r}" for r in data.get("related", [])]
            for field in ("place", "contact"):  # the centre's own contacts, under their new ids
                wanted = data.get(field) or card
                if wanted and wanted != "none":
                    data[field] = f"{centre}-{wanted}"
            data["questions"] = {
                lang: [q for q in qs if fold(q) not in seen] or [f"{data['id']} {lang}"]
                for lang, qs in data["questions"].items()
            }
            seen.update(fold(q) for qs in data["questions"].values() for q in qs)
            out = target / "entries" / f"{data['id']}.yaml"
            out.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    contacts_file.write_text(yaml.safe_dump({"contacts": contacts}, allow_unicode=True), "utf-8")
    return target


async def load(
    emulator: emu.Emulator,
    token: str,
    users: int,
    seconds: float,
    asked: set[str],
    *,
    once: bool = False,
) -> tuple[int, list[float], int]:
    """*users* users in a question-reply loop for *seconds* (or until every question was asked
    *once*); (round trips, latencies, questions new to the bot). *asked*: the texts the bot was
    sent before (updated)."""
    texts = iter(questions()) if once else itertools.cycle(questions())
    latencies: list[float] = []
    new = 0
    stop_at = time.monotonic() + seconds

    async def user(user_id: int) -> None:
        nonlocal new
        async with httpx.AsyncClient(base_url=emulator.url, timeout=30) as http:
            sender = emu.Emulator.user(user_id, "de")
            while time.monotonic() < stop_at:
                chat = {"id": user_id, "type": "private"}
                text = next(texts, None)
                if text is None:
                    return
                if text not in asked:
                    asked.add(text)
                    new += 1
                body = {"botToken": token, "date": int(time.time()), "from": sender,
                        "chat": chat, "text": text}  # fmt: skip
                started = time.perf_counter()
                await http.post("/sendMessage", json=body)
                while True:
                    answer = await http.post(
                        "/waitUpdates", json={"token": token, "chatId": user_id, "timeout": 10000}
                    )
                    if answer.json().get("result"):
                        break
                    if time.monotonic() > stop_at + 10:
                        return
                latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(user(900_000 + n) for n in range(users)))
    return len(latencies), latencies, new


def warm(emulator: emu.Emulator, token: str) -> None:
    """One round trip, so that start-up is not measured."""
    user = emu.Emulator.user(1, "de")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        emulator.send_text(token, user, "Hallo")
        if emulator.wait(token, 1, timeout=5):
            return
    raise RuntimeError("the bot did not answer")


def measure(label: str, command: list[str] | None, extra: dict[str, str], args: argparse.Namespace,
            workdir: Path) -> None:  # fmt: skip
    """Start a bot, load it, print one line (and Wegweiser's memory)."""
    if command is None and args.only and args.only not in label:
        return
    emulator = emu.Emulator({"TG_STORE_TIMEOUT": "60"})
    slug = re.sub(r"[^a-z0-9]+", "-", label).strip("-")
    token = f"{abs(hash(label)) % 10**8}:bench-token-{slug}"
    database = workdir / f"{slug}.db"
    if command is None:
        process = emu.start_bot(emulator, token, database, extra)
    else:
        process = subprocess.Popen([*command, token, emulator.url], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        warm(emulator, token)
        asked: set[str] = set()
        if args.asked_before:  # every question once, untimed: the timed run meets repeats only
            asyncio.run(load(emulator, token, args.users, 600, asked, once=True))
        trips, latencies, new = asyncio.run(load(emulator, token, args.users, args.seconds, asked))
        p50, p99 = percentiles_ms(latencies)
        memory = ""
        if command is None:
            rss = memory_mb(process.pid)
            memory = (
                f"  RSS {rss['VmRSS']:.0f} MB (peak {rss['VmHWM']:.0f} MB; anonymous "
                f"{rss['RssAnon']:.0f}, mapped files {rss['RssFile']:.0f})"
            )
        print(
            f"{label:<28}{trips / args.seconds:>10.1f}{new / max(trips, 1):>6.0%}{p50:>10.1f}"
            f"{p99:>10.1f}{memory}",
            flush=True,
        )
    finally:
        process.terminate()
        process.wait(timeout=30)
        emulator.stop()


def main() -> None:
    """Print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--only", help="measure only the Wegweiser runs whose label has this")
    parser.add_argument(
        "--asked-before",
        action="store_true",
        help="ask every question once before the clock starts (repeats only)",
    )
    args = parser.parse_args()
    reason = emu.unavailable()
    if reason:
        print(f"skipped: {reason}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        kb = merged_knowledge_base(workdir / "kb")
        entries = len(list((kb / "entries").glob("*.yaml")))
        regime = "asked before (result caches warm)" if args.asked_before else "each new at first"
        print(f"{args.users} users, {args.seconds:.0f} s each; knowledge base: {entries} entries "
              f"of three centres; {len(questions())} questions, {regime}\n")  # fmt: skip
        print(f"{'bot':<28}{'trips/s':>10}{'new':>6}{'p50 ms':>10}{'p99 ms':>10}")
        echo = [sys.executable, str(ROOT / "bench" / "echo_bot.py")]
        measure("echo bot (baseline)", echo, {}, args, workdir)
        measure(
            "wegweiser, limiter 30/s", None, {"WEGWEISER_KB": str(kb), **ROBOTS}, args, workdir
        )
        measure("wegweiser, limiter off", None,
                {"WEGWEISER_KB": str(kb), "WEGWEISER_RATE_LIMIT": "0", **ROBOTS},
                args, workdir)  # fmt: skip
        measure("wegweiser, lexical only, off", None,
                {"WEGWEISER_KB": str(kb), "WEGWEISER_RATE_LIMIT": "0",
                 "WEGWEISER_SEMANTIC": "off", **ROBOTS}, args, workdir)  # fmt: skip


if __name__ == "__main__":
    main()
