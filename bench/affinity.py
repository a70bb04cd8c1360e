"""Several vLLM servers, each with its own prefix cache: does a conversation's follow-up find its prefix?

Replays multi-turn conversations (English and Chinese) through the real service, several clients at
once, against 1, 2 and 4 scripted vLLM servers (each keeps its own 16-token-block prefix cache, as
vLLM's automatic prefix caching does). Side by side in one run: the pool's least-outstanding routing
(`WEBSEARCH_LLM_POOL_AFFINITY=false`) and conversation affinity (consistent hashing with bounded load).
Reported: the share of follow-up prompt tokens served from the prefix cache (the decide step, which
carries the conversation, and every follow-up request), and each server's share of the requests.
Aim: reuse with 4 servers within 0.02 of one server's; no server above 1.3x the mean share.

    nice -n 10 .venv/bin/python -m bench.affinity [--conversations 160] [--turns 2] [--clients 8] [--json]
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench.prefix import CONVERSATIONS, step_of
from testkit.settings import MANY_USERS, make_settings
from testkit.app_server import ServedApp
from testkit.megrez import ScriptedMegrez
from testkit.web import LocalWeb


def conversations(count: int, turns: int) -> list[list[str]]:
    """`count` distinct conversations of up to `turns` questions: the bench topics, each first question
    tagged with its number, so no two share a prompt past the system prompt (as two users' would not)."""
    out = []
    for n in range(count):
        first, *rest = CONVERSATIONS[n % len(CONVERSATIONS)][:turns]
        tag = f"（第{n}位读者）" if any("\u4e00" <= ch <= "\u9fff" for ch in first) else f" (reader {n})"
        out.append([first + tag, *rest])
    return out


def turn_of(entry: dict) -> int:
    """Which turn of its conversation a prompt belongs to: its earlier questions are in it."""
    return sum(1 for m in entry["messages"] if m["role"] == "user") - 1


def replay(
    servers: int, affinity: bool, convs: list[list[str]], clients: int, delay_s: float, min_load: int = 8
) -> dict:
    with LocalWeb() as web:
        megrez = [ScriptedMegrez(delay_s=delay_s).start() for _ in range(servers)]
        try:
            settings = make_settings(
                web,
                megrez[0],
                **MANY_USERS,
                llm_base_url=",".join(m.base_url for m in megrez),
                llm_pool_affinity=affinity,
                llm_route_min_load=min_load,
                log_level="WARNING",
            )
            with ServedApp(settings) as app, httpx.Client(timeout=120) as http:

                def converse(questions: list[str]) -> None:
                    cid = None
                    for question in questions:
                        body = {"question": question, **({"conversation_id": cid} if cid else {})}
                        response = http.post(f"{app.base_url}/v1/answer", json=body)
                        response.raise_for_status()
                        cid = response.json()["conversation_id"]

                with ThreadPoolExecutor(clients) as pool:
                    list(pool.map(converse, convs))
                llm = app.app.state.engine.deps.llm
                spilled = getattr(llm, "spilled", 0)
            entries = [e for m in megrez for e in m.prefix_log]
            requests = [len(m.requests) for m in megrez]
        finally:
            for m in megrez:
                m.stop()

    def reuse(selected: list[dict]) -> float:
        total = sum(e["prompt_tokens"] for e in selected)
        return sum(e["cached_tokens"] for e in selected) / total if total else 0.0

    follow_ups = [e for e in entries if step_of(e) != "related" and turn_of(e) > 0]
    mean = sum(requests) / len(requests)
    return {
        "servers": servers,
        "routing": ("affinity" if min_load > 1 else "affinity, no floor") if affinity else "least outstanding",
        "follow_up_decide_reuse": reuse([e for e in follow_ups if step_of(e) == "decide"]),
        "follow_up_reuse": reuse(follow_ups),
        "requests": requests,
        "max_share_over_mean": max(requests) / mean,
        "spilled": spilled,
    }


def run(count: int, turns: int, clients: int, delay_s: float) -> list[dict]:
    convs = conversations(count, turns)
    rows = [replay(1, True, convs, clients, delay_s)]
    for servers in (2, 4):
        for affinity in (False, True):
            rows.append(replay(servers, affinity, convs, clients, delay_s))
    # The strict bound (⌈1.25 × mean⌉ even at low load): a turn's parallel requests split.
    rows.append(replay(4, True, convs, clients, delay_s, min_load=1))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=160)
    parser.add_argument("--turns", type=int, default=2, help="questions per conversation, at most")
    parser.add_argument("--clients", type=int, default=8, help="conversations going on at once")
    parser.add_argument("--delay", type=float, default=0.05, help="the model's time to first token, s")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = run(args.conversations, args.turns, args.clients, args.delay)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    turns = sum(len(c) for c in conversations(args.conversations, args.turns))
    print(f"{args.conversations} conversations ({turns} questions), {args.clients} at once, scripted vLLM servers")
    print("servers  routing             follow-up decide reuse  follow-up reuse  max share / mean  spilled  requests")
    for r in rows:
        routing = "(one server)" if r["servers"] == 1 else r["routing"]
        print(f"{r['servers']:>7}  {routing:<18}  {r['follow_up_decide_reuse']:>22.3f}  {r['follow_up_reuse']:>15.3f}"
              f"  {r['max_share_over_mean']:>16.2f}  {r['spilled']:>7}  {r['requests']}")
    one, four = rows[0], rows[-2]
    gap = four["follow_up_reuse"] - one["follow_up_reuse"]
    decide_gap = four["follow_up_decide_reuse"] - one["follow_up_decide_reuse"]
    print(f"aim: 4 servers with affinity within 0.02 of one server's reuse: {gap:+.3f} (decide {decide_gap:+.3f}); "
          f"no server above 1.3x the mean share: {four['max_share_over_mean']:.2f}")


if __name__ == "__main__":
    main()
