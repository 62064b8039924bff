"""Fault-injecting proxies for process-level tests and benches (stdlib threads and httpx).

:class:`BotApiProxy` sits between the bot and the Bot API emulator (point the bot's
``WEGWEISER_TELEGRAM_API_URL`` at :attr:`BotApiProxy.url`). It forwards everything and can be told
at run time to answer a method like Telegram does when it refuses (429 with ``retry_after``,
500/502, a permanent 400 with a description), or to delay it, only for calls matching a
predicate, for N calls or until cleared; it counts the calls per method::

    with BotApiProxy(emulator.url) as proxy:
        proxy.refuse("copyMessage", Refusal.bad_request("message can't be copied"),
                     when=fields(chat_id=-100777), times=1)
        proxy.delay("sendMessage", 2.0)
        ...
        proxy.count("copyMessage")

:class:`TcpProxy` forwards a TCP port (e.g. PostgreSQL's 5432) and can be switched to an outage:
every open connection is closed and new ones are refused (or reset, or held silently) until
:meth:`TcpProxy.restore`::

    with TcpProxy("127.0.0.1", 5432) as database:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{database.port}/mydb"
        database.outage_for(15)        # returns at once; forwarding resumes after 15 s
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import json
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal, Self
from urllib.parse import parse_qsl, urlsplit

import httpx

__all__ = [
    "BotApiCall",
    "BotApiProxy",
    "OutageMode",
    "Refusal",
    "Rule",
    "TcpProxy",
    "fields",
    "first_message_only",
]

_METHOD = re.compile(r"^/bot[^/]+/(?P<method>\w+)")


# The Bot API proxy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BotApiCall:
    """One request of the bot: the Bot API method and its parameters (every value a string)."""

    method: str
    params: Mapping[str, str]

    def get(self, name: str) -> str | None:
        """The parameter *name*, or None."""
        return self.params.get(name)


Predicate = Callable[[BotApiCall], bool]


def fields(**expected: object) -> Predicate:
    """A predicate: every named parameter equals (as text) the given value, e.g. ``chat_id=7``;
    a name ending in ``__contains`` matches a substring, e.g. ``text__contains="Termin"``."""

    def matches(call: BotApiCall) -> bool:
        for name, wanted in expected.items():
            if name.endswith("__contains"):
                if str(wanted) not in (call.get(name.removesuffix("__contains")) or ""):
                    return False
            elif call.get(name) != str(wanted):
                return False
        return True

    return matches


def first_message_only(predicate: Predicate, key: str = "message_id") -> Predicate:
    """A predicate that latches on to the first call matching *predicate* and from then on
    matches only calls with the same *key* parameter: "this one message, every retry of it"."""
    latched: list[str | None] = []
    lock = threading.Lock()

    def matches(call: BotApiCall) -> bool:
        if not predicate(call):
            return False
        with lock:
            if not latched:
                latched.append(call.get(key))
            return call.get(key) == latched[0]

    return matches


@dataclass(frozen=True)
class Refusal:
    """What the proxy answers instead of Telegram: an HTTP status and a Bot API error body."""

    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def error(cls, code: int, description: str, **parameters: object) -> Refusal:
        """A Bot API error as Telegram sends it: ``ok: false``, ``error_code``, ``description``."""
        payload: dict[str, object] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            payload["parameters"] = parameters
        return cls(code, json.dumps(payload).encode())

    @classmethod
    def too_many_requests(cls, retry_after: int = 5) -> Refusal:
        """HTTP 429, flood control: retry after *retry_after* seconds."""
        return cls.error(
            429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )

    @classmethod
    def bad_request(cls, description: str) -> Refusal:
        """A permanent HTTP 400, e.g. ``bad_request("message is too long")``."""
        return cls.error(400, f"Bad Request: {description.removeprefix('Bad Request: ')}")

    @classmethod
    def server_error(cls, status: int = 500) -> Refusal:
        """HTTP 500 (Telegram's own error) or 502/503/504 (the gateway's HTML page)."""
        if status == 500:
            return cls.error(500, "Internal Server Error")
        page = f"<html><body><h1>{status} Bad Gateway</h1></body></html>".encode()
        return cls(status, page, "text/html")


@dataclass
class Rule:
    """A fault for one method (``"*"``: every method): refuse and/or delay matching calls.

    *times* None: until cleared; otherwise the rule is used up after that many matching calls.
    """

    method: str
    refusal: Refusal | None = None
    delay: float = 0.0
    when: Predicate | None = None
    times: int | None = None
    hits: int = 0

    def applies_to(self, call: BotApiCall) -> bool:
        """Whether this rule takes *call* (not yet used up, method and predicate match)."""
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method not in ("*", call.method):
            return False
        return self.when is None or self.when(call)


@dataclass
class _Log:
    calls: list[tuple[BotApiCall, int]] = field(default_factory=list)  # (call, status answered)
    per_method: Counter[str] = field(default_factory=Counter)


def parse_params(body: bytes, content_type: str, query: str) -> dict[str, str]:
    """The parameters of a Bot API request: URL query, then the form, JSON or multipart body."""
    params = dict(parse_qsl(query))
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif kind == "application/json" and body:
        with contextlib.suppress(ValueError):
            decoded = json.loads(body)
            if isinstance(decoded, dict):
                params.update(
                    {k: v if isinstance(v, str) else json.dumps(v) for k, v in decoded.items()}
                )
    elif kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            if part.get_filename() is not None:
                params[name] = "<file>"
            else:
                payload = part.get_payload(decode=True)
                params[name] = (
                    payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
                )
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], proxy: BotApiProxy) -> None:
        self.proxy = proxy
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away is no error worth printing."""

    def close_open_connections(self) -> None:
        with self.sockets_lock:
            for sock in list(self.open_sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.sockets_lock:
            self.server.open_sockets.add(self.connection)

    def finish(self) -> None:
        with self.server.sockets_lock:
            self.server.open_sockets.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self._relay()

    def do_POST(self) -> None:
        self._relay()

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, content_type, answer = self.server.proxy.handle(
            self.command, self.path, self.headers.get("Content-Type", ""), body
        )
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)
        except OSError:
            self.close_connection = True


