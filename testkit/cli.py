"""The `websearch` command as a user runs it: a real subprocess with the contract's variables."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "api.cli.main", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def cli_env(local_web, megrez) -> dict[str, str]:
    """The variables that point the command at the local web and the scripted model."""
    return {
        "WEBSEARCH_LLM_BASE_URL": megrez.base_url,
        "WEBSEARCH_SEARCH_PROVIDER": "searxng",
        "WEBSEARCH_SEARXNG_URL": local_web.searxng_url,
        "WEBSEARCH_FETCH_ALLOW_HOSTS": local_web.host_port,
    }


# `websearch eval`'s questions: English with a follow-up, Chinese, and one the local web cannot answer.
EVAL_QUESTIONS = [
    {"id": "bridge", "question": "How much did the Aurora Bridge in Veldmark cost?", "answers": ["420 million euros"],
     "followups": [{"question": "Who was its lead engineer?", "answers": ["Ingrid Solberg"]}]},
    {"id": "qingchuan", "question": "青川大桥的总投资是多少？", "answer": "56 亿元"},
    # The local web does not know this: the row must say missed, not crash the run.
    {"id": "unknown", "question": "What colour is the Aurora Bridge's toll booth?", "answers": ["mauve"]},
]
