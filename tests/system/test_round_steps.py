"""Between the graph's steps (search, read, answer), end to end through /v1/answer: what one step
hands the next is what the user sees — the pages read are the pages counted, a result left unread
can still be read by a later round, a follow-up is searched as the model resolved it, each round's
results carry that round's query, and the round limit shows in what the model is offered."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from testkit.app_server import ServedApp
from testkit.clients import sonar_client
from testkit.megrez import ScriptedMegrez, function_call, parse_contexts
from testkit.settings import make_settings
from testkit.web import LocalWeb, with_rounds

TWO_PART = "Where was the author of The Lantern Orchard born?"
TWO_PART_ZH = "《雾港来信》的作者出生在哪里？"
# The second part's answer is deep in the page that answers the first (testkit/pages/rounds/).
SAME_PAGE = "Who designed the Brannock Tunnel, and what award did that engineer later receive?"
SAME_PAGE_ZH = "赤岩水库的大坝是谁设计的？这位设计者后来获得过什么荣誉？"


def ask(app, **body) -> dict:
    response = httpx.post(f"{app.base_url}/v1/answer", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def stream(app, **body) -> list[tuple[str, dict]]:
    events = []
    with httpx.stream("POST", f"{app.base_url}/v1/answer", json={**body, "stream": True}, timeout=60) as response:
        assert response.status_code == 200
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[len("data: ") :])))
    return events


def pages_fetched(web) -> list[str]:
    return [path for path in list(web.requests) if path.startswith("/pages/")]


def searched_for(web) -> list[str]:
    return [parse_qs(urlsplit(path).query)["q"][0] for path in web.search_requests]


@pytest.fixture
def rounds_web():
    """The local web with the multi-part questions' pages too."""
    with tempfile.TemporaryDirectory() as folder, LocalWeb(with_rounds(Path(folder))) as web:
        yield web


def observed(megrez) -> list[list[dict]]:
    """The contexts of each answer request's new results, in order: what the model read, round by round."""
    answers = [e["messages"] for e in list(megrez.prefix_log) if e["messages"] and e["messages"][-1]["role"] == "observation"]
    return [parse_contexts(messages[-1]["content"]) for messages in answers]


@pytest.fixture
def extra_result(local_web):
    """Add one page to every search answer (appended, so it is listed after the others)."""

    def add(name: str) -> None:
        page = local_web.pages[name]
        local_web.extra_results = [
            {"url": local_web.url(name), "title": page.title, "content": page.description, "engine": "localweb"}
        ]

    yield add
    local_web.extra_results = []


def test_only_the_pages_the_status_counts_are_fetched(local_web, megrez):
    with ServedApp(make_settings(local_web, megrez, fetch_pages=1)) as app:
        local_web.clear_requests()
        events = stream(app, question="How much did the Aurora Bridge in Veldmark cost?", depth="quick")
    reading = [d for n, d in events if n == "status" and d["stage"] == "reading"]
    assert [d["pages"] for d in reading] == [1]
    assert len(dict(events)["done"]["sources"]) >= 1
    assert pages_fetched(local_web) == ["/pages/aurora-bridge.html"]  # of the three results, the first only


@pytest.mark.parametrize("question, page, needle", [
    (TWO_PART, "ilse-varga-profile", "Kessel Point"),
    (TWO_PART_ZH, "liu-anting-profile", "石门镇"),
])
def test_a_result_listed_but_not_read_in_round_one_is_read_when_round_two_finds_it(
    local_web, megrez, extra_result, question, page, needle
):
    """Round 1 reads one page of its results; the author's profile is among the others, unread.
    Round 2 searches for the author: the profile must be read then (it was never read before)."""
    extra_result(page)
    with ServedApp(make_settings(local_web, megrez, fetch_pages=1)) as app:
        local_web.clear_requests()
        body = ask(app, question=question)
    assert body["search_rounds"] == 2
    assert needle in body["answer"], body["answer"]
    assert any(page in c["url"] for c in body["citations"])
    assert len([p for p in pages_fetched(local_web) if page in p]) == 1


@pytest.mark.parametrize("first, follow_up, subject", [
    ("When did the Aurora Bridge in Veldmark open?", "And how much did it cost?", "Aurora Bridge"),
    ("青川大桥是哪一年通车的？", "那它的总投资是多少呢？", "青川大桥"),
])
def test_a_follow_up_is_searched_as_the_model_resolved_it_not_as_typed(app, local_web, first, follow_up, subject):
    """"And how much did it cost?" means nothing to a search engine: only the model's query, which
    names the subject, is searched (round 1 of a new conversation also searches the words as typed)."""
    earlier = ask(app, question=first)
    local_web.clear_requests()
    body = ask(app, question=follow_up, conversation_id=earlier["conversation_id"])
    searched = searched_for(local_web)
    assert searched and all(subject in q for q in searched), searched
    assert follow_up not in searched and body["queries"] == searched


