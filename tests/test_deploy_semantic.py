"""compose.yaml's optional reranker (the GPU backend of the semantic signal) agrees with the service."""

from __future__ import annotations

from pathlib import Path

import yaml

from agent.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_reranker_is_opt_in_and_serves_the_model_the_settings_name():
    rerank = COMPOSE["services"]["rerank"]
    assert rerank["profiles"] == ["semantic"]  # `docker compose up` alone does not start it
    args = dict(arg.split("=", 1) for arg in rerank["command"])
    assert args["--served-model-name"] == "BAAI/bge-reranker-v2-m3"
    assert rerank["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    # Both vLLM processes share one GPU: their memory shares must fit together.
    shares = float(args["--gpu-memory-utilization"]) + float(
        next(a for a in COMPOSE["services"]["vllm"]["command"] if a.startswith("--gpu-memory-utilization=")).split("=")[1]
    )
    assert shares <= 0.95
    settings = Settings(
        _env_file=None, semantic_backend="rerank", semantic_base_url="http://rerank:8000/v1",
        semantic_model=args["--served-model-name"],
    )
    assert settings.semantic_backend == "rerank" and "semantic" not in COMPOSE["services"]["api"].get("profiles", [])
    assert Settings(_env_file=None).semantic_backend == "off"
