"""`copilot ask "..."`: one question to the project's copilot, answered with its sources.

The answer, its sources and citations come from documents and a model: they are printed only
through `kit.text.printable`, so escape sequences in them never reach the terminal.

`--file` with `--line`, `--lines` or `--selection` says which code the question is about, as
an editor would (`kit.code.terminal_context`); without them, code named in the question
(`decoder.py:42`, `` `scanstring` ``) is found through the symbol index."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scaffolder.cli._common import reports_errors, say
from scaffolder.cli._copilot import EditorOptions, editor_context, load_copilot, sources_cited
from scaffolder.errors import UsageError
from scaffolder.kit.text import TerminalStream, json_for_terminal, printable

if TYPE_CHECKING:
    from scaffolder.kit.server.backend import Reply


@reports_errors
def ask(
    question: Annotated[str, typer.Argument(help="What to ask.", show_default=False)],
    as_json: Annotated[
        bool, typer.Option("--json", help="The reply, sources and routing as JSON.")
    ] = False,
    file: EditorOptions.File = None,
    line: EditorOptions.Line = None,
    lines: EditorOptions.Lines = None,
    selection: EditorOptions.Selection = None,
) -> None:
    """Ask the copilot one question and print the cited answer."""
    from scaffolder.kit.safety.guardrails import check_question_length
    from scaffolder.kit.server.backend import Reply

    if not question.strip():
        raise UsageError("the question is empty")
    copilot = load_copilot("ask")
    check_question_length(question, copilot.services.settings.max_input_chars)
    context = editor_context(copilot, file, line, lines, selection)
    live = sys.stdout.isatty() and not as_json
    reply: Reply | None = None
    terminal = TerminalStream()
    for event in copilot.stream(question, None, context=context):
        if isinstance(event, Reply):
            reply = event
        elif live:
            typer.echo(terminal.feed(event.text), nl=False)
    assert reply is not None
    if as_json:
        say(json_for_terminal(json.dumps(json_payload(reply), indent=2, ensure_ascii=False)))
        return
    if live:
        say(terminal.flush())
    else:
        say(printable(reply.text))
    for cited in sources_cited(reply):
        typer.secho(cited, dim=True)
    if reply.data.result.grounded is False:
        typer.secho("(some citations do not match the sources given)", fg=typer.colors.YELLOW)


def json_payload(reply: Reply) -> dict[str, Any]:
    """What `ask --json` prints: the reply, then whether the copilot declined, why, and the
    index's evidence, where scripts look first."""
    data = reply.data
    evidence = data.evidence.to_dict() if data.evidence is not None else None
    return {**reply.to_json(), "declined": bool(data.declined),
            "reason": data.reason or "", "evidence": evidence}  # fmt: skip
