"""``/healthz``: 200 while the database answers and nothing waits too long; 503 otherwise."""

from __future__ import annotations

import socket
from datetime import timedelta

import httpx
from sqlalchemy import delete

from bot.db import InboxUpdate, create_engine, session_factory
from bot.telegram.health import STUCK, HealthServer
from bot.telegram.inbox import Inbox
from tests.fakes import FakeTelegram
from tests.harness import Bot, TestClock, clear_tables, start_app, stop_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_healthy_then_stuck_when_an_update_waits_too_long(database_url: str) -> None:
    port = free_port()
    app = await start_app(database_url, FakeTelegram(), health_port=port)
    bot = Bot(app, FakeTelegram())
    await clear_tables(app)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            healthy = await client.get("/healthz")
            assert healthy.status_code == 200
            assert healthy.json() == {"healthy": True, "database": "ok",
                                      "oldest_waiting_seconds": 0.0, "inbox": "ok"}  # fmt: skip
            async with bot.sessions() as session:
                waiting = bot.clock() - STUCK - timedelta(seconds=30)
                session.add(InboxUpdate(update_id=77, chat_id=1, payload="{}",
                                        received_at=waiting))  # fmt: skip
                await session.commit()
            stuck = await client.get("/healthz")
            assert stuck.status_code == 503
            assert stuck.json()["inbox"] == "stuck"
            assert (await client.get("/metrics")).status_code == 404
    finally:
        async with bot.sessions() as session:  # PostgreSQL is shared by the run
            await session.execute(delete(InboxUpdate).where(InboxUpdate.update_id == 77))
            await session.commit()
        await stop_app(app)


async def test_unhealthy_when_the_database_cannot_be_reached() -> None:
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:9/nowhere")
    port = free_port()
    server = HealthServer(Inbox(session_factory(engine), TestClock()), TestClock(), "127.0.0.1",
                          port)  # fmt: skip
    await server.start()
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{port}/healthz")
        assert answer.status_code == 503
        assert answer.json()["database"] == "unreachable"
    finally:
        await server.stop()
        await engine.dispose()
