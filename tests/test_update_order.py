"""Updates run concurrently across chats, in order within one chat."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.update_order import ChatOrderedProcessor
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
