"""The Grafana dashboard's queries over recorded metrics, drawn: what docs/dashboard.png shows.

Grafana itself cannot be installed here (no Debian package, not on PyPI, no download), so this is a
rendering of deploy/grafana/megrez-websearch.json's queries, not Grafana: the real service (uvicorn
and the whole graph) answers a few concurrent clients on loopback, against the local web, the
scripted Megrez (its vLLM-style /metrics included) and the search API fakes, while a real Prometheus
(Debian's `prometheus`, `apt-get install prometheus`) scrapes its /metrics every second. The run
has its incidents, so each panel has something to say: Brave rate limiting (the chain moves on to
SearXNG), ten seconds of the model failing, pages that crash or bloat a parse worker, and a model
that now and then cites the wrong page or a claim no page holds (the verify stage repairs them). Afterwards each
panel's PromQL is evaluated by that Prometheus over the run (`query_range`, `$__rate_interval` as
Grafana would set it for a 1 s scrape) and drawn by bench/dashboard_render.py as one HTML page
of inline SVG, laid out by the panels' gridPos, then photographed by Chromium.

    PYTHONPATH=$PWD .venv/bin/python -m bench.dashboard [--seconds 150] [--clients 3] [--png docs/dashboard.png]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench.dashboard_render import render
from core.workers import WorkerPool
from testkit.app_server import ServedApp, free_port
from testkit.megrez import ScriptedMegrez
from testkit.search_apis import SearchAPIs
from testkit.settings import make_settings
from testkit.web import LocalWeb

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "deploy" / "grafana" / "megrez-websearch.json"
SCRAPE_S = 1
RATE_INTERVAL = "10s"  # Grafana's $__rate_interval: at least four scrape intervals (and the step + one)
QUESTIONS = [
    ("How much did the Aurora Bridge in Veldmark cost?", "Who was its lead engineer?"),
    ("What is the energy density of the Zephyr-9 battery?", "How long does it take to charge?"),
    ("When did the Larkspur Observatory's main telescope see first light?", None),
    ("青川大桥的总投资是多少？", "它什么时候通车？"),
    ("星河七号卫星的轨道高度是多少？", "它的设计寿命是多少年？"),
    ("第十二届松溪茶文化节吸引了多少游客？", None),
    ("Where was the author of The Lantern Orchard born?", None),
]


class Prometheus:
    """Debian's Prometheus, scraping one target every second into a throwaway TSDB."""

    def __init__(self, target: str, workdir: Path) -> None:
        binary = shutil.which("prometheus")
        if binary is None:
            raise SystemExit("bench.dashboard needs Prometheus: apt-get install prometheus")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "prometheus.yml"
        config.write_text(
            f"global: {{scrape_interval: {SCRAPE_S}s, scrape_timeout: {SCRAPE_S}s}}\n"
            f"scrape_configs:\n  - job_name: websearch-api\n    static_configs: [{{targets: ['{target}']}}]\n"
        )
        self.process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def __enter__(self) -> Prometheus:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit("Prometheus did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(10)

    def version(self) -> str:
        return httpx.get(f"{self.url}/api/v1/status/buildinfo", timeout=5).json()["data"]["version"]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[dict]:
        response = httpx.get(
            f"{self.url}/api/v1/query_range",
            params={"query": expr.replace("$__rate_interval", RATE_INTERVAL), "start": start, "end": end, "step": step},
            timeout=30,
        )
        body = response.json()
        if body.get("status") != "success":
            raise RuntimeError(f"{expr}: {body.get('error')}")
        return body["data"]["result"]


def _client(app: ServedApp, stop: threading.Event, seed: int, counts: dict) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=app.base_url, timeout=60) as http:
        while not stop.is_set():
            first, follow_up = rng.choice(QUESTIONS)
            conversation = None
            for question in (first, follow_up):
                if question is None or stop.is_set():
                    break
                body = {"question": question, "stream": rng.random() < 0.5}
                if conversation:
                    body["conversation_id"] = conversation
                try:
                    response = http.post("/v1/answer", json=body)
                    counts[response.status_code] = counts.get(response.status_code, 0) + 1
                    if response.status_code != 200:
                        break
                    if not body["stream"]:
                        conversation = response.json().get("conversation_id")
                    else:
                        conversation = _streamed_conversation(response.text)
                except httpx.HTTPError:
                    counts["transport"] = counts.get("transport", 0) + 1
                    break
                stop.wait(rng.uniform(0.1, 0.6))


