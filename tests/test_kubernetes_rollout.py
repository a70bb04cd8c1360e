"""deploy/kubernetes/ as an operator applies it and rolls it: probes that do not restart a busy vLLM,
drains that fit their grace periods, everything pinned, the api's workers and memory sized to its pod,
Prometheus able to see the serving tier, vLLM autoscaled on its queue, Redis bounded and guarded,
egress closed to private ranges, secrets never rendered (so never overwritten on re-apply)."""

from __future__ import annotations

import ipaddress
import math
import re
from pathlib import Path

import pytest

from testkit.kube import (
    NAMESPACE,
    OVERLAYS,
    PROMETHEUS,
    SECRET_VALUES,
    container,
    matches,
    one,
    pod_env,
    pod_labels,
    render,
    settings_of,
)

ROOT = Path(__file__).resolve().parents[1]
# bench/memory.py, `websearch serve` idle (PSS of the process tree): 217.5 MiB with 1 worker, 375.3
# MiB with 8: about 195 MiB + 23 MiB per worker (27 MiB after parsing pages).
SERVER_MIB, WORKER_MIB = 195, 27
IN_FLIGHT_MIB = 256  # pages fetched and answers being written, beside the workers
PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")]


def workloads(docs) -> list[dict]:
    return [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]


def quantity(value: str | int) -> float:
    """A Kubernetes CPU or memory quantity: "500m" -> 0.5, "2Gi" -> 2 * 2**30."""
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def pre_stop_seconds(main: dict) -> float:
    command = " ".join(main["lifecycle"]["preStop"]["exec"]["command"])
    found = re.search(r"sleep[ (](\d+(?:\.\d+)?)", command)
    assert found, command
    return float(found.group(1))


# --- vLLM: probes and drain -------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_vllm_probes_wait_long_enough_and_a_rollout_drains_its_streams(overlay):
    vllm = one(render(overlay), "StatefulSet", "vllm")
    pod, main = vllm["spec"]["template"]["spec"], container(vllm)
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        # The 1 s default restarts a vLLM busy with a batch, and its prefix cache goes with it.
        assert 5 <= main[probe]["timeoutSeconds"] <= 10, probe
    assert main["startupProbe"]["periodSeconds"] * main["startupProbe"]["failureThreshold"] >= 20 * 60  # a first download
    args = dict(arg.removeprefix("--").split("=", 1) for arg in main["args"] if "=" in arg)
    shutdown = float(args["shutdown-timeout"])
    pre_stop = pre_stop_seconds(main)
    assert pre_stop >= 10 and shutdown >= 30  # the endpoints drop the pod, then its streams finish
    assert pod["terminationGracePeriodSeconds"] > pre_stop + shutdown
    image_version = re.search(r":v(\d+)\.(\d+)", main["image"])
    assert image_version and tuple(map(int, image_version.groups())) >= (0, 18)  # --shutdown-timeout's release


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_vllm_runs_as_a_user_behind_an_api_key_and_pins_its_model(overlay, monkeypatch):
    docs = render(overlay)
    vllm = one(docs, "StatefulSet", "vllm")
    pod, main = vllm["spec"]["template"]["spec"], container(vllm)
    assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] != 0
    assert main["securityContext"]["allowPrivilegeEscalation"] is False
    env = pod_env(docs, vllm)
    assert env["VLLM_API_KEY"] == SECRET_VALUES[("vllm-auth", "api-key")]
    assert settings_of(docs, monkeypatch).llm_api_key == env["VLLM_API_KEY"]  # the api sends the key vLLM asks
    # Caches where a non-root user may write: the model volume, not /root.
    mounts = {m["mountPath"] for m in main["volumeMounts"]}
    assert any(env["HF_HOME"].startswith(path) for path in mounts)
    args = main["args"]
    assert "--trust-remote-code" not in args
    revision = next(a.split("=", 1)[1] for a in args if a.startswith("--revision="))
    assert re.fullmatch(r"[0-9a-f]{40}", revision)  # a commit, not a branch that moves


# --- pinned -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_image_is_pinned_by_version(overlay):
    for workload in workloads(render(overlay)):
        for main in workload["spec"]["template"]["spec"]["containers"]:
            image = main["image"]
            if "@sha256:" in image:
                continue
            name, _, tag = image.rpartition(":")
            assert name and "/" not in tag, f"{image}: no tag"
            assert tag != "latest" and re.search(r"\d", tag) and not re.fullmatch(r"\d+(-\w+)?", tag), image


