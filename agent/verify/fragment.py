"""A link that opens a page at a quote: a URL text fragment (`#:~:text=`, WICG's Text Fragments,
followed by Chrome, Edge and Safari; other browsers open the page at its top).

A short quote is given whole; a long one as its first and last words (`text=start,end`), which
browsers match across the text between. The characters the syntax reserves (`-`, `,`, `&`) and
everything outside unreserved ASCII are percent-encoded."""

from __future__ import annotations

import re
from urllib.parse import quote as _percent

WHOLE_CHARS = 80  # a quote up to this long is matched whole (Chinese: WHOLE_CJK_CHARS)
WHOLE_CJK_CHARS = 24
EDGE_WORDS = 4  # … a longer English one by its first and last words
EDGE_CHARS = 10  # … a longer Chinese one by its first and last characters
_CJK_RE = re.compile(r"[\u3400-\u9fff]")


def _encode(text: str) -> str:
    # quote() leaves "-" alone (it is unreserved in URLs), but the fragment syntax reserves it for
    # its prefix-/-suffix form, so it is encoded by hand; "," and "&" are encoded by quote().
    return _percent(text, safe="").replace("-", "%2D")


def _edges(quote: str) -> tuple[str, str]:
    words = quote.split()
    if _CJK_RE.search(quote) or len(words) < 2 * EDGE_WORDS + 1:
        return quote[:EDGE_CHARS].strip(), quote[-EDGE_CHARS:].strip()
    return " ".join(words[:EDGE_WORDS]), " ".join(words[-EDGE_WORDS:])


def text_fragment_url(url: str, quote: str) -> str:
    """`url` opened at `quote` (a page's own fragment kept before the directive)."""
    quote = " ".join(quote.split())
    if not quote:
        return url
    if len(quote) <= (WHOLE_CJK_CHARS if _CJK_RE.search(quote) else WHOLE_CHARS):
        directive = "text=" + _encode(quote)
    else:
        start, end = _edges(quote)
        directive = f"text={_encode(start)},{_encode(end)}"
    return f"{url}:~:{directive}" if "#" in url else f"{url}#:~:{directive}"


__all__ = ["text_fragment_url"]
