"""Faults from outside: ``wegweiser run`` as a process, killed, cut off from its database, run
twice, refused by Telegram, flooded — and what the emulator saw afterwards.

Every check reads the emulator's output history (see ``tests/process.py``): each family message
must land exactly once, in order, in its staff topic, each staff reply exactly once, in order, in
the family's chat, and nothing must wait behind a message Telegram will never accept. Waiting
has deadlines (a stuck relay must end the test), but no assertion is about time.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.core.i18n import gettext
from handlers.errors import MSG_WAITS
from tests import emulator as emu
from tests.faultproxy import BotApiProxy, Refusal, TcpProxy, fields, first_message_only
from tests.process import (
    HEADER,
    POSTGRES_URL,
    STAFF_CHAT,
    STAFF_IDS,
    BotProcess,
    Desk,
    Handover,
    Output,
    automatic_answers,
    family_body,
    family_text,
    markers_in,
    pinned_notice,
    postgres_database,
    postgres_unavailable,
    relay_problems,
    sequence_problems,
    staff_body,
    staff_text,
    via_port,
)

TOKEN = "434343:faults-test-token-abcdef"
pytestmark = pytest.mark.skipif(emu.unavailable() is not None, reason=str(emu.unavailable()))

RELAY_DEADLINE = 90.0  # seconds for everything to arrive; Telegram allows 20 a minute per group
# 100 single copies need 4 minutes at Telegram's 20 a minute per group: within this they arrive
# only if the bot merges or batches them (copyMessages, one text), as it should under a flood.
FLOOD = 30  # messages in one second: at 20 a minute per group, about 90 s to reach staff
FLOOD_DEADLINE = 150.0
SETTLE = 5.0  # seconds to wait after everything arrived, for late duplicates
QUESTIONS = {  # one question per language (tests/devset/duisburg.yaml)
    "de": "Wo kann ich mein Kind in der Schule anmelden?",
    "en": "Where can I register my child for school?",
    "tr": "Çocuğumu okula nasıl kaydettirebilirim?",
    "ar": "أين يمكنني تسجيل طفلي في المدرسة؟",
    "ro": "Unde îmi pot înscrie copilul la școală?",
    "bg": "Къде мога да запиша детето си в училище?",
    "uk": "Де я можу записати дитину до школи?",
    "ru": "Где я могу записать ребёнка в школу?",
}


class Traffic:
    """What the families and staff sent, by family: the message numbers in sending order."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.by_family: defaultdict[int, list[int]] = defaultdict(list)
        self.by_staff: defaultdict[int, list[int]] = defaultdict(list)

    def family(self, handover: Handover, n: int) -> None:
        self.desk.family_says(handover.family, family_text(handover.family_id, n))
        self.by_family[handover.family_id].append(n)

    def staff(self, handover: Handover, n: int) -> None:
        self.desk.staff_says(handover.thread, staff_text(handover.family_id, n))
        self.by_staff[handover.family_id].append(n)

    def round(self, handovers: list[Handover], n: int, pause: float = 0.2) -> None:
        """Message *n* of every family, and staff's reply *n* to each."""
        for handover in handovers:
            self.family(handover, n)
            self.staff(handover, n)
        time.sleep(pause)

    def arrived(self, outputs: list[Output], handovers: list[Handover]) -> bool:
        """Every message sent so far is in its topic / family chat (at least once)."""
        for handover in handovers:
            family = handover.family_id
            topic = [o for o in outputs if o.chat_id == STAFF_CHAT and o.thread == handover.thread]
            to_family = [o for o in outputs if o.chat_id == family]
            if not set(self.by_family[family]) <= set(markers_in(topic, "F", family)):
                return False
            if not set(self.by_staff[family]) <= set(markers_in(to_family, "S", family)):
                return False
        return True

    def problems(
        self, outputs: list[Output], handovers: list[Handover], in_flight: int = 0
    ) -> list[str]:
        """Missing, doubled or reordered relays (*in_flight*: see ``sequence_problems``)."""
        return relay_problems(outputs, handovers, self.by_family, self.by_staff, in_flight)


