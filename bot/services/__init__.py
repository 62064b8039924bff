"""Use cases: what the bot does, without telegram and without sqlalchemy."""
