"""The embedded path as a new user meets it: the real SmolLM2 GGUF in-process (llama.cpp on this CPU),
the whole service, questions over the local web.

    PYTHONPATH=$PWD .venv/bin/python -m bench.embedded [--questions 20] [--greetings 5] [--before TREE]
        [--modes memory,quick,auto] [--json]

Each version (this checkout; with `--before TREE` also an older source tree, e.g. `git archive`d
from main) runs as its own `bench/embedded_serve.py` process with the service's defaults and the
embedded model; questions go to them in turn (before, after, after, before, …), one at a time, so
both meet the same load. Per question: answered from memory (`search: never`), searched at depth
quick and at depth auto (`search: always`), and greetings as asked (`search: auto`). Reported per
version and mode: answers given, empty, echoed (the service's own instructions shown as the answer),
search rounds, seconds to the first words and to the end (streamed), prompt tokens llama.cpp
evaluated and (as the service reports them) took from its KV state per answer; the ratio of a
searched answer's time to the same question's answer from memory; and what was measured of
llama.cpp's speed here with the projection for Megrez-3B Q4_K_M (see `project`). On stderr, each
answer's generations one a line: prompt tokens, reused from the context, evaluated (by part of the
prompt: system, function listing, call, results heading, source headers, evidence, instruction),
generated, and where the prompt left what the context held — a re-rendered turn or a changed token
there is work paid twice; the table ends with the evaluated tokens by part, per version and mode.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from agent.no_answer import is_instruction
from testkit.app_server import free_port
from testkit.models import smollm2_gguf
from testkit.web import LocalWeb

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "How much did the Aurora Bridge in Veldmark cost?",
    "青川大桥有多长？",
    "What is the energy density of the Zephyr-9 battery?",
    "星河七号卫星的轨道高度是多少？",
    "Who was the lead engineer of the Aurora Bridge in Veldmark?",
    "青川大桥的总投资是多少？",
    "How many stations does the Veldmark metro have?",
    "䶮溪古驿道修缮后全程多少千米？",
    "How many charge cycles is the Zephyr-9 battery rated for?",
    "《雾港来信》的作者是谁？",
    "Who wrote The Lantern Orchard?",
    "白鹭湖湿地有多大？",
    "When did the Aurora Bridge in Veldmark open?",
    "松溪茶会在哪里举办？",
    "What is the capacity of the Kotoura wind farm?",
    "鹿鸣书院是哪一年建立的？",
    "Who founded the Pell Gallery?",
    "赤水河鲟鱼保护区在哪里？",
    "When was the Larkspur Observatory built?",
    "周慕远是谁？",
]
GREETINGS = ["Hello!", "你好！", "Thanks, that helps.", "谢谢你！", "How are you today?"]
MODES = {  # request body per mode
    "memory": {"search": "never", "depth": "quick"},
    "quick": {"search": "always", "depth": "quick"},
    "auto": {"search": "always", "depth": "auto"},
    "greeting": {"search": "auto"},
}
# Megrez-3B-Instruct against SmolLM2-135M-Instruct: prompt evaluation is compute-bound (parameters,
# 2.92 B / 0.135 B); generating a token reads the whole model (bytes: the Q4_K_M GGUF, 1.8 GB, over
# the Q4_1 GGUF run here, 98 MB). Both are ratios of the models, not measurements of Megrez.
MEGREZ_PROMPT_SLOWER = 2.92e9 / 0.135e9
MEGREZ_GENERATE_SLOWER = 1.8e9 / 98.4e6


@dataclass
class Run:
    version: str
    mode: str
    question: str
    first_words_s: float | None = None
    total_s: float = 0.0
    answer: str = ""
    outcome: str = "answered"  # answered, empty, echoed, error
    rounds: int = 0
    prompt_evaluated: int = 0  # counted by the launcher: the same for every version
    generated: int = 0
    model_s: float = 0.0  # llama.cpp's eval time in this answer
    prompt_s: float = 0.0
    cached_reported: int | None = None  # what the service's /metrics says it took from its KV state
    error: str = ""
    calls: list[dict] = field(default_factory=list)  # each llama.cpp generation (embedded_serve.py)


@dataclass
class Server:
    version: str
    tree: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, web: LocalWeb) -> None:
        env = dict(
            os.environ,
            PYTHONPATH=str(self.tree),
            WEBSEARCH_LLM_GGUF=str(smollm2_gguf()),
            WEBSEARCH_SEARCH_PROVIDER="searxng",
            WEBSEARCH_SEARXNG_URL=web.searxng_url,
            WEBSEARCH_FETCH_ALLOW_HOSTS=web.host_port,
            WEBSEARCH_PARSE_WORKERS="1",
            WEBSEARCH_LOG_LEVEL="WARNING",
        )
        env.pop("WEBSEARCH_LLM_BASE_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "embedded_serve.py"), str(self.port)], env=env, cwd=self.tree
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.version} did not start")
            time.sleep(0.5)
        raise RuntimeError(f"{self.version} did not start within 180 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def llama(self) -> dict:
        return httpx.get(f"{self.url}/_bench/llama", timeout=10).json()

    def calls(self) -> list[dict]:
        """The generations since the last time asked (prompt, reused, evaluated by segment, …)."""
        return httpx.get(f"{self.url}/_bench/calls", timeout=60).json()

    def cached_total(self) -> int | None:
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        found = re.search(r"^websearch_llm_cached_prompt_tokens_total (\S+)$", text, re.M)
        return int(float(found.group(1))) if found else None


def outcome_of(done: dict) -> str:
    answer = done.get("answer") or ""
    if done.get("no_answer") == "echo" or any(is_instruction(s) for s in re.split(r"(?<=[.!?。！？])\s*|\n", answer)):
        return "echoed"
    if done.get("no_answer") == "empty" or not answer.strip():
        return "empty"
    return "answered"


def ask(server: Server, question: str, mode: str) -> Run:
    run = Run(version=server.version, mode=mode, question=question)
    before, cached_before = server.llama(), server.cached_total()
    server.calls()  # forget the generations before this answer
    started = time.perf_counter()
    done: dict = {}
    try:
        name = None
        body = {"question": question, "stream": True, **MODES[mode]}
        with httpx.stream("POST", f"{server.url}/v1/answer", json=body, timeout=600) as response:
            for line in response.iter_lines():
                if line.startswith("event: "):
                    name = line[len("event: ") :]
                elif line.startswith("data: "):
                    data = json.loads(line[len("data: ") :])
                    if name == "delta" and run.first_words_s is None and data.get("text", "").strip():
                        run.first_words_s = time.perf_counter() - started
                    elif name == "done":
                        done = data
                    elif name == "error":
                        run.error = data.get("message", "")
    except httpx.HTTPError as exc:
        run.error = f"{type(exc).__name__}: {exc}"
    run.total_s = time.perf_counter() - started
    after, cached_after = server.llama(), server.cached_total()
    run.prompt_evaluated = after["prompt_evaluated"] - before["prompt_evaluated"]
    run.generated = after["generated"] - before["generated"]
    run.prompt_s = after["prompt_seconds"] - before["prompt_seconds"]
    run.model_s = run.prompt_s + after["generate_seconds"] - before["generate_seconds"]
    if cached_after is not None and cached_before is not None:
        run.cached_reported = cached_after - cached_before
    run.calls = server.calls()
    run.answer = done.get("answer", "")
    run.rounds = done.get("search_rounds", 0)
    run.outcome = "error" if run.error or not done else outcome_of(done)
    return run


def describe_calls(run: Run) -> str:
    """One line a generation: prompt tokens, reused from the context, evaluated (by segment), generated,
    and where the prompt left what the context held (a mismatch re-evaluates what follows it)."""
    lines = []
    for number, call in enumerate(run.calls, start=1):
        reused = call["prompt"] - call["evaluated"]
        parts = ", ".join(f"{name} {count}" for name, count in sorted(call["segments"].items(), key=lambda kv: -kv[1]))
        line = (f"    call {number}: prompt {call['prompt']}, reused {reused}, evaluated {call['evaluated']} ({parts}), "
                f"generated {call['generated']}; evaluation starts {call['new_starts']!r}")
        if "diverged" in call and call["held"] - call["common"] > 0:
            line += f"; left {call['held'] - call['common']} held tokens at {call['diverged'][0]!r} → {call['diverged'][1]!r}"
        lines.append(line)
    return "\n".join(lines)


def segments_mean(rows: list[Run]) -> dict[str, float]:
    """Prompt tokens evaluated per answer, by the part of the prompt they belong to (mean)."""
    totals: dict[str, int] = {}
    for r in rows:
        for call in r.calls:
            for name, count in call["segments"].items():
                totals[name] = totals.get(name, 0) + count
    return {name: round(count / len(rows), 1) for name, count in sorted(totals.items(), key=lambda kv: -kv[1])} if rows else {}


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def mean(values: list[float]) -> float | None:
    return round(statistics.mean(values), 1) if values else None


def speeds(runs: list[Run], servers: dict[str, dict]) -> dict:
    """llama.cpp's tokens per second here, per version, over the whole run (measured)."""
    out = {}
    for version, counts in servers.items():
        out[version] = {
            "prompt_tokens_per_s": round(counts["prompt_evaluated"] / counts["prompt_seconds"], 1)
            if counts["prompt_seconds"]
            else None,
            "generated_tokens_per_s": round(counts["generated"] / counts["generate_seconds"], 1)
            if counts["generate_seconds"]
            else None,
        }
    return out