def wait_and_settle(
    desk: Desk, traffic: Traffic, handovers: list[Handover], deadline: float = RELAY_DEADLINE
) -> list[Output]:
    """Until every message arrived (or *deadline* seconds passed), then a little longer."""
    desk.wait_until(lambda outputs: traffic.arrived(outputs, handovers), deadline)
    time.sleep(SETTLE)
    return desk.outputs()


def report(problems: list[str], *bots: BotProcess) -> str:
    """The problems, and the end of each bot's log."""
    logs = "\n".join(f"--- {bot.name} log (end) ---\n{bot.all_logs()[-3000:]}" for bot in bots)
    return "\n".join(problems) + "\n" + logs


@pytest.fixture
def emulator() -> Iterator[emu.Emulator]:
    """The Bot API emulator, with user 5001 a member of the staff group."""
    running = emu.Emulator({"TG_STAFF_IDS": STAFF_IDS})
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database of this test's own, dropped afterwards; skipped if unreachable."""
    reason = postgres_unavailable()
    if reason is not None:
        pytest.skip(reason)
    with postgres_database() as url:
        yield url


@pytest.fixture
def bots() -> Iterator[list[BotProcess]]:
    """The bot processes a test starts; stopped afterwards."""
    started: list[BotProcess] = []
    try:
        yield started
    finally:
        for bot in started:
            bot.stop()


def families(first_id: int, langs: str) -> list[dict[str, Any]]:
    """Family users with consecutive ids, one per language code in *langs* (e.g. "de tr ar")."""
    return [emu.Emulator.user(first_id + k, lang) for k, lang in enumerate(langs.split())]


def start_wegweiser(
    emulator: emu.Emulator, bots: list[BotProcess], tmp_path: Path
) -> tuple[BotProcess, Desk]:
    """``wegweiser run`` against *emulator*, ready, and the driver for it."""
    bot = BotProcess(emulator, TOKEN, tmp_path)
    bots.append(bot)
    bot.wait_ready()
    return bot, Desk(emulator, TOKEN)


# a. kill -9 in the middle of a hand-over -------------------------------------------------------


def test_kill_9_during_hand_overs_loses_nothing_and_repeats_at_most_the_message_in_flight(
    emulator: emu.Emulator, bots: list[BotProcess], tmp_path: Path
) -> None:
    bot, desk = start_wegweiser(emulator, bots, tmp_path)
    handovers = [desk.hand_over(family) for family in families(7101, "de tr ar")]
    traffic = Traffic(desk)
    for n in range(1, 6):
        traffic.round(handovers, n)
    desk.wait_until(lambda o: sum(len(x.markers) for x in o) >= 5, 30)  # some went through
    bot.kill()
    for n in range(6, 9):  # while the bot is down
        traffic.round(handovers, n)
    bot.restart()
    bot.wait_ready()
    for n in range(9, 11):
        traffic.round(handovers, n)

    outputs = wait_and_settle(desk, traffic, handovers)
    # One kill: per conversation and direction, the one message Telegram may have taken just
    # before the process died comes again right after itself (README: at least once, a window of
    # one request); nothing is lost, nothing else repeats, nothing is out of order.
    problems = traffic.problems(outputs, handovers, in_flight=1)
    assert not problems, report(problems, bot)


# b. the database is away for 15 seconds --------------------------------------------------------


