"""Each setting is written once: a lower package's config model states its fields and defaults, and
`Settings` offers every one of them under its environment name, with the same type and default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from agent.settings import SECTIONS, Settings
from agent.store import StoreConfig
from inference.config import LLMConfig
from search.config import CacheConfig, FetchConfig, ProviderConfig, SemanticConfig

ROOT = Path(__file__).resolve().parents[2]
SECTION_IDS = [section.model.__name__ for section in SECTIONS]


@pytest.mark.parametrize("section", SECTIONS, ids=SECTION_IDS)
def test_every_lower_config_field_is_a_setting_with_its_default(section):
    for name, lower in section.model.model_fields.items():
        setting = section.setting(name)
        assert setting in Settings.model_fields, f"{section.model.__name__}.{name} has no setting {setting}"
        offered = Settings.model_fields[setting]
        assert offered.get_default(call_default_factory=True) == lower.get_default(call_default_factory=True), setting
        assert offered.annotation == lower.annotation, setting
        assert all(check in offered.metadata for check in lower.metadata), setting  # ge=, validators


@pytest.mark.parametrize("section", SECTIONS, ids=SECTION_IDS)
def test_a_setting_reaches_its_lower_config(section):
    """Each field, set by its environment name, arrives in the model `Settings.section` builds."""
    for name, lower in section.model.model_fields.items():
        default = lower.get_default(call_default_factory=True)
        changed = _another(name, default, lower.annotation)
        if changed is None:
            continue
        built = Settings(_env_file=None, **{section.setting(name): changed}).section(section.model)
        assert getattr(built, name) == changed, name


def _another(name, value, annotation):
    """A valid value other than the default (None where there is no obvious one: a Literal)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value * 2 + 1
    if isinstance(value, list):
        return [*value, "another"]
    if isinstance(value, str):
        return value + "-x" if "Literal" not in str(annotation) else None
    if value is None and "SecretStr" in str(annotation):
        return SecretStr("a-secret-value")
    if value is None and "str" in str(annotation) and "Literal" not in str(annotation):
        return "US" if name == "country" else "set"
    return None


def test_the_environment_names_stand(monkeypatch):
    """The names deploy files and docs use map to the lower configs' fields as before."""
    monkeypatch.setenv("WEBSEARCH_LLM_BASE_URL", "http://vllm:8000/v1")
    monkeypatch.setenv("WEBSEARCH_LLM_ROUTE_HEADERS", "x-session-id, x-user-id")
    monkeypatch.setenv("WEBSEARCH_SEARCH_TIMEOUT_S", "3.5")
    monkeypatch.setenv("WEBSEARCH_SEARCH_COUNTRY", "cn")
    monkeypatch.setenv("WEBSEARCH_BRAVE_API_KEY", "brave-key-123")
    monkeypatch.setenv("WEBSEARCH_SEARXNG_CATEGORIES", "news,it")
    monkeypatch.setenv("WEBSEARCH_REDIS_URL", "redis://redis:6379/0")
    monkeypatch.setenv("WEBSEARCH_REDIS_MAX_CONNECTIONS", "7")
    monkeypatch.setenv("WEBSEARCH_KEY_STORAGE_BYTES", "1000")
    monkeypatch.setenv("WEBSEARCH_CONVERSATION_TTL_S", "60")
    monkeypatch.setenv("WEBSEARCH_FETCH_ALLOW_HOSTS", "intranet:8080")
    monkeypatch.setenv("WEBSEARCH_USER_AGENT", "agent/1")
    monkeypatch.setenv("WEBSEARCH_SEMANTIC_WEIGHT", "0.5")
    monkeypatch.setenv("WEBSEARCH_VERIFY_URL", "http://reranker:8000/v1")
    settings = Settings(_env_file=None)
    llm = settings.section(LLMConfig)
    assert llm.base_url == "http://vllm:8000/v1" and llm.route_headers == ["x-session-id", "x-user-id"]
    provider = settings.section(ProviderConfig)
    assert provider.timeout_s == 3.5 and provider.country == "CN"
    assert provider.searxng_categories == ["news", "it"] and provider.secrets() == ["brave-key-123"]
    assert settings.section(CacheConfig) == CacheConfig(redis_url="redis://redis:6379/0", redis_max_connections=7)
    store = settings.section(StoreConfig)
    assert (store.redis_url, store.max_connections, store.quota, store.ttl_s) == ("redis://redis:6379/0", 7, 1000, 60)
    fetch = settings.section(FetchConfig)
    assert fetch.allow_hosts == ["intranet:8080"] and fetch.user_agent == "agent/1"
    assert settings.section(SemanticConfig).weight == 0.5 and settings.verify_url == "http://reranker:8000/v1"


def test_a_lower_config_keeps_its_checks_in_the_settings():
    with pytest.raises(ValidationError):
        Settings(_env_file=None, llm_route_load_factor=0.5)  # LLMConfig: ge=1.0
    with pytest.raises(ValidationError, match="two-letter country code"):
        Settings(_env_file=None, search_country="USA")  # ProviderConfig's country code
    assert Settings(_env_file=None, search_country=" ").search_country is None


def test_every_documented_variable_is_a_setting():
    """README and docs/ name settings by their environment names: each names a field of `Settings`."""
    documented = set()
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        documented |= set(re.findall(r"WEBSEARCH_[A-Z0-9_]*[A-Z0-9]", path.read_text(encoding="utf-8")))
    assert documented, "nothing to check"
    unknown = sorted(n for n in documented if n.removeprefix("WEBSEARCH_").lower() not in Settings.model_fields)
    assert unknown == []


def test_the_protocol_setting_offers_exactly_the_registered_protocols():
    # A protocol added to the registry (agent/protocols) is a value WEBSEARCH_LLM_PROTOCOL accepts.
    from typing import get_args

    from agent.protocols import PROTOCOLS, ProtocolSetting

    offered = set(get_args(Settings.model_fields["llm_protocol"].annotation))
    assert offered == set(get_args(ProtocolSetting)) == {"auto", *PROTOCOLS}
