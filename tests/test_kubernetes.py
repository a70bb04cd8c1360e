"""deploy/kubernetes/: every overlay renders with `kubectl kustomize`, validates against the Kubernetes
schemas offline (kubernetes-validate ships them), puts every object in the app's namespace, and keeps
its promises (probes, drain, affinity). What a rollout needs beyond that: tests/test_kubernetes_rollout.py."""

from __future__ import annotations

import re
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from agent.settings import Settings
from testkit.kube import KUBE, NAMESPACE, OVERLAYS, PROMETHEUS, SECRET_VALUES, config, container, matches, one, pod_env, pod_labels, render, settings_of

ROOT = Path(__file__).resolve().parents[1]
# Custom resources: no schema ships with Kubernetes, and the CRDs' own are not kept here (see
# test_custom_resources_have_the_fields_their_crds_require); their fields are checked by hand instead.
CUSTOM_KINDS = {("gateway.networking.k8s.io/v1", "Gateway"), ("gateway.networking.k8s.io/v1", "HTTPRoute"),
                ("inference.networking.k8s.io/v1", "InferencePool"), ("monitoring.coreos.com/v1", "ServiceMonitor"),
                ("monitoring.coreos.com/v1", "PodMonitor"), ("keda.sh/v1alpha1", "ScaledObject")}  # fmt: skip
# The oldest Kubernetes still widely run, and the newest the package knows.
VERSIONS = ("1.29.0", kubernetes_validate.latest_version())


