"""trafilatura's link-density pruning against its restatement (search/trafilatura_density.py): the
same output on every evaluation page, and the CPU each costs, old and new alternating in one process.

    .venv/bin/python -m bench.trafilatura_density                   # bench/data + the corpus, fast path
    .venv/bin/python -m bench.trafilatura_density --eval-pages DIR --paths fast,lean,trafilatura
    .venv/bin/python -m bench.trafilatura_density --calls           # also compare every call's tree

Pages and reading as bench/trafilatura_prune.py (`search.extract.extract_page` per path; title,
text, date, site and fallback compared); CPU ms per page is this process's `time.process_time`, for
the whole read and for the time spent inside delete_by_link_density (trafilatura's or the restated
one, timed by the same wrapper: the page's figure is noisy beside a gain of a few tenths of a ms),
after one untimed read of every page of the set (a first read pays one-time costs).
`--calls` also runs trafilatura's own function on a copy of every tree handed to the restated one
and counts the calls whose resulting trees differ (slower; not timed)."""

from __future__ import annotations

import sys
from copy import deepcopy

import trafilatura.htmlprocessing as htmlprocessing
import trafilatura.main_extractor as main_extractor
from lxml import etree

from bench import trafilatura_mirror
from search import trafilatura_density


def _put(function) -> None:
    main_extractor.delete_by_link_density = function


class CallCheck:
    """Each call's tree beside the tree trafilatura's own function leaves from a copy."""

    def __init__(self) -> None:
        self.calls = self.differ = 0
        self._ours = trafilatura_density.delete_by_link_density

    def __enter__(self) -> CallCheck:
        check, ours, theirs = self, self._ours, htmlprocessing.delete_by_link_density

        def compared(subtree, tagname, backtracking=False, favor_precision=False):
            twin = deepcopy(subtree)
            theirs(twin, tagname, backtracking=backtracking, favor_precision=favor_precision)
            out = ours(subtree, tagname, backtracking=backtracking, favor_precision=favor_precision)
            check.calls += 1
            check.differ += etree.tostring(out) != etree.tostring(twin)
            return out

        main_extractor.delete_by_link_density = compared
        return self

    def __exit__(self, *exc) -> None:
        main_extractor.delete_by_link_density = htmlprocessing.delete_by_link_density  # what install() replaces
        trafilatura_density.install()


MIRROR = trafilatura_mirror.Mirror(
    name="delete_by_link_density",
    module=trafilatura_density,
    get=lambda: main_extractor.delete_by_link_density,
    put=_put,
    calls=CallCheck,
)


def main(argv: list[str] | None = None) -> int:
    return trafilatura_mirror.main(MIRROR, __doc__.split("\n\n")[0], argv)


if __name__ == "__main__":
    sys.exit(main())
