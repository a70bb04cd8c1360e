"""CPU per answer: what the server's whole process tree (the API process, the parse workers' fork
server and every worker) spends on one answer, cold and warm, for each extraction path side by side.

    .venv/bin/python -m bench.cpu                      # service CPU + extraction quality, both paths
    .venv/bin/python -m bench.cpu --skip-extraction    # only the service
    .venv/bin/python -m bench.cpu --skip-service       # only extraction F1 and ms per page
    .venv/bin/python -m bench.cpu --json

Service: `websearch serve` runs in its own process against the local web (`testkit/web/`) and the
scripted Megrez (no delay: the model is not what is measured); CPU seconds are read from
/proc/<pid>/stat (utime + stime, plus cutime + cstime of children already reaped) for the server
and every descendant, before and after each level, divided by the answers given. Cold: search and
page caches off, so every answer searches and reads five new pages. Warm: caches on and every
question asked once before the level, so only the pages' cached text is read. 1 and 8 clients.
CPU seconds are what the tree used, whatever else the machine runs; answers per second are wall
time and depend on the load beside the bench (the clients, local web and scripted model run in
this process and share the cores).

Extraction: each path (`WEBSEARCH_EXTRACTOR`: `fast` = resiliparse first, trafilatura where it
looks wrong; `trafilatura` = the path shipped before) on trafilatura's evaluation pages, scored as
trafilatura scores itself (segments, as bench/realdata.py): the 125 in bench/data, and with
`--eval-pages DIR` any folder laid out as trafilatura's evaluation set (`evaldata.json` + the gzipped
pages; its 949 pages were measured for the README); ms per page is this process's CPU time (one core)."""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

from bench.load import one_answer
from bench.soak import Server
from search import extract as shipped_extract
from search.fetch import Fetched
from search.models import SearchResult
from testkit.app_server import subprocess_env
from testkit.megrez import ScriptedMegrez
from testkit.settings import MANY_USERS, make_settings
from testkit.procs import descendants
from testkit.web import LocalWeb

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "bench" / "corpus"  # 64 pages with navigation, ads and comments around the article
PATHS = ("fast", "lean", "trafilatura")
EVAL_SETS = {"bench/data (125)": ROOT / "bench" / "data" / "trafilatura_eval"}
_TICK = os.sysconf("SC_CLK_TCK")


# --- CPU of a process tree ------------------------------------------------------------------------