def test_there_is_an_overlay_for_one_gpu_node_and_for_several():
    assert {"one-gpu", "several-gpus", "several-gpus-pool", "llm-d", "several-gpus-keda"} <= set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_of_every_overlay_is_in_the_apps_namespace(overlay):
    """Without it `kubectl apply` puts an object in `default`: the api cannot resolve the router or
    the gateway, and every api pod is unready."""
    docs = render(overlay)
    for doc in docs:
        if doc["kind"] == "Namespace":
            assert doc["metadata"]["name"] == NAMESPACE and "namespace" not in doc["metadata"]
            continue
        assert doc["metadata"].get("namespace") == NAMESPACE, f"{doc['kind']}/{doc['metadata']['name']}"
        for subject in doc.get("subjects", []):  # a RoleBinding's ServiceAccount is named with its namespace
            assert subject.get("namespace") == NAMESPACE, subject


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_overlay_renders_and_validates_against_the_kubernetes_schemas(overlay):
    docs = render(overlay)
    assert {"Deployment", "StatefulSet", "Service", "ConfigMap", "NetworkPolicy"} <= {d["kind"] for d in docs}
    for doc in docs:
        if (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS:
            continue
        for version in VERSIONS:
            kubernetes_validate.validate(doc, version, strict=True)  # raises on any schema error


def test_a_broken_manifest_is_caught():
    api = one(render("one-gpu"), "Deployment", "api")
    typo = yaml.safe_load(yaml.safe_dump(api))
    probe = container(typo).pop("readinessProbe")
    container(typo)["readinesProbe"] = probe  # a misspelt field: strict validation refuses it
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, VERSIONS[-1], strict=True)
    wrong = yaml.safe_load(yaml.safe_dump(api))
    wrong["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, VERSIONS[-1], strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_api_variable_is_a_setting_and_parses(overlay, monkeypatch):
    docs = render(overlay)
    fields = set(Settings.model_fields)
    for name in config(docs):
        assert name.startswith("WEBSEARCH_") and name.removeprefix("WEBSEARCH_").lower() in fields, name
    settings = settings_of(docs, monkeypatch)
    password = SECRET_VALUES[("redis-auth", "password")]
    assert settings.redis_url == f"redis://:{password}@redis:6379/0" and settings.llm_backend == "openai"
    assert settings.llm_api_key == SECRET_VALUES[("vllm-auth", "api-key")]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_api_is_probed_drains_within_its_grace_period_and_scales(overlay, monkeypatch):
    docs = render(overlay)
    settings = settings_of(docs, monkeypatch)
    api = one(docs, "Deployment", "api")
    pod, main = api["spec"]["template"]["spec"], container(api)
    # Readiness is the pod alone (shallow): never the shared vLLM and Redis that /readyz asks.
    assert main["readinessProbe"]["httpGet"]["path"] == "/readyz/shallow"
    assert main["livenessProbe"]["httpGet"]["path"] == "/healthz"
    # Start-up waits for Redis before it listens: the startup probe's window must outlast that wait.
    startup = main["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= settings.redis_startup_wait_s + 15
    assert main["ports"][0]["containerPort"] == 8080 and "8080" in main["args"]
    # The kubelet's SIGKILL comes terminationGracePeriodSeconds after preStop starts: preStop's wait,
    # then the service's own drain, must both fit.
    pre_stop = " ".join(main["lifecycle"]["preStop"]["exec"]["command"])
    waits = float(re.search(r"sleep\((\d+(?:\.\d+)?)\)", pre_stop).group(1))
    assert pod["terminationGracePeriodSeconds"] >= settings.shutdown_grace_s + waits
    assert main["resources"]["requests"]["cpu"] and main["resources"]["limits"]["memory"]
    refs = {ref.get("configMapRef", ref.get("secretRef"))["name"] for ref in main["envFrom"]}
    assert refs == {one(docs, "ConfigMap", "websearch-config")["metadata"]["name"], "websearch-secrets"}
    assert "HF_TOKEN" not in pod_env(docs, api)  # only vLLM downloads weights
    hpa = one(docs, "HorizontalPodAutoscaler", "api")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}
    assert hpa["spec"]["minReplicas"] >= 2
    pdb = one(docs, "PodDisruptionBudget", "api")
    assert matches(pdb["spec"]["selector"], api["spec"]["template"]["metadata"]["labels"])
    for pdb in (d for d in docs if d["kind"] == "PodDisruptionBudget"):  # a broken pod never blocks a drain
        assert pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow", pdb["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_vllm_serves_megrez_with_prefix_caching_one_gpu_each(overlay, monkeypatch):
    docs = render(overlay)
    settings = settings_of(docs, monkeypatch)
    vllm = one(docs, "StatefulSet", "vllm")
    args = container(vllm)["args"]
    assert "--enable-prefix-caching" in args and f"--served-model-name={settings.llm_model}" in args
    assert f"--max-model-len={settings.llm_context_tokens}" in args
    assert container(vllm)["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert container(vllm)["readinessProbe"]["httpGet"]["path"] == "/health"
    replicas = vllm["spec"]["replicas"]
    assert replicas == 1 if overlay == "one-gpu" else replicas > 1
    redis = one(docs, "StatefulSet", "redis")
    assert "--appendonly" in container(redis)["args"] and redis["spec"]["volumeClaimTemplates"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_service_reaches_pods_and_the_api_reaches_its_backends_by_name(overlay, monkeypatch):
    docs = render(overlay)
    settings = settings_of(docs, monkeypatch)
    templates = [d["spec"]["template"] for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    for name, service in services.items():
        pods = [t for t in templates if matches({"matchLabels": service["spec"]["selector"]}, t["metadata"]["labels"])]
        assert pods, f"Service {name} selects no pods"
        names = {p["name"] for t in pods for c in t["spec"]["containers"] for p in c.get("ports", [])}
        assert all(port["targetPort"] in names for port in service["spec"]["ports"]), name
    hosts = re.findall(r"http://([\w.-]+?)(?::(\d+))?/", settings.llm_base_url + "/")
    for host, port in hosts + re.findall(r"http://([\w.-]+?)(?::(\d+))?$", settings.searxng_url):
        service = host.split(".")[-1]
        if overlay == "llm-d" and host == "inference-gateway-istio":
            continue  # the gateway implementation makes this Service
        assert service in services, host
        assert int(port or 80) in {p["port"] for p in services[service]["spec"]["ports"]}, host


def test_the_router_sessions_on_a_header_the_service_sends(monkeypatch):
    docs = render("several-gpus")
    settings = settings_of(docs, monkeypatch)
    router = container(one(docs, "Deployment", "vllm-router"))
    args = dict(arg.removeprefix("--").split("=", 1) for arg in router["args"])
    assert args["routing-logic"] == "session"
    assert args["session-key"].lower() in {h.lower() for h in settings.llm_route_headers}
    assert matches({"matchLabels": dict([args["k8s-label-selector"].split("=")])}, pod_labels(docs, "vllm"))
    assert args["k8s-namespace"] == NAMESPACE == router_deployment_namespace(docs) and args["k8s-port"] == "8000"
    assert settings.llm_base_url == "http://vllm-router/v1"
    role = one(docs, "Role", "vllm-router")
    assert {"list", "watch"} <= set(role["rules"][0]["verbs"]) and role["rules"][0]["resources"] == ["pods"]


def router_deployment_namespace(docs) -> str:
    return one(docs, "Deployment", "vllm-router")["metadata"]["namespace"]


def test_the_pool_overlay_names_every_vllm_replica(monkeypatch):
    docs = render("several-gpus-pool")
    settings = settings_of(docs, monkeypatch)
    vllm = one(docs, "StatefulSet", "vllm")
    urls = [u.strip() for u in settings.llm_base_url.split(",")]
    service = vllm["spec"]["serviceName"]
    assert urls == [f"http://vllm-{i}.{service}:8000/v1" for i in range(vllm["spec"]["replicas"])]
    assert one(docs, "Service", service)["spec"]["clusterIP"] == "None"  # per-pod DNS names
    assert settings.llm_route_load_factor == 1.25


def test_the_llm_d_pool_selects_the_vllm_pods(monkeypatch):
    docs = render("llm-d")
    pool = one(docs, "InferencePool", "megrez")
    assert matches(pool["spec"]["selector"], pod_labels(docs, "vllm"))
    assert [p["number"] for p in pool["spec"]["targetPorts"]] == [8000]
    route = one(docs, "HTTPRoute", "megrez")
    backend = route["spec"]["rules"][0]["backendRefs"][0]
    assert (backend["kind"], backend["name"]) == ("InferencePool", "megrez")
    gateway = one(docs, "Gateway", "inference-gateway")
    assert route["spec"]["parentRefs"][0]["name"] == gateway["metadata"]["name"]
    settings = settings_of(docs, monkeypatch)
    assert settings.llm_base_url == f"http://{gateway['metadata']['name']}-{gateway['spec']['gatewayClassName']}/v1"


def ingress_sources(docs, labels: dict) -> list[dict | None]:
    """Who may reach pods with `labels`: each allowed peer's podSelector labels (None = anyone)."""
    sources: list[dict | None] = []
    for policy in (d for d in docs if d["kind"] == "NetworkPolicy"):
        if not matches(policy["spec"]["podSelector"], labels) or "Ingress" not in policy["spec"]["policyTypes"]:
            continue
        for rule in policy["spec"].get("ingress", []):
            if not rule.get("from"):
                sources.append(None)
            for peer in rule.get("from", []):
                if peer == PROMETHEUS:
                    continue  # scrapes /metrics (tests/test_kubernetes_rollout.py)
                assert set(peer) == {"podSelector"}, peer  # no namespace- or IP-wide openings
                sources.append(peer["podSelector"].get("matchLabels"))
    return sources


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_api_reaches_vllm_and_redis(overlay):
    docs = render(overlay)
    deny = one(docs, "NetworkPolicy", "default-deny-ingress")["spec"]
    assert deny["podSelector"] == {} and deny["policyTypes"] == ["Ingress"] and not deny.get("ingress")
    api = {"app.kubernetes.io/name": "api"}
    assert ingress_sources(docs, pod_labels(docs, "redis")) == [api]
    assert ingress_sources(docs, pod_labels(docs, "searxng")) == [api]
    assert None in ingress_sources(docs, pod_labels(docs, "api"))  # the api itself is public
    # vLLM: the api, or what stands between it and vLLM (which in turn only the api reaches).
    between = [s for s in ingress_sources(docs, pod_labels(docs, "vllm")) if s != api]
    if overlay.startswith("several-gpus") and overlay != "several-gpus-pool":
        assert between == [{"app.kubernetes.io/name": "vllm-router"}]
        assert ingress_sources(docs, pod_labels(docs, "vllm-router")) == [api]
    elif overlay == "llm-d":
        gateway = {"gateway.networking.k8s.io/gateway-name": "inference-gateway"}
        assert between == [gateway, {"megrez-websearch/reaches-vllm": "true"}]  # + the endpoint picker
        assert ingress_sources(docs, gateway) == [api]
    else:
        assert between == []


def test_the_searxng_settings_are_the_compose_files_copy():
    assert (KUBE / "base" / "searxng-settings.yml").read_text() == (ROOT / "deploy/searxng/settings.yml").read_text()
