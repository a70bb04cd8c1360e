"""The `websearch` command as a user runs it: a real subprocess with the contract's variables."""

from __future__ import annotations

from testkit.cli import run_cli


def test_ask_prints_the_cited_answer_then_numbered_sources(local_web, megrez):
    env = {
        "WEBSEARCH_LLM_BASE_URL": megrez.base_url,
        "WEBSEARCH_SEARCH_PROVIDER": "searxng",
        "WEBSEARCH_SEARXNG_URL": local_web.searxng_url,
        "WEBSEARCH_FETCH_ALLOW_HOSTS": local_web.host_port,
    }
    done = run_cli("ask", "What is the energy density of the Zephyr-9 battery?", env=env)
    assert done.returncode == 0, done.stderr
    answer, _, sources = done.stdout.partition("\n\n")
    assert "412 Wh/kg" in answer
    assert "[1]" in answer or "[2]" in answer
    lines = sources.strip().splitlines()
    assert lines and lines[0].startswith("[1] ")
    assert any("zephyr" in line.lower() and local_web.base_url in line for line in lines)


def test_ask_with_the_model_down_says_so_in_one_line(local_web):
    env = {
        "WEBSEARCH_LLM_BASE_URL": "http://127.0.0.1:9/v1",
        "WEBSEARCH_SEARCH_PROVIDER": "searxng",
        "WEBSEARCH_SEARXNG_URL": local_web.searxng_url,
    }
    done = run_cli("ask", "What is the Zephyr-9 battery?", env=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "127.0.0.1:9" in done.stderr and done.stderr.count("\n") == 1


def test_ask_shows_a_second_search_round_and_depth_quick_has_none(local_web, megrez):
    env = {
        "WEBSEARCH_LLM_BASE_URL": megrez.base_url,
        "WEBSEARCH_SEARCH_PROVIDER": "searxng",
        "WEBSEARCH_SEARXNG_URL": local_web.searxng_url,
        "WEBSEARCH_FETCH_ALLOW_HOSTS": local_web.host_port,
    }
    question = "Where was the author of The Lantern Orchard born?"
    done = run_cli("ask", question, env=env)
    assert done.returncode == 0, done.stderr
    assert "Ilse Varga" in done.stdout and "Kessel Point" in done.stdout
    assert "ilse-varga-profile" in done.stdout  # round 2's page among the numbered sources
    quick = run_cli("ask", question, "--depth", "quick", env=env)
    assert quick.returncode == 0, quick.stderr
    assert "Kessel Point" not in quick.stdout and "ilse-varga-profile" not in quick.stdout


def test_the_terminal_step_line_says_when_the_model_searches_again():
    from agent.events import Stage, Status

    assert Status(stage=Stage.SEARCHING, queries=["Lantern Orchard"]).line() == "searching Lantern Orchard"
    again = Status(stage=Stage.SEARCHING, queries=["Ilse Varga birthplace"], round=2)
    assert again.line() == "searching again for Ilse Varga birthplace (round 2)"