def cpu_s(pid: int) -> float:
    """CPU seconds `pid` has used: user + system time, and its reaped children's (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # ended since it was listed: its time is in its parent's cutime
    return sum(int(x) for x in fields[11:15]) / _TICK  # utime stime cutime cstime


def tree_cpu_s(root: int) -> tuple[float, float]:
    """CPU seconds of `root` itself and of every process below it (fork server, parse workers)."""
    return cpu_s(root), sum(cpu_s(pid) for pid in descendants(root))


# --- the service -----------------------------------------------------------------------------------


async def answer_all(base_url: str, clients: int, questions: list[str]) -> tuple[int, int, float]:
    """Each question answered once, `clients` at a time: (answers, errors, wall seconds)."""
    todo = list(questions)
    answered = failed = 0
    limits = httpx.Limits(max_connections=clients + 4, max_keepalive_connections=clients + 4)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:

        async def worker() -> None:
            nonlocal answered, failed
            while todo:
                try:
                    row = await one_answer(client, base_url, todo.pop())
                except httpx.HTTPError:
                    row = {"error": "http"}
                answered, failed = (answered, failed + 1) if "error" in row else (answered + 1, failed)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
    return answered, failed, time.perf_counter() - started


def measure(server: Server, clients: int, questions: list[str]) -> dict:
    server_before, workers_before = tree_cpu_s(server.proc.pid)
    answered, failed, seconds = asyncio.run(answer_all(server.base_url, clients, questions))
    server_after, workers_after = tree_cpu_s(server.proc.pid)
    per_answer = 1000 / max(1, answered)
    return {
        "clients": clients,
        "answers": answered,
        "errors": failed,
        "cpu_ms_per_answer": round(per_answer * (server_after + workers_after - server_before - workers_before), 1),
        "server_ms": round(per_answer * (server_after - server_before), 1),
        "workers_ms": round(per_answer * (workers_after - workers_before), 1),
        "answers_per_s": round(answered / seconds, 2),
    }


class Profile:
    """py-spy (`pip install py-spy`; not a dependency of the service) sampling the server and every
    worker while a level runs: collapsed stacks to `path`, then the top functions."""

    def __init__(self, pid: int, path: Path):
        if shutil.which("py-spy") is None:
            raise SystemExit("--profile needs py-spy on PATH (pip install py-spy)")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.proc = subprocess.Popen(
            ["py-spy", "record", "--pid", str(pid), "--subprocesses", "--nonblocking", "--rate", "250",
             "--format", "raw", "--output", str(path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # attached before the level starts

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(60)


def profile_top(path: Path, n: int = 10) -> list[tuple[str, float, float]]:
    """(function, share of the samples with it on the stack, share with it running) for the n
    functions most often on the stack, the processes' entry frames (module, fork server, event
    loop, worker loop) left out. py-spy records only samples where a thread is running."""
    total = 0
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = []
        for entry in stack.split(";"):
            if entry.startswith(("process ", "thread ")) or " (" not in entry:
                continue
            name, _, where = entry.rpartition(" (")
            frames.append(f"{name} ({where.rsplit(':', 1)[0]})")
        if not frames:
            continue
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
        own[frames[-1]] += int(count)
    rows = [(f, c / total, own[f] / total) for f, c in inclusive.most_common() if f.split(" (")[0] not in OUTER]
    return rows[:n]


OUTER = {
    "<module>", "main", "_serve_one", "_main", "BaseProcess._bootstrap", "BaseProcess.run", "_worker_main",
    "_run_module_as_main", "_run_code", "run", "Runner.run", "BaseEventLoop.run_until_complete",
    "BaseEventLoop.run_forever", "BaseEventLoop._run_once", "Handle._run", "Server.run", "Server.serve", "_serve",
    "Thread._bootstrap", "Thread._bootstrap_inner", "Thread.run",
}


def service(args: argparse.Namespace) -> list[dict]:
    corpus = json.loads((CORPUS / "questions.json").read_text(encoding="utf-8"))
    questions = [q["question"] for q in corpus][: args.answers]
    rows = []
    with LocalWeb(pages_dir=CORPUS / "pages") as web, ScriptedMegrez() as megrez:
        for path in args.paths:
            for state in args.states:
                ttl = {"search_cache_ttl_s": 0, "page_cache_ttl_s": 0} if state == "cold" else {}
                env = subprocess_env(make_settings(web, megrez, **MANY_USERS, **ttl))
                env["WEBSEARCH_EXTRACTOR"] = path
                if args.redis_url:
                    env["WEBSEARCH_REDIS_URL"] = args.redis_url
                server = Server(env)  # `websearch serve` in its own process (bench/soak.py)
                server.start()
                try:
                    # Warm-up (imports, first connections); warm: every question's search and pages cached.
                    asyncio.run(answer_all(server.base_url, 1, questions if state == "warm" else questions[-2:]))
                    for clients in args.levels:
                        profile = None
                        if args.profile and clients == args.levels[0]:
                            profile = Profile(server.proc.pid, args.profile / f"{path}-{state}.txt")
                        row = {"path": path, "state": state, **measure(server, clients, questions)}
                        if profile is not None:
                            profile.stop()
                            row["profile_top"] = profile_top(profile.path)
                        rows.append(row)
                        if not args.json:
                            print_service_row(row)
                            for function, on_stack, running in row.get("profile_top", []):
                                print(f"    {100 * on_stack:5.1f} % on stack {100 * running:5.1f} % running  {function}")
                finally:
                    server.stop()
    return rows


SERVICE_HEADER = f"{'path':<12} {'state':<5} {'clients':>7} {'answers':>7} {'err':>4} {'CPU ms/answer':>13} {'server':>7} {'workers':>7} {'answers/s':>9}"


def print_service_row(row: dict) -> None:
    print(
        f"{row['path']:<12} {row['state']:<5} {row['clients']:>7} {row['answers']:>7} {row['errors']:>4} "
        f"{row['cpu_ms_per_answer']:>13} {row['server_ms']:>7} {row['workers_ms']:>7} {row['answers_per_s']:>9}",
        flush=True,
    )


# --- extraction quality and cost ---------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split())


def segment_scores(evaldata: dict, outputs: dict[str, str]) -> dict:
    """trafilatura's own scoring: gold `with` segments found, `without` segments found (bench/realdata.py)."""
    tp = fn = fp = 0
    for url, entry in evaldata.items():
        text = _norm(outputs.get(url) or "")
        for segment in entry["with"]:
            tp, fn = (tp + 1, fn) if _norm(segment) in text else (tp, fn + 1)
        fp += sum(_norm(segment) in text for segment in entry["without"])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def extraction(args: argparse.Namespace) -> list[dict]:
    rows = []
    sets = dict(EVAL_SETS)
    if args.eval_pages is not None:
        sets[f"{args.eval_pages.name}"] = args.eval_pages
    for name, folder in sets.items():
        if not (folder / "evaldata.json").exists():
            print(f"{name}: {folder} not found, skipped", file=sys.stderr)
            continue
        evaldata = json.loads((folder / "evaldata.json").read_text())
        # The pages only the held-out questions use stay out, as in bench/realdata.py (125 in bench/data).
        evaldata = {url: e for url, e in evaldata.items() if not e.get("heldout_only")}
        raw = {url: gzip.decompress((folder / e["file"]).read_bytes()) for url, e in evaldata.items()}
        for path in args.paths:
            outputs, times = {}, []
            for url, body in raw.items():
                fetched = Fetched(url=url, final_url=url, status=200, content_type="text/html", charset=None, body=body)
                started = time.process_time()
                page = shipped_extract.extract_page(fetched, SearchResult(url=url, title=""), path)
                times.append(1000 * (time.process_time() - started))
                outputs[url] = f"{page.title}\n{page.text}"  # the title is shown too (bench/realdata.py)
            rows.append({
                "set": name, "path": path, "pages": len(raw), **segment_scores(evaldata, outputs),
                "ms_mean": round(statistics.mean(times), 2), "ms_median": round(statistics.median(times), 2),
                "ms_p95": round(sorted(times)[int(0.95 * (len(times) - 1))], 2),
                
            })
            if not args.json:
                print_extraction_row(rows[-1])
    return rows


