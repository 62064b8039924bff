"""Migrations: ``upgrade head`` on an empty database, then ``alembic check`` finds no drift."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from bot.db import create_engine
from bot.db.migrate import check, upgrade

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
