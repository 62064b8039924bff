"""The flood gate: a burst passes, a flood is told once, calm chats are never held back."""

from __future__ import annotations

from bot.core.flood import FloodGate, Verdict


def test_a_burst_passes_then_one_notice_then_quiet() -> None:
    gate = FloodGate(burst=8, per_second=0.5)
    verdicts = [gate.check(1, 0.01 * n) for n in range(100)]
    assert verdicts[:8] == [Verdict.ANSWER] * 8
    assert verdicts[8] == Verdict.NOTICE
    assert set(verdicts[9:]) == {Verdict.QUIET}


def test_one_chat_flooding_does_not_touch_another() -> None:
    gate = FloodGate(burst=8, per_second=0.5)
    for n in range(50):
        gate.check(1, n * 0.01)
    assert gate.check(2, 0.5) is Verdict.ANSWER


def test_a_chat_that_slows_down_is_answered_again_and_told_again_next_time() -> None:
    gate = FloodGate(burst=4, per_second=1.0)
    for n in range(10):
        gate.check(1, n * 0.01)
    assert gate.check(1, 1.2) is Verdict.ANSWER  # one token came back
    assert gate.check(1, 60.0) is Verdict.ANSWER  # calm: the bucket is full again
    flood = [gate.check(1, 60.0 + n * 0.001) for n in range(6)]
    assert Verdict.NOTICE in flood


def test_a_family_writing_at_a_human_pace_is_never_held_back() -> None:
    gate = FloodGate()
    assert {gate.check(7, n * 3.0) for n in range(200)} == {Verdict.ANSWER}


def test_memory_is_bounded() -> None:
    gate = FloodGate(chats=100)
    for chat in range(1000):
        gate.check(chat, 0.0)
    assert len(gate._buckets) == 100
