"""`python -m bench.mutation`: the command line (see the package docstring)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import bench.mutation
from bench.mutation.mutators import mutants
from bench.mutation.runner import run_module, unmatched_equivalents, warm_up, earlier_verdicts
from bench.mutation.table import MODULES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutation", description=bench.mutation.__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)} (default: all)")
    parser.add_argument("--survivors", action="store_true", help="list each surviving mutant")
    parser.add_argument("--list", action="store_true", help="list the mutants without running them")
    parser.add_argument("--verbose", "-v", action="store_true", help="one line per mutant as it runs (stderr)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--recheck", metavar="LOG", help="run again only what an earlier --verbose run (its stderr) did not kill")
    parser.add_argument("--only", metavar="REGEX", help="only the mutants whose `path:function` this finds (a row in parts)")
    parser.add_argument("--tally", metavar="LOG", help="the table from an earlier --verbose run's stderr, running nothing")
    args = parser.parse_args(argv)
    names = args.modules or list(MODULES)
    unknown = [n for n in names if n not in MODULES]
    if unknown:
        parser.error(f"unknown module(s) {unknown}; choose from {list(MODULES)}")
    if args.list:
        for name in names:
            for path, functions in MODULES[name].files.items():
                for point in mutants(path, functions):
                    print(f"{name:16} {path}:{point.line:<4} {point.scope:28} {point.description}")
        return 0

    if not args.tally:
        warm_up()
    logs = args.tally or args.recheck
    earlier = {k: v for log in logs.split(",") for k, v in earlier_verdicts(log).items()} if logs else None
    results = [run_module(name, MODULES[name], args.verbose, earlier, bool(args.tally), args.only) for name in names]
    if args.json:
        print(json.dumps([r.__dict__ | {"score": r.score} for r in results], indent=2, default=str))
        return 0
    print(f"{'module':16} {'files':52} {'mutants':>7} {'killed':>6} {'survived':>8} {'equiv.':>6} {'score':>6} {'time':>6}")
    for r in results:
        files = ", ".join(Path(p).name for p in MODULES[r.module].files)
        print(
            f"{r.module:16} {files[:52]:52} {r.total:7d} {r.killed:6d} {len(r.survived):8d} {len(r.equivalent):6d} "
            f"{r.score:6.1%} {r.seconds:5.0f}s"
        )
    for key in unmatched_equivalents(names):
        print(f"ERROR stale EQUIVALENT entry (names no mutant; the code moved?): {key}")
    for r in results:
        for error in r.errors:
            print(f"ERROR {r.module}: {error}")
        if args.survivors:
            for path, line, description in r.survived:
                print(f"survived {r.module}: {path}:{line} {description}")
            for path, line, description, why in r.equivalent:
                print(f"equivalent {r.module}: {path}:{line} {description} ({why})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
