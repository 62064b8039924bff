"""Migrations: ``upgrade head`` on an empty database, then ``alembic check`` finds no drift."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import inspect

from bot.db import create_engine
from bot.db.migrate import MigrationFailed, alembic_config, check, upgrade, upgrade_in_child
from bot.db.models import UtcDateTime

WEGWEISER = Path(sys.executable).parent / "wegweiser"


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
    finally:
        await engine.dispose()
    return set(names)


def test_upgrade_then_no_drift(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # a second run changes nothing
    check(database_url)
    tables = asyncio.run(_tables(database_url))
    assert {"users", "feedback", "unanswered_questions", "alembic_version"} <= tables


STARTS = datetime(2026, 12, 12, 13, 0, tzinfo=UTC)
APPOINTMENTS = sa.table(
    "appointments", sa.column("id", sa.Integer), sa.column("chat_id", sa.BigInteger),
    sa.column("handoff_id", sa.Integer), sa.column("lang", sa.String),
    sa.column("starts_at", UtcDateTime()), sa.column("place", sa.Text),
    sa.column("bring", sa.Text), sa.column("status", sa.String), sa.column("title", sa.Text),
    sa.column("created_at", UtcDateTime()),
)  # fmt: skip
REMINDERS = sa.table(
    "reminders", sa.column("id", sa.Integer), sa.column("appointment_id", sa.Integer),
    sa.column("due_at", UtcDateTime()), sa.column("status", sa.String),
    sa.column("first", sa.Boolean),
)  # fmt: skip
EVENT_REMINDERS = sa.table(
    "event_reminders", sa.column("id", sa.Integer), sa.column("chat_id", sa.BigInteger),
    sa.column("event_id", sa.String), sa.column("title", sa.Text), sa.column("lang", sa.String),
    sa.column("starts_at", UtcDateTime()), sa.column("place", sa.Text),
)  # fmt: skip


async def _run(url: str, *statements: Any) -> list[tuple[Any, ...]]:
    """Execute *statements* in one transaction; the rows of the last one (if it has rows)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in statements:
                result = await connection.execute(statement)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


def test_0006_moves_event_reminders_out_of_appointments_and_back(database_url: str) -> None:
    config = alembic_config(database_url)
    upgrade(database_url)
    command.downgrade(config, "0005")  # PostgreSQL is shared by the run: it may be at head
    common = {"handoff_id": None, "bring": None, "created_at": STARTS - timedelta(days=3)}
    event = {"id": 7, "chat_id": 81001, "lang": "tr", "starts_at": STARTS, "place": "Altstadt",
             "status": "event", "title": "Fest", **common}  # fmt: skip
    booked = {"id": 8, "chat_id": 81002, "lang": "de", "starts_at": STARTS,
              "place": "Flachsmarkt 15", "status": "booked", "title": None, **common}  # fmt: skip
    reminders = [
        {"id": 1, "appointment_id": 7, "due_at": STARTS - timedelta(days=1)},
        {"id": 2, "appointment_id": 8, "due_at": STARTS - timedelta(hours=2)},
    ]
    asyncio.run(
        _run(
            database_url,
            sa.delete(REMINDERS),
            sa.delete(APPOINTMENTS),
            sa.insert(APPOINTMENTS).values([event, booked]),
            sa.insert(REMINDERS).values(
                [{**r, "status": "pending", "first": True} for r in reminders]
            ),
        )
    )
    upgrade(database_url, "0006")
    moved = asyncio.run(_run(database_url, sa.select(EVENT_REMINDERS)))
    assert moved == [(7, 81001, None, "Fest", "tr", STARTS, "Altstadt")]
    appointments = sa.select(APPOINTMENTS.c.id, APPOINTMENTS.c.status)
    assert asyncio.run(_run(database_url, appointments)) == [(8, "booked")]
    parents = sa.text("SELECT id, appointment_id, event_reminder_id FROM reminders ORDER BY id")
    assert asyncio.run(_run(database_url, parents)) == [(1, None, 7), (2, 8, None)]
    new_row = sa.text(
        "INSERT INTO event_reminders (chat_id, title, lang, starts_at, place, created_at) "
        "VALUES (1, 'x', 'de', '2026-12-12 13:00:00', 'x', '2026-12-01 00:00:00') RETURNING id"
    )
    assert asyncio.run(_run(database_url, new_row)) == [(8,)]  # ids go on after the moved ones
    upgrade(database_url)  # the later revisions on top
    check(database_url)

    command.downgrade(config, "0005")
    back = sa.select(APPOINTMENTS.c.id, APPOINTMENTS.c.status, APPOINTMENTS.c.title)
    assert asyncio.run(_run(database_url, back.order_by(APPOINTMENTS.c.id))) == [
        (8, "booked", None), (15, "event", "Fest"), (16, "event", "x")
    ]  # fmt: skip
    parents_back = sa.select(REMINDERS.c.id, REMINDERS.c.appointment_id).order_by(REMINDERS.c.id)
    assert asyncio.run(_run(database_url, parents_back)) == [(1, 15), (2, 8)]
    upgrade(database_url)
    check(database_url)


