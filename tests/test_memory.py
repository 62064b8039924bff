"""The malloc arena cap ``wegweiser run`` sets before its worker threads start."""

from __future__ import annotations

import platform
import subprocess
import sys


def test_the_arena_cap_is_taken_by_glibc_and_skipped_elsewhere() -> None:
    # In a child process, so that this test run's own allocator stays as it was.
    code = "from bot.adapters.memory import limit_malloc_arenas; print(limit_malloc_arenas())"
    printed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    assert printed == str(platform.libc_ver()[0] == "glibc")
