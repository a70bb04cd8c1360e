"""Questions that need more than one search (issue #13), end to end through /v1/answer and its stream:
the scripted Megrez searches again when the pages it read lack part of the question."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from testkit import sse
from testkit.app_server import ServedApp
from testkit.megrez import ScriptedMegrez
from testkit.settings import make_settings

TWO_PART = "Where was the author of The Lantern Orchard born?"
TWO_PART_ZH = "《雾港来信》的作者出生在哪里？"


def ask(app, **body) -> dict:
    response = httpx.post(f"{app.base_url}/v1/answer", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def stream(app, **body) -> list[tuple[str, dict]]:
    return sse.stream_answer(app.base_url, **body)


def cited(body: dict) -> dict[str, int]:
    """page name -> the number the answer cites it by."""
    return {c["url"].rsplit("/", 1)[-1].removesuffix(".html"): c["index"] for c in body["citations"]}


def test_two_part_question_cites_two_pages_from_two_rounds(app, local_web):
    before = len(local_web.search_requests)
    body = ask(app, question=TWO_PART)
    assert body["search_rounds"] == 2
    assert body["queries"][1] == "Ilse Varga birthplace"  # the second search, written from the first's results
    assert "Ilse Varga" in body["answer"] and "Kessel Point" in body["answer"]
    pages = cited(body)
    assert {"lantern-orchard-novel", "ilse-varga-profile"} <= set(pages)
    # Numbering continues: round 2's page comes after every round-1 source, and both are cited.
    round_one = [s for s in body["sources"] if s["index"] < pages["ilse-varga-profile"]]
    assert pages["lantern-orchard-novel"] <= len(round_one)
    assert f"[{pages['lantern-orchard-novel']}]" in body["answer"]
    assert f"[{pages['ilse-varga-profile']}]" in body["answer"]
    assert len(local_web.search_requests) - before >= 2
    assert {"search", "answer", "search.2", "read.2", "answer.2"} <= set(body["timings"])


def test_a_page_found_again_keeps_its_number_and_is_not_read_twice(app, local_web):
    local_web.clear_requests()
    body = ask(app, question=TWO_PART)
    urls = [s["url"] for s in body["sources"]]
    assert len(urls) == len(set(urls))  # the novel's page, found by both searches, is listed once
    assert [s["index"] for s in body["sources"]] == list(range(1, len(urls) + 1))
    fetched = [path for path in local_web.requests if path.startswith("/pages/lantern-orchard-novel")]
    assert len(fetched) == 1


def test_the_stream_shows_each_round_and_its_text_matches_the_answer(app):
    events = stream(app, question=TWO_PART)
    done = events[-1][1]
    statuses = [(d["stage"], d["round"]) for n, d in events if n == "status"]
    assert ("searching", 1) in statuses and ("searching", 2) in statuses and ("answering", 2) in statuses
    again = next(d for n, d in events if n == "status" and d["stage"] == "searching" and d["round"] == 2)
    assert again["queries"] == ["Ilse Varga birthplace"]
    queries = [(d["round"], d["queries"]) for n, d in events if n == "queries"]
    assert queries[-1] == (2, ["Ilse Varga birthplace"])
    per_round = {d["round"]: d["sources"] for n, d in events if n == "sources"}
    assert set(per_round) == {1, 2}
    # A page round 2 found again comes under its round-1 number: merged by number, one entry per page.
    merged = {s["index"]: s["url"] for s in per_round[1] + per_round[2]}
    assert sorted(merged.items()) == [(s["index"], s["url"]) for s in done["sources"]]
    # the words written before the second search were shown, and stay in the final answer
    assert "".join(d["text"] for n, d in events if n == "delta") == done["answer"]
    assert done["answer"].index("Ilse Varga") < done["answer"].index("Kessel Point")
    related = [d for n, d in events if n == "related"]
    assert len(related) == 1 and done["related"] == related[0]["related"]  # once, for the final answer


def test_chinese_two_part_question(app):
    body = ask(app, question=TWO_PART_ZH)
    assert body["search_rounds"] == 2
    assert "柳岸汀" in body["answer"] and "石门镇" in body["answer"]
    assert {"wugang-letters-novel", "liu-anting-profile"} <= set(cited(body))


def test_depth_quick_never_searches_twice_and_still_answers(app, local_web):
    local_web.clear_requests()
    body = ask(app, question=TWO_PART, depth="quick")
    assert body["search_rounds"] == 1
    assert not any("ilse-varga-profile" in path for path in local_web.requests)
    assert "Ilse Varga" in body["answer"]
    assert "do not say where the author was born" in body["answer"]


def test_an_unknown_depth_is_refused(app):
    response = httpx.post(f"{app.base_url}/v1/answer", json={"question": TWO_PART, "depth": "deepest"}, timeout=30)
    assert response.status_code == 422


@pytest.mark.parametrize("limit", [{"max_search_rounds": 1}, {"search_time_budget_s": 0.0}])
def test_round_limit_and_time_budget_end_with_an_answer(local_web, megrez, limit):
    with ServedApp(make_settings(local_web, megrez, **limit)) as app:
        events = stream(app, question=TWO_PART)
    names = [n for n, _ in events]
    assert "error" not in names and names[-1] == "done"
    done = events[-1][1]
    assert done["search_rounds"] == 1
    assert "Ilse Varga" in done["answer"] and "[1]" in done["answer"]
    # the model's call was answered with the "no more searches" note, and it answered from what it had
    # (the answer's last request; the related questions' request runs beside it and may come after)
    answered = [r["body"]["messages"] for r in megrez.requests if r["body"]["messages"][-1]["role"] == "observation"]
    assert "No more searches" in answered[-1][-1]["content"]


def test_depth_deep_reads_more_pages_a_round(local_web, megrez):
    def pages_read(depth: str) -> int:
        events = stream(app, question="How much did the Aurora Bridge in Veldmark cost?", depth=depth)
        return next(d["pages"] for n, d in events if n == "status" and d["stage"] == "reading")

    with ServedApp(make_settings(local_web, megrez, fetch_pages=1, deep_fetch_pages=3)) as app:
        assert pages_read("auto") == 1
        assert pages_read("deep") == 3


def test_follow_up_after_two_rounds_reuses_the_whole_prefix(local_web, megrez, redis_url):
    with ServedApp(make_settings(local_web, megrez, redis_url=redis_url)) as app:
        first = ask(app, question=TWO_PART)
        assert first["search_rounds"] == 2
        answered = len(megrez.prefix_log)
        follow = ask(app, question="What else did she write?", conversation_id=first["conversation_id"])
        assert follow["answer"]
    chats = [entry for entry in megrez.prefix_log[answered:] if entry["path"].endswith("chat/completions")]
    decide = chats[0]
    # the follow-up's prompt begins with the two-round turn verbatim: both calls, both observations
    contents = [m.get("content") for m in decide["messages"]]
    assert any("Ilse Varga birthplace" in (c or "") for c in contents)
    assert sum(1 for m in decide["messages"] if m["role"] == "observation") == 2
    assert decide["cached_tokens"] >= 0.9 * (decide["prompt_tokens"] - 64)


def test_each_round_extends_the_last_rounds_prompt(app, megrez):
    megrez.prefix_log.clear()
    ask(app, question=TWO_PART)
    answers = [e for e in megrez.prefix_log if e["messages"] and e["messages"][-1]["role"] == "observation"]
    assert len(answers) == 2
    first, second = answers
    assert second["messages"][: len(first["messages"])] == first["messages"]
    assert second["cached_tokens"] >= 0.9 * first["prompt_tokens"]


def test_with_native_tools_the_second_search_arrives_as_a_tool_call(local_web):
    with ScriptedMegrez(mode="tools", model="qwen2.5-3b-instruct") as model:
        with ServedApp(make_settings(local_web, model)) as app:
            body = ask(app, question=TWO_PART)
        answers = [r["body"] for r in model.requests if r["body"]["messages"][-1]["role"] == "tool"]
    assert body["search_rounds"] == 2 and "Kessel Point" in body["answer"]
    assert {"lantern-orchard-novel", "ilse-varga-profile"} <= set(cited(body))
    second = answers[-1]["messages"]
    calls = [m for m in second if m.get("tool_calls")]
    assert [json.loads(m["tool_calls"][0]["function"]["arguments"])["query"] for m in calls][-1] == "Ilse Varga birthplace"
    assert second[-1]["tool_call_id"] == calls[-1]["tool_calls"][0]["id"]


def test_a_model_that_can_call_nothing_searches_once(local_web):
    with ScriptedMegrez(mode="plain", model="plain-chat") as model:
        with ServedApp(make_settings(local_web, model, llm_protocol="plain")) as app:
            body = ask(app, question=TWO_PART)
    assert body["search_rounds"] == 1 and "Ilse Varga" in body["answer"]


def test_openai_surface_takes_depth_and_streams_search_results_of_every_round(app):
    import openai

    client = openai.OpenAI(base_url=app.base_url + "/v1", api_key="unused", max_retries=0, timeout=60)
    messages = [{"role": "user", "content": TWO_PART}]
    whole = client.chat.completions.create(model="x", messages=messages)
    urls = [r["url"] for r in whole.model_extra["search_results"]]
    assert any("ilse-varga-profile" in u for u in urls) and any("lantern-orchard-novel" in u for u in urls)
    assert "Kessel Point" in whole.choices[0].message.content
    chunks = list(client.chat.completions.create(model="x", messages=messages, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole.choices[0].message.content
    last = [r["url"] for r in chunks[-1].model_extra["search_results"]]
    assert last == urls  # the stream's search_results cover both rounds
    quick = client.chat.completions.create(model="x", messages=messages, extra_body={"depth": "quick"})
    assert "Kessel Point" not in quick.choices[0].message.content
    assert not any("ilse-varga-profile" in r["url"] for r in quick.model_extra["search_results"])


def test_related_questions_are_written_once_for_a_two_round_answer(app, megrez):
    megrez.requests.clear()
    body = ask(app, question=TWO_PART)
    assert body["search_rounds"] == 2 and len(body["related"]) == 3
    def is_related(request: dict) -> bool:
        return "follow-up questions" in json.dumps(request["body"].get("messages", ""))

    def is_answer(request: dict) -> bool:
        return (request["body"].get("messages") or [{}])[-1].get("role") == "observation"

    kinds = ["related" if is_related(r) else "answer" if is_answer(r) else "" for r in megrez.requests]
    # The questions are written for the final answer: after round 2's answer request began. (Round 1's
    # answer wrote words before its call; a related request started then is cancelled, never used.)
    assert kinds.count("answer") == 2
    assert max(i for i, k in enumerate(kinds) if k == "related") > max(i for i, k in enumerate(kinds) if k == "answer")


def test_each_later_round_reads_its_smaller_share_of_evidence(local_web, megrez):
    from core.tokens import count_tokens
    from testkit.megrez import parse_contexts

    question = "Who founded the Pell Gallery, where did they study, and when did that school open?"
    with ServedApp(make_settings(local_web, megrez, context_tokens=400, later_round_context_share=0.25)) as app:
        megrez.prefix_log.clear()
        body = ask(app, question=question)
    assert body["search_rounds"] == 3
    assert all(part in body["answer"] for part in ("Mara Quint", "Orrin Academy", "first admitted students"))
    final = [e for e in megrez.prefix_log if e["messages"][-1]["role"] == "observation"][-1]["messages"]
    rounds = [parse_contexts(m["content"]) for m in final if m["role"] == "observation"]
    assert len(rounds) == 3
    tokens = [sum(count_tokens(c["text"]) for c in contexts) for contexts in rounds]
    assert tokens[0] <= 400 and all(0 < t <= 100 for t in tokens[1:]), tokens


def call(query: str) -> str:
    return '<|function_start|>{"name": "search", "arguments": {"query": "%s"}}<|function_end|>' % query


@pytest.mark.parametrize(
    ("question", "query", "answer"),
    [
        ("How much did the Aurora Bridge in Veldmark cost?", "Aurora Bridge cost", "It cost 420 million euros [citation:1]."),
        ("青川大桥有多长？", "青川大桥 长度", "青川大桥全长3.2公里[citation:1]。"),
    ],
)
def test_a_model_that_only_repeats_its_call_stops_searching_and_answers(app, megrez, local_web, question, query, answer):
    megrez.script = [call(query), call(" " + query.upper() + " "), answer]  # the same search, asked again
    before = len(local_web.search_requests)
    body = ask(app, question=question, depth="auto")
    assert body["search_rounds"] == 1 and body["queries"] == [query]
    assert len(local_web.search_requests) - before <= 2  # round 1 only (the query and the question as typed)
    assert re.search(r"(420 million euros|3.2公里) ?\[\d+\]", body["answer"]) and body["no_answer"] is None
    # The repeated call was answered with the "no more searches" note, and the model answered from what it had.
    prompts = [b for b in megrez.bodies("/v1/chat/completions") if "messages" in b]
    noted = [b for b in prompts if any(w in b["messages"][-1]["content"] for w in ("No more searches", "不能再搜索"))]
    assert len(noted) == 1
