"""The real app under uvicorn with `server_options(settings)`, in a thread, as `websearch serve` runs it
(its connection limits and timeouts included, which testkit/app_server.py's ServedApp leaves out)."""

from __future__ import annotations

import threading
import time

import uvicorn

from api.app import create_app
from api.ops.server import server_options
from testkit.app_server import free_port


class Served:
    """The real app under uvicorn with `server_options(settings)`, as `websearch serve` runs it."""

    def __init__(self, settings):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning", **server_options(settings)
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the app did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)
