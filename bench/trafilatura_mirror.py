"""What the benches of one restated trafilatura function share (bench/trafilatura_density.py,
bench/trafilatura_cleaning.py): each page read with trafilatura's function and with ours, in
alternating order, the whole read and the time inside the function timed by the same wrapper; the
rows printed and ended as bench/trafilatura_prune.py ends its own."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import ModuleType

from bench.trafilatura_prune import each_set, finish, page_options, read


@dataclass(frozen=True)
class Mirror:
    """One restated function: `module` installs and uninstalls it; `get` and `put` read and set the
    function where trafilatura's callers look it up; `calls()` compares every call's tree."""

    name: str  # trafilatura's name for it, as printed
    module: ModuleType
    get: Callable[[], Callable]
    put: Callable[[Callable], None]
    calls: Callable[[], AbstractContextManager]


def timed(mirror: Mirror, mirrored: bool, url: str, body: bytes, path: str) -> tuple[tuple, float, float]:
    """The page read, its CPU ms, and the CPU ms spent in the function (either one)."""
    if mirrored:
        mirror.module.install()
    else:
        mirror.module.uninstall()
    function, spent = mirror.get(), [0.0]

    def timed_function(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += time.process_time() - started

    mirror.put(timed_function)
    try:
        started = time.process_time()
        out = read(url, body, path)
        total = time.process_time() - started
    finally:
        mirror.put(function)
    return out, 1000 * total, 1000 * spent[0]


def run(mirror: Mirror, name: str, pages: dict[str, bytes], path: str, calls: bool) -> dict:
    old_ms, new_ms, old_fn, new_fn, differ = [], [], [], [], []
    for url, body in pages.items():  # untimed: a first read's one-time costs (imports, compiled patterns)
        read(url, body, path)
    for n, (url, body) in enumerate(pages.items()):
        order = (False, True) if n % 2 == 0 else (True, False)  # alternate which runs first
        outs, times, inside = {}, {}, {}
        for mirrored in order:
            outs[mirrored], times[mirrored], inside[mirrored] = timed(mirror, mirrored, url, body, path)
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
        "old_function_ms": round(statistics.mean(old_fn), 3), "new_function_ms": round(statistics.mean(new_fn), 3),
    }
    if calls:
        mirror.module.install()
        with mirror.calls() as check:
            for url, body in pages.items():
                read(url, body, path)
        row["calls"], row["call_differences"] = check.calls, check.differ
    return row


def main(mirror: Mirror, description: str, argv: list[str] | None = None) -> int:
    parser = page_options(description)
    parser.add_argument("--calls", action="store_true", help="also compare each call's tree (not timed)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not mirror.module.install():
        print(f"trafilatura's {mirror.name} is not the one mirrored: nothing to compare", file=sys.stderr)
        return 1

    def line(r: dict) -> str:
        calls = f"  call trees differ {r['call_differences']} of {r['calls']}" if args.calls else ""
        return (
            f"{r['set']:<18} {r['path']:<12} {r['pages']:>4} pages  differences {r['differences']:>3}  "
            f"CPU ms/page trafilatura's {r['old_ms']:>6.2f} (p50 {r['old_ms_p50']:.2f})  restated "
            f"{r['new_ms']:>6.2f} (p50 {r['new_ms_p50']:.2f}); in {mirror.name} "
            f"{r['old_function_ms']:.3f} -> {r['new_function_ms']:.3f}{calls}"
        )

    rows = each_set(args, lambda name, pages, path: run(mirror, name, pages, path, args.calls), line)
    mirror.module.install()
    return finish(rows, as_json=args.json, also="call_differences")
