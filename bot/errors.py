"""The exceptions of Wegweiser.

WegweiserError            a message for the log (``str(error)``) and, if the person may be told,
│                         one for them (``user_message``, an English text of the catalogs)
├── KnowledgeBaseError    a knowledge base that cannot be loaded; carries every problem found
├── ConfigurationError    a missing or malformed setting
├── FeedError             the centre's iCalendar feed cannot be fetched or read
└── AppointmentError      staff typed a date or time that cannot be booked (``str(error)`` says
                          why, in German, for staff)
"""

from __future__ import annotations


class WegweiserError(Exception):
    """Base class: ``str(error)`` is for the log; ``user_message``, if set, may be shown to the
    person, translated into their language (it is a message id of ``bot/core/locales``)."""

    def __init__(self, log_message: str, user_message: str | None = None) -> None:
        super().__init__(log_message)
        self.user_message = user_message


class KnowledgeBaseError(WegweiserError):
    """A knowledge base has errors; ``report`` lists them one per line with file and field."""

    def __init__(self, report: str) -> None:
        super().__init__(report)
        self.report = report


class ConfigurationError(WegweiserError):
    """A setting is missing or malformed."""


class FeedError(WegweiserError):
    """The feed could not be fetched or read (the last good copy stays in use)."""


class AppointmentError(WegweiserError):
    """A date or time that cannot be booked; ``str(error)`` tells staff why, in German."""
