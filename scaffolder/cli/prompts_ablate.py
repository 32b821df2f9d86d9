"""`copilot prompts ablate`: which of a prompt's components the benchmark score depends on.

Every variant runs through the project's bench target (`[tool.copilot.bench] target`, or the
suite's), so retrieval and the skill are part of what is scored, with the project's app built
first like `copilot bench run` does. The offline provider is refused up front: its answers are
taken from the passages whatever the prompt says, so every variant would score the same and
the ablation could never show anything.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from scaffolder.cli._common import reports_errors, say
from scaffolder.errors import UsageError
from scaffolder.project import require_project


def register(app: typer.Typer) -> None:
    """Add `ablate` to the `copilot prompts` group."""
    app.command("ablate")(ablate)


@reports_errors
def ablate(
    prompt: Annotated[str, typer.Argument(help="The prompt (a folder under prompts/).")],
    suite: Annotated[str, typer.Option("--suite", "-s", help="The suite that scores it.")],
    tolerance: Annotated[
        float,
        typer.Option(
            "--tolerance", min=0.0, max=1.0, help="Score the smallest set may lose (0.05 = 5 pts)."
        ),
    ] = 0.0,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model to run.")] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Use only the first N cases.")
    ] = None,
) -> None:
    """Each component's effect on the suite's pass rate, and a smallest set that keeps it."""
    from scaffolder.cli._copilot import project_app
    from scaffolder.kit.bench.ablation import ablate as run_ablation
    from scaffolder.kit.bench.config import BenchConfig
    from scaffolder.kit.bench.results import Variant
    from scaffolder.kit.bench.run import bench_app
    from scaffolder.kit.bench.session import build_targets, load_project_suite
    from scaffolder.kit.llm.client import LLM
    from scaffolder.kit.prompts import PromptLibrary
    from scaffolder.kit.settings import CopilotSettings

    project = require_project("prompts ablate")
    root = project.root
    config = BenchConfig.from_table(project.config)
    loaded = load_project_suite(root, config, suite).limited(limit)
    library_prompt = PromptLibrary.for_project(root).get(prompt)
    app = bench_app(root, project.config, lambda: project_app(project))
    settings = app.settings if app is not None else CopilotSettings.load(root)
    if settings.effective_provider == "offline":
        raise UsageError(
            f"prompts ablate needs a model, and calls go to the offline provider "
            f"({settings.offline_reason}), whose answers do not depend on the prompt: every "
            f"variant would score the same; {settings.provider_setup}"
        )
    target = None
    if loaded.target or config.target:
        [(_, target)] = build_targets(root, config, loaded, [Variant(model)])
    llm = LLM.from_settings(settings, root)
    result = asyncio.run(
        run_ablation(
            llm,
            library_prompt,
            loaded,
            tolerance=tolerance,
            model=model,
            concurrency=config.concurrency,
            target=target,
        )
    )
    say(f"{result.prompt} on {loaded.name}: full prompt scores {result.full_score:.1%}")
    width = max(len(effect.component) for effect in result.effects)
    for effect in result.effects:
        say(
            f"  {effect.component:<{width}}  without: {effect.score_without:6.1%}  "
            f"effect: {effect.effect:+.1%}"
        )
    kept = ", ".join(result.minimal) or "(none)"
    say(f"smallest set within {result.tolerance:.1%}: {kept} (scores {result.minimal_score:.1%})")
    say(
        f"{result.evaluations} prompt variants scored; {result.calls} model calls, "
        f"{result.cached_calls} from the cache"
    )