def test_db_upgrade_command(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    result = subprocess.run(
        [str(WEGWEISER), "db", "upgrade"],
        env={**os.environ, "WEGWEISER_DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "database up to date" in result.stdout
    assert "users" in asyncio.run(_tables(url))


def test_malformed_setting_stops_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(WEGWEISER), "db", "upgrade"],
        env={**os.environ, "WEGWEISER_DATABASE_URL": "mysql://root@localhost/x"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("wegweiser: configuration: WEGWEISER_DATABASE_URL:")


def test_malformed_token_and_port_stop_the_start_with_one_line() -> None:
    malformed = (
        ("WEGWEISER_TELEGRAM_TOKEN", "not-a-token"),
        ("WEGWEISER_WEBHOOK_PORT", "70000"),
        ("WEGWEISER_TELEGRAM_API_URL", "localhost 9000"),
    )
    for name, value in malformed:
        result = subprocess.run(
            [str(WEGWEISER), "run"],
            env={**os.environ, name: value},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, (name, result.stderr)
        assert result.stderr.startswith(f"wegweiser: configuration: {name}:"), result.stderr
        assert result.stderr.count("\n") == 1


# Migration 0009: why a question was kept.
ASKED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEPT_0008 = sa.table(
    "unanswered_questions", sa.column("id", sa.Integer), sa.column("text", sa.Text),
    sa.column("lang", sa.String), sa.column("created_at", UtcDateTime()),
)  # fmt: skip
KEPT_0009 = sa.table(
    "unanswered_questions", sa.column("id", sa.Integer), sa.column("text", sa.Text),
    sa.column("lang", sa.String), sa.column("created_at", UtcDateTime()),
    sa.column("reason", sa.String), sa.column("entry_id", sa.String),
)  # fmt: skip


def test_0009_kept_questions_get_a_reason_and_lose_the_new_kinds_going_back(
    database_url: str,
) -> None:
    config = alembic_config(database_url)
    upgrade(database_url)
    command.downgrade(config, "0008")  # PostgreSQL is shared by the run: it may be at head
    old_row = {"id": 1, "text": "Parkausweis?", "lang": "de", "created_at": ASKED}
    asyncio.run(_run(database_url, sa.delete(KEPT_0008), sa.insert(KEPT_0008).values([old_row])))
    upgrade(database_url)
    check(database_url)
    kept = sa.select(KEPT_0009.c.id, KEPT_0009.c.reason, KEPT_0009.c.entry_id).order_by(
        KEPT_0009.c.id
    )
    assert asyncio.run(_run(database_url, kept)) == [(1, "none", None)]
    rated = {"id": 2, "text": "", "lang": "tr", "created_at": ASKED, "reason": "unhelpful",
             "entry_id": "tutoring"}  # fmt: skip
    asyncio.run(_run(database_url, sa.insert(KEPT_0009).values([rated])))
    command.downgrade(config, "0008")
    left = sa.select(KEPT_0008.c.id, KEPT_0008.c.text).order_by(KEPT_0008.c.id)
    assert asyncio.run(_run(database_url, left)) == [(1, "Parkausweis?")]
    upgrade(database_url)
    check(database_url)


def test_upgrade_in_a_child_process_migrates_and_leaves_no_drift(database_url: str) -> None:
    upgrade_in_child(database_url)
    upgrade_in_child(database_url)  # a second run changes nothing
    check(database_url)
    assert {"inbox_updates", "alembic_version"} <= asyncio.run(_tables(database_url))


def test_a_child_that_cannot_migrate_says_why_in_one_line() -> None:
    unreachable = "postgresql+asyncpg://postgres@127.0.0.1:9/nothing"  # nothing listens on 9
    with pytest.raises(MigrationFailed) as failed:
        upgrade_in_child(unreachable)
    reason = str(failed.value)
    assert "\n" not in reason
    assert reason.startswith(("ConnectionRefusedError", "OSError")), reason


def test_the_running_bot_never_imports_alembic() -> None:
    # Migrations run in a child process, so Alembic and Mako stay out of the bot's memory.
    code = (
        "import sys, bot.cli, handlers, bot.telegram.app, bot.db.migrate\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    printed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    assert printed == "[]"
