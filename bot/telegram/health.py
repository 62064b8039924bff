"""``GET /healthz`` for the process supervisor or load balancer (webhook mode): 200 when the
database answers and no update has waited longer than ``STUCK``, else 503; JSON either way."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import timedelta

from bot.services.ports import Clock
from bot.telegram.inbox import Inbox

log = logging.getLogger("wegweiser")
STUCK = timedelta(minutes=2)  # an update older than this, still not handled: something is wrong
READ_LIMIT = 8192


class HealthServer:
    """A tiny HTTP server beside the webhook: it answers ``/healthz`` and nothing else."""

    def __init__(self, inbox: Inbox, clock: Clock, host: str, port: int) -> None:
        self.inbox, self.clock, self.host, self.port = inbox, clock, host, port
        self._server: asyncio.Server | None = None

    async def check(self) -> tuple[bool, dict[str, object]]:
        """Healthy?, and what was found."""
        try:
            oldest = await self.inbox.oldest_waiting()
        except Exception as exc:
            return False, {"database": "unreachable", "error": type(exc).__name__}
        waited = (self.clock() - oldest).total_seconds() if oldest else 0.0
        stuck = waited > STUCK.total_seconds()
        return not stuck, {"database": "ok", "oldest_waiting_seconds": round(waited, 1),
                           "inbox": "stuck" if stuck else "ok"}  # fmt: skip

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            writer.close()
            return
        line = request.split(b"\r\n", 1)[0].decode("latin-1").split()
        if len(line) >= 2 and line[0] == "GET" and line[1].split("?")[0] == "/healthz":
            healthy, found = await self.check()
            status = "200 OK" if healthy else "503 Service Unavailable"
            body = json.dumps({"healthy": healthy, **found}).encode()
        else:
            status, body = "404 Not Found", b'{"error": "only /healthz is here"}'
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()

    async def start(self) -> None:
        """Listen on host:port."""
        self._server = await asyncio.start_server(
            self._serve, self.host, self.port, limit=READ_LIMIT
        )
        log.info("health check on http://%s:%d/healthz", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
