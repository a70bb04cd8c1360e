"""trafilatura's second opinion from its fast pass (search/trafilatura_reuse.py) against the whole
cascade run again by trafilatura's public functions: the same output on every evaluation page, and
the CPU each costs, old and new alternating in one process.

    .venv/bin/python -m bench.trafilatura_reuse                   # bench/data + the corpus
    .venv/bin/python -m bench.trafilatura_reuse --eval-pages DIR  # + a trafilatura-eval-style folder
    .venv/bin/python -m bench.trafilatura_reuse --paths fast,lean,trafilatura

Pages: as bench/trafilatura_prune.py (bench/data's 157 real pages, bench/corpus's 64 generated ones,
any trafilatura-eval-style folder). Two checks per page, old (trafilatura_reuse.uninstall(): the
fast pass by `bare_extraction`, the second opinion by `extract`) and new in alternating order:
- the page read by `search.extract.extract_page` (`--paths`): title, text, date and site (and the
  fallback taken) must be the same; CPU ms per page, all pages and those that asked the second
  opinion alone;
- trafilatura's two texts on every page, whether extract_html would ask the second one or not: the
  fast pass's (`precise_text`) and the whole cascade's (`full_text`), each timed: the second
  opinion's cost alone, old (`extract` from scratch) and new (from the fast pass).
CPU ms is this process's CPU time (`time.process_time`), one core, after an untimed warm-up (each
set's first 20 pages both ways)."""

from __future__ import annotations

import statistics
import sys
import time

from bench.trafilatura_prune import finish, page_options, page_sets, read
from search import html_text, trafilatura_reuse
from search.extract import decode


class Asked:
    """Counts the second opinions asked (Reading.second_opinion calls), old path and new."""

    def __init__(self) -> None:
        self.count = 0
        self._call = trafilatura_reuse.Reading.second_opinion

    def __enter__(self) -> Asked:
        asked, call = self, self._call

        def counted(reading):
            asked.count += 1
            return call(reading)

        trafilatura_reuse.Reading.second_opinion = counted
        return self

    def __exit__(self, *exc) -> None:
        trafilatura_reuse.Reading.second_opinion = self._call


def switch(mirrored: bool) -> None:
    if mirrored:
        trafilatura_reuse.install()
    else:
        trafilatura_reuse.uninstall()


def timed_page(mirrored: bool, url: str, body: bytes, path: str, asked: Asked) -> tuple[tuple, float, bool]:
    switch(mirrored)
    before = asked.count
    started = time.process_time()
    out = read(url, body, path)
    return out, 1000 * (time.process_time() - started), asked.count > before


def timed_texts(mirrored: bool, url: str, html: str) -> tuple[tuple[str, str], float, float]:
    """(fast text, whole cascade's text), ms of each."""
    switch(mirrored)
    started = time.process_time()
    if mirrored:
        reading = html_text.precise_reading(html, url)
        fast = reading.text
        middle = time.process_time()
        full = reading.second_opinion()
    else:
        fast = html_text.precise_text(html, url)
        middle = time.process_time()
        full = html_text.full_text(html, url)
    done = time.process_time()
    return (fast, full), 1000 * (middle - started), 1000 * (done - middle)


def mean(values: list[float]) -> float:
    return round(statistics.mean(values), 2) if values else 0.0


def run_pages(name: str, pages: dict[str, bytes], path: str, asked: Asked) -> dict:
    old_ms, new_ms, second_old, second_new, differ = [], [], [], [], []
    for n, (url, body) in enumerate(pages.items()):
        outs, times, asks = {}, {}, {}
        for mirrored in (False, True) if n % 2 == 0 else (True, False):  # alternate which runs first
            outs[mirrored], times[mirrored], asks[mirrored] = timed_page(mirrored, url, body, path, asked)
        old_ms.append(times[False])
        new_ms.append(times[True])
        if asks[False] or asks[True]:
            second_old.append(times[False])
            second_new.append(times[True])
        if outs[False] != outs[True] or asks[False] != asks[True]:
            differ.append(url)
    return {
        "set": name, "path": path, "pages": len(pages), "differences": len(differ), "differing": differ[:10],
        "old_ms": mean(old_ms), "new_ms": mean(new_ms), "second_opinion_pages": len(second_old),
        "second_opinion_old_ms": mean(second_old), "second_opinion_new_ms": mean(second_new),
    }


