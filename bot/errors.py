"""The exceptions of Wegweiser.

WegweiserError            a message for the user (``user_message``) and one for the log
├── KnowledgeBaseError    a knowledge base that cannot be loaded; carries every problem found
└── ConfigurationError    a missing or malformed setting
"""

from __future__ import annotations


class WegweiserError(Exception):
    """Base class: ``str(error)`` is for the log, ``user_message`` may be shown to a person."""

    def __init__(self, log_message: str, user_message: str | None = None) -> None:
        super().__init__(log_message)
        self.user_message = user_message or log_message


class KnowledgeBaseError(WegweiserError):
    """A knowledge base has errors; ``report`` lists them one per line with file and field."""

    def __init__(self, report: str) -> None:
        super().__init__(report)
        self.report = report


class ConfigurationError(WegweiserError):
    """A setting is missing or malformed."""
