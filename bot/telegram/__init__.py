"""Telegram infrastructure: the application, the durable inbox, the outbox sender, update
ordering, the typed context."""
