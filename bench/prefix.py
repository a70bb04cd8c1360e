"""How much of each follow-up's prompt vLLM's prefix cache can serve.

Replays multi-turn conversations (English and Chinese) through the real service against the
scripted Megrez server, which keeps a 16-token-block prefix cache over every prompt and output it
has seen, as vLLM's automatic prefix caching does. For every model request it reports the share of
prompt tokens that were a cached prefix. Target: >= 0.9 on follow-ups' decide step (the request
that carries the conversation), 0.8 at least.

    .venv/bin/python -m bench.prefix [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics

import httpx

from testkit.settings import MANY_USERS, make_settings
from testkit.app_server import ServedApp
from testkit.megrez import ScriptedMegrez
from testkit.web import LocalWeb

CONVERSATIONS = [
    ["When did the Aurora Bridge in Veldmark open?", "And how much did it cost?", "Who was the lead engineer?"],
    ["What is the energy density of the Zephyr-9 battery?", "How many charge cycles is it rated for?"],
    ["How big is the Larkspur Observatory telescope?", "When was its first light?", "Thanks!"],
    ["青川大桥有多长？", "总投资是多少？", "什么时候开工的？"],
    ["星河七号卫星的轨道高度是多少？", "它是什么时候发射的？"],
    ["Hello!", "What does Quillstack 3.0 drop support for?", "And what else changed?"],
]


def step_of(entry: dict) -> str:
    last = entry["messages"][-1]
    if last["role"] == "observation":
        return "answer"
    if "follow-up questions" in last["content"] or "追问" in last["content"]:
        return "related"
    return "decide"


# A conversation longer than the prompt budget (a 6,000-token model context here): the history
# must be trimmed, and the sticky window decides how often a follow-up then misses the cache.
LONG_CONVERSATION = [
    "When did the Aurora Bridge in Veldmark open?",
    "And how much did it cost?",
    "Who was the lead engineer?",
    "What is the energy density of the Zephyr-9 battery?",
    "How many charge cycles is it rated for?",
    "How big is the Larkspur Observatory telescope?",
    "When was its first light?",
    "What does Quillstack 3.0 drop support for?",
    "青川大桥有多长？",
    "总投资是多少？",
]


def replay(conversations: list[list[str]], **overrides) -> list[dict]:
    rows = []
    settings = dict(log_level="WARNING", **overrides)
    with LocalWeb() as web, ScriptedMegrez() as megrez, ServedApp(make_settings(web, megrez, **MANY_USERS, **settings)) as app:
        for conversation in conversations:
            cid = None
            for turn, question in enumerate(conversation):
                start = len(megrez.prefix_log)
                body = {"question": question, **({"conversation_id": cid} if cid else {})}
                cid = httpx.post(f"{app.base_url}/v1/answer", json=body, timeout=60).json()["conversation_id"]
                for entry in megrez.prefix_log[start:]:
                    rows.append(
                        {
                            "turn": turn,
                            "step": step_of(entry),
                            "prompt_tokens": entry["prompt_tokens"],
                            "cached_tokens": entry["cached_tokens"],
                        }
                    )
    return rows


def run() -> dict:
    rows = replay(CONVERSATIONS)
    long_rows = replay([LONG_CONVERSATION], llm_context_tokens=6000)

    def share(selected: list[dict]) -> float:
        total = sum(r["prompt_tokens"] for r in selected)
        return sum(r["cached_tokens"] for r in selected) / total if total else 0.0

    follow_ups = [r for r in rows if r["turn"] > 0]
    figures = {
        "conversations": len(CONVERSATIONS),
        "model_requests": len(rows),
        "follow_up_decide_reuse": share([r for r in follow_ups if r["step"] == "decide"]),
        "follow_up_decide_reuse_min": min(
            (r["cached_tokens"] / r["prompt_tokens"] for r in follow_ups if r["step"] == "decide"), default=0.0
        ),
        "follow_up_answer_reuse": share([r for r in follow_ups if r["step"] == "answer"]),
        "follow_up_all_requests_reuse": share(follow_ups),
        "first_turn_all_requests_reuse": share([r for r in rows if r["turn"] == 0]),
        "long_conversation_follow_up_decide_reuse": share(
            [r for r in long_rows if r["turn"] > 0 and r["step"] == "decide"]
        ),
        "long_conversation_decide_misses": sum(
            1 for r in long_rows if r["turn"] > 0 and r["step"] == "decide" and r["cached_tokens"] < 0.5 * r["prompt_tokens"]
        ),
        "median_follow_up_decide_prompt_tokens": statistics.median(
            [r["prompt_tokens"] for r in follow_ups if r["step"] == "decide"] or [0]
        ),
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true")
    figures = run()
    if parser.parse_args().json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{figures['conversations']} conversations, {figures['model_requests']} model requests")
    print(f"follow-up decide step, share of prompt from prefix cache: {figures['follow_up_decide_reuse']:.3f}"
          f" (worst {figures['follow_up_decide_reuse_min']:.3f}; target >= 0.9)")
    print(f"follow-up answer step (fresh search results last):        {figures['follow_up_answer_reuse']:.3f}")
    print(f"follow-up turns, every model request:                    {figures['follow_up_all_requests_reuse']:.3f}")
    print(f"first turns, every model request:                        {figures['first_turn_all_requests_reuse']:.3f}")
    print(f"{len(LONG_CONVERSATION)}-turn conversation over a 6,000-token context (history trimmed): follow-up decide "
          f"reuse {figures['long_conversation_follow_up_decide_reuse']:.3f}, "
          f"{figures['long_conversation_decide_misses']} of {len(LONG_CONVERSATION) - 1} follow-ups below half")


if __name__ == "__main__":
    main()
