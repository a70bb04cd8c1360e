"""Settings for a service pointed at the local web and the scripted Megrez server (tests and benches)."""

from __future__ import annotations

from agent.settings import Settings
from testkit.megrez import ScriptedMegrez
from testkit.web import LocalWeb


# A bench's load generator is one address standing for many users: no per-key shares (api/fairness.py).
MANY_USERS = {"key_max_concurrency": 0, "key_rate_per_minute": 0}


def make_settings(web: LocalWeb, megrez: ScriptedMegrez, **overrides) -> Settings:
    values = dict(
        llm_base_url=megrez.base_url,
        llm_model=megrez.model,
        search_provider="searxng",
        searxng_url=web.searxng_url,
        fetch_allow_hosts=[web.host_port],
        fetch_timeout_s=3.0,
        # Far above an ordinary page's parse (~50 ms), so a busy machine never turns a page into
        # its snippet; the deadline itself is tested with pools of its own (tests/system/test_parse_workers.py).
        parse_deadline_s=10.0,
    )
    values.update(overrides)
    return Settings(_env_file=None, **values)
