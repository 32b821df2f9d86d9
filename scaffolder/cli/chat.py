"""`copilot chat`: a conversation in the terminal, follow-ups included.

Proposed actions (file edits, commands) are shown and run only after `y`. `--trace` prints each
turn's routing decision and its reason, and the index's evidence behind it (score, threshold,
best passage), which is how to see why a turn went where it went or was declined. Everything
shown that comes from documents or the model goes through `kit.text.printable` first.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from scaffolder.cli._common import reports_errors, say
from scaffolder.cli._copilot import load_copilot, sources_cited
from scaffolder.kit.text import TerminalStream, printable

QUIT = {"/quit", "/exit", "quit", "exit"}


@reports_errors
def chat(
    trace: Annotated[
        bool,
        typer.Option("--trace", help="Show each turn's skill, routing reason and evidence."),
    ] = False,
) -> None:
    """Talk to the copilot in the terminal, with follow-up turns (Ctrl-D or /quit to leave)."""
    from scaffolder.kit.agents.approval import CliApprover
    from scaffolder.kit.server.backend import Reply

    copilot = load_copilot("chat")
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
        typer.secho("copilot> ", bold=True, nl=False)
        terminal = TerminalStream()
        for event in copilot.stream(text, conversation):
            if isinstance(event, Reply):
                conversation = event.conversation_id
                say(terminal.flush())
                for line in sources_cited(event):
                    typer.secho(f"  {line}", dim=True)
                if trace:
                    typer.secho(
                        printable(f"  [{event.skill}] {event.data.get('reason', '')}"),
                        fg=typer.colors.BLUE,
                    )
                    if event.data.get("evidence"):
                        typer.secho(
                            printable(f"  {_evidence_line(event.data['evidence'])}"),
                            fg=typer.colors.BLUE,
                        )
            else:
                typer.echo(terminal.feed(event.text), nl=False)
        if copilot.desk is not None and copilot.desk.pending():
            CliApprover(copilot.desk, ask=input, show=lambda line: say(printable(line))).review()


def _evidence_line(evidence: dict[str, Any]) -> str:
    verdict = "strong" if evidence.get("strong") else "weak"
    where = evidence.get("source") or "no passage matched"
    return (
        f"evidence: {verdict}, {evidence.get('score', 0):.2f} vs threshold "
        f"{evidence.get('threshold', 0):.2f} ({evidence.get('calibration')}); best: {where}"
    )
