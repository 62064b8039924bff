"""End to end: ``wegweiser run`` as a process against the local Bot API emulator, one user."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.i18n import gettext
from handlers.family.views import MSG_STORED
from tests import emulator as emu

TOKEN = "424242:E2E-test-token-abcdef"
pytestmark = pytest.mark.skipif(emu.unavailable() is not None, reason=str(emu.unavailable()))


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[emu.Emulator, subprocess.Popen[bytes]]]:
    emulator = emu.Emulator()
    bot = emu.start_bot(emulator, TOKEN, tmp_path / "e2e.db")
    try:
        yield emulator, bot
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(timeout=30)  # reaped: no process left running into the next test
        emulator.stop()


def test_a_turkish_family_asks_about_school(
    running: tuple[emu.Emulator, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    emulator, bot = running
    user = emulator.user(7001, "tr")

    emulator.send_command(TOKEN, user, "/start")
    notice, welcome, menu = emulator.wait(TOKEN, 7001, count=3, timeout=60)
    assert notice.text.startswith(gettext("tr", MSG_STORED, controller="")[:40])  # first contact
    assert welcome.text.startswith("Hoş geldiniz")
    assert ("Türkçe", "lang:tr") in welcome.buttons
    assert ("menu:tr:school") in {data for _, data in menu.buttons}

    emulator.press(TOKEN, user, "lang:tr", welcome.message_id)
    outputs = emulator.wait(TOKEN, 7001, count=2)
    edited = next(o for o in outputs if o.edited)
    assert edited.text == gettext("tr", "Language: {language}", language="Türkçe")

    emulator.send_text(TOKEN, user, "Çocuğumu okula nasıl kaydettirebilirim?")
    [answer] = emulator.wait(TOKEN, 7001)
    assert "Flachsmarkt 15, 1. Etage, 47051 Duisburg" in answer.text
    assert answer.text.endswith(gettext("tr", "Did this help?"))

    # Two programmes in one question: the model answers one (which, the two being equally
    # close, is up to a hair of its score) and offers the other; the lexical matcher alone (no
    # model installed) offers both.
    emulator.send_text(TOKEN, user, "Rucksack mı Griffbereit mi?")
    [offered] = emulator.wait(TOKEN, 7001)
    unsure = gettext(
        "tr", "Sorry, I am not quite sure what you mean. Did you mean one of these topics?"
    )
    titles = {"rucksack": "“Rucksack KiTa”", "griffbereit": "“Griffbereit”"}
    assert offered.text.startswith((unsure, *titles.values())), offered.text
    answered = next(
        (entry for entry, title in titles.items() if offered.text.startswith(title)), ""
    )
    other = "rucksack" if answered == "griffbereit" else "griffbereit"  # unsure: both offered
    assert f"sug:tr:{other}" in {data for _, data in offered.buttons}

    emulator.press(TOKEN, user, f"sug:tr:{other}", offered.message_id)
    outputs = emulator.wait(TOKEN, 7001, count=2)
    picked = next(o for o in outputs if o.text)
    assert picked.text.startswith(titles[other])
    assert (f"fb:tr:{other}:1") in {data for _, data in picked.buttons}

    emulator.press(TOKEN, user, f"fb:tr:{other}:1", picked.message_id)
    outputs = emulator.wait(TOKEN, 7001, count=2)
    thanks = next(o.callback_answer for o in outputs if o.callback_answer)
    assert thanks["text"] == gettext("tr", "Thank you for your feedback!")

    bot.send_signal(signal.SIGTERM)
    assert bot.wait(timeout=30) == 0, (tmp_path / "e2e.log").read_text()
    # The statistics of what happened are in the database once the bot stopped (they are
    # written in groups, the last ones on the way out): two questions, one suggestion taken.
    with contextlib.closing(sqlite3.connect(tmp_path / "e2e.db")) as db:
        counted = db.execute("SELECT kind, lang, COUNT(*) FROM activity GROUP BY kind, lang")
        assert sorted(counted) == [("question", "tr", 2), ("suggestion_taken", "tr", 1)]


def test_webhook_mode(tmp_path: Path) -> None:
    emulator = emu.Emulator()
    port = emu.free_port()
    bot = emu.start_bot(
        emulator,
        TOKEN,
        tmp_path / "webhook.db",
        {
            "WEGWEISER_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "WEGWEISER_WEBHOOK_LISTEN": "127.0.0.1",
            "WEGWEISER_WEBHOOK_PORT": str(port),
        },
    )
    try:
        user = emulator.user(7002, "uk")
        outputs: list[emu.BotOutput] = []
        for _ in range(60):  # until the bot has started and registered its webhook
            emulator.send_text(TOKEN, user, "Де знаходиться Internationales Zentrum?")
            outputs = emulator.wait(TOKEN, 7002, timeout=1)
            if outputs:
                break
        assert outputs, (tmp_path / "webhook.log").read_text()
        outputs += emulator.wait(TOKEN, 7002, count=2 - len(outputs)) if len(outputs) < 2 else []
        notice, answer = outputs[:2]  # the first-contact notice, then the answer
        assert notice.text.startswith(gettext("uk", MSG_STORED, controller="")[:40])
        assert "Flachsmarkt 15" in answer.text
        bot.send_signal(signal.SIGINT)
        assert bot.wait(timeout=30) == 0
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait(timeout=30)  # reaped: no process left running into the next test
        emulator.stop()


def test_hand_over_to_staff_and_back(tmp_path: Path) -> None:
    emulator = emu.Emulator({"TG_STAFF_IDS": "5001"})
    staff_chat = -100777
    bot = emu.start_bot(emulator, TOKEN, tmp_path / "handoff.db",
                        {"WEGWEISER_STAFF_CHAT_ID": str(staff_chat)})  # fmt: skip
    try:
        family = emulator.user(7003, "de")
        emulator.send_command(TOKEN, family, "/start")
        _notice, welcome, _menu = emulator.wait(TOKEN, 7003, count=3, timeout=60)
        emulator.press(TOKEN, family, "person:de", welcome.message_id)
        outputs = emulator.wait(TOKEN, 7003, count=2)
        told = next(o for o in outputs if o.text)
        assert "/end" in told.text
        [header] = emulator.wait(TOKEN, staff_chat)
        assert header.text.startswith("Neue Anfrage #")
        thread = header.message.get("message_thread_id")
        assert thread is not None

        emulator.send_text(TOKEN, family, "Wir brauchen einen Termin für unseren Sohn.")
        [relayed] = emulator.wait(TOKEN, staff_chat)
        assert relayed.text == "Wir brauchen einen Termin für unseren Sohn."

        staff = {"id": 5001, "is_bot": False, "first_name": "Anna"}
        body = {"botToken": TOKEN, "date": 0, "from": staff, "text": "Gern, am Montag um 10 Uhr.",
                "chat": {"id": staff_chat, "type": "supergroup", "title": "KI Team",
                         "is_forum": True},
                "message_thread_id": int(thread), "is_topic_message": True}  # fmt: skip
        emulator.http.post("/sendMessage", json=body).raise_for_status()
        [answer] = emulator.wait(TOKEN, 7003)
        assert answer.text == "Gern, am Montag um 10 Uhr."
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=30)
        finally:
            if bot.poll() is None:
                bot.kill()
                bot.wait(timeout=30)
            emulator.stop()