EXTRACTION_HEADER = f"{'pages':<24} {'path':<12} {'prec':>6} {'recall':>6} {'F1':>6} {'ms mean':>7} {'ms p50':>7} {'ms p95':>7}"


def print_extraction_row(row: dict) -> None:
    print(
        f"{row['set']:<24} {row['path']:<12} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.4f} "
        f"{row['ms_mean']:>7.1f} {row['ms_median']:>7.1f} {row['ms_p95']:>7.1f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", default=",".join(PATHS), help="extraction paths, comma list (fast, lean, trafilatura)")
    parser.add_argument("--levels", default="1,8", help="concurrent clients, comma list")
    parser.add_argument("--states", default="cold,warm", help="cache states, comma list (cold, warm)")
    parser.add_argument("--answers", type=int, default=48, help="answers per level: the corpus' first N questions")
    parser.add_argument("--redis-url", help="the server's store and caches in this Redis (default: in-process)")
    parser.add_argument("--profile", type=Path, help="py-spy the first level, cold and warm, into this folder; print its top ten")
    parser.add_argument("--eval-pages", type=Path, help="also score extraction on this trafilatura-eval-style folder")
    parser.add_argument("--skip-service", action="store_true")
    parser.add_argument("--skip-extraction", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.paths = [p for p in args.paths.split(",") if p]
    args.levels = [int(n) for n in args.levels.split(",") if n.strip()]
    args.states = [s for s in args.states.split(",") if s in ("cold", "warm")]
    result: dict = {"cpus": os.cpu_count()}
    if not args.skip_service:
        if not args.json:
            print("CPU of the server's process tree per answer (scripted model, no delay)")
            print(SERVICE_HEADER)
        result["service"] = service(args)
    if not args.skip_extraction:
        if not args.json:
            print("\nExtraction, segment-scored (trafilatura's scoring); ms = CPU ms per page in this process")
            print(EXTRACTION_HEADER)
        result["extraction"] = extraction(args)
    result["load_average_1m"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"\n(load average {result['load_average_1m']} on {result['cpus']} CPUs: CPU ms hold, answers/s and p50 move with it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