# --- the api: sized to its pod ----------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_api_runs_as_many_parse_workers_as_its_cpu_and_its_memory_limit_holds_them(overlay, monkeypatch):
    docs = render(overlay)
    settings = settings_of(docs, monkeypatch)
    api = one(docs, "Deployment", "api")
    resources = container(api)["resources"]
    if settings.parse_workers:
        workers = settings.parse_workers
    else:  # core.cgroup.default_size: the cgroup's CPU quota, which is limits.cpu
        assert "cpu" in resources["limits"], "no CPU limit and no WEBSEARCH_PARSE_WORKERS: one worker per node core"
        workers = math.ceil(quantity(resources["limits"]["cpu"]))
    assert 1 <= workers <= 4
    assert 0 < settings.parse_memory_mb  # each worker's growth on a page is capped
    needed = SERVER_MIB + workers * (WORKER_MIB + settings.parse_memory_mb) + IN_FLIGHT_MIB
    assert quantity(resources["limits"]["memory"]) >= needed * 2**20
    assert quantity(resources["requests"]["memory"]) >= (SERVER_MIB + workers * WORKER_MIB) * 2**20


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_api_keeps_idle_connections_longer_than_proxies_and_heartbeats_streams(overlay, monkeypatch):
    settings = settings_of(render(overlay), monkeypatch)
    assert settings.http_keep_alive_s > 60  # nginx and AWS ALB close idle upstream connections at 60 s
    assert 0 < settings.sse_heartbeat_s <= 30


# --- observability -------------------------------------------------------------------------------------


def monitors(docs) -> list[dict]:
    return [d for d in docs if d["kind"] in ("ServiceMonitor", "PodMonitor")]


def scraped_pods(docs, monitor: dict) -> list[dict]:
    """The pod templates a monitor scrapes (through its Service for a ServiceMonitor)."""
    selector = monitor["spec"]["selector"]
    if monitor["kind"] == "PodMonitor":
        return [w["spec"]["template"] for w in workloads(docs) if matches(selector, w["spec"]["template"]["metadata"]["labels"])]
    services = [d for d in docs if d["kind"] == "Service" and matches(selector, d["metadata"]["labels"])]
    return [
        w["spec"]["template"]
        for s in services
        for w in workloads(docs)
        if matches({"matchLabels": s["spec"]["selector"]}, w["spec"]["template"]["metadata"]["labels"])
    ]


