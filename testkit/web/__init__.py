"""A small local web for tests and benchmarks: real pages, a SearXNG-style search API, and the
misbehaving URLs (slow, huge, binary, redirect loops, compression bombs, prompt injection, redirects
into the private network) that the fetcher must survive.

    with LocalWeb() as web:
        settings = Settings(search_provider="searxng", searxng_url=web.searxng_url,
                            fetch_allow_hosts=[web.host_port])
        ...
        assert not web.search_requests  # e.g. the model answered without searching

It is a real threaded HTTP server on 127.0.0.1 (a free port), so the code under test uses its
ordinary HTTP client, and the server keeps answering while the test's event loop is busy.

Beside it runs an "internal" server on another loopback port (`web.internal_url`), standing for
the private network: nothing the fetcher is steered to may ever reach it (`web.internal_requests`).
Hostile routes are listed in `HOSTILE_ROUTES`.

The modules: server (LocalWeb: the servers), state (what routes read and tests set), handler
(dispatch), content (search and ordinary routes), hostile (misbehaving routes, the internal server),
corpus (pages and ranking), pdf, bombs, loopback."""

from testkit.web.bombs import BOMB_MB, brotli_bomb, gzip_bomb_trailer
from testkit.web.corpus import GBK_PAGE, PAGES_DIR, with_rounds
from testkit.web.hostile import HOSTILE_ROUTES, INTERNAL_SECRET, PWNED, WRONG_FIGURE
from testkit.web.loopback import NonLoopbackConnection, loopback_only
from testkit.web.pdf import PDF_BYTES, PDF_FACT, PDF_TITLE, make_pdf
from testkit.web.server import LocalWeb

__all__ = [
    "BOMB_MB",
    "GBK_PAGE",
    "HOSTILE_ROUTES",
    "INTERNAL_SECRET",
    "PAGES_DIR",
    "PDF_BYTES",
    "PDF_FACT",
    "PDF_TITLE",
    "PWNED",
    "WRONG_FIGURE",
    "LocalWeb",
    "NonLoopbackConnection",
    "brotli_bomb",
    "gzip_bomb_trailer",
    "loopback_only",
    "make_pdf",
    "with_rounds",
]