@pytest.mark.parametrize("question, second", [(TWO_PART, "Ilse Varga birthplace"), (TWO_PART_ZH, None)])
def test_each_rounds_results_carry_that_rounds_query(app, megrez, question, second):
    megrez.prefix_log.clear()
    body = ask(app, question=question)
    assert body["search_rounds"] == 2 and (second is None or body["queries"][1] == second)
    final = [e for e in megrez.prefix_log if e["messages"][-1]["role"] == "observation"][-1]["messages"]
    observations = [m["content"] for m in final if m["role"] == "observation"]
    assert len(observations) == 2
    for query, observed in zip(body["queries"], observations):
        assert observed.splitlines()[0] in (f'Search results for "{query}":', f"关于“{query}”的搜索结果：")


def test_at_the_round_limit_the_search_tool_is_not_offered(local_web):
    """A tools model at max_search_rounds=1: no answer request offers the search tool (a model
    offered it is invited to call, only to be refused)."""
    with ScriptedMegrez(mode="tools", model="qwen2.5-3b-instruct") as model:
        with ServedApp(make_settings(local_web, model, max_search_rounds=1)) as app:
            body = ask(app, question=TWO_PART)
        answers = [r["body"] for r in model.requests if r["body"]["messages"][-1]["role"] == "tool"]
    assert body["search_rounds"] == 1 and "Ilse Varga" in body["answer"]
    assert answers and not any(a.get("tools") for a in answers)


def test_below_the_round_limit_the_search_tool_is_offered(local_web):
    """A tools model calls only through `tools`: round 1's answer must offer the search tool, or the
    model could never ask for round 2."""
    with ScriptedMegrez(mode="tools", model="qwen2.5-3b-instruct") as model:
        with ServedApp(make_settings(local_web, model)) as app:
            body = ask(app, question=TWO_PART)
        answers = [r["body"] for r in model.requests if r["body"]["messages"][-1]["role"] == "tool"]
    assert body["search_rounds"] == 2 and "Kessel Point" in body["answer"]
    assert [t["function"]["name"] for t in answers[0].get("tools") or []] == ["search"]


def test_an_answer_held_to_a_json_schema_is_not_offered_the_search_tool(local_web):
    """Output held to a JSON schema cannot also hold a call: a tools model asked for JSON (sonar-pro:
    two rounds allowed, and the question wants two) answers in one round, and its answer request
    offers no tool to call (guided decoding would garble one)."""
    schema = {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}
    with ScriptedMegrez(mode="tools", model="qwen2.5-3b-instruct") as model:
        with ServedApp(make_settings(local_web, model)) as app:
            messages = [{"role": "user", "content": TWO_PART}]
            response = sonar_client(app).chat.completions.create(
                model="sonar-pro", messages=messages, response_format={"type": "json_schema", "json_schema": {"schema": schema}}
            )
        answers = [r["body"] for r in model.requests if r["body"]["messages"][-1]["role"] == "tool"]
    assert set(json.loads(response.choices[0].message.content)) == {"answer"}
    assert len(answers) == 1 and answers[0].get("response_format") and not answers[0].get("tools")


@pytest.mark.parametrize("limit", [{"max_search_rounds": 1}, {"search_time_budget_s": 0.0}])
@pytest.mark.parametrize("question", [TWO_PART, TWO_PART_ZH])
def test_a_refused_second_call_streams_exactly_the_saved_answer(local_web, megrez, redis_url, limit, question):
    """The model writes, then calls search once more and is refused (round limit, time budget): what
    the stream showed is the answer returned and the answer kept in the conversation."""
    with ServedApp(make_settings(local_web, megrez, redis_url=redis_url, **limit)) as app:
        events = stream(app, question=question)
        done = events[-1][1]
        kept = httpx.get(f"{app.base_url}/v1/conversations/{done['conversation_id']}", timeout=30).json()
    shown = "".join(d["text"] for n, d in events if n == "delta")
    assert done["search_rounds"] == 1
    assert shown == done["answer"] and kept["turns"][-1]["answer"] == done["answer"]


def test_a_later_round_searches_its_own_query_only(local_web, megrez):
    """Round 2 searches the model's new query alone: round 1's query and the question as typed were
    searched already (the search cache off, so every search reaches the engine)."""
    with ServedApp(make_settings(local_web, megrez, search_cache_ttl_s=0)) as app:
        local_web.clear_requests()
        body = ask(app, question=TWO_PART)
    searched = searched_for(local_web)
    assert body["search_rounds"] == 2 and searched[-1] == "Ilse Varga birthplace"
    assert searched.count(body["queries"][0]) == 1 and len(searched) == len(set(searched)), searched


def test_a_page_that_could_not_be_read_is_counted_by_why(local_web, megrez, extra_result):
    local_web.extra_results = [
        {"url": local_web.url("/pages/no-such-page.html"), "title": "Gone", "content": "A page that is gone.", "engine": "localweb"}
    ]
    with ServedApp(make_settings(local_web, megrez)) as app:
        body = ask(app, question="How much did the Aurora Bridge in Veldmark cost?")
        metrics = httpx.get(app.base_url + "/metrics", timeout=30).text
    assert "420 million" in body["answer"]
    counted = [line for line in metrics.splitlines() if line.startswith("websearch_page_fallbacks_total{")]
    assert counted == ['websearch_page_fallbacks_total{reason="fetch_failed"} 1.0'], counted


