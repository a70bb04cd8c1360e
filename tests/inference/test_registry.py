"""build_llm picks the backend the settings describe."""

from __future__ import annotations

import typing

import pytest

from agent.deps import llm_config
from agent.settings import Settings
from inference.base import LLM, LLMUnavailable, ModelNotFound
from inference.openai_server import OpenAIServerLLM
from inference.registry import BACKENDS, build_llm


def test_every_backend_name_settings_can_produce_is_registered():
    names = typing.get_args(typing.get_type_hints(Settings.llm_backend.fget)["return"])
    assert set(names) == set(BACKENDS)


async def test_a_base_url_selects_the_server_backend():
    llm = build_llm(llm_config(Settings(_env_file=None, llm_base_url="http://gpu:8000/v1", llm_model="megrez")))
    assert isinstance(llm, OpenAIServerLLM) and isinstance(llm, LLM)
    assert llm.name == "vLLM at http://gpu:8000/v1"
    await llm.aclose()


def test_without_a_base_url_the_embedded_backend_loads_the_gguf(tmp_path):
    missing = tmp_path / "megrez.gguf"
    # The llamacpp backend was chosen: it looked for the GGUF (and said how to fix it).
    with pytest.raises(ModelNotFound, match="WEBSEARCH_LLM_GGUF"):
        build_llm(llm_config(Settings(_env_file=None, llm_base_url=None, llm_gguf=str(missing))))


def test_without_a_base_url_or_gguf_offline_the_error_says_what_to_set(tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(LLMUnavailable, match="WEBSEARCH_LLM_BASE_URL"):
        build_llm(
            llm_config(Settings(_env_file=None, llm_base_url=None, llm_gguf=None, llm_hf_repo="megrez-websearch-tests/absent-GGUF"))
        )
