"""The messenger the services use, over the Bot API: Telegram's errors become a ``Delivery``."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.services.ports import Button, Delivery

log = logging.getLogger("wegweiser")


class TelegramMessenger:
    """Implements :class:`bot.services.ports.Messenger` with a :class:`telegram.Bot`."""

    def __init__(self) -> None:
        self._bot: Bot | None = None

    def attach(self, bot: Bot) -> None:
        """The bot to send with (known once the application is built)."""
        self._bot = bot

    async def send_text(
        self, chat_id: int, text: str, buttons: Sequence[Sequence[Button]] = ()
    ) -> Delivery:
        """Send *text* to *chat_id*, with inline *buttons* if any."""
        assert self._bot is not None, "attach() the bot first"
        keyboard = [
            [InlineKeyboardButton(button.label, callback_data=button.data) for button in row]
            for row in buttons
        ]
        markup = InlineKeyboardMarkup(keyboard) if keyboard else None
        sending = self._bot.send_message(chat_id, text, reply_markup=markup)
        return await self._deliver(chat_id, sending)

    async def send_document(self, chat_id: int, content: bytes, filename: str) -> Delivery:
        """Send *content* as the file *filename* to *chat_id*."""
        assert self._bot is not None, "attach() the bot first"
        document = InputFile(content, filename=filename)
        return await self._deliver(chat_id, self._bot.send_document(chat_id, document))

    async def send_photo(self, chat_id: int, png: bytes, caption: str) -> Delivery:
        """Send the picture *png* with *caption* to *chat_id*."""
        assert self._bot is not None, "attach() the bot first"
        photo = InputFile(png, filename="chart.png")
        return await self._deliver(chat_id, self._bot.send_photo(chat_id, photo, caption=caption))

    async def _deliver(self, chat_id: int, sending: Awaitable[object]) -> Delivery:
        """What Telegram said to *sending*, as a :class:`Delivery`."""
        try:
            await sending
        except Forbidden:
            return Delivery.BLOCKED
        except BadRequest as exc:
            log.warning("message to %s refused: %s", chat_id, exc)
            return Delivery.REFUSED
        except TelegramError as exc:
            log.warning("message to %s not sent yet: %s", chat_id, exc)
            return Delivery.LATER
        return Delivery.DELIVERED
