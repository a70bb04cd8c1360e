"""`websearch doctor`: is this configuration ready to answer? One line per part, ok or what to do.

Checks what the service would use, the way it would use it: the model (vLLM answering with the
configured model; or the embedded GGUF on disk, in the Hugging Face cache, or downloadable), each
search provider in the chain (a real search), the conversation store (a Redis PING) and the page
fetcher's address policy. Nothing is loaded for long or written anywhere.
"""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import httpx
from pydantic import BaseModel

from agent.deps import llm_config, provider_config, store_config
from agent.settings import Settings
from agent.store import build_store
from search.index import LocalIndex
from search.models import SearchOptions
from core.redact import redact
from search.providers import PROVIDERS, Circuit, GuardedProvider, chain_names, provider_names
from search.providers import circuit_policy
from search.providers.http_api import where as where_of

_PROBE_QUERY = "weather"


class Check(BaseModel):
    name: str
    ok: bool
    detail: str


async def _bounded(awaitable, timeout_s: float, what: str):
    try:
        return await asyncio.wait_for(awaitable, timeout_s)
    except asyncio.TimeoutError:
        raise TimeoutError(f"{what} gave no answer within {timeout_s:g}s") from None


# --- model ----------------------------------------------------------------------------------------


async def check_model(settings: Settings) -> Check:
    if settings.llm_backend == "openai":
        from inference.pool import build_openai

        llm = build_openai(llm_config(settings))
        try:
            await _bounded(llm.health(), settings.llm_connect_timeout_s + 5, "the model server")
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none raised
            message = getattr(exc, "message", None) or str(exc)
            return Check(
                name="model",
                ok=False,
                detail=f"{message}; start the vLLM server or fix WEBSEARCH_LLM_BASE_URL / WEBSEARCH_LLM_MODEL",
            )
        finally:
            await llm.aclose()
        return Check(name="model", ok=True, detail=f"{llm.name} serves {settings.llm_model!r}")
    return await asyncio.to_thread(_check_gguf, settings)


def _check_gguf(settings: Settings) -> Check:
    from inference.base import LLMError
    from inference.gguf import HOW_TO_POINT, cached_gguf, probe_hub

    if importlib.util.find_spec("llama_cpp") is None:
        return Check(
            name="model",
            ok=False,
            detail="llama-cpp-python is not installed: pip install -e '.[embedded]' (or bash scripts/serve.sh), "
            "or set WEBSEARCH_LLM_BASE_URL to a vLLM server",
        )
    if settings.llm_gguf:
        path = Path(settings.llm_gguf).expanduser()
        if not path.is_file():
            return Check(name="model", ok=False, detail=f"no GGUF file at {path}; {HOW_TO_POINT}")
        return Check(name="model", ok=True, detail=f"llama.cpp, {path} ({path.stat().st_size / 1e6:,.0f} MB)")
    where = f"{settings.llm_hf_repo}/{settings.llm_hf_file}"
    if cached := cached_gguf(settings.llm_hf_repo, settings.llm_hf_file):
        return Check(name="model", ok=True, detail=f"llama.cpp, {where} (in the Hugging Face cache: {cached})")
    try:
        probe_hub()
    except LLMError as exc:
        return Check(name="model", ok=False, detail=exc.message)
    return Check(name="model", ok=True, detail=f"llama.cpp, {where} will be downloaded on the first start")


# --- search ---------------------------------------------------------------------------------------


async def check_search(settings: Settings, http: httpx.AsyncClient) -> list[Check]:
    config = provider_config(settings)
    names = chain_names(config)
    if not names:
        return [Check(name="search", ok=False, detail="WEBSEARCH_SEARCH_PROVIDER names no search provider")]
    checks = []
    if provider_names(settings.search_provider) == ["auto"]:
        chain = " → ".join(names)
        checks.append(Check(name="search chain", ok=True, detail=f"auto: {chain} (keys set lead; DuckDuckGo last)"))
    for name in names:
        label = f"search: {name}"
        if name not in PROVIDERS:
            known = ", ".join(sorted(PROVIDERS))
            checks.append(Check(name=label, ok=False, detail=f"unknown provider; WEBSEARCH_SEARCH_PROVIDER takes {known}"))
            continue
        if name == "local":
            checks.append(await asyncio.to_thread(_check_local, settings))
            continue
        checks.append(await _probe(name, config, settings, http))
    return checks


