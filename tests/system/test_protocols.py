"""Any model behind the service: the `tools` and `plain` protocols end to end, through every surface.

The scripted server plays a model that is not Megrez (testkit/megrez/tools_mode.py): in `tools` mode
it calls only through OpenAI `tools` (as vLLM with a tool parser does), in `plain` mode never; with
`refuse_tools` it answers 400 to `tools` like vLLM started without a tool parser.
"""

from __future__ import annotations

import json
import re

import httpx
import openai
import pytest

from testkit.slack_api import BOT_USER_ID
from testkit.slack_events import TOKEN, answered, event_body, send, slack_settings
from testkit.settings import make_settings
from testkit import sse
from testkit.app_server import ServedApp
from testkit.megrez import ScriptedMegrez, function_call
from testkit.slack_api import FakeSlack

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
ZH_QUESTION = "青川大桥的总投资是多少？"


def ask(app, **body) -> dict:
    response = httpx.post(f"{app.base_url}/v1/answer", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def stream(app, **body) -> list[tuple[str, dict]]:
    return sse.stream_answer(app.base_url, **body)


def searches(web) -> int:
    return sum(1 for path in list(web.requests) if path.startswith("/search"))


def assert_cited(body: dict, needle: str) -> None:
    assert body["searched"] is True
    assert needle in body["answer"].replace(" ", ""), body["answer"]
    assert body["citations"], body
    assert any(f"[{c['index']}]" in body["answer"] for c in body["citations"])
    assert "[citation:" not in body["answer"]
    assert len(body["related"]) == 3


@pytest.fixture
def tools_app(local_web, tools_model):
    with ServedApp(make_settings(local_web, tools_model)) as app:  # auto: not Megrez -> tools
        yield app


@pytest.fixture
def plain_app(local_web, plain_model):
    with ServedApp(make_settings(local_web, plain_model, llm_protocol="plain")) as app:
        yield app


# --- tools --------------------------------------------------------------------------------------


def test_tools_model_searches_through_tool_calls_and_cites(tools_app, tools_model):
    body = ask(tools_app, question=QUESTION)
    assert_cited(body, "420million")
    assert "Aurora Bridge" in body["queries"][0]
    decide, answer = [b for b in tools_model.bodies("/v1/chat/completions") if "messages" in b][:2]
    assert decide["tools"][0]["function"]["name"] == "search" and decide["tool_choice"] == "auto"
    assert "<|function_start|>" not in json.dumps(decide["messages"])  # no Megrez markers for this model
    roles = [m["role"] for m in answer["messages"]]
    assert roles[-2:] == ["assistant", "tool"]
    assert answer["messages"][-2]["tool_calls"][0]["id"] == answer["messages"][-1]["tool_call_id"]


def test_tools_model_in_chinese_and_a_follow_up(tools_app):
    assert_cited(ask(tools_app, question=ZH_QUESTION), "56亿元")
    first = ask(tools_app, question="When did the Aurora Bridge in Veldmark open?")
    second = ask(tools_app, question="And how much did it cost?", conversation_id=first["conversation_id"])
    assert "Aurora Bridge" in second["queries"][0]
    assert "420 million" in second["answer"]


def test_tools_model_greeting_is_answered_without_searching(tools_app, local_web):
    before = searches(local_web)
    body = ask(tools_app, question="Hello there!")
    assert body["searched"] is False and body["answer"] and body["sources"] == []
    assert searches(local_web) == before


def test_a_factual_answer_from_memory_is_searched_instead_and_never_shown(local_web, tools_model):
    tools_model.script = ["From memory: it cost about 5 euros."]  # the model answers instead of calling
    with ServedApp(make_settings(local_web, tools_model)) as app:
        events = stream(app, question=QUESTION)
    done = dict(events)["done"]
    assert done["searched"] is True and "420 million" in done["answer"]
    shown = "".join(e["text"] for name, e in events if name == "delta")
    assert "5 euros" not in shown and "5 euros" not in done["answer"]


@pytest.mark.parametrize(
    "question, refusal",
    [(QUESTION, "I'm sorry, but I can't help with that."), (ZH_QUESTION, "抱歉，我无法提供这方面的信息。")],
)
def test_a_models_refusal_of_a_factual_question_is_not_overruled_by_a_search(local_web, tools_model, question, refusal):
    tools_model.script = [refusal]  # the model declines instead of calling
    with ServedApp(make_settings(local_web, tools_model)) as app:
        before = searches(local_web)
        events = stream(app, question=question)
        after = searches(local_web)
    done = dict(events)["done"]
    assert done["searched"] is False and done["answer"] == refusal and done["sources"] == []
    assert "".join(e["text"] for name, e in events if name == "delta") == refusal  # shown as written
    assert after == before


def test_a_greeting_is_answered_without_offering_the_tool(tools_app, tools_model, local_web):
    before = searches(local_web)
    for question in ("Hello!", "你好！", "What is 12 * 7?"):
        body = ask(tools_app, question=question)
        assert body["searched"] is False and body["answer"], question
    assert searches(local_web) == before
    assert not any(b.get("tools") for b in tools_model.bodies("/v1/chat/completions"))


# --- plain --------------------------------------------------------------------------------------


def test_plain_model_searches_by_the_rule_and_cites(plain_app, plain_model):
    assert_cited(ask(plain_app, question=QUESTION), "420million")
    assert_cited(ask(plain_app, question=ZH_QUESTION), "56亿元")
    sent = plain_model.bodies("/v1/chat/completions")
    assert all("tools" not in b for b in sent)
    answer = next(b for b in sent if "[[citation:" in json.dumps(b["messages"], ensure_ascii=False))
    assert answer["messages"][-1]["role"] == "user"  # results handed over as a user turn


def test_plain_model_answers_greetings_and_arithmetic_itself(plain_app, local_web):
    before = searches(local_web)
    for question in ("Hello there!", "你好！", "What is 12 * 7?"):
        body = ask(plain_app, question=question)
        assert body["searched"] is False and body["answer"], question
    assert searches(local_web) == before


def test_a_plain_model_that_writes_a_call_is_not_asked_again_its_words_before_it_are_the_answer(plain_app, plain_model):
    plain_model.script = ["It cost 420 million euros [citation:1]. " + function_call("Aurora Bridge cost")]
    body = ask(plain_app, question=QUESTION)
    assert body["answer"].startswith("It cost 420 million euros") and "function" not in body["answer"]
    answers = [b for b in plain_model.bodies("/v1/chat/completions") if "[[citation:" in json.dumps(b["messages"])]
    assert len(answers) == 1  # a model that can call nothing is never answered "no more searches" and asked again


def test_plain_follow_up_query_is_written_from_the_conversation(plain_app):
    first = ask(plain_app, question="When did the Aurora Bridge in Veldmark open?")
    second = ask(plain_app, question="And how much did it cost?", conversation_id=first["conversation_id"])
    assert "Aurora Bridge" in second["queries"][0] and "420 million" in second["answer"]


# --- a server that refuses tools ------------------------------------------------------------------


def test_a_server_refusing_tools_falls_back_once_and_remembers(local_web):
    with ScriptedMegrez(mode="plain", model="llama3.2:3b", refuse_tools=True) as model:
        with ServedApp(make_settings(local_web, model)) as app:
            assert_cited(ask(app, question=QUESTION), "420million")  # no error reaches the user
            assert ask(app, question="Hello!")["searched"] is False
            assert_cited(ask(app, question=ZH_QUESTION), "56亿元")
            with_tools = [b for b in model.bodies("/v1/chat/completions") if b.get("tools")]
            assert len(with_tools) == 1  # refused once, then remembered
            assert app.app.state.engine.deps.protocol.name == "plain"


# --- the other surfaces -------------------------------------------------------------------------


def test_openai_surface_with_a_tools_model(tools_app):
    client = openai.OpenAI(base_url=tools_app.base_url + "/v1", api_key="unused", max_retries=0, timeout=60)
    response = client.chat.completions.create(model="megrez-websearch", messages=[{"role": "user", "content": QUESTION}])
    content = response.choices[0].message.content
    assert "420 million" in content
    citations = response.model_extra["citations"]
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", content)]
    assert cited and any("aurora" in citations[n - 1] for n in cited)


def test_slack_with_a_plain_model(local_web, plain_model):
    with FakeSlack(token=TOKEN) as slack:
        settings = slack_settings(local_web, plain_model, slack, llm_protocol="plain")
        with ServedApp(settings) as bot:
            body = event_body(f"<@{BOT_USER_ID}> {QUESTION}")
            assert send(bot, body).status_code == 200
            (reply,) = answered(slack, body)
    section = reply["blocks"][0]["text"]["text"]
    assert "420 million" in section
    assert re.search(r"<http://127\.0\.0\.1:\d+/[^|>]*aurora-bridge[^|>]*\|\[\d+\]>", section), section


def test_condensing_for_a_tools_model_uses_its_own_chat_template(local_web, tools_model):
    settings = make_settings(local_web, tools_model, condense=True, context_tokens=200, source_tokens=80)
    with ServedApp(settings) as app:
        body = ask(app, question=QUESTION)
    assert body["searched"] is True and "420 million" in body["answer"]
    assert tools_model.bodies("/v1/completions") == []  # no Megrez-templated raw prompts
    condensing = [b for b in tools_model.bodies("/v1/chat/completions") if "Copy out the sentences" in json.dumps(b)]
    assert condensing, "pages were condensed through chat requests"


def test_a_model_that_is_not_megrez_is_never_told_it_is(tools_app, tools_model):
    ask(tools_app, question=QUESTION)
    systems = [m["content"] for b in tools_model.bodies("/v1/chat/completions") for m in b["messages"] if m["role"] == "system"]
    assert systems and not any("Megrez" in s for s in systems)
