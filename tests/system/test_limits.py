"""Bounded inputs (issue 17, finding 1): every surface refuses what is over its caps at once, with the
JSON error, and the service keeps answering others meanwhile."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import openai
import pytest

from testkit.settings import make_settings
from testkit.app_server import ServedApp
from testkit.raw_http import raw_post

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
MB = 1_000_000


def healthz_times(app, stop: threading.Event) -> list[float]:
    """Time `/healthz` over and over until `stop` is set (in the caller's thread)."""
    times = []
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            started = time.monotonic()
            assert client.get(app.base_url + "/healthz").status_code == 200
            times.append(time.monotonic() - started)
            time.sleep(0.05)
    return times


def test_a_100_mb_history_is_refused_at_once_while_healthz_keeps_answering(app):
    """The reproduction: 100 user messages of 1 MB each plus a short question, on the OpenAI surface."""
    big = json.dumps({"role": "user", "content": "x" * MB})
    head = f'{{"model": "megrez-websearch", "messages": [{",".join([big] * 3)}'.encode()
    length = 100 * (len(big) + 1) + 200  # what the whole body would be

    def body_chunks():
        yield head
        while True:
            yield b"," + big.encode()  # the client keeps sending: the server must not wait for it

    stop = threading.Event()
    result: dict = {}
    timer = threading.Thread(target=lambda: result.setdefault("times", healthz_times(app, stop)))
    timer.start()
    try:
        time.sleep(0.2)
        declared = raw_post(
            app.port, "/v1/chat/completions",
            {"Content-Type": "application/json", "Content-Length": str(length)}, body_chunks(),
        )
        streamed = raw_post(  # no Content-Length: the bytes are counted as they arrive
            app.port, "/v1/chat/completions",
            {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
            (b"%x\r\n%s\r\n" % (len(c), c) for c in body_chunks()),
        )
        time.sleep(0.2)
    finally:
        stop.set()
        timer.join()
    for status, body, elapsed in (declared, streamed):
        assert status == 413
        assert body["error"]["code"] == "request_too_large"
        assert "1048576 bytes" in body["error"]["message"]
        assert elapsed < 5  # answered at once, not after 100 MB
    assert result["times"] and max(result["times"]) < 1.0, result["times"]


def openai_client(app) -> openai.OpenAI:
    return openai.OpenAI(base_url=app.base_url + "/v1", api_key="unused", max_retries=0, timeout=30)


@pytest.fixture
def capped_app(local_web, megrez):
    settings = make_settings(
        local_web, megrez, max_messages=6, max_message_chars=5_000, max_history_chars=12_000
    )
    with ServedApp(settings) as served:
        yield served


@pytest.mark.parametrize(
    "history, code",
    [
        ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}] * 4, "too_many_messages"),
        ([{"role": "user", "content": "y" * 5_001}], "message_too_large"),
        ([{"role": "user", "content": "z" * 4_000}] * 4, "history_too_large"),  # each fits, together not
    ],
)
def test_openai_history_over_a_cap_is_a_413_and_nothing_is_stored(capped_app, megrez, history, code):
    with pytest.raises(openai.APIStatusError) as caught:
        openai_client(capped_app).chat.completions.create(
            model="megrez-websearch", messages=[*history, {"role": "user", "content": QUESTION}]
        )
    assert caught.value.status_code == 413
    assert caught.value.body["code"] == code
    assert not [r for r in megrez.requests if "completions" in r["path"]]  # the model was never asked
    assert capped_app.app.state.engine.deps.store.conversation_ids() == []  # and nothing was kept


def test_the_question_cap_is_the_same_on_every_surface(app, megrez):
    question = "桥" * 1_600  # under 4,000 characters, over 1,500 tokens
    rest = httpx.post(app.base_url + "/v1/answer", json={"question": question}, timeout=30)
    assert rest.status_code == 422 and "at most 1500" in rest.json()["error"]["message"]
    with pytest.raises(openai.UnprocessableEntityError) as caught:
        openai_client(app).chat.completions.create(
            model="megrez-websearch", messages=[{"role": "user", "content": question}]
        )
    assert "at most 1500" in caught.value.body["message"]
    too_many_chars = "a " * 2_100  # 4,200 characters
    assert httpx.post(app.base_url + "/v1/answer", json={"question": too_many_chars}).status_code == 422
    with pytest.raises(openai.UnprocessableEntityError):
        openai_client(app).chat.completions.create(
            model="megrez-websearch", messages=[{"role": "user", "content": too_many_chars}]
        )
    assert not [r for r in megrez.requests if "completions" in r["path"]]


