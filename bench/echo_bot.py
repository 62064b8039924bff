"""The baseline for bench/e2e.py: a minimal python-telegram-bot echo bot.

python bench/echo_bot.py TOKEN API_ROOT
"""

from __future__ import annotations

import sys

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send the text back."""
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


def main() -> None:
    """Poll the given Bot API server until SIGTERM."""
    token, root = sys.argv[1], sys.argv[2].rstrip("/")
    app = ApplicationBuilder().token(token).base_url(f"{root}/bot").build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling()


if __name__ == "__main__":
    main()
