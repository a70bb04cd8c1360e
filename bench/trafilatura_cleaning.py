"""trafilatura's tree cleaning against its restatement (search/trafilatura_cleaning.py): the same
output on every evaluation page, and the CPU each costs, old and new alternating in one process.

    .venv/bin/python -m bench.trafilatura_cleaning                   # bench/data + the corpus, fast path
    .venv/bin/python -m bench.trafilatura_cleaning --eval-pages DIR --paths fast,lean,trafilatura
    .venv/bin/python -m bench.trafilatura_cleaning --calls           # also compare every call's tree

Pages and reading as bench/trafilatura_prune.py (`search.extract.extract_page` per path; title,
text, date, site and fallback compared); CPU ms per page is this process's `time.process_time`, for
the whole read and for the time spent inside tree_cleaning (trafilatura's or the restated one,
timed by the same wrapper), after one untimed read of every page of the set (a first read pays
one-time costs). `--calls` also runs both functions on copies of every tree handed to the restated
one and counts the calls whose resulting trees differ (slower; not timed)."""

from __future__ import annotations

import statistics
import sys
import time
from copy import deepcopy

import trafilatura.core as core
import trafilatura.htmlprocessing as htmlprocessing
from lxml import etree

from bench.trafilatura_prune import finish, page_options, page_sets, read
from search import trafilatura_cleaning


def _callers(function) -> None:
    for module in trafilatura_cleaning.CALLERS:
        module.tree_cleaning = function


def timed(mirrored: bool, url: str, body: bytes, path: str) -> tuple[tuple, float, float]:
    """The page read, its CPU ms, and the CPU ms spent in tree_cleaning (either one, timed by the
    same wrapper)."""
    if mirrored:
        trafilatura_cleaning.install()
    else:
        trafilatura_cleaning.uninstall()
    function, spent = core.tree_cleaning, [0.0]

    def timed_function(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - started

    _callers(timed_function)
    try:
        started = time.process_time()
        out = read(url, body, path)
        total = time.process_time() - started
    finally:
        _callers(function)
    return out, 1000 * total, 1000 * spent[0]


class CallCheck:
    """Each call's tree beside the tree trafilatura's own function leaves from a copy."""

    def __init__(self) -> None:
        self.calls = self.differ = 0

    def __enter__(self) -> CallCheck:
        check, ours, theirs = self, trafilatura_cleaning.tree_cleaning, htmlprocessing.tree_cleaning

        def compared(tree, options):
            # both on copies: a parsed page's tree serializes with its DTD, a copy's without
            mine, twin = ours(deepcopy(tree), options), theirs(deepcopy(tree), options)
            check.calls += 1
            check.differ += etree.tostring(mine) != etree.tostring(twin)
            return ours(tree, options)

        _callers(compared)
        return self

    def __exit__(self, *exc) -> None:
        _callers(htmlprocessing.tree_cleaning)  # what install() replaces
        trafilatura_cleaning.install()


def run(name: str, pages: dict[str, bytes], path: str, calls: bool) -> dict:
    old_ms, new_ms, old_fn, new_fn, differ = [], [], [], [], []
    for url, body in pages.items():  # untimed: a first read's one-time costs (imports, compiled patterns)
        read(url, body, path)
    for n, (url, body) in enumerate(pages.items()):
        order = (False, True) if n % 2 == 0 else (True, False)  # alternate which runs first
        outs, times, inside = {}, {}, {}
        for mirrored in order:
            outs[mirrored], times[mirrored], inside[mirrored] = timed(mirrored, url, body, path)
        old_ms.append(times[False])
        new_ms.append(times[True])
        old_fn.append(inside[False])
        new_fn.append(inside[True])
        if outs[False] != outs[True]:
            differ.append(url)
    row = {
        "set": name, "path": path, "pages": len(pages), "differences": len(differ), "differing": differ[:10],
        "old_ms": round(statistics.mean(old_ms), 2), "new_ms": round(statistics.mean(new_ms), 2),
        "old_ms_p50": round(statistics.median(old_ms), 2), "new_ms_p50": round(statistics.median(new_ms), 2),
        "old_cleaning_ms": round(statistics.mean(old_fn), 3), "new_cleaning_ms": round(statistics.mean(new_fn), 3),
    }
    if calls:
        trafilatura_cleaning.install()
        with CallCheck() as check:
            for url, body in pages.items():
                read(url, body, path)
        row["calls"], row["call_differences"] = check.calls, check.differ
    return row


def main(argv: list[str] | None = None) -> int:
    parser = page_options(__doc__.split("\n\n")[0])
    parser.add_argument("--calls", action="store_true", help="also compare each call's tree (not timed)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not trafilatura_cleaning.install():
        print("trafilatura's tree cleaning is not the one mirrored: nothing to compare", file=sys.stderr)
        return 1
    sets = page_sets(args)
    rows = []
    for path in [p for p in args.paths.split(",") if p]:
        for name, pages in sets.items():
            rows.append(run(name, pages, path, args.calls))
            if not args.json:
                r = rows[-1]
                calls = f"  call trees differ {r['call_differences']} of {r['calls']}" if args.calls else ""
                print(
                    f"{r['set']:<18} {r['path']:<12} {r['pages']:>4} pages  differences {r['differences']:>3}  "
                    f"CPU ms/page trafilatura's {r['old_ms']:>6.2f} (p50 {r['old_ms_p50']:.2f})  restated "
                    f"{r['new_ms']:>6.2f} (p50 {r['new_ms_p50']:.2f}); in tree_cleaning "
                    f"{r['old_cleaning_ms']:.3f} -> {r['new_cleaning_ms']:.3f}{calls}",
                    flush=True,
                )
                for url in r["differing"]:
                    print(f"  differs: {url}")
    trafilatura_cleaning.install()
    return finish(rows, as_json=args.json, also="call_differences")


if __name__ == "__main__":
    sys.exit(main())
