"""`copilot chat`: a conversation in the terminal, follow-ups included.

Proposed actions (file edits, commands) are shown and run only after `y`. `--trace` prints each
turn's routing decision and its reason, which is how to see why a follow-up went where it went.
"""

from __future__ import annotations

from typing import Annotated

import typer

from scaffolder.cli._common import reports_errors, say
from scaffolder.cli._copilot import load_copilot, sources_cited

QUIT = {"/quit", "/exit", "quit", "exit"}


@reports_errors
def chat(
    trace: Annotated[
        bool, typer.Option("--trace", help="Show each turn's skill and routing reason.")
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
        for event in copilot.stream(text, conversation):
            if isinstance(event, Reply):
                conversation = event.conversation_id
                say()
                for line in sources_cited(event):
                    typer.secho(f"  {line}", dim=True)
                if trace:
                    typer.secho(
                        f"  [{event.skill}] {event.data.get('reason', '')}", fg=typer.colors.BLUE
                    )
            else:
                typer.echo(event.text, nl=False)
        if copilot.desk is not None and copilot.desk.pending():
            CliApprover(copilot.desk, ask=input, show=say).review()