def run_texts(name: str, pages: dict[str, bytes]) -> dict:
    fast_old, fast_new, full_old, full_new, differ = [], [], [], [], []
    for n, (url, body) in enumerate(pages.items()):
        html = decode(body, None)
        outs = {}
        for mirrored in (False, True) if n % 2 == 0 else (True, False):
            outs[mirrored], fast_ms, full_ms = timed_texts(mirrored, url, html)
            (fast_new if mirrored else fast_old).append(fast_ms)
            (full_new if mirrored else full_old).append(full_ms)
        if outs[False] != outs[True]:
            differ.append(url)
    return {
        "set": name, "path": "texts", "pages": len(pages), "differences": len(differ), "differing": differ[:10],
        "fast_pass_old_ms": mean(fast_old), "fast_pass_new_ms": mean(fast_new),
        "second_opinion_old_ms": mean(full_old), "second_opinion_new_ms": mean(full_new),
    }


def warm(sets: dict[str, dict[str, bytes]], paths: list[str], pages: int = 20) -> None:
    """Untimed, both ways: each path and both texts on each set's first pages, so that neither side
    pays trafilatura's first-use costs (lazy regexes, jusText's stoplists: ~80 ms) in the timings."""
    for mirrored in (False, True):
        switch(mirrored)
        for some in sets.values():
            for url, body in list(some.items())[:pages]:
                for path in paths:
                    read(url, body, path)
                html = decode(body, None)
                html_text.precise_reading(html, url).second_opinion()
                html_text.full_text(html, url)


def main(argv: list[str] | None = None) -> int:
    parser = page_options(__doc__.split("\n\n")[0])
    parser.add_argument("--skip-texts", action="store_true", help="skip the two texts on every page")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not trafilatura_reuse.install():
        print("trafilatura is not the one mirrored: nothing to compare", file=sys.stderr)
        return 1
    sets = page_sets(args)
    paths = [p for p in args.paths.split(",") if p]
    warm(sets, paths)
    rows = []
    with Asked() as asked:
        for path in paths:
            for name, pages in sets.items():
                rows.append(run_pages(name, pages, path, asked))
                if not args.json:
                    r = rows[-1]
                    print(
                        f"{r['set']:<18} {r['path']:<12} {r['pages']:>4} pages  differences {r['differences']:>3}  "
                        f"CPU ms/page old {r['old_ms']:>6.2f}  new {r['new_ms']:>6.2f};  "
                        f"{r['second_opinion_pages']:>3} asking the second opinion: old {r['second_opinion_old_ms']:>6.2f}  "
                        f"new {r['second_opinion_new_ms']:>6.2f}",
                        flush=True,
                    )
    if not args.skip_texts:
        for name, pages in sets.items():
            rows.append(run_texts(name, pages))
            if not args.json:
                r = rows[-1]
                print(
                    f"{r['set']:<18} {'texts':<12} {r['pages']:>4} pages  differences {r['differences']:>3}  "
                    f"CPU ms/page fast pass old {r['fast_pass_old_ms']:>6.2f}  new {r['fast_pass_new_ms']:>6.2f};  "
                    f"second opinion old {r['second_opinion_old_ms']:>6.2f}  new {r['second_opinion_new_ms']:>6.2f}",
                    flush=True,
                )
    for r in rows:
        if not args.json:
            for url in r["differing"]:
                print(f"  {r['set']} {r['path']} differs: {url}")
    trafilatura_reuse.install()
    return finish(rows, as_json=args.json)


if __name__ == "__main__":
    sys.exit(main())
