"""Apply the Alembic migrations in ``migrations/`` (at start and by ``wegweiser db upgrade``).

``wegweiser run`` applies them in a child process (:func:`upgrade_in_child`), so that Alembic,
Mako and the migration scripts never take the bot's memory (10–15 MB resident, measured with
``bench/e2e.py``). Alembic is imported only where a migration runs.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from typing import TYPE_CHECKING

from bot.settings import LOG_FORMAT, PROJECT_ROOT

if TYPE_CHECKING:
    from alembic.config import Config

URL_VARIABLE = "WEGWEISER_MIGRATE_URL"  # the URL for the child (not on its command line)
CHILD_TIMEOUT = 600.0  # seconds; a migration of a big PostgreSQL table may take a while


class MigrationFailed(RuntimeError):
    """The child process could not bring the database up to date (the reason is the message)."""


def alembic_config(url: str) -> Config:
    """An Alembic configuration for *url*, without needing alembic.ini."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at *url* to *revision* (blocking; run it in a thread from async code)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def upgrade_in_child(url: str) -> None:
    """:func:`upgrade` to head in a child Python process (blocking); its log lines go to this
    process's standard error. Raises :class:`MigrationFailed` with the child's one-line reason."""
    done = subprocess.run(
        [sys.executable, "-I", "-m", "bot.db.migrate"],  # -I: never a "bot" of the cwd
        env={**os.environ, URL_VARIABLE: url},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        reason = done.stdout.strip().splitlines()
        raise MigrationFailed(reason[-1] if reason else f"exit code {done.returncode}")


def check(url: str) -> None:
    """Raise if the models and the migrations differ (``alembic check``)."""
    from alembic import command

    command.check(alembic_config(url))


def _child_main() -> int:
    """The child of :func:`upgrade_in_child`: migrate, print the reason of a failure."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    try:
        upgrade(os.environ[URL_VARIABLE])
    except Exception as exc:  # reported to the parent in one line, as `could not start` does
        lines = str(exc).strip().splitlines()
        print(f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_child_main())