def project(run: Run, speed: dict) -> float | None:
    """Seconds to the full answer with Megrez-3B Q4_K_M: this answer's own token counts at Megrez's
    projected speed (SmolLM2's measured speed here, divided by the model ratios above), plus the
    time the answer spent outside llama.cpp (search, pages, the service), as measured."""
    if not speed["prompt_tokens_per_s"] or not speed["generated_tokens_per_s"]:
        return None
    prompt_tps = speed["prompt_tokens_per_s"] / MEGREZ_PROMPT_SLOWER
    generate_tps = speed["generated_tokens_per_s"] / MEGREZ_GENERATE_SLOWER
    return (run.total_s - run.model_s) + run.prompt_evaluated / prompt_tps + run.generated / generate_tps


def summarise(runs: list[Run], speed: dict) -> dict:
    table = {}
    for version in dict.fromkeys(r.version for r in runs):
        for mode in MODES:
            rows = [r for r in runs if r.version == version and r.mode == mode]
            if not rows:
                continue
            table[f"{version} {mode}"] = {
                "answers": len(rows),
                "given": sum(r.outcome == "answered" for r in rows),
                "empty": sum(r.outcome == "empty" for r in rows),
                "echoed": sum(r.outcome == "echoed" for r in rows),
                "errors": sum(r.outcome == "error" for r in rows),
                "rounds_mean": round(statistics.mean(r.rounds for r in rows), 2),
                "first_words_s_median": median([r.first_words_s for r in rows if r.first_words_s is not None]),
                "total_s_median": median([r.total_s for r in rows]),
                "prompt_evaluated_mean": mean([r.prompt_evaluated for r in rows]),
                "cached_reported_mean": mean([r.cached_reported for r in rows if r.cached_reported is not None]),
                "generated_mean": mean([r.generated for r in rows]),
                "evaluated_by_segment_mean": segments_mean(rows),
                "megrez_total_s_median_projected": median(
                    [p for r in rows if (p := project(r, speed[version])) is not None]
                ),
            }
            if mode in ("quick", "auto"):
                memory = {r.question: r.total_s for r in runs if r.version == version and r.mode == "memory"}
                ratios = [r.total_s / memory[r.question] for r in rows if memory.get(r.question)]
                table[f"{version} {mode}"]["vs_memory_median"] = median(ratios)
    return table