def test_postgres_outage_of_15_s_loses_nothing_and_answers_later(
    emulator: emu.Emulator, bots: list[BotProcess], postgres_url: str, tmp_path: Path
) -> None:
    server = urlsplit(POSTGRES_URL)
    with TcpProxy(server.hostname or "127.0.0.1", server.port or 5432) as database:
        bot = BotProcess(
            emulator,
            TOKEN,
            tmp_path,
            env={"WEGWEISER_DATABASE_URL": via_port(postgres_url, database.port)},
        )
        bots.append(bot)
        bot.wait_ready()
        desk = Desk(emulator, TOKEN)
        [handover] = [desk.hand_over(family) for family in families(7201, "uk")]
        newcomer = emu.Emulator.user(7299, "de")
        traffic = Traffic(desk)

        outage = database.outage_for(15)
        for n in range(1, 6):
            traffic.round([handover], n, pause=0.5)
        desk.family_says(newcomer, QUESTIONS["de"])
        outage.join()

        def answered(outputs: list[Output]) -> bool:
            return any(o.chat_id == newcomer["id"] and o.text for o in outputs)

        desk.wait_until(lambda o: traffic.arrived(o, [handover]) and answered(o), RELAY_DEADLINE)
        time.sleep(SETTLE)
        outputs = desk.outputs()

    problems = traffic.problems(outputs, [handover])
    # One notice that the message waits is the promise; anything else would be an auto-answer.
    waits = gettext("uk", MSG_WAITS)
    answers = automatic_answers(outputs, handover)
    if answers.count(waits[:80]) > 1:
        problems.append(f"the family was told {answers.count(waits[:80])} times that it waits")
    problems += [f"automatic answer to the family: {a!r}" for a in answers if a != waits[:80]]
    if not answered(outputs):
        problems.append("the new user's question (sent during the outage) was never answered")
    assert not problems, report(problems, bot)


# c. two processes, one database, one token -----------------------------------------------------


def test_two_processes_on_one_database_relay_each_message_once(
    emulator: emu.Emulator, bots: list[BotProcess], postgres_url: str, tmp_path: Path
) -> None:
    env = {"WEGWEISER_DATABASE_URL": postgres_url}
    first = BotProcess(emulator, TOKEN, tmp_path, name="first", env=env)
    bots.append(first)
    first.wait_ready()
    desk = Desk(emulator, TOKEN)
    handovers = [desk.hand_over(family) for family in families(7301, "ar ro")]
    second = BotProcess(emulator, TOKEN, tmp_path, name="second", env=env)
    bots.append(second)
    second.wait_ready()
    traffic = Traffic(desk)
    for n in range(1, 13):
        traffic.round(handovers, n, pause=0.25)

    outputs = wait_and_settle(desk, traffic, handovers)
    problems = traffic.problems(outputs, handovers)
    for handover in handovers:
        problems += [
            f"automatic answer to family {handover.family_id}: {a!r}"
            for a in automatic_answers(outputs, handover)
        ]
    headers = [o for o in outputs if o.chat_id == STAFF_CHAT and o.text.startswith(HEADER)]
    if len(headers) != len(handovers):
        problems.append(f"{len(headers)} topic headers for {len(handovers)} hand-overs")
    assert not problems, report(problems, first, second)


# d. messages Telegram refuses for good, and service messages -----------------------------------


def notes_in(outputs: list[Output], handover: Handover) -> list[str]:
    """The bot's own words in the topic after the header (not copies of family messages)."""
    return [
        o.text
        for o in outputs
        if o.chat_id == STAFF_CHAT
        and o.thread == handover.thread
        and o.message_id > handover.opened_after
        and not o.markers
    ]


def test_a_message_telegram_refuses_for_good_blocks_nothing(
    emulator: emu.Emulator, bots: list[BotProcess], tmp_path: Path
) -> None:
    with BotApiProxy(emulator.url) as api:
        bot = BotProcess(emulator, TOKEN, tmp_path, env={"WEGWEISER_TELEGRAM_API_URL": api.url})
        bots.append(bot)
        bot.wait_ready()
        desk = Desk(emulator, TOKEN)
        [handover] = [desk.hand_over(family) for family in families(7401, "tr")]
        family = handover.family_id
        traffic = Traffic(desk)
        traffic.round([handover], 1)
        desk.wait_until(lambda o: traffic.arrived(o, [handover]), RELAY_DEADLINE)

        # family -> staff: the copy of message 2 is refused, every time it is tried
        api.refuse(
            "copyMessage",
            Refusal.bad_request("message can't be copied"),
            when=first_message_only(fields(from_chat_id=family)),
        )
        desk.family_says(handover.family, family_text(family, 2))
        traffic.family(handover, 3)
        traffic.staff(handover, 2)
        # staff -> family: a canned reply Telegram finds too long, every time it is tried
        api.refuse(
            "sendMessage",
            Refusal.bad_request("message is too long"),
            when=first_message_only(fields(chat_id=family), key="text"),
        )
        desk.staff_says(handover.thread, "/reply call-us")
        time.sleep(0.5)
        traffic.staff(handover, 3)
        traffic.family(handover, 4)

        outputs = wait_and_settle(desk, traffic, [handover])
        refused = api.calls()

    problems = traffic.problems(outputs, [handover])
    if len(notes_in(outputs, handover)) < 2:
        problems.append(
            f"staff were not told of both refused messages; notes in the topic: "
            f"{notes_in(outputs, handover)}"
        )
    tried = [(c.method, c.params.get("message_id") or c.params.get("text", "")[:20], s)
             for c, s in refused if s == 400]  # fmt: skip
    assert not problems, report([*problems, f"refused calls: {tried}"], bot)


