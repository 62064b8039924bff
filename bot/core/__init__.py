"""The pure core: knowledge, matching, language, the assistant, calendar and rules.

Nothing here does I/O except reading the knowledge files and its own data; nothing imports
telegram, sqlalchemy, the services or the handlers (``tests/test_layout.py`` keeps it so).
"""
