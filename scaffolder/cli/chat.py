"""`copilot chat`: a conversation in the terminal, follow-ups included.

Proposed actions (file edits, commands) are shown and run only after `y`. `--trace` prints each
turn's routing decision and its reason, and the index's evidence behind it (score, threshold,
best passage), which is how to see why a turn went where it went or was declined. Everything
shown that comes from documents or the model goes through `kit.text.printable` first.

`--file` with `--line`, `--lines` or `--selection` is the editor's state for every turn, as if
the file stayed open; a follow-up ("now add a test for it") keeps the last turn's target,
and code named in a turn's text is found through the symbol index.

A turn that fails for its own reasons (a question over `max_input_chars`, a prompt that cannot
take it, a model error) says so in one line and the conversation goes on: one bad turn must not
throw away the session's context. What breaks every turn alike (a damaged index) still ends
the session with its exit code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated

import typer

from scaffolder.cli._common import reports_errors, say
from scaffolder.cli._copilot import EditorOptions, editor_context, load_copilot, sources_cited
from scaffolder.errors import CopilotError, LLMError, UsageError, first_line
from scaffolder.kit.text import TerminalStream, printable

if TYPE_CHECKING:
    from scaffolder.kit.copilot import Copilot
    from scaffolder.kit.retrieval.evidence import Evidence

QUIT = {"/quit", "/exit", "quit", "exit"}


@reports_errors
def chat(
    trace: Annotated[
        bool,
        typer.Option("--trace", help="Show each turn's skill, routing reason and evidence."),
    ] = False,
    file: EditorOptions.File = None,
    line: EditorOptions.Line = None,
    lines: EditorOptions.Lines = None,
    selection: EditorOptions.Selection = None,
) -> None:
    """Talk to the copilot in the terminal, with follow-up turns (Ctrl-D or /quit to leave)."""
    from scaffolder.kit.agents.approval import CliApprover

    copilot = load_copilot("chat")
    context = editor_context(copilot, file, line, lines, selection)
    say("Ask away. /quit or Ctrl-D to leave.")
    conversation: str | None = None
    while True:
        try:
            text = input("you> ").strip()
        except EOFError:
            say()
            return
        if not text:
            continue
        if text in QUIT:
            return
        try:
            conversation = _turn(copilot, text, conversation, trace, context)
        except (UsageError, LLMError) as error:
            typer.secho(f"error: {printable(first_line(error))}", fg=typer.colors.RED, err=True)
            continue
        if copilot.desk is not None and copilot.desk.pending():
            CliApprover(copilot.desk, ask=input, show=lambda line: say(printable(line))).review()


def _turn(
    copilot: Copilot,
    text: str,
    conversation: str | None,
    trace: bool,
    context: Mapping[str, object] | None = None,
) -> str | None:
    """One turn, streamed to the terminal; the conversation id to continue with."""
    from scaffolder.kit.safety.guardrails import check_question_length
    from scaffolder.kit.server.backend import Reply

    check_question_length(text, copilot.services.settings.max_input_chars)
    typer.secho("copilot> ", bold=True, nl=False)
    terminal = TerminalStream()
    try:
        for event in copilot.stream(text, conversation, context=context):
            if isinstance(event, Reply):
                conversation = event.conversation_id
                say(terminal.flush())
                for line in sources_cited(event):
                    typer.secho(f"  {line}", dim=True)
                if trace:
                    typer.secho(
                        printable(f"  [{event.skill}] {event.data.reason or ''}"),
                        fg=typer.colors.BLUE,
                    )
                    if event.data.evidence is not None:
                        typer.secho(
                            printable(f"  {_evidence_line(event.data.evidence)}"),
                            fg=typer.colors.BLUE,
                        )
            else:
                typer.echo(terminal.feed(event.text), nl=False)
    except CopilotError:
        say(terminal.flush())  # end the half-written line before the error's
        raise
    return conversation


def _evidence_line(evidence: Evidence) -> str:
    verdict = "strong" if evidence.strong else "weak"
    where = evidence.source or "no passage matched"
    return (
        f"evidence: {verdict}, {evidence.score:.2f} vs threshold "
        f"{evidence.threshold:.2f} ({evidence.calibration}); best: {where}"
    )