async def _probe(name: str, config, settings: Settings, http: httpx.AsyncClient) -> Check:
    """One search, one attempt (the doctor reports, it does not wait out a rate limit; DuckDuckGo's one
    probe runs in a thread: no parse workers here), behind the circuit the service would use, so the
    report says what the service would do about a failure."""
    label = f"search: {name}"
    try:
        provider = GuardedProvider(PROVIDERS[name](config.model_copy(update={"retries": 0}), http, None),
                                   Circuit(circuit_policy(config)))
    except ValueError as exc:  # a key or URL not set
        return Check(name=label, ok=False, detail=str(exc))
    try:
        results = await _bounded(provider.search(_PROBE_QUERY, SearchOptions(max_results=3)), settings.search_timeout_s + 2, name)
    except Exception as exc:  # noqa: BLE001
        message = " ".join((getattr(exc, "message", None) or str(exc) or type(exc).__name__).split())
        if name == "duckduckgo":
            message = f"{message[:200]} (DuckDuckGo needs the internet; offline, use searxng or local)"
        circuit = provider.circuit
        if circuit.is_open:
            what = "rate limiting" if circuit.reason == "rate_limited" else "refusing"
            message += f"; {what}: the service skips it for {circuit.wait_s():.0f}s, then probes once"
        return Check(name=label, ok=False, detail=redact(message))
    where = getattr(provider, "url", None)
    shown = f" at {where_of(where)}" if where else ""
    return Check(name=label, ok=True, detail=f"answered a test search with {len(results)} results{shown}")


def _check_local(settings: Settings) -> Check:
    where = Path(settings.local_index).expanduser()
    try:
        index = LocalIndex.load(where)
    except FileNotFoundError:
        return Check(
            name="search: local", ok=False, detail=f"no index at {where}; build one with `websearch index DIR`"
        )
    except Exception as exc:  # noqa: BLE001
        return Check(name="search: local", ok=False, detail=f"cannot load the index at {where}: {exc}")
    source = index.meta.get("source", "?")
    return Check(name="search: local", ok=True, detail=f"{len(index.docs)} documents from {source}")


# --- store and fetch policy -----------------------------------------------------------------------


async def check_store(settings: Settings) -> Check:
    if not settings.redis_url:
        return Check(
            name="store",
            ok=True,
            detail="in memory: conversations are lost on restart (set WEBSEARCH_REDIS_URL to keep them)",
        )
    store = build_store(store_config(settings))
    try:
        await _bounded(store.ping(), 10, "Redis")
    except Exception as exc:  # noqa: BLE001
        message = getattr(exc, "message", None) or str(exc)
        return Check(
            name="store",
            ok=False,
            detail=f"{store.name} is unreachable ({message}); start Redis, fix WEBSEARCH_REDIS_URL, or unset it",
        )
    finally:
        await store.aclose()
    return Check(name="store", ok=True, detail=f"{store.name} answers")


def check_fetch(settings: Settings) -> Check:
    # host, host:port or [v6]:port; a URL or user@host is a misunderstanding the fetcher would ignore
    bad = [e for e in settings.fetch_allow_hosts if any(c in e for c in "/@ ?#") or e.startswith(":")]
    if bad:
        return Check(
            name="fetch policy",
            ok=False,
            detail=f"WEBSEARCH_FETCH_ALLOW_HOSTS takes host or host:port entries, not {', '.join(map(repr, bad))}",
        )
    if settings.fetch_pages < 0 or settings.fetch_timeout_s <= 0 or settings.fetch_max_bytes <= 0:
        return Check(
            name="fetch policy",
            ok=False,
            detail="WEBSEARCH_FETCH_PAGES, WEBSEARCH_FETCH_TIMEOUT_S and WEBSEARCH_FETCH_MAX_BYTES must be positive",
        )
    allowed = ", ".join(settings.fetch_allow_hosts)
    scope = f"public addresses, and also {allowed}" if allowed else "public addresses only (private networks refused)"
    return Check(
        name="fetch policy",
        ok=True,
        detail=f"reads {settings.fetch_pages} pages a question from {scope}; "
        f"{settings.fetch_timeout_s:g}s and {settings.fetch_max_bytes / 1e6:g} MB at most a page",
    )


async def run_checks(settings: Settings) -> list[Check]:
    async with httpx.AsyncClient(headers={"User-Agent": settings.user_agent}) as http:
        model, search, store = await asyncio.gather(
            check_model(settings), check_search(settings, http), check_store(settings)
        )
    return [model, *search, store, check_fetch(settings)]


def secrets(settings: Settings) -> list[str | None]:
    """The configured secrets, masked wherever they appear (a server that echoes a key in its 401)."""
    return [
        settings.llm_api_key,
        settings.semantic_api_key,
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        *settings.api_keys,
    ]


def render(checks: list[Check], known: list[str | None] | None = None) -> str:
    """The report, through the same redaction as the logs (passwords in URLs, tokens) and with
    every configured secret (`known`) masked."""
    width = max(len(c.name) for c in checks)
    lines = [f"{'ok ' if c.ok else 'FIX'}  {c.name.ljust(width)}  {redact(c.detail, known or ())}" for c in checks]
    broken = sum(not c.ok for c in checks)
    lines.append("all good" if not broken else f"{broken} to fix")
    return "\n".join(lines)


__all__ = ["Check", "check_fetch", "check_model", "check_search", "check_store", "render", "run_checks", "secrets"]