@pytest.mark.parametrize("question, page, first, second", [
    (SAME_PAGE, "brannock-tunnel", "Hester Vane", "Telford Gold Medal"),
    (SAME_PAGE_ZH, "chiyan-reservoir", "邵明川", "全国水利功勋奖章"),
])
def test_a_later_round_returns_to_a_page_read_before_for_a_passage_not_yet_shown(
    rounds_web, megrez, question, page, first, second
):
    """Round 1 reads the page and shows its passages that name the designer; the award is further
    down, in none of the question's words. Round 2's search finds that page again (only pages read
    already): it offers the passage not shown, under the page's round-1 number, without fetching it."""
    with ServedApp(make_settings(rounds_web, megrez)) as app:
        rounds_web.clear_requests()
        megrez.prefix_log.clear()
        events = stream(app, question=question, depth="deep")
        done = events[-1][1]
        saved = httpx.get(f"{app.base_url}/v1/conversations/{done['conversation_id']}", timeout=10).json()["turns"][-1]
    assert done["search_rounds"] == 2
    per_round = {d["round"]: d["sources"] for n, d in events if n == "sources"}
    (number,) = {s["index"] for s in per_round[1] if page in s["url"]}
    assert [s["index"] for s in per_round[2] if page in s["url"]] == [number]  # the same number
    assert [s["index"] for s in done["sources"] if page in s["url"]] == [number]  # listed once
    assert [s["index"] for s in saved["sources"] if page in s["url"]] == [number]  # saved once
    one, two = observed(megrez)
    (read_first,) = [c for c in one if c["n"] == number]
    (read_again,) = [c for c in two if c["n"] == number]
    assert first in read_first["text"] and second not in read_first["text"]
    assert second in read_again["text"]
    assert not set(read_again["text"].split("\n\n")) & set(read_first["text"].split("\n\n"))  # nothing shown twice
    assert second in done["answer"]
    assert any(second in c["text"] and c["citations"] == [number] for c in done["claims"]), done["claims"]
    assert len([p for p in pages_fetched(rounds_web) if page in p]) == 1  # not fetched again


def test_a_question_of_punctuation_alone_searched_always_is_answered_without_a_search(app, local_web):
    """Nothing in "?!" to search for (case, spacing and punctuation make no search): the model
    answers from no results, rather than the request failing."""
    local_web.clear_requests()
    body = ask(app, question="?!", search="always")
    assert body["answer"] and body["sources"] == [] and body["citations"] == []
    assert searched_for(local_web) == []


def test_a_search_call_without_a_query_searches_the_question_as_typed(app, megrez, local_web):
    question = "How much did the Aurora Bridge in Veldmark cost?"
    no_query = '<|function_start|>{"name": "search", "arguments": {}}<|function_end|>'
    megrez.script = [function_call("Aurora Bridge opening"), no_query, "It cost 420 million euros [citation:1]."]
    local_web.clear_requests()
    body = ask(app, question=question, depth="auto")
    assert body["search_rounds"] == 2 and body["queries"] == ["Aurora Bridge opening", question]
    # Round 1 searches the model's query and the question as typed side by side (either may arrive
    # last), so round 2's search for the question may come from the search cache: no request names
    # anything else, and "None" never.
    searched = searched_for(local_web)
    assert question in searched and set(searched) <= {"Aurora Bridge opening", question}, searched


NO_ANSWER = "No answer this time: the model did not write one."


@pytest.mark.parametrize("limit", [{}, {"max_search_rounds": 1}], ids=["round-two", "refused-call"])
def test_words_shown_before_a_call_then_no_answer_stream_exactly_the_saved_answer(local_web, megrez, redis_url, limit):
    """The model writes a sentence, calls search again (followed: round 2; or refused at the round
    limit), then writes nothing: the no-answer line is streamed below the sentence, a paragraph
    apart, exactly as the answer returned and kept joins them."""
    megrez.script = [
        function_call("Aurora Bridge Veldmark cost"),
        "The Aurora Bridge opened in 2019." + function_call("Aurora Bridge construction cost"),
        "",
    ]
    settings = make_settings(local_web, megrez, redis_url=redis_url, related_questions=False, **limit)
    with ServedApp(settings) as app:
        events = stream(app, question="How much did the Aurora Bridge in Veldmark cost?")
        done = events[-1][1]
        kept = httpx.get(f"{app.base_url}/v1/conversations/{done['conversation_id']}", timeout=30).json()
    shown = "".join(d["text"] for n, d in events if n == "delta")
    assert done["no_answer"] == "empty" and done["search_rounds"] == (1 if limit else 2)
    assert shown.startswith("The Aurora Bridge opened in 2019.\n\n" + NO_ANSWER), shown
    assert shown == done["answer"] and kept["turns"][-1]["answer"] == done["answer"]
