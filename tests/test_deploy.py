"""The deployment files: compose.yaml valid against the Compose Specification, and what it promises."""

from __future__ import annotations

import re
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


def _seconds(value: str) -> float:
    """A Compose duration: "45s", "30m", "1m30s"."""
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(h|m|s)", value))


def test_compose_stops_gracefully_and_publishes_the_api_on_this_machine_only():
    from agent.settings import Settings

    api, vllm = COMPOSE["services"]["api"], COMPOSE["services"]["vllm"]
    # Docker kills at 10 s by default; the api's drain wants its grace period, vLLM its shutdown timeout.
    assert _seconds(api["stop_grace_period"]) > Settings(_env_file=None).shutdown_grace_s
    shutdown = next(a for a in vllm["command"] if a.startswith("--shutdown-timeout=")).split("=")[1]
    assert _seconds(vllm["stop_grace_period"]) > float(shutdown)
    assert api["ports"] == ["127.0.0.1:8080:8080"]  # not every interface, without keys
    assert api["environment"]["WEBSEARCH_LLM_API_KEY"] == vllm["environment"]["VLLM_API_KEY"]
    # A first start downloads the weights: the health window must outlast it.
    assert _seconds(vllm["healthcheck"]["start_period"]) >= 20 * 60
    assert "--maxmemory" in COMPOSE["services"]["redis"]["command"]


def test_compose_pins_every_image_and_the_model():
    for name, service in COMPOSE["services"].items():
        if "image" not in service:
            continue
        tag = service["image"].rpartition(":")[2]
        assert tag != "latest" and re.search(r"\d+\.\d+", tag), f"{name}: {service['image']}"
    args = COMPOSE["services"]["vllm"]["command"]
    assert "--trust-remote-code" not in args
    assert any(re.fullmatch(r"--revision=[0-9a-f]{40}", a) for a in args)


def test_the_image_installs_locked_dependencies_and_copies_only_what_it_ships():
    dockerfile = (ROOT / "Dockerfile").read_text()
    base = re.search(r"^FROM (\S+)", dockerfile, re.M).group(1)
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base), base
    install = dockerfile.index("pip install -r requirements.lock --require-hashes")
    # Only the lock precedes the dependency layer: a README or source edit reuses it.
    assert dockerfile.index("COPY requirements.lock") < install < dockerfile.index("README.md ./")
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".env", "tests", "bench"} <= ignored


def test_the_lock_pins_every_dependency_with_hashes():
    import tomllib

    lock = (ROOT / "requirements.lock").read_text()
    pinned = {m.group(1).lower().replace("_", "-") for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", lock, re.M)}
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    for requirement in declared:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower().replace("_", "-")
        assert name in pinned, f"{name} is not in requirements.lock: regenerate it (Dockerfile)"
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", lock.split("\n", 2)[2])
    assert all("--hash=sha256:" in block for block in blocks if "==" in block)
