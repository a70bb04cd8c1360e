"""Sonar chat completions, driven by the official `perplexityai` SDK as an existing app would: pointed
at the server's root (as Perplexity's own base URL is) and at /v1, sync and async, every Sonar name."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import perplexity
import pytest

from testkit.app_server import ServedApp
from testkit.clients import sonar_client
from testkit.megrez import vllm_error
from testkit.settings import make_settings

QUESTION = "How much did the Aurora Bridge in Veldmark cost?"
SONAR = ["sonar", "sonar-pro", "sonar-reasoning", "sonar-reasoning-pro", "sonar-deep-research"]


client = sonar_client


def ask(app, content: str = QUESTION, *, model: str = "sonar", path: str = "", **kwargs):
    messages = [{"role": "user", "content": content}]
    return client(app, path).chat.completions.create(model=model, messages=messages, **kwargs)


def searches(local_web) -> int:
    return len(local_web.search_requests)


@pytest.mark.parametrize("model", SONAR)
def test_every_sonar_name_answers_with_citations_search_results_and_usage(app, model):
    response = ask(app, model=model)
    content = response.choices[0].message.content
    assert "420 million" in content
    assert response.model == model
    citations = response.citations
    assert citations and [r.url for r in response.search_results] == citations
    for result in response.search_results:
        assert result.title and result.snippet
        assert result.date and result.last_updated == result.date  # one date per page, both named
    aurora = next(r for r in response.search_results if "aurora-bridge" in r.url)
    assert aurora.date == "2021-05-15"  # the page's own publication date
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", content)]
    assert cited and any("aurora" in citations[n - 1] for n in cited)
    usage = response.usage
    assert usage.num_search_queries == 1 and usage.citation_tokens > 0 and usage.completion_tokens > 0
    expected = {"sonar": "low", "sonar-pro": "medium", "sonar-reasoning": "low"}
    assert usage.search_context_size == expected.get(model, "medium" if model == "sonar-reasoning-pro" else "high")


def test_root_and_v1_base_urls_answer_alike(app):
    root, v1 = ask(app), ask(app, path="/v1")
    assert root.choices[0].message.content == v1.choices[0].message.content
    assert root.citations == v1.citations


def test_search_context_size_sets_the_evidence_budget(app):
    low = ask(app, web_search_options={"search_context_size": "low"})
    high = ask(app, web_search_options={"search_context_size": "high"})
    assert low.usage.search_context_size == "low" and high.usage.search_context_size == "high"
    # 2.5 times the evidence budget: more of the pages' text is read
    assert high.usage.citation_tokens > low.usage.citation_tokens


@pytest.mark.parametrize(
    "model, depth, size", [("sonar", "quick", "low"), ("sonar-pro", "auto", "medium"), ("sonar-deep-research", "deep", "high")]
)
def test_sonar_names_map_to_depth_and_evidence(model, depth, size):
    from agent.settings import Settings
    from api.perplexity.sonar import SonarRequest, sonar_agent_input

    settings = Settings(_env_file=None)
    body = SonarRequest(model=model, messages=[{"role": "user", "content": QUESTION}])
    agent_in = sonar_agent_input(body, "c", settings)
    assert agent_in.depth == depth
    assert agent_in.context_tokens == int(settings.context_tokens * {"low": 1, "medium": 1.5, "high": 2.5}[size])
    # an explicit depth or context size wins over the name's
    body = SonarRequest(model=model, messages=body.messages, depth="quick", web_search_options={"search_context_size": "low"})
    assert sonar_agent_input(body, "c", settings).depth == "quick"
    assert sonar_agent_input(body, "c", settings).context_tokens == settings.context_tokens


async def test_async_client_and_stream_carry_citations_and_usage_at_the_end(app):
    async with perplexity.AsyncPerplexity(base_url=app.base_url, api_key="unused", max_retries=0, timeout=60) as pplx:
        plain = await pplx.chat.completions.create(model="sonar", messages=[{"role": "user", "content": QUESTION}])
        stream = await pplx.chat.completions.create(
            model="sonar",
            messages=[{"role": "user", "content": QUESTION}],
            stream=True,
            extra_body={"stream_options": {"include_usage": True}},  # not in the SDK's signature: sent as is
        )
        chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    # sources are known before the first words: every chunk with words carries them
    assert all(c.citations == plain.citations for c in content_chunks)
    assert all([r.url for r in c.search_results] == plain.citations for c in content_chunks)
    assert chunks[-1].choices == [] and chunks[-1].usage.num_search_queries == 1
    assert chunks[-1].usage.total_tokens > 0 and chunks[-1].usage.search_context_size == "low"


def test_sonar_searches_every_question_unless_its_classifier_is_asked_for(app, local_web):
    before = searches(local_web)
    always = ask(app, "Hello there!")
    assert searches(local_web) > before and always.usage.num_search_queries == 1
    before = searches(local_web)
    decided = ask(app, "Hello there!", enable_search_classifier=True)  # small talk: the model answers at once
    assert searches(local_web) == before and decided.usage.num_search_queries == 0
    assert always.usage.cost.total_cost == 0 == decided.usage.cost.total_cost


def test_disable_search_searches_nothing(app, local_web):
    before = searches(local_web)
    response = ask(app, disable_search=True)
    assert searches(local_web) == before
    assert response.citations == [] and response.search_results == []
    assert response.usage.num_search_queries == 0
    assert response.choices[0].message.content


def test_a_denied_domain_is_never_shown(app, local_web):
    port = local_web.host_port.split(":")[1]
    mirror = {"url": f"http://localhost:{port}/pages/aurora-bridge.html", "title": "Aurora Bridge mirror",
              "content": "How much did the Aurora Bridge in Veldmark cost? 420 million euros."}
    local_web.extra_results = [mirror]
    try:
        shown = ask(app)
        denied = ask(app, search_domain_filter=["-localhost"])
    finally:
        local_web.extra_results = []
    assert mirror["url"] in shown.citations  # the mirror is a result like any other …
    assert mirror["url"] not in denied.citations  # … until its domain is denied
    assert denied.citations and all("127.0.0.1" in url for url in denied.citations)


def test_allow_list_keeps_results_on_the_named_site(app, local_web):
    response = ask(app, search_domain_filter=["127.0.0.1"])
    assert response.citations and all(url.startswith("http://127.0.0.1") for url in response.citations)


def test_date_windows_drop_pages_dated_outside_them(app):
    after = ask(app, search_after_date_filter="1/1/2023")
    assert after.search_results and all(r.date >= "2023-01-01" for r in after.search_results)
    assert not any("aurora-bridge" in r.url for r in after.search_results)  # published 2021-05-15
    before = ask(app, search_before_date_filter="12/31/2021", last_updated_before_filter="12/31/2022")
    assert before.search_results and all(r.date <= "2021-12-31" for r in before.search_results)
    assert "420 million" in before.choices[0].message.content


def test_recency_drops_everything_older(app):
    # every page of the local web is years old: a week's window leaves no evidence
    response = ask(app, search_recency_filter="week")
    assert response.search_results == []


def test_a_date_window_also_narrows_the_providers_own_time_range(app, local_web):
    def time_ranges(**filters) -> set[str | None]:
        before = len(local_web.search_requests)
        ask(app, **filters)
        return {parse_qs(urlsplit(p).query).get("time_range", [None])[0] for p in local_web.search_requests[before:]}

    # a window opened 20 days ago: the provider is asked for its last month (the narrowest that reaches back)
    assert time_ranges(search_after_date_filter=(date.today() - timedelta(days=20)).strftime("%m/%d/%Y")) == {"month"}
    assert time_ranges(search_recency_filter="week") == {"week"}  # a recency asked for: as asked
    assert time_ranges() == {None}  # no window: no time range


def test_language_filter_keeps_pages_in_that_language(app):
    question = "Qingchuan Bridge 青川大桥 总投资"  # finds Chinese and English pages alike
    urls = {lang: [r.url for r in ask(app, question, search_language_filter=[lang]).search_results] for lang in ("zh", "en")}
    assert urls["zh"] and all("qingchuan" in url for url in urls["zh"])
    assert urls["en"] and not any("qingchuan" in url for url in urls["en"])
    assert set(urls["zh"]) | set(urls["en"]) == {r.url for r in ask(app, question).search_results}


def test_chinese_question_gets_a_chinese_answer_with_citations(app):
    response = ask(app, "青川大桥的总投资是多少？", model="sonar-pro", return_related_questions=True)
    content = response.choices[0].message.content
    assert "56" in content and "亿元" in content
    assert any("qingchuan" in url for url in response.citations)
    assert len(response.model_extra["related_questions"]) == 3


def test_response_format_json_schema_goes_to_guided_decoding(app, megrez):
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "string"}, "confident": {"type": "boolean"}},
        "required": ["answer", "confident"],
    }
    response = ask(app, response_format={"type": "json_schema", "json_schema": {"schema": schema}})
    data = json.loads(response.choices[0].message.content)
    assert "420 million" in data["answer"] and data["confident"] is True
    assert response.citations and re.search(r"\[\d+\]", data["answer"])  # cited inside the JSON
    guided = [b for b in megrez.bodies("/v1/chat/completions") if b.get("response_format")]
    assert guided and guided[-1]["response_format"]["json_schema"]["schema"] == schema
    assert guided[-1]["response_format"]["json_schema"]["name"]  # vLLM requires one


def test_response_format_without_search(app, megrez):
    schema = {"type": "object", "properties": {"reply": {"type": "string"}}, "required": ["reply"]}
    response = ask(app, "Hello there!", disable_search=True,
                   response_format={"type": "json_schema", "json_schema": {"name": "greeting", "schema": schema}})
    assert set(json.loads(response.choices[0].message.content)) == {"reply"}


def test_a_backend_without_guided_decoding_is_a_400(local_web, megrez):
    megrez.fail_with = 400
    megrez.fail_body = vllm_error(400, "response_format json_schema is not supported by this server")
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    with ServedApp(make_settings(local_web, megrez)) as app, pytest.raises(perplexity.BadRequestError) as caught:
        ask(app, disable_search=True, response_format={"type": "json_schema", "json_schema": {"schema": schema}})
    error = caught.value.body["error"]
    assert error["code"] == 400 and "response_format" in error["message"]


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"search_after_date_filter": "2025-03-01"}, "%m/%d/%Y"),
        ({"extra_body": {"search_recency_filter": "decade"}}, "search_recency_filter"),
        ({"search_domain_filter": ["-not a domain"]}, "domain"),
        ({"search_domain_filter": [f"s{i}.com" for i in range(21)]}, "search_domain_filter"),
        ({"search_language_filter": ["english"]}, "ISO 639-1"),
        ({"extra_body": {"web_search_options": {"search_context_size": "huge"}}}, "search_context_size"),
        ({"search_after_date_filter": "3/1/2025", "search_before_date_filter": "2/1/2025"}, "no window"),
        ({"response_format": {"type": "json_schema", "json_schema": {"schema": {"type": "nope"}}}}, "JSON schema"),
        ({"response_format": {"type": "regex", "regex": {"regex": "[a-z]+"}}}, "regex"),
    ],
)
def test_bad_values_are_400s_in_perplexitys_shape(app, fields, words):
    with pytest.raises(perplexity.BadRequestError) as caught:
        ask(app, **fields)
    error = caught.value.body["error"]
    assert caught.value.status_code == 400 and error["code"] == 400 and error["type"] == "invalid_parameter"
    assert words in error["message"]


def test_unknown_fields_are_ignored(app):
    response = ask(app, extra_body={"return_images": True, "top_k": 3, "some_future_field": {"x": 1}})
    assert "420 million" in response.choices[0].message.content


def test_api_keys_apply_at_the_root_too(local_web, megrez):
    with ServedApp(make_settings(local_web, megrez, api_keys=["k-one"])) as app:
        with pytest.raises(perplexity.AuthenticationError) as caught:
            ask(app)
        assert caught.value.body["error"]["code"] == 401
        keyed = perplexity.Perplexity(base_url=app.base_url, api_key="k-one", max_retries=0, timeout=60)
        answer = keyed.chat.completions.create(model="sonar", messages=[{"role": "user", "content": QUESTION}])
        assert "420 million" in answer.choices[0].message.content


def test_a_model_backend_that_is_down_is_a_503_in_perplexitys_shape(app, megrez):
    megrez.fail_with = 503
    with pytest.raises(perplexity.InternalServerError) as caught:
        ask(app)
    error = caught.value.body["error"]
    assert caught.value.status_code == 503 and error["code"] == 503 and error["type"] == "server_error"
    assert "model backend" in error["message"]
