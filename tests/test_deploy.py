"""The deployment files: compose.yaml valid against the Compose Specification, and what it promises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_file_is_valid_against_the_compose_spec_schema():
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).with_name("check-jsonschema"))
    done = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(ROOT / "compose.yaml")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_compose_file_is_caught(tmp_path):
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  api:\n    image: x\n    ports: 8080\n    depends_on: {redis: {condition: maybe}}\n")
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).with_name("check-jsonschema"))
    done = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(broken)], capture_output=True, text=True
    )
    # a crash exits 1 too: the checker must have read the file and named both mistakes
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Traceback" not in output and "Schema validation errors were encountered" in output, output
    assert "$.services.api.ports: 8080 is not of type 'array'" in output, output
    assert "'maybe' is not one of" in output, output


def test_vllm_serves_megrez_with_prefix_caching_on_a_gpu():
    vllm = COMPOSE["services"]["vllm"]
    args = " ".join(vllm["command"])
    assert "--served-model-name=megrez" in args and "--enable-prefix-caching" in args
    assert "--max-model-len=" in args
    assert vllm["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]
    assert any("huggingface" in volume for volume in vllm["volumes"])
    assert "healthcheck" in vllm


def test_api_waits_for_healthy_backends_and_redis_persists():
    api = COMPOSE["services"]["api"]
    assert {name: dep["condition"] for name, dep in api["depends_on"].items()} == {
        "vllm": "service_healthy",
        "redis": "service_healthy",
    }
    assert api["environment"]["WEBSEARCH_LLM_BASE_URL"] == "http://vllm:8000/v1"
    redis = COMPOSE["services"]["redis"]
    assert "--appendonly" in redis["command"] and "healthcheck" in redis
    assert COMPOSE["services"]["searxng"]["profiles"] == ["searxng"]
    searxng_settings = yaml.safe_load((ROOT / "deploy/searxng/settings.yml").read_text())
    assert "json" in searxng_settings["search"]["formats"]


def test_api_image_runs_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "\nUSER " in dockerfile and "USER root" not in dockerfile
    # dependencies are installed before the source is copied, so code changes reuse that layer
    assert dockerfile.index("pip install -r") < dockerfile.index("COPY agent")


def test_every_data_file_the_packages_read_is_declared_as_package_data():
    """A non-editable install (the Docker image) ships only declared data: prompts, web chat files."""
    import fnmatch
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for package in ("prompts", "api"):
        folder = ROOT / package
        for path in folder.rglob("*"):
            if path.is_dir() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
                continue
            # Declared under the package that holds it (e.g. "api.webchat" for api/webchat/static/app.js).
            shipped = [
                fnmatch.fnmatch(path.relative_to(ROOT / owner.replace(".", "/")).as_posix(), pattern)
                for owner, patterns in declared.items()
                if path.is_relative_to(ROOT / owner.replace(".", "/"))
                for pattern in patterns
            ]
            assert any(shipped), path.relative_to(ROOT).as_posix()
