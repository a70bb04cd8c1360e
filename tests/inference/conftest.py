"""A real HTTP server on 127.0.0.1 that answers like vLLM's OpenAI-compatible API.

Stdlib only (ThreadingHTTPServer), so the tests exercise httpx, sockets, chunked SSE and
disconnects for real. Each test gets a fresh server it can script through attributes.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class FakeVLLM:
    def __init__(self) -> None:
        self.models = ["megrez"]
        self.reply = "Paris is the capital of France.[citation:1]"
        self.piece_chars = 4  # characters per streamed chunk (vLLM sends roughly one token per chunk)
        self.chunk_delay_s = 0.0
        self.delay_s = 0.0  # before answering at all
        self.fail: tuple[int, Any] | None = None  # answer every POST with this status and body
        self.mid_stream_error: dict[str, Any] | None = None  # sent as an SSE data line after 2 chunks
        self.requests: list[dict[str, Any]] = []  # {"method", "path", "headers", "body"}
        self.disconnected = threading.Event()  # set when a stream's client went away before the end
        self.streams_finished = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeVLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def pieces(self) -> list[str]:
        n = self.piece_chars
        return [self.reply[i : i + n] for i in range(0, len(self.reply), n)]

    def usage(self, prompt_count: int = 1) -> dict[str, int]:
        return {
            "prompt_tokens": 11 * prompt_count,
            "completion_tokens": 7 * prompt_count,
            "total_tokens": 18 * prompt_count,
        }


def _handler_for(fake: FakeVLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # chunked streaming, keep-alive: like uvicorn in front of vLLM

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            fake.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers), "body": None})
            if self.path == "/v1/models":
                data = [{"id": m, "object": "model", "created": 0, "owned_by": "vllm", "root": m} for m in fake.models]
                self._json(200, {"object": "list", "data": data})
            else:
                self._json(404, {"detail": "Not Found"})

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = json.loads(raw)
            fake.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "body": body})
            if fake.delay_s:
                time.sleep(fake.delay_s)
            if fake.fail:
                status, payload = fake.fail
                return self._json(status, payload) if not isinstance(payload, str) else self._text(status, payload)
            if body.get("model") not in fake.models:
                message = f"The model `{body.get('model')}` does not exist."
                return self._json(
                    404, {"error": {"message": message, "type": "NotFoundError", "param": None, "code": 404}}
                )
            chat = self.path == "/v1/chat/completions"
            if self.path not in ("/v1/chat/completions", "/v1/completions"):
                return self._json(404, {"detail": "Not Found"})
            if body.get("stream"):
                return self._stream(body, chat)
            if chat:
                choice = {"index": 0, "message": {"role": "assistant", "content": fake.reply}, "finish_reason": "stop"}
                return self._json(200, _envelope("chat.completion", body, [choice], fake.usage()))
            prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
            choices = [
                {"index": i, "text": f"{fake.reply} #{i}: {p}", "logprobs": None, "finish_reason": "length"}
                for i, p in enumerate(prompts)
            ]
            choices.reverse()  # a batch's choices need not come back in prompt order
            self._json(200, _envelope("text_completion", body, choices, fake.usage(len(prompts))))

        def _stream(self, body: dict[str, Any], chat: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            kind = "chat.completion.chunk" if chat else "text_completion"

            def choice(text: str, finish: str | None) -> dict[str, Any]:
                if chat:
                    return {"index": 0, "delta": {"content": text}, "logprobs": None, "finish_reason": finish}
                return {"index": 0, "text": text, "logprobs": None, "finish_reason": finish}

            events: list[Any] = []
            if chat:  # vLLM opens a chat stream with the role and empty content
                events.append(
                    _envelope(
                        kind,
                        body,
                        [
                            {
                                "index": 0,
                                "delta": {"role": "assistant", "content": ""},
                                "logprobs": None,
                                "finish_reason": None,
                            }
                        ],
                    )
                )
            for i, piece in enumerate(fake.pieces()):
                if fake.mid_stream_error and i == 2:
                    events.append(fake.mid_stream_error)
                    break
                events.append(_envelope(kind, body, [choice(piece, None)]))
            else:
                events.append(_envelope(kind, body, [choice("", "stop")]))
                if (body.get("stream_options") or {}).get("include_usage"):
                    events.append(_envelope(kind, body, [], fake.usage()))
            try:
                for event in events:
                    self._chunk(f"data: {json.dumps(event)}\n\n")
                    if fake.chunk_delay_s:
                        time.sleep(fake.chunk_delay_s)
                self._chunk("data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                fake.streams_finished += 1
            except (BrokenPipeError, ConnectionResetError):
                fake.disconnected.set()  # what vLLM turns into an abort of the request

        def _chunk(self, text: str) -> None:
            data = text.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _json(self, status: int, payload: Any) -> None:
            self._text(status, json.dumps(payload), "application/json")

        def _text(self, status: int, text: str, content_type: str = "text/plain") -> None:
            data = text.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                fake.disconnected.set()

    return Handler


def _envelope(
    kind: str, body: dict[str, Any], choices: list[Any], usage: dict[str, int] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": "cmpl-test",
        "object": kind,
        "created": 1730000000,
        "model": body["model"],
        "choices": choices,
    }
    if usage is not None:
        out["usage"] = usage
    return out


@pytest.fixture
def fake_vllm():
    server = FakeVLLM().start()
    yield server
    server.stop()


@pytest.fixture
def closed_port_url() -> str:
    """A URL where nothing listens: bind a port, then let it go."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
