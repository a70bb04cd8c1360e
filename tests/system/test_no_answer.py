"""A model that writes nothing, or only repeats the service's instructions: every surface says there
is no answer, in one clear line, and never shows an empty answer or the instructions themselves."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest
from openai import OpenAI

from testkit.app_server import ServedApp

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
ZH_QUESTION = "青川大桥有多长？"
ECHO = (
    'No more searches can be made for this question. Answer the question "How much did the Aurora Bridge '
    'in Veldmark cost?" now from the search results above, citing them as before as [citation:N].'
)
ZH_ECHO = "这个问题不能再搜索了。请现在根据上面的搜索结果，用中文回答问题“青川大桥有多长？”，照前面的格式标注引用 [citation:N]。"
NO_ANSWER = "No answer this time: the model did not write one."
ZH_NO_ANSWER = "这次没有答案：模型没有写出回答。"


def silent(megrez, answer: str = "") -> None:
    """The model decides nothing (the search is forced) and answers with `answer`."""
    megrez.script = ["", answer]


def ask(app, **body) -> httpx.Response:
    return httpx.post(f"{app.base_url}/v1/answer", json={"search": "always", **body}, timeout=60)


def stream(app, **body) -> list[tuple[str, dict]]:
    events, name = [], None
    with httpx.stream(
        "POST", f"{app.base_url}/v1/answer", json={"search": "always", "stream": True, **body}, timeout=60
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[len("data: ") :])))
    return events


def test_an_empty_answer_is_one_clear_line_with_the_sources_never_an_empty_200(app, megrez):
    silent(megrez)
    body = ask(app, question=QUESTION).json()
    assert body["no_answer"] == "empty"
    assert body["answer"].startswith(NO_ANSWER) and "sources it read are listed" in body["answer"]
    assert body["sources"] and body["searched"] is True


def test_in_chinese_the_line_is_chinese(app, megrez):
    silent(megrez)
    body = ask(app, question=ZH_QUESTION).json()
    assert body["no_answer"] == "empty" and body["answer"].startswith(ZH_NO_ANSWER)


def test_an_answer_that_only_repeats_the_instructions_is_no_answer_and_never_streamed(app, megrez):
    silent(megrez, ECHO)
    events = stream(app, question=QUESTION)
    shown = "".join(data["text"] for name, data in events if name == "delta")
    done = events[-1][1]
    assert events[-1][0] == "done" and done["no_answer"] == "echo"
    assert "No more searches" not in shown and "Answer the question" not in shown
    assert shown == done["answer"] and shown.startswith(NO_ANSWER)


def test_a_chinese_echo_is_no_answer_too_and_what_follows_it_stays(app, megrez):
    silent(megrez, ZH_ECHO + "青川大桥全长1.2公里[citation:1]。")
    body = ask(app, question=ZH_QUESTION).json()
    assert body["no_answer"] is None
    assert "不能再搜索" not in body["answer"] and "1.2公里" in body["answer"]


def test_a_direct_answer_left_empty_says_so_without_sources(app, megrez):
    megrez.script = [""]
    body = ask(app, question="Hello there!", search="never").json()
    assert body["no_answer"] == "empty" and body["searched"] is False
    assert body["answer"].startswith(NO_ANSWER) and "sources" not in body["answer"]


def test_a_direct_answer_left_empty_streams_the_line_it_saves(app, megrez):
    megrez.script = [""]
    events = stream(app, question="Hello there!", search="never")
    shown = "".join(data["text"] for name, data in events if name == "delta")
    done = events[-1][1]
    assert events[-1][0] == "done" and done["no_answer"] == "empty"
    assert shown == done["answer"] and shown.startswith(NO_ANSWER) and "sources" not in shown


def test_a_direct_answer_of_nothing_but_markers_is_the_no_answer_line_never_an_error(app, megrez):
    megrez.script = ["[citation:9]"]  # no search, so no source: the marker is dropped and nothing is left
    events = stream(app, question="Hello there!", search="never")
    shown = "".join(data["text"] for name, data in events if name == "delta")
    done = events[-1][1]
    assert events[-1][0] == "done" and done["no_answer"] == "empty"
    assert shown == done["answer"] and shown.startswith(NO_ANSWER) and "[" not in shown
    megrez.script = [" [citation:1][citation:2] "]
    response = ask(app, question="Hello there!", search="never")
    assert response.status_code == 200 and response.json()["answer"].startswith(NO_ANSWER)


def test_a_reply_of_nothing_but_markers_to_no_source_is_the_no_answer_line_never_an_error(app, megrez):
    silent(megrez, "[citation:9]")  # no words, and a citation of a source that does not exist (dropped)
    events = stream(app, question=QUESTION)
    shown = "".join(data["text"] for name, data in events if name == "delta")
    done = events[-1][1]
    assert events[-1][0] == "done" and done["no_answer"] == "empty"
    assert shown == done["answer"] and shown.startswith(NO_ANSWER) and "[" not in shown
    silent(megrez, " [citation:7][citation:8] ")
    body = ask(app, question=ZH_QUESTION).json()
    assert body["no_answer"] == "empty" and body["answer"].startswith(ZH_NO_ANSWER)


def test_a_reply_of_nothing_but_markers_to_sources_it_read_is_the_no_answer_line_too(app, megrez):
    # "[1]" alone cites a page but says nothing: the reader gets the line, never a bare marker.
    silent(megrez, "[citation:1]")
    events = stream(app, question=QUESTION)
    shown = "".join(data["text"] for name, data in events if name == "delta")
    done = events[-1][1]
    assert events[-1][0] == "done" and done["no_answer"] == "empty" and done["sources"]
    assert shown == done["answer"] and shown.startswith(NO_ANSWER) and "[1]" not in shown
    silent(megrez, " [citation:1] [citation:2] ")
    body = ask(app, question=ZH_QUESTION).json()
    assert body["no_answer"] == "empty" and body["answer"].startswith(ZH_NO_ANSWER), body["answer"]


def test_the_openai_surface_answers_the_line(app, megrez):
    silent(megrez)
    client = OpenAI(base_url=f"{app.base_url}/v1", api_key="anything")
    reply = client.chat.completions.create(
        model="megrez-websearch", messages=[{"role": "user", "content": QUESTION}], extra_body={"search": "always"}
    )
    assert reply.choices[0].message.content.startswith(NO_ANSWER)
    silent(megrez, ECHO)
    chunks = client.chat.completions.create(
        model="megrez-websearch",
        messages=[{"role": "user", "content": QUESTION}],
        extra_body={"search": "always"},
        stream=True,
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith(NO_ANSWER) and "No more searches" not in text


async def test_mcp_ask_says_no_answer_in_its_structured_result(app, megrez):
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    silent(megrez)
    async with Client(streamable_http_client(f"{app.base_url}/mcp")) as client:
        result = await client.call_tool("ask", {"question": QUESTION})
    assert not result.is_error
    assert result.structured_content["no_answer"] == "empty"
    assert result.structured_content["answer"].startswith(NO_ANSWER)


def test_the_terminal_prints_the_line(local_web, megrez):
    silent(megrez)
    env = {
        **os.environ,
        "WEBSEARCH_LLM_BASE_URL": megrez.base_url,
        "WEBSEARCH_SEARCH_PROVIDER": "searxng",
        "WEBSEARCH_SEARXNG_URL": local_web.searxng_url,
        "WEBSEARCH_FETCH_ALLOW_HOSTS": local_web.host_port,
    }
    done = subprocess.run(
        [sys.executable, "-m", "api.cli.main", "ask", "--search", "always", QUESTION],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(NO_ANSWER)


@pytest.fixture
def slack_bot(local_web, megrez):
    from testkit.slack_events import TOKEN, slack_settings
    from testkit.slack_api import FakeSlack

    with FakeSlack(token=TOKEN) as slack, ServedApp(slack_settings(local_web, megrez, slack)) as app:
        yield app, slack


def test_slack_posts_the_line_in_the_thread(slack_bot, megrez):
    from testkit.slack_events import BOT_USER_ID, all_text, answered, event_body, send

    app, slack = slack_bot
    megrez.script = [""]  # Slack asks with search as the model decides: it decides nothing, writes nothing
    body = event_body(f"<@{BOT_USER_ID}> {QUESTION}")
    assert send(app, body).status_code == 200
    [message] = answered(slack, body)
    assert NO_ANSWER in all_text(message)