def run(questions: int, greetings: int, before: Path | None, modes: tuple[str, ...] = ("memory", "quick", "auto")) -> dict:
    trees = ([("before", before)] if before else []) + [("after", ROOT)]
    plan = [(q, m) for q in QUESTIONS[:questions] for m in modes]
    plan += [(g, "greeting") for g in GREETINGS[:greetings]]
    runs: list[Run] = []
    with LocalWeb() as web:
        servers = [Server(version, tree) for version, tree in trees]
        try:
            for server in servers:
                server.start(web)
            for i, (question, mode) in enumerate(plan):
                order = servers if i % 2 == 0 else servers[::-1]  # each goes first half of the time
                for server in order:
                    done = ask(server, question, mode)
                    runs.append(done)
                    print(
                        f"{done.version:>6} {mode:<8} {done.total_s:6.1f}s {done.outcome:<8} r{done.rounds} "
                        f"eval {done.prompt_evaluated:>5} {question}",
                        file=sys.stderr,
                    )
                    print(describe_calls(done), file=sys.stderr)
            totals = {server.version: server.llama() for server in servers}
        finally:
            for server in servers:
                server.stop()
    speed = speeds(runs, totals)
    return {
        "load": os.getloadavg(),
        "speed_measured": speed,
        "megrez_ratios": {"prompt": round(MEGREZ_PROMPT_SLOWER, 1), "generate": round(MEGREZ_GENERATE_SLOWER, 1)},
        "table": summarise(runs, speed),
        "runs": [asdict(r) for r in runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20, help="searched questions (of 20, half Chinese)")
    parser.add_argument("--greetings", type=int, default=5)
    parser.add_argument("--before", type=Path, help="an older source tree to compare with, in the same run")
    parser.add_argument("--modes", default="memory,quick,auto", help="of memory, quick, auto (a quick look: memory,quick)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.questions, args.greetings, args.before, tuple(args.modes.split(",")))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in result['load'])}")
    print(f"llama.cpp measured here (tokens/s): {result['speed_measured']}; Megrez-3B Q4_K_M projected at "
          f"1/{result['megrez_ratios']['prompt']} of the prompt and 1/{result['megrez_ratios']['generate']} of the generation speed")
    head = ("version mode", "n", "given", "empty", "echoed", "rounds", "first words s", "end s", "vs memory",
            "prompt eval", "cached", "generated", "Megrez end s (proj.)")
    print(" | ".join(head))
    for name, row in result["table"].items():
        print(" | ".join(str(x) for x in (
            name, row["answers"], row["given"], row["empty"], row["echoed"], row["rounds_mean"],
            row["first_words_s_median"], row["total_s_median"], row.get("vs_memory_median", "-"),
            row["prompt_evaluated_mean"], row["cached_reported_mean"], row["generated_mean"],
            row["megrez_total_s_median_projected"],
        )))
    print("prompt tokens evaluated per answer, by segment (mean):")
    for name, row in result["table"].items():
        print(f"  {name}: {row['evaluated_by_segment_mean']}")


if __name__ == "__main__":
    main()
