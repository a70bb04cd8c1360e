"""deploy/kubernetes/ as the cluster would see it: an overlay rendered with `kubectl kustomize`, the
objects and the environment a pod gets, and the test values that stand in for the operator's Secrets."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import yaml

from agent.settings import Settings
from testkit.skips import missing

ROOT = Path(__file__).resolve().parents[1]
KUBE = ROOT / "deploy" / "kubernetes"


OVERLAYS = sorted(path.name for path in (KUBE / "overlays").iterdir() if (path / "kustomization.yaml").exists())


NAMESPACE = "megrez-websearch"


# The Secrets an operator creates once (docs/operations.md, "Secrets"): never rendered, so a re-apply
# cannot overwrite them. Test values stand in for them here.
SECRET_VALUES = {
    ("websearch-secrets", "WEBSEARCH_LLM_ROUTE_SECRET"): "0123abcd" * 8,
    ("websearch-secrets", "WEBSEARCH_API_KEYS"): "",
    ("redis-auth", "password"): "5ec7e7" * 10,
    ("vllm-auth", "api-key"): "a91" * 20,
    ("vllm-auth", "HF_TOKEN"): "hf_test",
}


@cache
def render(overlay: str) -> tuple[dict, ...]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        missing("kubectl (with kustomize) is not installed")
    done = subprocess.run([kubectl, "kustomize", str(KUBE / "overlays" / overlay)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return tuple(doc for doc in yaml.safe_load_all(done.stdout) if doc)


def one(docs, kind: str, name: str) -> dict:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"].startswith(name)]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def config(docs) -> dict[str, str]:
    return one(docs, "ConfigMap", "websearch-config")["data"]


def pod_env(docs, workload: dict) -> dict[str, str]:
    """The environment the kubelet gives a workload's first container: envFrom (ConfigMaps, Secrets),
    then env in order, `$(NAME)` expanded from what came before, as Kubernetes does."""
    env: dict[str, str] = {}
    main = container(workload)
    for ref in main.get("envFrom", []):
        if "configMapRef" in ref:
            env.update(one(docs, "ConfigMap", ref["configMapRef"]["name"])["data"])
        else:
            name = ref["secretRef"]["name"]
            env.update({key: value for (secret, key), value in SECRET_VALUES.items() if secret == name})
    for var in main.get("env", []):
        if "value" in var:
            env[var["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), var["value"])
        elif "secretKeyRef" in var["valueFrom"]:
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = SECRET_VALUES[(ref["name"], ref["key"])]
    return env


def settings_of(docs, monkeypatch) -> Settings:
    """The Settings an api pod reads: its ConfigMap's, Secrets' and own variables."""
    for name, value in pod_env(docs, one(docs, "Deployment", "api")).items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def container(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]["containers"][0]


def matches(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def pod_labels(docs, name: str) -> dict:
    workload = one(docs, "StatefulSet" if name in ("vllm", "redis") else "Deployment", name)
    return workload["spec"]["template"]["metadata"]["labels"]


# Prometheus, the one peer from another namespace: its pods in `monitoring`, both selectors in one peer.
PROMETHEUS = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
}
