"""Flood control per chat: a token bucket (a burst, then a steady rate), one notice per flood.

A family typing a question in three short messages is never held back (the burst); one chat
sending a hundred messages in three seconds gets a few answers, one polite notice, and then
silence until it slows down — the others are not slowed by it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    """What to do with one message of a chat."""

    ANSWER = "answer"
    NOTICE = "notice"  # the first message over the limit: say so once
    QUIET = "quiet"  # over the limit, already told


@dataclass
class _Bucket:
    tokens: float
    at: float
    told: bool = False


class FloodGate:
    """``check(chat_id, now)`` for every message; *now* in seconds (any steady origin)."""

    def __init__(self, burst: int = 8, per_second: float = 0.5, chats: int = 50_000) -> None:
        self.burst, self.per_second, self.chats = float(burst), per_second, chats
        self._buckets: OrderedDict[int, _Bucket] = OrderedDict()

    def check(self, chat_id: int, now: float) -> Verdict:
        """Answer, notice or stay quiet; spends one token when answering."""
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            bucket = self._buckets[chat_id] = _Bucket(self.burst, now)
            while len(self._buckets) > self.chats:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(chat_id)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            if bucket.tokens >= self.burst / 2:
                bucket.told = False  # calm again: a later flood is told again
            return Verdict.ANSWER
        if bucket.told:
            return Verdict.QUIET
        bucket.told = True
        return Verdict.NOTICE
