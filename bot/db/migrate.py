"""Apply the Alembic migrations in ``migrations/`` (at start and by ``wegweiser db upgrade``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from bot.settings import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    """An Alembic configuration for *url*, without needing alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at *url* to *revision* (blocking; run it in a thread from async code)."""
    command.upgrade(alembic_config(url), revision)


def check(url: str) -> None:
    """Raise if the models and the migrations differ (``alembic check``)."""
    command.check(alembic_config(url))
