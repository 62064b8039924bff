"""The two caches in front of the database and the matcher keep results identical."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.matching import Document, Matcher
from bot.services.caches import UserCache

T0 = datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_user_cache_is_fresh_for_a_while_then_asks_again() -> None:
    cache = UserCache(size=2, touch_every=timedelta(hours=1))
    assert cache.fresh(1, T0) is None
    cache.put(1, "tr", T0)
    seen = cache.fresh(1, T0 + timedelta(minutes=59))
    assert seen is not None
    assert seen.language == "tr"
    assert cache.fresh(1, T0 + timedelta(hours=1)) is None  # time to write last_seen again


def test_user_cache_is_bounded_and_forgets() -> None:
    cache = UserCache(size=2)
    cache.put(1, "de", T0)
    cache.put(2, "ar", T0)
    cache.fresh(1, T0)  # 1 was used last, so 2 goes first
    cache.put(3, None, T0)
    assert cache.fresh(2, T0) is None
    assert cache.fresh(1, T0) is not None
    cache.forget(1)
    assert cache.fresh(1, T0) is None


def test_match_results_are_the_same_from_the_cache() -> None:
    matcher = Matcher([Document("school", "de", "Wo melde ich mein Kind in der Schule an?")])
    first = matcher.match("Schule anmelden")
    assert matcher.match("Schule anmelden") is first
    assert matcher.match("Schule anmelden", limit=1) == first
