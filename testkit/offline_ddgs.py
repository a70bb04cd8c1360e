"""DuckDuckGo without the internet: `ddgs.DDGS` replaced, inside the provider, by a stand-in that raises
the real ddgs exceptions (rate limiting, time-outs) so that the fallback chain meets what it would meet."""

from __future__ import annotations

from typing import Any

from ddgs.exceptions import DDGSException

import search.providers.duckduckgo as duckduckgo
from search.providers import retry_policy


class DownDDGS:
    """Stands in for ddgs.DDGS: every search raises `error` (set by the test), and is recorded."""

    error: Exception = DDGSException("ddgs stand-in: no error configured")
    calls: list[str] = []

    def __init__(self, **kwargs: Any) -> None:
        pass

    def text(self, query: str, **kwargs: Any) -> list[dict[str, Any]]:
        type(self).calls.append(query)
        raise type(self).error


def offline_duckduckgo(config, client, workers) -> duckduckgo.DuckDuckGoProvider:
    """The registry's DuckDuckGo, its searches made by DownDDGS in this process (the service's own
    run in a parse worker, which a stand-in set here would not reach)."""
    return duckduckgo.DuckDuckGoProvider(
        timeout_s=config.timeout_s, region=config.region, retry=retry_policy(config), ddgs_factory=DownDDGS
    )
