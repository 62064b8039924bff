"""Updates run concurrently across chats, in order within one chat."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.telegram.update_order import ChatOrderedProcessor
from tests import updates


def _update(chat_id: int) -> Update:
    return Update.de_json(updates.text(chat_id, "hallo"), None)


async def test_one_chat_in_order_many_chats_at_once() -> None:
    processor = ChatOrderedProcessor(16)
    log: list[str] = []
    running = 0
    most = 0

    async def handle(name: str, seconds: float) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(seconds)
        log.append(name)
        running -= 1

    await asyncio.gather(
        processor.process_update(_update(1), handle("a1", 0.05)),
        processor.process_update(_update(1), handle("a2", 0.0)),
        processor.process_update(_update(2), handle("b1", 0.01)),
        processor.process_update(_update(1), handle("a3", 0.0)),
    )
    assert [n for n in log if n.startswith("a")] == ["a1", "a2", "a3"]
    assert log.index("b1") < log.index("a1")  # chat 2 did not wait for chat 1
    assert most == 2
    assert processor._locks == {}  # nothing kept once a chat is idle


async def test_a_busy_conversation_does_not_take_the_slots_of_others() -> None:
    processor = ChatOrderedProcessor(2)
    done: list[str] = []
    release = asyncio.Event()

    async def slow() -> None:
        await release.wait()
        done.append("a-slow")

    async def quick(name: str) -> None:
        done.append(name)

    busy = [processor.process_update(_update(1), slow())]
    busy += [processor.process_update(_update(1), quick(f"a{n}")) for n in range(5)]
    running = [asyncio.ensure_future(c) for c in busy]
    await asyncio.sleep(0.01)
    await asyncio.wait_for(processor.process_update(_update(2), quick("b")), 1)
    assert done == ["b"]  # chat 2 ran while five of chat 1 waited behind the slow one
    release.set()
    await asyncio.gather(*running)
    assert done == ["b", "a-slow", "a0", "a1", "a2", "a3", "a4"]


async def test_staff_topics_of_one_group_are_separate_conversations() -> None:
    processor = ChatOrderedProcessor(4)
    release = asyncio.Event()
    done: list[int] = []

    async def in_topic(topic: int, wait: bool) -> None:
        if wait:
            await release.wait()
        done.append(topic)

    def topic_update(topic: int) -> Update:
        return Update.de_json(updates.in_topic(-100123, topic, 5001, text="Hallo"), None)

    first = asyncio.ensure_future(processor.process_update(topic_update(101), in_topic(101, True)))
    await asyncio.sleep(0.01)
    await asyncio.wait_for(processor.process_update(topic_update(102), in_topic(102, False)), 1)
    assert done == [102]
    release.set()
    await first
    assert done == [102, 101]
