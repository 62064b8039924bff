"""Adapters to the outside world besides Telegram and the database: the embedding model,
the iCalendar feed, the terminal chat."""