def _streamed_conversation(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("data: ") and '"conversation_id"' in line:
            try:
                return json.loads(line[6:]).get("conversation_id")
            except ValueError:
                continue
    return None


def _incidents(seconds: float, web: LocalWeb, megrez: ScriptedMegrez, apis: SearchAPIs, stop: threading.Event) -> None:
    """The run's incidents, at fixed shares of its length."""
    chaos = lambda what: {  # noqa: E731
        "url": f"{web.base_url}/chaos?do={what}&page=zephyr-9-battery", "title": "Zephyr-9 battery review",
        "content": "The Zephyr-9 battery, reviewed.", "engine": "localweb",
    }
    timeline = [
        (0.20, lambda: apis.fail("brave", "rate_limited", retry_after=8)),
        (0.33, lambda: apis.recover("brave")),
        (0.45, lambda: setattr(megrez, "fail_with", 503)),
        (0.52, lambda: setattr(megrez, "fail_with", None)),
        (0.62, lambda: setattr(web, "extra_results", [chaos("abort")])),
        (0.66, lambda: setattr(web, "extra_results", [chaos("hog")])),
        (0.70, lambda: setattr(web, "extra_results", [])),
        (0.80, lambda: setattr(megrez, "delay_s", 0.8)),  # the GPU gets busy: first tokens slow down
        (0.90, lambda: setattr(megrez, "delay_s", 0.15)),
    ]
    started = time.monotonic()
    for share, action in timeline:
        if stop.wait(max(0.0, started + share * seconds - time.monotonic())):
            return
        action()


def _careless(megrez: ScriptedMegrez, stop: threading.Event) -> None:
    """A model that cites the way small models do (testkit/megrez/careless.py), drawn anew every
    0.3 s: mostly right, now and then the wrong page or a claim no page holds (verify repairs them)."""
    rng = random.Random(7)
    while not stop.wait(0.3):
        megrez.careless = rng.choices(["correct", "paraphrase", "wrong_page", "unsupported"], [55, 15, 15, 15], k=3)


def record(seconds: float, clients: int, workdir: Path) -> tuple[dict, dict, dict]:
    """Run the load with Prometheus scraping; returns (panel results, run info, response counts)."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    with LocalWeb() as web, ScriptedMegrez(delay_s=0.15, chunk_delay_s=0.005) as megrez, SearchAPIs(web) as apis:
        settings = make_settings(
            web, megrez, search_provider="brave,searxng", **apis.settings("brave"),
            search_cache_ttl_s=0, page_cache_ttl_s=0, log_level="WARNING",
        )
        pool = WorkerPool(2, deadline_s=3.0, memory_mb=256, initializer="testkit.chaos:install")
        with ServedApp(settings, workers=pool) as app, Prometheus(f"127.0.0.1:{app.port}", workdir) as prom:
            time.sleep(3 * SCRAPE_S)  # a few idle scrapes: every counter starts from its first value
            start = time.time()
            stop, counts = threading.Event(), {}
            threads = [threading.Thread(target=_client, args=(app, stop, n, counts)) for n in range(clients)]
            threads.append(threading.Thread(target=_incidents, args=(seconds, web, megrez, apis, stop)))
            threads.append(threading.Thread(target=_careless, args=(megrez, stop)))
            for thread in threads:
                thread.start()
            time.sleep(seconds)
            stop.set()
            for thread in threads:
                thread.join(70)
            time.sleep(3 * SCRAPE_S)
            end = time.time()
            step = max(1.0, round((end - start) / 240))
            results = {}
            for panel in dashboard["panels"]:
                for target in panel.get("targets", []):
                    results[(panel["id"], target["refId"])] = prom.query_range(target["expr"], start, end, step)
            info = {"prometheus": prom.version(), "seconds": round(end - start), "step": step, "clients": clients,
                    "rate_interval": RATE_INTERVAL, "scrape_s": SCRAPE_S}
    return {"dashboard": dashboard, "results": results}, info, counts


def screenshot(page: Path, png: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--headless=new"])
        try:
            view = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
            view.goto(page.as_uri())
            view.screenshot(path=str(png), full_page=True)
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=150.0, help="length of the recorded load")
    parser.add_argument("--clients", type=int, default=3, help="concurrent clients")
    parser.add_argument("--html", type=Path, default=None, help="keep the rendered page here")
    parser.add_argument("--png", type=Path, default=None, help="Chromium's screenshot of it (e.g. docs/dashboard.png)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="websearch-dashboard-") as tmp:
        recorded, info, counts = record(args.seconds, args.clients, Path(tmp))
        page = args.html or Path(tmp) / "dashboard.html"
        page.write_text(render(recorded["dashboard"], recorded["results"], info), encoding="utf-8")
        if args.png:
            screenshot(page, args.png)
    print(json.dumps({"run": info, "responses": {str(k): v for k, v in counts.items()}}, indent=1))
    print(f"page: {page}" + (f", screenshot: {args.png}" if args.png else ""))


if __name__ == "__main__":
    main()
