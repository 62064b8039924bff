"""Configuration from the environment and ``.env`` (prefix ``WEGWEISER_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLED_KNOWLEDGE = PROJECT_ROOT / "knowledge"
DEFAULT_KB = BUNDLED_KNOWLEDGE / "duisburg"


class Settings(BaseSettings):
    """Everything Wegweiser reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix="WEGWEISER_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    telegram_token: SecretStr | None = None
    kb: Path = DEFAULT_KB


def load_settings() -> Settings:
    """Read the settings; a malformed one raises :class:`ConfigurationError` in one line."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "WEGWEISER_" + str(first["loc"][0]).upper() if first["loc"] else "setting"
        raise ConfigurationError(f"{name}: {first['msg']}") from None
