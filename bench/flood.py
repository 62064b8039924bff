"""One family floods its hand-over while ten others ask: do the others still get quick answers?

    python bench/flood.py [--seconds 20] [--messages 100] [--drain 60] [--outside]

Two runs of ``wegweiser run`` (fresh each, SQLite, the default flood limit) against the local Bot
API emulator: ten families ask questions in eight languages (answer, think 0.5-1.5 s, ask again)
for ``--seconds``; in the second run a family in a hand-over also sends ``--messages`` messages
within 3 seconds, two seconds in. Printed: the askers' answers, p50/p99 latency (send -> the
bot's answer arriving via the emulator's long poll) and time-outs in both runs, the ratio of the
p99s (goal: at most 2x, and under 1 s), and how many of the flood's messages reached the staff
topic and when the last one did. With ``--outside`` the flooding family is not in a hand-over:
the bot's per-chat flood control answers a few of its messages and tells it once to write in one
message (printed: what the flooder got), and the others must not notice.

The askers are robots (a question every 0.5-1.5 s, faster than any family types); per-chat flood
control is set to 120 messages a minute here (default 30) so that it holds back the flood, not
them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import Clock, Figures, Mailbox, ask_questions, questions_by_language, warm  # noqa: E402
from bot.core.evaluation import percentiles_ms  # noqa: E402
from bot.core.languages import LANGS  # noqa: E402
from tests import emulator as emu  # noqa: E402
from tests.process import (  # noqa: E402
    STAFF_CHAT,
    STAFF_IDS,
    AsyncDesk,
    BotProcess,
    Desk,
    family_body,
    family_text,
)

ASKERS = 10
THINK = (0.5, 1.5)
FLOOD_AFTER, FLOOD_SECONDS = 2.0, 3.0


@dataclass
class Run:
    """The figures of one run."""

    figures: Figures
    flood_sent: int
    flood_arrived: int
    last_arrival: float | None  # seconds after the flood began
    flooder_got: int = 0  # --outside: the bot's messages to the flooding family


async def traffic(
    url: str, token: str, args: argparse.Namespace, flooder: dict[str, object] | None
) -> Run:
    """The askers for ``args.seconds``; and the flood, if there is a *flooder*."""
    figures, rng = Figures(), random.Random(11)
    desk = AsyncDesk(url, token)
    questions = questions_by_language()
    langs = [lang for lang in LANGS if lang in questions]
    clock = Clock(args.seconds)
    topic = Mailbox(desk, STAFF_CHAT)
    reader = asyncio.create_task(topic.run())
    askers = [
        ask_questions(desk, 910_000 + k, lang, itertools.cycle(questions[lang]), clock, figures,
                      THINK, rng)
        for k, lang in ((k, langs[k % len(langs)]) for k in range(ASKERS))
    ]  # fmt: skip
    flood_began = 0.0

    async def flood() -> int:
        nonlocal flood_began
        if flooder is None:
            return 0
        await asyncio.sleep(FLOOD_AFTER)
        flood_began = time.perf_counter()
        for n in range(1, args.messages + 1):
            await desk.post(family_body(token, flooder, family_text(int(str(flooder["id"])), n)))
            await asyncio.sleep(max(0.0, flood_began + n * FLOOD_SECONDS / args.messages
                                    - time.perf_counter()))  # fmt: skip
        sent: int = args.messages
        return sent

    _, sent = await asyncio.gather(asyncio.gather(*askers), flood())
    family = int(str(flooder["id"])) if flooder else 0
    wanted = {("F", family, n) for n in range(1, sent + 1)}
    deadline = time.monotonic() + args.drain
    relayed = sent and not args.outside  # outside a hand-over nothing goes to staff
    while relayed and not wanted <= topic.arrived.keys() and time.monotonic() < deadline:
        topic.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(topic.changed.wait(), deadline - time.monotonic())
    topic.stopped = True
    await reader
    await desk.close()
    arrivals = [topic.arrived[m] for m in wanted if m in topic.arrived]
    last = max(arrivals) - flood_began if arrivals else None
    return Run(figures, sent, len(arrivals), last)


def measure(args: argparse.Namespace, workdir: Path, with_flood: bool) -> Run:
    """One fresh bot, the askers, and the flood if *with_flood*."""
    emulator = emu.Emulator({"TG_STAFF_IDS": STAFF_IDS})
    token = f"535353:flood-bench-token-{'flood' if with_flood else 'calm'}"
    # New chats would get the first-contact notice before their first answer: off here.
    bot = BotProcess(emulator, token, workdir, name="flood" if with_flood else "calm",
                     env={"WEGWEISER_PRIVACY_NOTICE": "false",
                          "WEGWEISER_FLOOD_PER_MINUTE": "120"})  # fmt: skip
    try:
        bot.wait_ready()
        warm(emulator, token)
        family = emu.Emulator.user(8_000, "ar")
        if not with_flood:
            chosen = None
        elif args.outside:
            chosen = family
        else:
            chosen = Desk(emulator, token).hand_over(family).family
        run = asyncio.run(traffic(emulator.url, token, args, chosen))
        if with_flood and args.outside:
            got = emulator.wait(token, 8_000, count=args.messages, timeout=5)
            run.flooder_got = len(got)
        if not bot.alive():
            run.figures.errors.append("wegweiser run died")
        return run
    finally:
        bot.stop()
        emulator.stop()


def row(label: str, run: Run) -> str:
    """One line of the table."""
    p50, p99 = percentiles_ms(run.figures.answers.latencies)
    flood = f"{run.flood_arrived}/{run.flood_sent}" if run.flood_sent else "-"
    last = f"{run.last_arrival:.1f} s" if run.last_arrival is not None else "-"
    return (
        f"{label:<22}{len(run.figures.answers.latencies):>9}{p50:>9.0f}{p99:>9.0f}"
        f"{run.figures.answers.timeouts:>11}{flood:>16}{last:>14}"
    )


def main() -> None:
    """Both runs and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--drain", type=float, default=60, help="seconds for the flood to arrive")
    parser.add_argument("--outside", action="store_true", help="the flooder is not in a hand-over")
    args = parser.parse_args()
    reason = emu.unavailable()
    if reason:
        print(f"skipped: {reason}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        calm = measure(args, Path(tmp), with_flood=False)
        flooded = measure(args, Path(tmp), with_flood=True)
    where = "(not in a hand-over)" if args.outside else "in a hand-over"
    print(
        f"\n{ASKERS} families asking (think {THINK[0]}-{THINK[1]} s) for {args.seconds:.0f} s; "
        f"in the second run one family {where} sends {args.messages} messages in "
        f"{FLOOD_SECONDS:.0f} s, {FLOOD_AFTER:.0f} s in; default flood limit, SQLite\n"
    )
    print(f"{'':<22}{'answers':>9}{'p50 ms':>9}{'p99 ms':>9}{'time-outs':>11}"
          f"{'flood at staff':>16}{'last arrived':>14}")  # fmt: skip
    print(row("without the flood", calm))
    print(row("with the flood", flooded))
    _, calm_p99 = percentiles_ms(calm.figures.answers.latencies)
    _, flood_p99 = percentiles_ms(flooded.figures.answers.latencies)
    ratio = flood_p99 / calm_p99 if calm_p99 else float("inf")
    ok = ratio <= 2 and flood_p99 < 1000 and not flooded.figures.answers.timeouts
    print(f"\np99 with / without the flood: {ratio:.1f}x (goal: at most 2x, under 1000 ms, "
          f"no time-outs): {'met' if ok else 'NOT met'}")  # fmt: skip
    if args.outside:
        print(f"the flooding family got {flooded.flooder_got} messages back for {args.messages}")
    for error in (calm.figures.errors + flooded.figures.errors)[:10]:
        print(f"  {error}")


if __name__ == "__main__":
    main()