def test_service_messages_are_not_relayed_and_block_nothing(
    emulator: emu.Emulator, bots: list[BotProcess], tmp_path: Path
) -> None:
    bot, desk = start_wegweiser(emulator, bots, tmp_path)
    [handover] = [desk.hand_over(family) for family in families(7501, "bg")]
    traffic = Traffic(desk)
    traffic.round([handover], 1)
    outputs = desk.wait_until(lambda o: traffic.arrived(o, [handover]), RELAY_DEADLINE)
    before = max(o.message_id for o in outputs)

    family_pins = pinned_notice(family_body(TOKEN, handover.family, ""), "pinned by the family")
    staff_pins = pinned_notice(staff_body(TOKEN, handover.thread, ""), "pinned by staff")
    desk.post(family_pins)
    desk.post(staff_pins)
    traffic.round([handover], 2)
    outputs = wait_and_settle(desk, traffic, [handover])

    problems = traffic.problems(outputs, [handover])
    relayed = [
        f"to {o.chat_id} (thread {o.thread}): {sorted(o.raw)}"
        for o in outputs
        if o.message_id > before and o.chat_id in (STAFF_CHAT, handover.family_id) and not o.text
    ]
    problems += [f"service message relayed {r}" for r in relayed]
    assert not problems, report(problems, bot)


# e. one family floods while others ask (the timing is in bench/flood.py) -----------------------


def test_a_flooding_family_starves_no_one_and_loses_nothing(
    emulator: emu.Emulator, bots: list[BotProcess], tmp_path: Path
) -> None:
    bot, desk = start_wegweiser(emulator, bots, tmp_path)
    [flooder] = [desk.hand_over(family) for family in families(7601, "ru")]
    others = families(7611, "de en tr ar ro bg uk ru de en")
    traffic = Traffic(desk)
    started = time.monotonic()
    for n in range(1, FLOOD + 1):  # the others ask during and after the flood
        traffic.family(flooder, n)
        if n in (FLOOD // 3, FLOOD):
            for other in others:
                desk.family_says(other, QUESTIONS[other["language_code"]])
        time.sleep(max(0.0, started + n * 0.03 - time.monotonic()))

    def answered(outputs: list[Output]) -> set[int]:
        """The other families that got both their answers."""
        texts = [o.chat_id for o in outputs if o.text]
        return {int(u["id"]) for u in others if texts.count(int(u["id"])) >= 2}

    outputs = desk.wait_until(lambda o: len(answered(o)) == len(others), 30)
    unanswered = sorted({int(u["id"]) for u in others} - answered(outputs))
    outputs = wait_and_settle(desk, traffic, [flooder], FLOOD_DEADLINE)

    problems = [f"families {unanswered} lack an answer 30 s on"] if unanswered else []
    topic = [o for o in outputs if o.chat_id == STAFF_CHAT and o.thread == flooder.thread]
    problems += sequence_problems(
        "flood -> staff topic",
        markers_in(topic, "F", flooder.family_id),
        list(range(1, FLOOD + 1)),
    )
    assert not problems, report(problems, bot)
