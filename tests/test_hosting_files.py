"""The hosting, CI and onboarding files of both templates, checked by real tools.

Structural asserts can only say what their author thought of; the validators below are the
ones Docker, GitHub and Kubernetes users run, with the schemas those platforms publish:
hadolint (Dockerfile), actionlint and the GitHub workflow schema (CI), the compose-spec
schema (compose.yaml) and the Kubernetes OpenAPI schemas (k8s/). They come with the `dev`
extra. A validator that is not installed skips its tests with the reason, except where
COPILOT_REQUIRE_VALIDATORS is set (for CI), where that is a failure: a green run must mean
the files were validated.

Projects are only rendered (no installs), once per combination of answers for the module.
The structural checks of the same files (stages, probes, placeholders) are in
tests/templates/test_hosting_structure.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffolder.scaffold import NewProjectRequest, create_project
from tests.conftest import HistoryBuilder

TEMPLATES = ["qa-rag", "code-assistant"]
VECTOR_DBS = ["embedded", "server"]
MAKE_TARGETS = ["help", "setup", "test", "lint", "ingest", "serve", "bench"]

Render = Callable[[str, str, str, str], Path]


def validator(name: str) -> str:
    """The path of the `name` executable: the virtualenv's own first, then PATH."""
    beside_python = Path(sys.executable).with_name(name)
    found = str(beside_python) if beside_python.is_file() else shutil.which(name)
    if found is None:
        reason = f"{name} is not installed (the dev extra brings the validators; make: apt)"
        if os.environ.get("COPILOT_REQUIRE_VALIDATORS"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def check(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a validator; its own output is the assertion message."""
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def assert_passes(command: list[str], cwd: Path | None = None) -> None:
    ran = check(command, cwd)
    assert ran.returncode == 0, f"{' '.join(command)}\n{ran.stdout}{ran.stderr}"


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory) -> Render:
    """Render a project for (template, hosting, vector_db, ci), once per module."""
    root = tmp_path_factory.mktemp("hosting")
    history = HistoryBuilder(root / "history").history()
    rendered: dict[tuple[str, str, str, str], Path] = {}

    def render_project(template: str, hosting: str, vector_db: str, ci: str) -> Path:
        key = (template, hosting, vector_db, ci)
        if key not in rendered:
            request = NewProjectRequest(
                template,
                root / "-".join(key) / "mybot",
                data={"hosting": hosting, "vector_db": vector_db, "ci": ci},
                init_git=False,
            )
            rendered[key] = create_project(request, history).destination
        return rendered[key]

    return render_project


@pytest.mark.parametrize("template", TEMPLATES)
def test_dockerfile_passes_hadolint(render: Render, template: str) -> None:
    project = render(template, "docker-compose", "embedded", "github-actions")
    assert_passes([validator("hadolint"), str(project / "Dockerfile")])


@pytest.mark.parametrize("template", TEMPLATES)
def test_workflow_passes_actionlint_and_the_workflow_schema(render: Render, template: str) -> None:
    workflow = render(template, "docker-compose", "embedded", "github-actions")
    path = workflow / ".github" / "workflows" / "ci.yml"
    # With shellcheck, actionlint also checks the shell of every `run:` step.
    shellcheck = validator("shellcheck")
    assert_passes([validator("actionlint"), "-no-color", "-shellcheck", shellcheck, str(path)])
    schema = validator("check-jsonschema")
    assert_passes([schema, "--builtin-schema", "vendor.github-workflows", str(path)])
    # GitHub's default job timeout is six hours: insist on a shorter, explicit one.
    timeout_schema = "custom.github-workflows-require-timeout"
    assert_passes([schema, "--builtin-schema", timeout_schema, str(path)])


@pytest.mark.parametrize("template", TEMPLATES)
def test_no_workflow_without_ci(render: Render, template: str) -> None:
    assert not (render(template, "docker-compose", "embedded", "none") / ".github").exists()


@pytest.mark.parametrize("vector_db", VECTOR_DBS)
@pytest.mark.parametrize("template", TEMPLATES)
def test_compose_file_matches_the_compose_spec(
    render: Render, template: str, vector_db: str
) -> None:
    project = render(template, "docker-compose", vector_db, "github-actions")
    assert (project / "otel-collector.yaml").is_file()
    assert not (project / "k8s").exists()
    assert_passes(
        [
            validator("check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(project / "compose.yaml"),
        ]
    )


@pytest.mark.parametrize("vector_db", VECTOR_DBS)
@pytest.mark.parametrize("template", TEMPLATES)
def test_kubernetes_manifests_match_the_api_schemas(
    render: Render, template: str, vector_db: str
) -> None:
    project = render(template, "kubernetes", vector_db, "github-actions")
    assert not (project / "compose.yaml").exists()
    assert not (project / "otel-collector.yaml").exists()
    # kustomization.yaml configures kustomize and is no API object;
    # tests/templates/test_hosting_structure.py checks that it lists every manifest.
    manifests = sorted(
        str(path) for path in (project / "k8s").glob("*.yaml") if path.name != "kustomization.yaml"
    )
    assert_passes([validator("kubernetes-validate"), "--strict", "--quiet", *manifests])


@pytest.mark.parametrize("template", TEMPLATES)
def test_makefile_targets_parse_and_help_is_the_default(render: Render, template: str) -> None:
    project = render(template, "docker-compose", "embedded", "github-actions")
    make = validator("make")
    assert_passes([make, "--dry-run", *MAKE_TARGETS], cwd=project)
    listed = check([make], cwd=project)
    assert listed.returncode == 0, listed.stderr
    for target in MAKE_TARGETS:
        assert f"make {target} " in listed.stdout


#: kind -> (file, text, its one-word mistake, the validator and its arguments before the file)
BROKEN = {
    "hadolint": ("Dockerfile", "USER 10001:10001", "RUN cd /tmp && echo unpinned", ["hadolint"]),
    "actionlint": (".github/workflows/ci.yml", "runs-on:", "run-on:", ["actionlint", "-no-color"]),
    "compose-spec": (
        "compose.yaml",
        "restart: unless-stopped",
        "restarts: unless-stopped",
        ["check-jsonschema", "--builtin-schema", "vendor.compose-spec"],
    ),
    "kubernetes": (
        "k8s/app.yaml",
        "periodSeconds: 20",
        "periodSecond: 20",
        ["kubernetes-validate", "--strict", "--quiet"],
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_validators_reject_a_broken_file(render: Render, tmp_path: Path, kind: str) -> None:
    """Control: each validator fails on a one-word mistake, so its passing above means
    something (a validator that silently checked nothing would pass everything)."""
    relative, good, bad, (tool, *arguments) = BROKEN[kind]
    hosting = "kubernetes" if kind == "kubernetes" else "docker-compose"
    source = render("qa-rag", hosting, "embedded", "github-actions") / relative
    text = source.read_text(encoding="utf-8")
    assert good in text
    broken = tmp_path / source.name
    broken.write_text(text.replace(good, bad), encoding="utf-8")
    assert check([validator(tool), *arguments, str(broken)]).returncode != 0