def test_a_declared_oversized_body_is_refused_before_a_byte_of_it_is_sent(app):
    """A client that declares 2 MB is answered 413 from its headers alone: the server never waits for
    (nor reads) a body it would refuse. Nothing is sent after the headers: a server that waited for
    the body would not answer at all."""
    for path in ("/v1/chat/completions", "/v1/answer"):
        status, body, _ = raw_post(
            app.port, path, {"Content-Type": "application/json", "Content-Length": str(2 * MB)}, [], read_timeout=15
        )
        assert status == 413 and body["error"]["code"] == "request_too_large", body


def test_exactly_max_messages_are_accepted_and_one_more_is_not(capped_app):
    """max_messages=6 counts every message of the request, the system message and the question too."""
    turn = [{"role": "user", "content": "When did the Aurora Bridge open?"},
            {"role": "assistant", "content": "It opened in May 2021."}]
    system = {"role": "system", "content": "Answer briefly."}
    client = openai_client(capped_app)
    six = [system, *turn, *turn, {"role": "user", "content": "桥花了多少钱？"}]
    assert client.chat.completions.create(model="megrez-websearch", messages=six).choices[0].message.content
    seven = [*turn, *turn, *turn, {"role": "user", "content": QUESTION}]
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="megrez-websearch", messages=seven)
    assert caught.value.status_code == 413 and caught.value.body["code"] == "too_many_messages"


def _raw_head(port: int, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send a request as given; the status, headers (lower-cased names) and body of the answer (read
    to the end of the connection, which a refusal closes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(head + body)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    top, _, rest = received.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, rest


def test_a_refusal_closes_the_connection_and_a_content_length_that_is_no_number_is_a_400(app):
    head = b"POST /v1/answer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    status, headers, body = _raw_head(app.port, head % (2 * MB))  # the unread body cannot be skipped
    assert status == 413 and headers["connection"] == "close"
    assert json.loads(body)["error"]["code"] == "request_too_large"
    bad = b"POST /v1/answer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: lots\r\n\r\n"
    status, _, body = _raw_head(app.port, bad)
    assert status == 400


def _body_of(size: int) -> bytes:
    """A valid /v1/answer request of exactly `size` bytes (JSON whitespace carries the padding)."""
    start, end = b'{"question": "Hello!"', b"}"
    return start + b" " * (size - len(start) - len(end)) + end


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_a_body_of_exactly_max_body_bytes_is_read_and_one_byte_more_is_not(app, chunked):
    def parts(body: bytes) -> list[bytes]:
        pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)]
        if not chunked:
            return pieces
        return [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"]

    def head(size: int) -> dict[str, str]:
        framing = {"Transfer-Encoding": "chunked"} if chunked else {"Content-Length": str(size)}
        return {"Content-Type": "application/json", "Connection": "close", **framing}

    exact, over = _body_of(1_048_576), _body_of(1_048_577)
    assert (len(exact), len(over)) == (1_048_576, 1_048_577)
    status, _, answer = _raw_head(
        app.port, b"POST /v1/answer HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in head(len(exact)).items()).encode() + b"\r\n",
        b"".join(parts(exact)),
    )
    assert status == 200, answer[:300]  # read, parsed and answered
    status, body, _ = raw_post(app.port, "/v1/answer", head(len(over)), parts(over))
    assert status == 413 and body["error"]["code"] == "request_too_large"


def test_the_mcp_endpoint_refuses_an_oversized_chunked_body_with_the_json_error(app):
    """/mcp reads its body itself (the MCP SDK, not FastAPI): the cap still answers 413 with the JSON
    error, not a dropped connection or a 500."""
    big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"pad": "p" * (2 * MB)}}).encode()
    pieces = [big[i : i + 65536] for i in range(0, len(big), 65536)]
    status, body, _ = raw_post(
        app.port,
        "/mcp",
        {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "Transfer-Encoding": "chunked"},
        [b"%x\r\n%s\r\n" % (len(p), p) for p in pieces] + [b"0\r\n\r\n"],
    )
    assert status == 413 and body["error"]["code"] == "request_too_large"


def test_the_question_caps_hold_at_their_exact_edges(app):
    def status(question: str) -> int:
        return httpx.post(app.base_url + "/v1/answer", json={"question": question, "stream": False}, timeout=60).status_code

    assert status("x" * 4_001) == 422  # over 4,000 characters though only a few tokens
    assert status("桥" * 1_501) == 422  # one token over 1,500
    assert status("桥" * 1_500) == 200  # exactly the token cap
    assert status("x" * 4_000) == 200  # exactly the character cap
