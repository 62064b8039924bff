"""Telegram handlers, one module per feature (they arrive with the Telegram bot)."""
