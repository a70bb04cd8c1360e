"""Several queries, one result list: which queries to send, and how their answers are merged."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from search.models import SearchResult

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING = re.compile(r"^(?:utm_.*|fbclid|gclid|yclid|mc_eid)$", re.I)


def _query_key(text: str) -> str:
    # Case, spacing and punctuation do not make a different search.
    return " ".join(re.sub(r"[\W_]+", " ", text).casefold().split())


def search_queries(model_queries: Iterable[str], question: str) -> list[str]:
    """The model's queries, then the question as the user typed it when that is a different search."""
    queries: list[str] = []
    seen: set[str] = set()
    for query in [*model_queries, question]:
        query = " ".join((query or "").split())
        key = _query_key(query)
        if key and key not in seen:
            seen.add(key)
            queries.append(query)
    return queries


# Each answer asks for the keys of the same results several times (merge, the new-results check,
# rank and select, every round), ~20 µs each in urllib: a pure function of the URL, remembered.
@functools.lru_cache(maxsize=8192)
def normalize_url(url: str) -> str:
    """The URL as a de-duplication key: scheme and host lower-cased, default port, trailing slash,
    fragment and tracking parameters (utm_*, click ids) dropped."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:  # an invalid port or bracket: compare it as written
        return url.strip()
    netloc = host
    if parts.username or parts.password:
        netloc = f"{parts.username or ''}:{parts.password or ''}@{host}"
    if port and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)])
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), query, ""))


def merge_results(lists: Sequence[Sequence[SearchResult]], limit: int | None = None) -> list[SearchResult]:
    """Interleave by rank (each query's first result, then each one's second, ...) so the best of
    every query comes first; a URL already taken (normalised) is skipped."""
    merged: list[SearchResult] = []
    seen: set[str] = set()
    for rank in range(max((len(lst) for lst in lists), default=0)):
        for results in lists:
            if rank < len(results):
                key = normalize_url(results[rank].url)
                if key not in seen:
                    seen.add(key)
                    merged.append(results[rank])
    return merged if limit is None else merged[:limit]
