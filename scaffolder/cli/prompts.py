"""`copilot prompts ...`: inspect the project's prompt library.

`show` prints the final prompt with the origin of every line (file and line, or the variable
and the step that produced it), so nobody has to map a logged prompt back to its templates by
hand; `--json` gives the full character-level source map to tools.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from scaffolder.cli import prompts_ablate, prompts_lint, prompts_versions
from scaffolder.cli._common import reports_errors, say
from scaffolder.errors import UsageError
from scaffolder.project import require_project

prompts_app = typer.Typer(
    help="Show, lint, review, lock and diff the project's prompts.",
    no_args_is_help=True,
)
_COLOURS = ("cyan", "green", "magenta", "yellow", "blue", "red")
prompts_versions.register(prompts_app)
prompts_lint.register(prompts_app)
prompts_ablate.register(prompts_app)


@prompts_app.command("list")
@reports_errors
def list_prompts() -> None:
    """List the prompts with their versions and descriptions."""
    from scaffolder.kit.prompts import PromptLibrary

    library = PromptLibrary.for_project(require_project("prompts list").root)
    names = library.names()
    if not names:
        raise UsageError(f"no prompts in {library.root} (each is a folder with a prompt.yaml)")
    for name in names:
        prompt = library.get(name)
        say(f"{name:<20} {prompt.version}  {prompt.manifest.description}")


@prompts_app.command("show")
@reports_errors
def show(
    name: Annotated[str, typer.Argument(help="The prompt (a folder under prompts/).")],
    var: Annotated[
        list[str] | None,
        typer.Option("--var", metavar="KEY=VALUE", help="An input value (repeatable)."),
    ] = None,
    vars_file: Annotated[
        Path | None,
        typer.Option("--vars", metavar="FILE", help="YAML or JSON file of input values."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The source map as JSON.")] = False,
) -> None:
    """Print the final prompt with the origin of every line; missing inputs show as <name>."""
    from scaffolder.kit.prompts import PromptLibrary

    library = PromptLibrary.for_project(require_project("prompts show").root)
    prompt = library.get(name)
    values = _values(vars_file, var or [])
    for input_name, spec in prompt.manifest.inputs.items():
        if input_name not in values and spec.required and spec.default is None:
            values[input_name] = f"<{input_name}>" if spec.type in ("str", "any") else None
    rendered = prompt.render(values)
    if as_json:
        say(json.dumps(_as_json(rendered), indent=2))
        return
    colours = {
        file: _COLOURS[index % len(_COLOURS)]
        for index, file in enumerate(
            dict.fromkeys(s.origin.file for m in rendered.messages for s in m.spans)
        )
    }
    for message in rendered.messages:
        typer.secho(f"── {message.role} ── {rendered.prompt_id}", bold=True)
        for line_start, line_end in _lines(message.content):
            pieces = [s for s in message.spans if s.start < line_end and s.end > line_start]
            text = "".join(
                typer.style(
                    message.content[max(s.start, line_start) : min(s.end, line_end)].rstrip("\n"),
                    fg=colours[s.origin.file],
                )
                for s in pieces
            )
            origins = ", ".join(dict.fromkeys(s.origin.describe() for s in pieces))
            typer.echo(f"{text}  " + typer.style(f"# {origins}", dim=True))
    if rendered.dropped:
        say(f"(left out by the token budget: {', '.join(rendered.dropped)})")


def _values(vars_file: Path | None, pairs: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if vars_file is not None:
        try:
            loaded = yaml.safe_load(vars_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise UsageError(f"cannot read {vars_file}: {str(error).splitlines()[0]}") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"{vars_file} must hold a mapping of input: value")
        values.update(loaded)
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator:
            raise UsageError(f"--var {pair!r} is not KEY=VALUE")
        values[key.strip()] = value
    return values


def _lines(text: str) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for line in text.splitlines(keepends=True):
        bounds.append((start, start + len(line)))
        start += len(line)
    return bounds


def _as_json(rendered: Any) -> dict[str, Any]:
    return {
        "prompt": rendered.name,
        "version": rendered.version,
        "dropped": list(rendered.dropped),
        "messages": [
            {
                "role": message.role,
                "content": message.content,
                "spans": [
                    {
                        "start": span.start,
                        "end": span.end,
                        "file": span.origin.file,
                        "line": span.origin.line,
                        "variable": span.origin.variable,
                        "source": span.origin.source,
                        "step": span.origin.step,
                        "separator": span.origin.separator,
                    }
                    for span in message.spans
                ],
            }
            for message in rendered.messages
        ],
    }
