"""A raw ASGI app served by uvicorn on a free loopback port, in a background thread, started and
stopped in milliseconds (a fixture starts one for every test), noticing clients that go away."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn


class Abort(asyncio.Event):
    """Set when the client disconnects (`client_gone`) or the server stops."""

    client_gone = False


async def wait(event: asyncio.Event, seconds: float) -> bool:
    """Sleep up to `seconds`; True at once if `event` is set meanwhile."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
        return True
    except TimeoutError:
        return False


async def read_body(receive: Callable) -> bytes | None:
    """The whole request body; None when the client went away first."""
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


class LoopbackServer:
    """Subclasses write `_app` (ASGI 3). `url` is http://127.0.0.1:PORT."""

    thread_name = "loopback-asgi"

    def __init__(self, port: int | None = None):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", port or 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.reply_headers: dict[str, str] = {}  # added to every response (e.g. a router's)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._active: set[Abort] = set()  # one per request being answered
        self._stopping = False

    async def _app(self, scope: dict, receive: Callable, send: Callable) -> None:
        raise NotImplementedError

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> Any:
        """Serve in a background thread; return once the port accepts connections."""
        config = uvicorn.Config(
            self._app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            interface="asgi3",
            http="h11",
            loop="asyncio",
            timeout_keep_alive=5,
        )
        self._server = uvicorn.Server(config)
        self._ready = threading.Event()
        self._thread = threading.Thread(
            target=asyncio.run, args=(self._serve(),), name=f"{self.thread_name}-{self.port}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(15) or not self._server.started:
            raise RuntimeError(f"{type(self).__name__} did not start")
        return self

    async def _serve(self) -> None:
        # uvicorn's own run loop polls for exit every 0.1 s and sleeps again on shutdown; a fixture
        # started for every test wants start/stop in milliseconds, so drive startup/shutdown here.
        server = self._server
        assert server is not None
        self._loop = asyncio.get_running_loop()
        self._stop_event = asyncio.Event()
        try:
            server.config.load()
            server.lifespan = server.config.lifespan_class(server.config)
            await server.startup(sockets=[self._sock])
        finally:
            self._ready.set()
        await self._stop_event.wait()
        self._stopping = True
        for abort in list(self._active):
            abort.set()
        for listener in server.servers:
            listener.close()
        for connection in list(server.server_state.connections):
            connection.shutdown()  # idle keep-alive connections close now, busy ones after their response
        deadline = self._loop.time() + 1.0
        while server.server_state.connections and self._loop.time() < deadline:
            await asyncio.sleep(0.005)
        for task in list(server.server_state.tasks):
            task.cancel()
        for connection in list(server.server_state.connections):
            connection.transport.close()
        await asyncio.sleep(0)

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and self._thread is not None and self._thread.is_alive():
            loop.call_soon_threadsafe(self._stop_event.set)
            self._thread.join(timeout=10)
        self._sock.close()

    close = stop

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- per request ---------------------------------------------------------------------------
    async def _answer(self, receive: Callable, respond: Callable[[Abort], Any]) -> None:
        """Run `respond(abort)`; `abort` is set when the client goes away or the server stops."""
        abort = Abort()

        async def watch() -> None:
            while True:
                if (await receive())["type"] == "http.disconnect":
                    abort.client_gone = True
                    abort.set()
                    return

        watcher = asyncio.ensure_future(watch())
        self._active.add(abort)
        if self._stopping:
            abort.set()
        try:
            await respond(abort)
        except asyncio.CancelledError:
            pass  # the server is stopping
        finally:
            watcher.cancel()
            self._active.discard(abort)

    async def _send(self, send: Callable, status: int, body: bytes, content_type: str) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
                + self._extra_headers(),
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _extra_headers(self) -> list[tuple[bytes, bytes]]:
        return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.reply_headers.items()]

    # -- helpers for tests ---------------------------------------------------------------------
    @staticmethod
    def wait_for(predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.01)
        return predicate()
