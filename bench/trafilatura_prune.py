"""trafilatura's discard XPaths against their walks (search/trafilatura_prune.py): the same output on
every evaluation page, and the CPU each costs, old and new alternating in one process.

    .venv/bin/python -m bench.trafilatura_prune                 # bench/data + the corpus
    .venv/bin/python -m bench.trafilatura_prune --eval-pages DIR  # + a trafilatura-eval-style folder
    .venv/bin/python -m bench.trafilatura_prune --nodes         # also compare every call's node list

Pages: bench/data's 157 real pages (held-out ones included), bench/corpus's 64 generated ones, and
any folder laid out as trafilatura's evaluation set (`evaldata.json` + the gzipped pages; the README's
949-page figures are from one). Each page is read by `search.extract.extract_page` (`--paths`:
the fast path by default; `trafilatura` too for the old path, whose whole cascade also runs the
readability comparison's prune) with trafilatura's XPaths and with the walks, in alternating order;
its title, text, date and site must be the same. CPU ms per page is this process's CPU time
(`time.process_time`), one core. `--nodes` also evaluates each XPath beside its walk on every tree
trafilatura hands them and counts the calls whose lists differ (slower; not timed)."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from search import extract as shipped_extract
from search import trafilatura_prune
from search.fetch import Fetched
from search.models import SearchResult

ROOT = Path(__file__).resolve().parents[1]
SETS = {"bench/data": ROOT / "bench" / "data" / "trafilatura_eval"}
CORPUS = ROOT / "bench" / "corpus" / "pages"


def eval_pages(folder: Path) -> dict[str, bytes]:
    evaldata = json.loads((folder / "evaldata.json").read_text())
    return {url: gzip.decompress((folder / e["file"]).read_bytes()) for url, e in evaldata.items()}


def corpus_pages() -> dict[str, bytes]:
    return {f"http://127.0.0.1/pages/{p.name}": p.read_bytes() for p in sorted(CORPUS.glob("*.html"))}


def read(url: str, body: bytes, path: str) -> tuple:
    fetched = Fetched(url=url, final_url=url, status=200, content_type="text/html", charset=None, body=body)
    page = shipped_extract.extract_page(fetched, SearchResult(url=url, title=""), path)
    return page.title, page.text, page.date, page.site_name, page.fallback


def timed(mirrored: bool, url: str, body: bytes, path: str) -> tuple[tuple, float]:
    if mirrored:
        trafilatura_prune.install()
    else:
        trafilatura_prune.uninstall()
    started = time.process_time()
    out = read(url, body, path)
    return out, 1000 * (time.process_time() - started)


class NodeCheck:
    """Every walk's list beside its XPath's, on the trees trafilatura hands them."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.differ: Counter[str] = Counter()
        self._call = trafilatura_prune.MirroredXPath.__call__

    def __enter__(self) -> NodeCheck:
        check, call = self, self._call

        def compared(mirror, node, **variables):
            ours = call(mirror, node, **variables)
            theirs = mirror.xpath(node, **variables)
            check.calls[mirror.path] += 1
            check.differ[mirror.path] += list(ours) != list(theirs)
            return ours

        trafilatura_prune.MirroredXPath.__call__ = compared
        return self

    def __exit__(self, *exc) -> None:
        trafilatura_prune.MirroredXPath.__call__ = self._call


def run(name: str, pages: dict[str, bytes], path: str, nodes: bool) -> dict:
    old_ms, new_ms, differ = [], [], []
    for n, (url, body) in enumerate(pages.items()):
        order = (False, True) if n % 2 == 0 else (True, False)  # alternate which runs first
        outs, times = {}, {}
        for mirrored in order:
            outs[mirrored], times[mirrored] = timed(mirrored, url, body, path)
        old_ms.append(times[False])
        new_ms.append(times[True])
        if outs[False] != outs[True]:
            differ.append(url)
    row = {
        "set": name, "path": path, "pages": len(pages), "differences": len(differ), "differing": differ[:10],
        "old_ms": round(statistics.mean(old_ms), 2), "new_ms": round(statistics.mean(new_ms), 2),
        "old_ms_p50": round(statistics.median(old_ms), 2), "new_ms_p50": round(statistics.median(new_ms), 2),
    }
    if nodes:
        trafilatura_prune.install()
        with NodeCheck() as check:
            for url, body in pages.items():
                read(url, body, path)
        row["node_calls"], row["node_differences"] = sum(check.calls.values()), sum(check.differ.values())
    return row


def page_options(description: str) -> argparse.ArgumentParser:
    """The options every old-against-new page bench takes (this one, trafilatura_reuse, trafilatura_density)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--eval-pages", type=Path, help="also this trafilatura-eval-style folder (evaldata.json + pages)")
    parser.add_argument("--paths", default="fast", help="extraction paths, comma list (fast, lean, trafilatura)")
    parser.add_argument("--skip-corpus", action="store_true")
    return parser


def page_sets(args: argparse.Namespace) -> dict[str, dict[str, bytes]]:
    """bench/data's pages, then `--eval-pages`'s, then the corpus's unless `--skip-corpus`."""
    sets = {name: eval_pages(folder) for name, folder in SETS.items()}
    if args.eval_pages is not None:
        sets[args.eval_pages.name] = eval_pages(args.eval_pages)
    if not args.skip_corpus:
        sets["bench/corpus"] = corpus_pages()
    return sets


def each_set(args: argparse.Namespace, run, line) -> list[dict]:
    """`run(name, pages, path)` for each path of `--paths` and each page set, a row each; unless
    `--json`, each row printed as `line(row)` says, then its differing pages."""
    sets = page_sets(args)
    rows = []
    for path in [p for p in args.paths.split(",") if p]:
        for name, pages in sets.items():
            rows.append(row := run(name, pages, path))
            if not args.json:
                print(line(row), flush=True)
                for url in row["differing"]:
                    print(f"  differs: {url}")
    return rows


def finish(rows: list[dict], *, as_json: bool, also: str = "") -> int:
    """Every page bench's ending: the rows as JSON or the total, with the load; 1 where anything
    differed (a page, or the rows' `also` count)."""
    load = round(os.getloadavg()[0], 2)
    if as_json:
        print(json.dumps({"rows": rows, "load_average_1m": load}, indent=1))
    else:
        print(f"differences in all: {sum(r['differences'] for r in rows)}  (load average {load})")
    return 1 if any(r["differences"] or (also and r.get(also)) for r in rows) else 0


def main(argv: list[str] | None = None) -> int:
    parser = page_options(__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", action="store_true", help="also compare each call's node list (not timed)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not trafilatura_prune.install():
        print("trafilatura's XPaths are not the ones mirrored: nothing to compare", file=sys.stderr)
        return 1

    def line(r: dict) -> str:
        nodes = f"  node lists differ {r['node_differences']} of {r['node_calls']}" if args.nodes else ""
        return (
            f"{r['set']:<18} {r['path']:<12} {r['pages']:>4} pages  differences {r['differences']:>3}  "
            f"CPU ms/page XPaths {r['old_ms']:>6.2f} (p50 {r['old_ms_p50']:.2f})  walks {r['new_ms']:>6.2f} "
            f"(p50 {r['new_ms_p50']:.2f}){nodes}"
        )

    rows = each_set(args, lambda name, pages, path: run(name, pages, path, args.nodes), line)
    trafilatura_prune.install()
    return finish(rows, as_json=args.json, also="node_differences")


if __name__ == "__main__":
    sys.exit(main())
