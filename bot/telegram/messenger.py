"""The messenger the services use, over the Bot API: Telegram's errors become a ``Delivery``."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.services.ports import Delivery

log = logging.getLogger("wegweiser")


class TelegramMessenger:
    """Implements :class:`bot.services.ports.Messenger` with a :class:`telegram.Bot`."""

    def __init__(self) -> None:
        self._bot: Bot | None = None

    def attach(self, bot: Bot) -> None:
        """The bot to send with (known once the application is built)."""
        self._bot = bot

    async def send_text(self, chat_id: int, text: str) -> Delivery:
        """Send *text* to *chat_id*."""
        assert self._bot is not None, "attach() the bot first"
        try:
            await self._bot.send_message(chat_id, text)
        except Forbidden:
            return Delivery.BLOCKED
        except BadRequest as exc:
            log.warning("message to %s refused: %s", chat_id, exc)
            return Delivery.REFUSED
        except TelegramError as exc:
            log.warning("message to %s not sent yet: %s", chat_id, exc)
            return Delivery.LATER
        return Delivery.DELIVERED
