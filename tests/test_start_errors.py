"""A fatal start error ends ``wegweiser run`` with a non-zero code and one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import emulator as emu
from tests.harness import TOKEN


def test_unreachable_telegram_ends_the_process_with_a_reason(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "WEGWEISER_TELEGRAM_TOKEN": TOKEN,
        "WEGWEISER_TELEGRAM_API_URL": "http://127.0.0.1:9",  # nothing listens on port 9
        "WEGWEISER_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'start.db'}",
        "WEGWEISER_SEMANTIC": "off",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], env=env, capture_output=True, text=True,
        timeout=120, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 3
    assert "wegweiser: could not start: NetworkError" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(emu.unavailable() is not None, reason=str(emu.unavailable()))
def test_a_database_unreachable_at_start_ends_the_process_with_a_reason() -> None:
    emulator = emu.Emulator()
    try:
        env = {
            **os.environ,
            "WEGWEISER_TELEGRAM_TOKEN": TOKEN,
            "WEGWEISER_TELEGRAM_API_URL": emulator.url,
            "WEGWEISER_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:9/nothing",
            "WEGWEISER_SEMANTIC": "off",
        }
        done = subprocess.run(
            [sys.executable, "-m", "bot", "run"], env=env, capture_output=True, text=True,
            timeout=120, check=False, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    finally:
        emulator.stop()
    assert done.returncode == 3
    assert "wegweiser: could not start: MigrationFailed: " in done.stderr
    assert "Traceback" not in done.stderr
