"""Configuration from the environment and ``.env`` (prefix ``WEGWEISER_``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_KNOWLEDGE = PROJECT_ROOT / "knowledge"
DEFAULT_KB = BUNDLED_KNOWLEDGE / "duisburg"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # wegweiser run, migration child
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                  "off"]  # fmt: skip


class Settings(BaseSettings):
    """Everything Wegweiser reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="WEGWEISER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    telegram_api_url: AnyHttpUrl = AnyHttpUrl("https://api.telegram.org")
    kb: Path = DEFAULT_KB
    # Meaning-based matching with the bundled embedding model beside the lexical matcher; "off"
    # answers with the lexical matcher alone (also automatic where the model cannot be loaded).
    semantic: bool = True
    # Where the knowledge bases' embeddings are kept, so a restart does not compute them again.
    cache_dir: Path = PROJECT_ROOT / ".cache" / "embeddings"
    database_url: str = "sqlite+aiosqlite:///wegweiser.db"
    webhook_url: AnyHttpUrl | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None
    # GET /healthz (database reachable, inbox not stuck) on webhook_listen:health_port. Webhook
    # mode has it on 8081 unless set; in polling mode only when set; 0 switches it off.
    health_port: int | None = Field(default=None, ge=0, le=65535)
    # Telegram's flood limit for a bot's messages overall; 0 switches the limiter off (only for a
    # local Bot API stand-in, never against api.telegram.org).
    rate_limit: float = Field(default=30.0, ge=0)
    # Who answers questions about data protection (named in the privacy notice; e.g. the city's
    # data protection officer with an e-mail address). Not named when not set.
    privacy_contact: str | None = None
    # Tell each new chat, before the first answer, what is stored (off only where the centre
    # shows that notice before linking to the bot).
    privacy_notice: bool = True
    # Flood control per chat (outside conversations with staff): a burst of this many messages,
    # then this many a minute; 0 switches it off (benchmarks with robot users only).
    flood_burst: int = Field(default=8, ge=0)
    flood_per_minute: float = Field(default=30.0, ge=0)
    # Users who have not written for this many days are deleted (checked every hour).
    retention_days: int = Field(default=180, ge=1)
    # Closed conversations with staff and past appointments are deleted after this many days
    # (checked daily).
    record_retention_days: int = Field(default=90, ge=1)
    # The staff supergroup (with forum topics) that answers handed-over chats, and who is staff:
    # these user ids if given, else the members of the staff group.
    staff_chat_id: int | None = None
    staff_user_ids: Annotated[list[int], NoDecode] = []
    # "usually within …" during office hours, if the centre promises a reply time; unset: staff
    # answer "as soon as they can" (no promise the centre has not made).
    handoff_reply_minutes: int | None = Field(default=None, ge=1)
    # An iCalendar feed (URL or file) the centre publishes; its events join the knowledge base's.
    events_ics: str | None = None
    # Appointment reminders: how long before (e.g. "24h,2h", minutes like "90m" allowed).
    reminder_offsets: str = "24h,2h"
    appointment_minutes: int = Field(default=60, ge=5, le=600)
    # Staff cannot book further ahead than this (a typo like 2062 is refused, with the reason).
    booking_horizon_days: int = Field(default=365, ge=1, le=3650)
    # The sealed test questions (<centre id>.yaml): after staff accept a phrasing, the share of
    # them answered confidently with the expected fact is shown before and after. Not there
    # (installed elsewhere): staff are told how to measure it in the source folder.
    sealed_dir: Path | None = PROJECT_ROOT / "tests" / "sealed"
    # The weekly digest to the staff group (chart and figures): weekday and hour in the centre's
    # time zone; "off" sends none.
    digest_weekday: Weekday = "monday"
    digest_hour: int = Field(default=8, ge=0, le=23)
    # The anonymous events behind the statistics are deleted after this many days (daily).
    statistics_retention_days: int = Field(default=400, ge=1)

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets(cls, value: str) -> str:
        from bot.core.booking import parse_offsets

        if not parse_offsets(value):
            raise ValueError("give at least one offset, e.g. 24h,2h")
        return value

    @field_validator("digest_weekday", mode="before")
    @classmethod
    def _lower_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("staff_user_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        return value

    @field_validator("telegram_token", mode="before")
    @classmethod
    def _token_shape(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not re.fullmatch(r"\d+:[\w-]{10,}", value.strip()):
            raise ValueError("expected the token from @BotFather, like 123456:ABC-DEF1234ghIkl")
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///FILE or postgresql+asyncpg://USER@HOST/DB")
        return value

    @property
    def health_check_port(self) -> int | None:
        """The port of the health check, or None for none."""
        port = self.health_port
        if port is None:
            return 8081 if self.webhook_url is not None else None
        return port or None

    @property
    def api_root(self) -> str:
        """The Bot API server's root without a trailing slash."""
        return str(self.telegram_api_url).rstrip("/")


def load_settings() -> Settings:
    """Read the settings; a malformed one raises :class:`ConfigurationError` in one line."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "WEGWEISER_" + str(first["loc"][0]).upper() if first["loc"] else "setting"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigurationError(f"{name}: {message}") from None
