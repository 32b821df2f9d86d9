"""The hosting files a project is generated with parse, agree with each other and with the
settings, and hold no secret: for every template, hosting, vector database and CI answer.

Structural checks in plain Python (formerly each project's tests/test_hosting.py); the real
validators (hadolint, actionlint, the compose and Kubernetes schemas) run on the same
renders in tests/test_hosting_files.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaffolder.kit.settings import is_placeholder
from tests.templates.conftest import CIS, HOSTINGS, TEMPLATES, VECTOR_DBS, Answers, Render

#: Shapes of real credentials that must never be committed in a hosting file.
SECRET_SHAPES = re.compile(r"sk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY")
MAKE_TARGETS = ("help", "setup", "test", "lint", "ingest", "serve", "bench")
EVERY_HOSTING = [
    Answers(template, hosting, vector_db)
    for template in TEMPLATES
    for hosting in HOSTINGS
    for vector_db in VECTOR_DBS
]
COMPOSE = [answers for answers in EVERY_HOSTING if answers.hosting == "docker-compose"]
KUBERNETES = [answers for answers in EVERY_HOSTING if answers.hosting == "kubernetes"]


def read(project: Path, relative: str) -> str:
    return (project / relative).read_text(encoding="utf-8")


def hosting_files(project: Path) -> list[Path]:
    names = ["Dockerfile", ".dockerignore", "Makefile", ".devcontainer/devcontainer.json"]
    paths = [project / name for name in names]
    paths += sorted(project.glob("*.yaml")) + sorted(project.glob("k8s/*.yaml"))
    paths += sorted(project.glob(".github/workflows/*.yml"))
    return [path for path in paths if path.is_file()]


def runtime_stage(dockerfile: str) -> str:
    """The instructions of the last stage: the image that actually runs."""
    return re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)[-1]


@pytest.mark.parametrize("template", TEMPLATES)
def test_dockerfile_builds_in_stages_and_runs_unprivileged(render: Render, template: str) -> None:
    dockerfile = read(render(Answers(template)), "Dockerfile")
    assert len(re.findall(r"^FROM .+ AS \w+$", dockerfile, flags=re.MULTILINE)) >= 2
    runtime = runtime_stage(dockerfile)
    assert "COPY --from=builder" in runtime
    users = re.findall(r"^USER (\S+)", runtime, flags=re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", runtime, flags=re.MULTILINE)
    assert "COPILOT_ENV=production" in runtime
    assert '"copilot", "serve", "--host", "0.0.0.0", "--port", "8080"' in runtime
    # Keys come from the environment at run time, never from the image.
    baked = re.compile(r"^(ENV|ARG)\b.*(KEY|SECRET|TOKEN|PASSWORD)", re.MULTILINE | re.IGNORECASE)
    assert not baked.search(dockerfile)


@pytest.mark.parametrize("template", TEMPLATES)
def test_dockerignore_keeps_secrets_and_state_out_of_the_image(
    render: Render, template: str
) -> None:
    ignored = set(read(render(Answers(template)), ".dockerignore").split())
    assert {".env", ".copilot/", ".venv/", ".git/", "__pycache__/"} <= ignored


@pytest.mark.parametrize("answers", EVERY_HOSTING, ids=Answers.name)
def test_hosting_files_hold_no_credentials(render: Render, answers: Answers) -> None:
    project = render(answers)
    files = hosting_files(project)
    assert project / "Dockerfile" in files
    for path in files:
        assert not SECRET_SHAPES.search(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("template", TEMPLATES)
def test_devcontainer_sets_up_the_project(render: Render, template: str) -> None:
    devcontainer = json.loads(read(render(Answers(template)), ".devcontainer/devcontainer.json"))
    assert "python:1-3.11" in devcontainer["image"]
    assert devcontainer["postCreateCommand"] == "make setup"
    assert 8080 in devcontainer["forwardPorts"]
    assert "charliermarsh.ruff" in devcontainer["customizations"]["vscode"]["extensions"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_makefile_offers_the_everyday_targets(render: Render, template: str) -> None:
    makefile = read(render(Answers(template)), "Makefile")
    assert ".DEFAULT_GOAL := help" in makefile
    for target in MAKE_TARGETS:
        assert re.search(rf"^{target}: .*## ", makefile, flags=re.MULTILINE), target


@pytest.mark.parametrize("ci", CIS)
@pytest.mark.parametrize("template", TEMPLATES)
def test_ci_pins_actions_and_runs_offline(render: Render, template: str, ci: str) -> None:
    path = render(Answers(template, ci=ci)) / ".github" / "workflows" / "ci.yml"
    if ci == "none":
        assert not path.exists()
        return
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert workflow["permissions"] == {"contents": "read"}
    job = workflow["jobs"]["test"]
    assert job["timeout-minutes"] > 0
    for step in job["steps"]:
        if "uses" in step:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    commands = "\n".join(step.get("run", "") for step in job["steps"])
    assert "python -m pytest --llm-cache=replay-only" in commands
    assert "copilot prompts lock --check" in commands


@pytest.mark.parametrize("answers", COMPOSE, ids=Answers.name)
def test_compose_runs_the_app_with_healthchecks(render: Render, answers: Answers) -> None:
    services = yaml.safe_load(read(render(answers), "compose.yaml"))["services"]
    app = services["app"]
    assert app["build"] == "."
    assert app["environment"]["COPILOT_ENV"] == "production"
    # Taken from .env by interpolation; compose stops with a message when it is missing.
    assert app["environment"]["COPILOT_SERVER_API_KEY"].startswith("${COPILOT_SERVER_API_KEY:?")
    assert "/healthz" in " ".join(app["healthcheck"]["test"])
    assert "copilot-state:/app/.copilot" in app["volumes"]
    if answers.vector_db == "server":
        assert app["environment"]["CHROMA_URL"] == "http://chroma:8000"
        assert app["depends_on"]["chroma"]["condition"] == "service_healthy"
        assert services["chroma"]["image"].startswith("chromadb/chroma:")
        assert "chroma-data:/data" in services["chroma"]["volumes"]
        assert "healthcheck" in services["chroma"]
    else:
        assert "chroma" not in services


@pytest.mark.parametrize("template", TEMPLATES)
def test_telemetry_collector_is_opt_in_and_configured(render: Render, template: str) -> None:
    project = render(Answers(template))
    compose = yaml.safe_load(read(project, "compose.yaml"))
    collector = compose["services"]["otel-collector"]
    assert collector["profiles"] == ["telemetry"]
    assert re.fullmatch(r"otel/opentelemetry-collector:\d+\.\d+\.\d+", collector["image"])
    endpoint = compose["services"]["app"]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert "http://otel-collector:4318" in endpoint
    config = yaml.safe_load(read(project, "otel-collector.yaml"))
    for pipeline in config["service"]["pipelines"].values():
        for kind in ("receivers", "processors", "exporters"):
            assert set(pipeline.get(kind, [])) <= set(config[kind]), kind


def manifests(project: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Every Kubernetes object in k8s/, by kind and name."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted((project / "k8s").glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            found[(document["kind"], document["metadata"]["name"])] = document
    return found


@pytest.mark.parametrize("answers", KUBERNETES, ids=Answers.name)
def test_kustomization_lists_every_manifest(render: Render, answers: Answers) -> None:
    project = render(answers)
    kustomization = yaml.safe_load(read(project, "k8s/kustomization.yaml"))
    files = {p.name for p in (project / "k8s").glob("*.yaml")} - {"kustomization.yaml"}
    assert files
    assert set(kustomization["resources"]) == files


@pytest.mark.parametrize("answers", KUBERNETES, ids=Answers.name)
def test_deployment_is_probed_limited_and_unprivileged(render: Render, answers: Answers) -> None:
    objects = manifests(render(answers))
    slug = "mybot"
    assert ("Service", slug) in objects
    pod = objects[("Deployment", slug)]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert "memory" in container["resources"]["limits"]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
    assert sources == {f"{slug}-config", f"{slug}-secrets"}
    config = objects[("ConfigMap", f"{slug}-config")]["data"]
    assert config["COPILOT_ENV"] == "production"
    if answers.vector_db == "server":
        assert config["CHROMA_URL"] == f"http://{slug}-chroma:8000"
        chroma = objects[("StatefulSet", f"{slug}-chroma")]["spec"]
        assert chroma["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
        assert ("Service", f"{slug}-chroma") in objects
    else:
        assert ("PersistentVolumeClaim", f"{slug}-state") in objects
        assert ("StatefulSet", f"{slug}-chroma") not in objects


@pytest.mark.parametrize("answers", KUBERNETES, ids=Answers.name)
def test_secret_manifest_holds_only_placeholders_the_app_refuses(
    render: Render, answers: Answers
) -> None:
    secret = manifests(render(answers))[("Secret", "mybot-secrets")]
    assert "COPILOT_SERVER_API_KEY" in secret["stringData"]
    for name, value in secret["stringData"].items():
        assert is_placeholder(value), f"{name} in k8s/secret.yaml looks like a real secret"
