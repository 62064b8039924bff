"""The durable inbox: stored before it is confirmed, handled once, replayed after a crash."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import event
from telegram import Update

from bot.db import InboxUpdate
from bot.telegram.inbox import DurableUpdateQueue, Inbox
from tests import updates
from tests.fakes import FakeTelegram
from tests.harness import Bot, start_app, stop_app


def _update(bot: Bot, update_id: int, text: str = "Wo ist das Internationale Zentrum?") -> Update:
    payload = updates.text(70001, text)
    payload["update_id"] = update_id
    return Update.de_json(payload, bot.app.bot)


def _queue(bot: Bot) -> DurableUpdateQueue:
    queue = bot.app.update_queue
    assert isinstance(queue, DurableUpdateQueue)
    return queue


async def test_an_update_is_stored_before_it_is_queued_and_a_redelivery_is_dropped(
    bot: Bot,
) -> None:
    queue = _queue(bot)
    update = _update(bot, 900_001)
    await queue.put(update)
    assert queue.qsize() == 1
    [row] = await bot.rows(InboxUpdate)
    assert (row.update_id, row.handled_at) == (900_001, None)
    assert row.payload is not None
    assert "Internationale Zentrum" in row.payload
    await queue.put(_update(bot, 900_001))  # Telegram delivers it again while it is in flight
    assert queue.qsize() == 1
    processor = bot.app.update_processor
    await processor.process_update(update, bot.app.process_update(queue.get_nowait()))
    await bot.data.settle()
    await bot.data.inbox.stop()  # writes the marks that wait
    [row] = await bot.rows(InboxUpdate)
    assert row.outcome == "handled"
    assert row.payload is None  # the text is not kept once handled
    await queue.put(_update(bot, 900_001))  # and again after it was handled
    assert queue.qsize() == 0
    assert len(bot.api.texts()) == 1  # answered once


async def test_what_was_stored_but_not_handled_is_handled_after_a_restart(
    bot: Bot, database_url: str
) -> None:
    inbox: Inbox = bot.data.inbox
    assert await inbox.admit(_update(bot, 900_002))  # fetched and stored, then the process died
    await stop_app(bot.app)
    api = FakeTelegram()
    app = await start_app(database_url, api)  # the same host, a new process id: taken over
    bot.app = app
    try:
        queue = _queue(bot)
        assert queue.qsize() == 0  # this test process is still "alive": not taken at once
        inbox = bot.data.inbox
        async with bot.sessions() as session:
            row = await session.get(InboxUpdate, 900_002)
            assert row is not None
            row.lease_until = bot.clock() - timedelta(seconds=1)  # the lease ran out
            await session.commit()
        assert await inbox.replay() == 1
        assert queue.qsize() == 1
        replayed = queue.get_nowait()
        assert isinstance(replayed, Update)
        assert replayed.update_id == 900_002
        assert replayed.effective_message is not None
        assert replayed.effective_message.text == "Wo ist das Internationale Zentrum?"
    finally:
        bot.app = app  # the fixture stops it


async def test_an_unreadable_stored_update_is_set_aside_and_the_rest_goes_on(bot: Bot) -> None:
    inbox: Inbox = bot.data.inbox
    readable = updates.text(81_077, "Wo ist das Internationale Zentrum?")
    before = bot.clock() - timedelta(minutes=5)
    async with bot.sessions() as session:
        session.add(InboxUpdate(update_id=900_077, chat_id=1, payload='{"message": null}',
                                received_at=before))  # fmt: skip
        payload = json.dumps({**readable, "update_id": 900_078})
        session.add(InboxUpdate(update_id=900_078, chat_id=81_077, received_at=before,
                                payload=payload))  # fmt: skip
        await session.commit()
    assert await inbox.replay() == 1  # the readable one; the broken one is set aside
    await inbox.stop()  # writes the marks that wait
    async with bot.sessions() as session:
        broken = await session.get(InboxUpdate, 900_077)
        assert broken is not None
        assert (broken.outcome, broken.payload) == ("gave_up", None)


async def test_the_updates_of_one_poll_are_stored_in_one_transaction_before_they_are_queued(
    bot: Bot,
) -> None:
    queue = _queue(bot)
    await queue.put(_update(bot, 900_100))  # an update delivered before (it is in flight)
    commits: list[object] = []
    engine = bot.data.engine.sync_engine
    listener = lambda connection: commits.append(connection)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        for update_id in (900_100, 900_101, 900_102, 900_103):
            payload = updates.text(70_000 + update_id % 100, "Wo ist das Internationale Zentrum?")
            bot.api.updates.append({**payload, "update_id": update_id})
        fetched = await bot.app.bot.get_updates(offset=900_100)
        assert [u.update_id for u in fetched] == [900_100, 900_101, 900_102, 900_103]
        assert len(commits) == 1  # one write for the poll, before the poller saw anything
        stored = {row.update_id: row for row in await bot.rows(InboxUpdate)}
        assert sorted(stored) == [900_100, 900_101, 900_102, 900_103]
        assert stored[900_102].chat_id == 70_002
        assert stored[900_102].payload is not None
        for update in fetched:  # what PTB's poller does next
            await queue.put(update)
        assert len(commits) == 1  # queueing did not write again
        queued = [queue.get_nowait() for _ in range(queue.qsize())]
        # The first one once: queued before, its redelivery dropped.
        expected = [900_100, 900_101, 900_102, 900_103]
        assert [u.update_id for u in queued if isinstance(u, Update)] == expected
    finally:
        event.remove(engine, "commit", listener)