def prometheus_reaches(docs, labels: dict, port: int) -> bool:
    """A NetworkPolicy lets Prometheus (or anyone) reach pods with `labels` on `port`."""
    for policy in (d for d in docs if d["kind"] == "NetworkPolicy" and "Ingress" in d["spec"]["policyTypes"]):
        if not matches(policy["spec"]["podSelector"], labels):
            continue
        for rule in policy["spec"].get("ingress", []):
            ports = {p["port"] for p in rule.get("ports", [])}
            if (not ports or port in ports) and (not rule.get("from") or PROMETHEUS in rule["from"]):
                return True
    return False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_prometheus_scrapes_the_api_every_vllm_engine_and_the_router(overlay):
    docs = render(overlay)
    scraped = {}
    for monitor in monitors(docs):
        endpoints = monitor["spec"].get("endpoints") or monitor["spec"]["podMetricsEndpoints"]
        assert all(e["path"] == "/metrics" for e in endpoints)
        for template in scraped_pods(docs, monitor):
            name = template["metadata"]["labels"]["app.kubernetes.io/name"]
            ports = {p["name"]: p["containerPort"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
            for endpoint in endpoints:
                assert endpoint["port"] in ports, (monitor["metadata"]["name"], endpoint["port"])
                scraped[name] = ports[endpoint["port"]]
    expected = {"api", "vllm"} | ({"vllm-router"} if any(w["metadata"]["name"] == "vllm-router" for w in workloads(docs)) else set())
    assert expected <= set(scraped), scraped
    for name in expected:  # default-deny lets the scrape through
        assert prometheus_reaches(docs, pod_labels(docs, name), scraped[name]), name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_apis_vllm_metrics_mirror_reads_the_engines_not_a_router(overlay, monkeypatch):
    docs = render(overlay)
    settings = settings_of(docs, monkeypatch)
    vllm = one(docs, "StatefulSet", "vllm")
    engines = {f"http://vllm-{i}.{vllm['spec']['serviceName']}:8000" for i in range(vllm["spec"]["replicas"])}
    direct = {url.removesuffix("/v1") for url in settings.llm_base_url.split(",")}
    if direct <= engines | {"http://vllm:8000"}:
        assert not settings.llm_metrics_urls  # the api talks to the engines: /metrics is beside each
        return
    listed = {url.removesuffix("/metrics") for url in settings.llm_metrics_urls}
    scaled = [d for d in docs if d["kind"] == "ScaledObject"]
    most = scaled[0]["spec"]["maxReplicaCount"] if scaled else vllm["spec"]["replicas"]
    assert listed == {f"http://vllm-{i}.{vllm['spec']['serviceName']}:8000" for i in range(most)}
    assert all(url.endswith("/metrics") for url in settings.llm_metrics_urls)


def test_keda_scales_vllm_on_its_queue():
    docs = render("several-gpus-keda")
    scaled = one(docs, "ScaledObject", "vllm")["spec"]
    vllm = one(docs, "StatefulSet", "vllm")
    assert scaled["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": vllm["metadata"]["name"]}
    assert 1 <= scaled["minReplicaCount"] < scaled["maxReplicaCount"]  # never 0: a cold vLLM takes minutes
    trigger = scaled["triggers"][0]
    assert trigger["type"] == "prometheus" and float(trigger["metadata"]["threshold"]) > 0
    query = trigger["metadata"]["query"]
    assert "vllm:num_requests_waiting" in query and f'namespace="{NAMESPACE}"' in query
    # vLLM behind the router (it discovers replicas): not the pool overlay's fixed list of URLs.
    assert one(docs, "Deployment", "vllm-router")
    for overlay in set(OVERLAYS) - {"several-gpus-keda"}:
        assert not [d for d in render(overlay) if d["kind"] == "ScaledObject"], overlay


def test_custom_resources_have_the_fields_their_crds_require():
    """The CRDs' own schemas are not kept as test data here (see the report of issue 26); these are the
    fields each CRD marks required, and the values its enums allow, checked by hand."""
    docs = render("llm-d")
    gateway = one(docs, "Gateway", "inference-gateway")["spec"]
    assert gateway["gatewayClassName"] and all({"name", "port", "protocol"} <= set(l) for l in gateway["listeners"])
    route = one(docs, "HTTPRoute", "megrez")["spec"]
    for rule in route["rules"]:
        for ref in rule["backendRefs"]:
            assert ref["group"] == "inference.networking.k8s.io" and ref["kind"] == "InferencePool" and ref["name"]
        assert re.fullmatch(r"\d+(h|m|s|ms)", rule["timeouts"]["request"])
    pool = one(docs, "InferencePool", "megrez")["spec"]
    assert pool["selector"]["matchLabels"] and len(pool["targetPorts"]) == 1
    assert pool["endpointPickerRef"]["name"] and pool["endpointPickerRef"]["port"]["number"]
    assert pool["endpointPickerRef"]["failureMode"] in ("FailOpen", "FailClose")
    for overlay in OVERLAYS:
        for monitor in monitors(render(overlay)):
            assert monitor["spec"]["selector"]["matchLabels"]
            for endpoint in monitor["spec"].get("endpoints") or monitor["spec"]["podMetricsEndpoints"]:
                assert re.fullmatch(r"\d+s", endpoint["interval"]) and re.fullmatch(r"\d+s", endpoint["scrapeTimeout"])
                assert int(endpoint["scrapeTimeout"][:-1]) <= int(endpoint["interval"][:-1])


# --- Redis ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_redis_is_bounded_passworded_persistent_and_kept_through_drains(overlay):
    docs = render(overlay)
    redis = one(docs, "StatefulSet", "redis")
    main = container(redis)
    args = main["args"]
    option = {args[i].removeprefix("--"): args[i + 1] for i in range(1, len(args) - 1) if args[i].startswith("--")}
    assert option["appendonly"] == "yes" and redis["spec"]["volumeClaimTemplates"]
    maxmemory = quantity(option["maxmemory"].replace("mb", "Mi").replace("gb", "Gi"))
    assert maxmemory <= 0.8 * quantity(main["resources"]["limits"]["memory"])  # room for the AOF rewrite's fork
    assert option["maxmemory-policy"].startswith("volatile-")  # only keys with a TTL are evicted
    env = pod_env(docs, redis)
    assert option["requirepass"] == "$(REDIS_PASSWORD)" and env["REDIS_PASSWORD"] == SECRET_VALUES[("redis-auth", "password")]
    assert env["REDISCLI_AUTH"] == env["REDIS_PASSWORD"]  # the redis-cli probe authenticates …
    assert "PONG" in " ".join(main["readinessProbe"]["exec"]["command"])  # … and wants PONG, not just an exit 0
    pdb = one(docs, "PodDisruptionBudget", "redis")
    assert matches(pdb["spec"]["selector"], pod_labels(docs, "redis")) and pdb["spec"]["minAvailable"] == 1


# --- secrets --------------------------------------------------------------------------------------------


def runbook_secrets() -> dict[str, set[str]]:
    """The Secrets docs/operations.md tells the operator to create, and their keys."""
    text = (ROOT / "docs" / "operations.md").read_text()
    found: dict[str, set[str]] = {}
    for name, flags in re.findall(r"create secret generic ([\w-]+)((?:\s*\\?\s*--from-literal=[\w-]+=(?:\$\([^)]*\)|\S*))+)", text):
        found[name] = set(re.findall(r"--from-literal=([\w-]+)=", flags))
    return found


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_never_rendered_and_every_reference_is_one_the_runbook_creates(overlay):
    docs = render(overlay)
    assert not [d for d in docs if d["kind"] == "Secret"]  # a re-apply would overwrite the real ones
    created = runbook_secrets()
    assert set(created) == {name for name, _ in SECRET_VALUES}
    for name, key in SECRET_VALUES:
        assert key in created[name], (name, key)
    for workload in workloads(docs):
        for main in workload["spec"]["template"]["spec"]["containers"]:
            for ref in main.get("envFrom", []):
                if "secretRef" in ref:
                    assert ref["secretRef"]["name"] in created
            for var in main.get("env", []):
                if "secretKeyRef" in var.get("valueFrom", {}):
                    ref = var["valueFrom"]["secretKeyRef"]
                    assert ref["key"] in created[ref["name"]], ref
                    if ref["key"] == "HF_TOKEN":
                        assert workload["metadata"]["name"] == "vllm"


# --- egress ---------------------------------------------------------------------------------------------


def egress_rules(docs, labels: dict) -> list[dict] | None:
    """The egress rules that apply to pods with `labels` (None: no egress policy, anything goes)."""
    policies = [
        d for d in docs
        if d["kind"] == "NetworkPolicy" and "Egress" in d["spec"]["policyTypes"] and matches(d["spec"]["podSelector"], labels)
    ]  # fmt: skip
    return None if not policies else [rule for p in policies for rule in p["spec"].get("egress", [])]


def reaches_pod(rules: list[dict], labels: dict, port: int) -> bool:
    for rule in rules:
        ports = {p["port"] for p in rule.get("ports", [])}
        if ports and port not in ports:
            continue
        if any("podSelector" in peer and "namespaceSelector" not in peer and matches(peer["podSelector"], labels) for peer in rule.get("to", [])):
            return True
    return False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_has_closed_egress_and_the_internet_means_public_addresses(overlay, monkeypatch):
    docs = render(overlay)
    for workload in workloads(docs):
        rules = egress_rules(docs, workload["spec"]["template"]["metadata"]["labels"])
        assert rules is not None, f"{workload['metadata']['name']}: egress open"
        for rule in rules:
            for peer in rule.get("to", []):
                block = peer.get("ipBlock")
                if not block or ipaddress.ip_network(block["cidr"]).prefixlen:
                    continue
                # The whole internet: the private ranges and cloud metadata excluded, unless only the
                # Kubernetes API's ports are opened (the router's service discovery).
                ports = {p["port"] for p in rule.get("ports", [])}
                if workload["metadata"]["name"] == "vllm-router" and ports <= {443, 6443}:
                    continue
                excluded = [ipaddress.ip_network(n) for n in block.get("except", [])]
                if ipaddress.ip_network(block["cidr"]).version == 4:
                    assert all(any(p.subnet_of(e) for e in excluded) for p in PRIVATE), block
                else:
                    assert ipaddress.ip_network("fc00::/7") in excluded and ipaddress.ip_network("fe80::/10") in excluded
    # The api still reaches what it uses.
    api = egress_rules(docs, pod_labels(docs, "api"))
    assert reaches_pod(api, pod_labels(docs, "redis"), 6379) and reaches_pod(api, pod_labels(docs, "searxng"), 8080)
    settings = settings_of(docs, monkeypatch)
    if "vllm-router" in settings.llm_base_url:
        assert reaches_pod(api, pod_labels(docs, "vllm-router"), 8000)
    elif "inference-gateway" in settings.llm_base_url:
        assert reaches_pod(api, {"gateway.networking.k8s.io/gateway-name": "inference-gateway"}, 80)
    else:
        assert reaches_pod(api, pod_labels(docs, "vllm"), 8000)
    if settings.llm_metrics_urls:
        assert reaches_pod(api, pod_labels(docs, "vllm"), 8000)
