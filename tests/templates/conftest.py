"""Projects rendered from the working tree's templates, each set of answers once a session.

Why here: the generator's own checks of what it generates (the hosting files agree with the
settings, the settings follow the answers, the LLM layer over a project's settings) used to
ship inside every project as tests of the generator. They run here, on every answer that
changes the result; the projects' own suites test the product.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest
import yaml

from scaffolder.scaffold import NewProjectRequest, create_project
from tests.conftest import HistoryBuilder

TEMPLATES = ("qa-rag", "code-assistant")
HOSTINGS = ("docker-compose", "kubernetes")
VECTOR_DBS = ("embedded", "server")
CIS = ("github-actions", "none")
PROVIDERS = ("auto", "offline", "openai", "azure-openai", "openai-compatible")
#: Answers some providers need besides their own.
PROVIDER_EXTRA = {
    "azure-openai": {"llm_base_url": "https://acme.openai.azure.com"},
    "openai-compatible": {"llm_base_url": "http://127.0.0.1:9/v1"},
}


@dataclass(frozen=True)
class Answers:
    """The answers a project is rendered with (copier's defaults for the others)."""

    template: str = "qa-rag"
    hosting: str = "docker-compose"
    vector_db: str = "embedded"
    ci: str = "github-actions"
    llm_provider: str = "auto"

    def data(self) -> dict[str, str]:
        answers = {key: value for key, value in asdict(self).items() if key != "template"}
        return answers | PROVIDER_EXTRA.get(self.llm_provider, {})

    def name(self) -> str:
        return "-".join(asdict(self).values())


Render = Callable[[Answers], Path]


@pytest.fixture(scope="session")
def render(tmp_path_factory: pytest.TempPathFactory) -> Render:
    """Render a project named `mybot` for `answers` (no install, no git), once a session."""
    root = tmp_path_factory.mktemp("rendered")
    history = HistoryBuilder(root / "history").history()
    rendered: dict[Answers, Path] = {}

    def render_project(answers: Answers) -> Path:
        if answers not in rendered:
            request = NewProjectRequest(
                answers.template,
                root / answers.name() / "mybot",
                data=answers.data(),
                init_git=False,
            )
            rendered[answers] = create_project(request, history).destination
        return rendered[answers]

    return render_project


def recorded_answers(project: Path) -> dict[str, str]:
    """What the project's answers file says it was rendered with."""
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert isinstance(answers, dict)
    return answers