class _Running:
    """A proxy as a context manager: started on entry, stopped on exit."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class BotApiProxy(_Running):
    """An HTTP proxy in front of a Bot API server that refuses, delays and counts on demand."""

    def __init__(self, upstream: str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.upstream = upstream.rstrip("/")
        self._address = (host, port)
        self._rules: list[Rule] = []
        self._log = _Log()
        self._lock = threading.Lock()
        self._http: httpx.Client | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The proxy's root, for ``WEGWEISER_TELEGRAM_API_URL``."""
        if self._server is None:
            raise RuntimeError("the proxy is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Listen (on a free port unless one was given) and forward in a background thread."""
        # getUpdates long-polls: no read timeout of our own, the bot's decides.
        self._http = httpx.Client(base_url=self.upstream, timeout=httpx.Timeout(None, connect=5))
        self._server = _Server(self._address, self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening, close the bot's connections and the upstream client."""
        if self._server is not None:
            self._server.shutdown()
            self._server.close_open_connections()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._http is not None:
            self._http.close()
            self._http = None

    # What to do ------------------------------------------------------------------------------

    def refuse(
        self,
        method: str,
        refusal: Refusal,
        *,
        when: Predicate | None = None,
        times: int | None = None,
        delay: float = 0.0,
    ) -> Rule:
        """Answer *method* (``"*"``: any) with *refusal* instead of forwarding it, for calls
        matching *when*, *times* times (None: until cleared), after *delay* seconds."""
        return self._add(Rule(method, refusal, delay, when, times))

    def delay(
        self,
        method: str,
        seconds: float,
        *,
        when: Predicate | None = None,
        times: int | None = None,
    ) -> Rule:
        """Forward *method* after *seconds* (matching calls, *times* times or until cleared)."""
        return self._add(Rule(method, None, seconds, when, times))

    def clear(self, rule: Rule | None = None) -> None:
        """Drop one rule, or all of them."""
        with self._lock:
            self._rules = [r for r in self._rules if rule is not None and r is not rule]

    def _add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    # What happened ---------------------------------------------------------------------------

    def count(self, method: str) -> int:
        """How many calls of *method* the bot made (refused ones included)."""
        with self._lock:
            return self._log.per_method[method]

    def counts(self) -> dict[str, int]:
        """Calls per method so far."""
        with self._lock:
            return dict(self._log.per_method)

    def calls(self, method: str | None = None) -> list[tuple[BotApiCall, int]]:
        """Every call (of *method*) with the HTTP status the bot got, in arrival order."""
        with self._lock:
            return [(c, s) for c, s in self._log.calls if method in (None, c.method)]

    # The work --------------------------------------------------------------------------------

    def handle(
        self, verb: str, path: str, content_type: str, body: bytes
    ) -> tuple[int, str, bytes]:
        """Apply the first rule that takes this call, else forward it; (status, type, body)."""
        parts = urlsplit(path)
        found = _METHOD.match(parts.path)
        call = BotApiCall(
            found["method"] if found else parts.path, parse_params(body, content_type, parts.query)
        )
        with self._lock:
            rule = next((r for r in self._rules if r.applies_to(call)), None)
            if rule is not None:
                rule.hits += 1
            self._log.per_method[call.method] += 1
        if rule is not None and rule.delay:
            time.sleep(rule.delay)
        if rule is not None and rule.refusal is not None:
            status, kind, answer = (
                rule.refusal.status,
                rule.refusal.content_type,
                rule.refusal.body,
            )
        else:
            status, kind, answer = self._forward(verb, path, content_type, body)
        with self._lock:
            self._log.calls.append((call, status))
        return status, kind, answer

    def _forward(
        self, verb: str, path: str, content_type: str, body: bytes
    ) -> tuple[int, str, bytes]:
        assert self._http is not None
        headers = {"Content-Type": content_type} if content_type else {}
        try:
            response = self._http.request(verb, path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return 502, "text/plain", f"upstream: {exc}".encode()
        return (
            response.status_code,
            response.headers.get("Content-Type", "application/json"),
            response.content,
        )


# The TCP proxy -------------------------------------------------------------------------------

OutageMode = Literal["refuse", "reset", "stall"]


class _Pipe:
    """One client connection and its upstream connection, pumped both ways by two threads."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client, self.upstream = client, upstream
        self._finished = 0
        self._lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True),
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            self._finished += 1
            last = self._finished == len(self.threads)
        if last:  # the second pump to end closes both sockets
            self.client.close()
            self.upstream.close()

    @property
    def open(self) -> bool:
        return any(thread.is_alive() for thread in self.threads)

    def close(self) -> None:
        for sock in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self.threads:
            thread.join(timeout=2)


class TcpProxy(_Running):
    """Forwards a local port to *upstream*; :meth:`outage` cuts it off, :meth:`restore` heals it.

    Outage modes: ``"refuse"`` stops listening (connect fails at once, as when the server is
    down), ``"reset"`` accepts and resets each new connection, ``"stall"`` accepts and holds new
    connections silently (as a dead network does); held connections are forwarded on restore.
    """

    def __init__(
        self, upstream_host: str, upstream_port: int, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.host, self.port = host, port
        self.mode: OutageMode | None = None  # None: forwarding
        self.accepted = 0
        self._pipes: list[_Pipe] = []
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    def start(self) -> Self:
        """Listen and forward in a background thread."""
        self._listen()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._timer is not None:
            self._timer.cancel()
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self._close_listener()
        self._close_connections(held_too=True)

    @property
    def open_connections(self) -> int:
        """Connections being forwarded right now."""
        with self._lock:
            return sum(pipe.open for pipe in self._pipes)

    def outage(self, mode: OutageMode = "refuse") -> None:
        """Close every open connection; from now on new ones are treated as *mode* says."""
        with self._lock:
            self.mode = mode
        if mode == "refuse":
            self._close_listener()
        self._close_connections()

    def restore(self) -> None:
        """Forward again (connections held during a stall are forwarded now)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        with self._lock:
            was, self.mode = self.mode, None
            held, self._held = self._held, []
        if was == "refuse":
            self._listen()
        for client in held:
            self._forward(client)

    def outage_for(self, seconds: float, mode: OutageMode = "refuse") -> threading.Timer:
        """Start an outage now and :meth:`restore` after *seconds*; returns at once (the timer
        can be joined to wait for the end of the outage)."""
        self.outage(mode)
        self._timer = threading.Timer(seconds, self.restore)
        self._timer.daemon = True
        self._timer.start()
        return self._timer

    @contextlib.contextmanager
    def down(self, mode: OutageMode = "refuse") -> Iterator[None]:
        """An outage for the duration of a ``with`` block."""
        self.outage(mode)
        try:
            yield
        finally:
            self.restore()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(128)
        listener.settimeout(0.1)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener

    def _close_listener(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):  # wakes a thread in accept() and stops listening
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def _close_connections(self, *, held_too: bool = False) -> None:
        with self._lock:
            pipes, self._pipes = self._pipes, []
            held, self._held = (self._held, []) if held_too else ([], self._held)
        for pipe in pipes:
            pipe.close()
        for client in held:
            client.close()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                listener = self._listener
            if listener is None:
                time.sleep(0.05)
                continue
            try:
                client, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            with self._lock:
                mode = self.mode
                if mode == "stall":
                    self._held.append(client)
                    continue
            if mode == "reset":
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                client.close()
            elif mode == "refuse":  # accepted in the instant before the listener closed
                client.close()
            else:
                self._forward(client)

    def _forward(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        client.settimeout(None)
        with self._lock:
            self._pipes = [pipe for pipe in self._pipes if pipe.open]
            self._pipes.append(_Pipe(client, upstream))
