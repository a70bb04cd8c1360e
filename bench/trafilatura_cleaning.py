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

import sys
from copy import deepcopy

import trafilatura.core as core
import trafilatura.htmlprocessing as htmlprocessing
from lxml import etree

from bench import trafilatura_mirror
from search import trafilatura_cleaning


def _callers(function) -> None:
    for module in trafilatura_cleaning.CALLERS:
        module.tree_cleaning = function


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


MIRROR = trafilatura_mirror.Mirror(
    name="tree_cleaning",
    module=trafilatura_cleaning,
    get=lambda: core.tree_cleaning,
    put=_callers,
    calls=CallCheck,
)


def main(argv: list[str] | None = None) -> int:
    return trafilatura_mirror.main(MIRROR, __doc__.split("\n\n")[0], argv)


if __name__ == "__main__":
    sys.exit(main())
