"""`Copilot`: one turn of a generated project, the same for `copilot ask`, `chat` and `serve`.

Each turn: input guards, routing with the conversation's context (follow-ups stay with their
skill), the skill's prompt with the history the token budget allows, the skill (streamed when
it streams), output guards on the text as it streams (a blocked phrase never reaches the user),
proposals for any actions (nothing runs until approved), the turn recorded in the
conversation, and a telemetry span that never holds what the user typed unless capture is on.

A skill's reply data (`kit.turn.SkillData`) is handed to the same conversation's next turn as
`request.previous_data` (kept in memory, for the most recent conversations), so a skill can
carry state a follow-up needs, such as the code "it" refers to. The turn's result is typed
(`kit.turn.TurnData`: route, decline and reason, guard, evidence, the skill's data, proposals).

Requests that bring their own history (the OpenAI-compatible endpoint is stateless) get a
conversation rebuilt from it: earlier user messages are routed in order, so the active skill is
the one those turns would have had.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from scaffolder.kit.agents.actions import Workspace
from scaffolder.kit.agents.approval import ApprovalDesk, Proposal
from scaffolder.kit.agents.audit import AuditLog
from scaffolder.kit.copilot.services import ProjectServices
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.tokens import EstimatingCounter
from scaffolder.kit.llm.types import StreamChunk
from scaffolder.kit.routing.conversation import (
    Conversation,
    ConversationStore,
    InMemoryStore,
    Turn,
)
from scaffolder.kit.routing.decisions import OUT_OF_SCOPE, RouteDecision
from scaffolder.kit.routing.dispatcher import propose_actions, skill_messages
from scaffolder.kit.routing.router import Router
from scaffolder.kit.routing.skills import (
    OUT_OF_SCOPE_DIR,
    SKILLS_DIR,
    OutOfScope,
    SkillReply,
    SkillRequest,
    SkillSet,
    load_skills,
)
from scaffolder.kit.server.backend import Delta, Reply
from scaffolder.kit.settings import CopilotSettings
from scaffolder.kit.turn import ProposedAction, Route, SkillData, Source, TurnData

if TYPE_CHECKING:
    from scaffolder.kit.telemetry.setup import Telemetry
    from scaffolder.kit.telemetry.turns import Turn as TurnSpan

DEFAULT_OUT_OF_SCOPE_REPLY = "Sorry, that is outside what I can help with here."
CONTEXT_TOKENS = 8000
REPLY_TOKENS = 1000
#: Conversations whose last skill reply data is kept for their next turn.
PREVIOUS_DATA_KEPT = 1024


class Copilot:
    def __init__(
        self,
        services: ProjectServices,
        router: Router,
        *,
        store: ConversationStore | None = None,
        desk: ApprovalDesk | None = None,
        telemetry: Telemetry | None = None,
        out_of_scope_reply: str = DEFAULT_OUT_OF_SCOPE_REPLY,
    ) -> None:
        self.services = services
        self.router = router
        self.store = store or InMemoryStore()
        self.desk = desk
        self.telemetry = telemetry
        self.out_of_scope_reply = out_of_scope_reply
        self.counter = EstimatingCounter()
        self._previous_data: OrderedDict[str, SkillData] = OrderedDict()

    @classmethod
    def for_project(
        cls,
        root: Path,
        settings: CopilotSettings | None = None,
        *,
        store: ConversationStore | None = None,
        allowed_commands: Sequence[str] = (),
    ) -> Copilot:
        """The copilot a project's skills/ folder and settings describe: projects made before
        0.5, whose skill code lives in skills/ (newer ones build theirs in their app)."""
        settings = settings or CopilotSettings.load(root)
        data = root / SKILLS_DIR
        return cls.compose(
            root,
            settings,
            load_skills(data),
            OutOfScope.from_folder(data / OUT_OF_SCOPE_DIR),
            store=store,
            allowed_commands=allowed_commands,
        )

    @classmethod
    def compose(
        cls,
        root: Path,
        settings: CopilotSettings,
        skills: SkillSet,
        out_of_scope: OutOfScope,
        *,
        store: ConversationStore | None = None,
        allowed_commands: Sequence[str] = (),
    ) -> Copilot:
        """The copilot of the project at `root` from its parts, as its app assembles them:
        the services over its settings, a router over `skills`, approvals in its workspace."""
        services = ProjectServices(root, settings)
        router = services.router(skills, out_of_scope.examples)
        desk = ApprovalDesk(
            Workspace(root, allowed_commands=frozenset(allowed_commands)),
            AuditLog(root / ".copilot" / "audit.jsonl"),
        )
        telemetry = None
        if settings.telemetry_exporters:  # OpenTelemetry is imported only when it is used
            from scaffolder.kit.telemetry.setup import Telemetry

            telemetry = Telemetry.from_settings(settings, root)
        return cls(
            services,
            router,
            store=store,
            desk=desk,
            telemetry=telemetry,
            out_of_scope_reply=out_of_scope.reply or DEFAULT_OUT_OF_SCOPE_REPLY,
        )

    def with_llm(self, llm: LLM) -> Copilot:
        """This copilot answering through another client, in a fresh conversation store."""
        return Copilot(
            self.services.with_llm(llm),
            self.router,
            desk=self.desk,
            telemetry=self.telemetry,
            out_of_scope_reply=self.out_of_scope_reply,
        )

    # -- the server's protocol -------------------------------------------------------------
    def ready(self) -> tuple[bool, str]:
        chunks = self.services.index_size()
        if chunks == 0:
            return False, "the index is empty: run `copilot ingest`"
        return True, f"{len(self.router.skills)} skills; the index has {chunks} chunks"

    def stream(
        self,
        message: str,
        conversation_id: str | None,
        history: Sequence[dict[str, str]] | None = None,
        context: Mapping[str, object] | None = None,
    ) -> Iterator[Delta | Reply]:
        conversation = (
            self._rebuilt(history)
            if history is not None
            else self.store.load(conversation_id or uuid.uuid4().hex[:16])
        )
        if self.telemetry is None:
            yield from self._turn(conversation, message, context or {}, None)
            return
        with self.telemetry.turn("copilot") as span:
            events = self._turn(conversation, message, context or {}, span)
            try:
                for event in events:
                    if isinstance(event, Reply):
                        span.set_skill(event.skill or "copilot")
                        span.capture(question=message, answer=event.text)  # if capture is on
                    yield event
            finally:
                events.close()

    def ask(
        self,
        message: str,
        conversation_id: str | None = None,
        context: Mapping[str, object] | None = None,
        history: Sequence[dict[str, str]] | None = None,
    ) -> Reply:
        """The whole reply to one message (the deltas dropped)."""
        for event in self.stream(message, conversation_id, history, context):
            if isinstance(event, Reply):
                return event
        raise AssertionError("a turn always ends with a reply")

    # -- one turn ------------------------------------------------------------------------
    def _turn(
        self,
        conversation: Conversation,
        message: str,
        context: Mapping[str, object],
        span: TurnSpan | None,
    ) -> Generator[Delta | Reply, None, None]:
        rails = self.services.guardrails
        turn_id = uuid.uuid4().hex[:12]
        verdict = rails.check_input(message)
        if span is not None:
            span.guard(verdict)
        if verdict.blocked:
            blocking = verdict.blocking
            reason = blocking.describe() if blocking else "an input guard"
            decision = RouteDecision(OUT_OF_SCOPE, "default", 0.0, f"blocked: {reason}")
            yield Delta(verdict.reply)
            blocked = TurnData(reason=decision.reason, declined=True, guard=reason)
            yield self._record(conversation, message, decision, verdict.reply, (), turn_id,
                               blocked, skill="guard")  # fmt: skip
            return
        decision = self.router.route(message, conversation.context())
        data = TurnData(Route(decision.intent, decision.method), decision.reason,
                        declined=not decision.in_scope)  # fmt: skip
        if span is not None:
            span.set_intent(decision.intent)
        if not decision.in_scope:
            if decision.evidence is not None:
                data = replace(data, evidence=self.services.cite(decision.evidence))
            yield Delta(self.out_of_scope_reply)
            yield self._record(conversation, message, decision, self.out_of_scope_reply, (),
                               turn_id, data, skill=OUT_OF_SCOPE)  # fmt: skip
            return
        skill = self.router.skills[decision.intent]
        fitted = skill_messages(
            skill, conversation.messages(), message, CONTEXT_TOKENS - REPLY_TOKENS, self.counter
        )
        request = SkillRequest(
            message,
            fitted.messages,
            decision,
            conversation.id,
            self.services.llm,
            services=self.services,
            context=context,
            previous_text=conversation.context().previous_text,
            previous_data=self._previous_data.get(conversation.id),
        )
        reply = skill.handler(request)
        proposals = propose_actions(self.desk, skill, reply)
        pieces: list[str] = []
        for chunk in rails.guard_stream(_chunks(reply)):
            if chunk.finish_reason == "content_filter":
                data = replace(data, guard="the answer was stopped by an output guard")
            if chunk.text:
                pieces.append(chunk.text)
                yield Delta(chunk.text)
        result = reply.final_data()
        evidence = None
        if decision.evidence is not None:
            evidence = self.services.cite(decision.evidence, reply.sources)
        self._remember(conversation.id, result)
        if result.abstained:
            # In scope by its route, but the skill found nothing to answer with: the user saw
            # a decline, and the JSON, the trace and the benchmarks must say so too.
            found = "found no answer in its passages" if skill.answers_from_index else "declined it"
            reason = f"{data.reason}; the {skill.name} skill {found}"
            data = replace(data, declined=True, reason=reason)
        data = replace(
            data,
            result=result,
            evidence=evidence,
            proposals=tuple(ProposedAction(p.id, p.summary, p.rationale) for p in proposals),
            history_left_out=len(fitted.cuts),
        )
        yield self._record(conversation, message, decision, "".join(pieces).strip(),
                           reply.sources, turn_id, data, skill=skill.name,
                           proposals=proposals)  # fmt: skip

    def _remember(self, conversation_id: str, data: SkillData) -> None:
        self._previous_data[conversation_id] = data
        self._previous_data.move_to_end(conversation_id)
        while len(self._previous_data) > PREVIOUS_DATA_KEPT:
            self._previous_data.popitem(last=False)

    def _record(
        self,
        conversation: Conversation,
        message: str,
        decision: RouteDecision,
        text: str,
        sources: Sequence[Source],
        turn_id: str,
        data: TurnData,
        *,
        skill: str,
        proposals: Sequence[Proposal] = (),
    ) -> Reply:
        turn = Turn(message, decision, reply=text, proposals=[p.id for p in proposals])
        conversation.turns.append(turn)
        self.store.save(conversation)
        reply = Reply(
            conversation_id=conversation.id,
            turn_id=turn_id,
            text=text,
            sources=tuple(sources),
            skill=skill,
            data=data,
        )
        # Built redacted here, once, so `ask`, `chat`, the server and the page all send the
        # passages, citations and data masked like the answer text.
        return reply.redacted(self.services.guardrails.redactor)

    def _rebuilt(self, history: Sequence[dict[str, str]]) -> Conversation:
        """A throwaway conversation from a stateless client's earlier messages."""
        conversation = Conversation(uuid.uuid4().hex[:16])
        for message in history:
            if message.get("role") == "user":
                text = message.get("content", "")
                decision = self.router.route(text, conversation.context())
                conversation.turns.append(Turn(text, decision))
            elif message.get("role") == "assistant" and conversation.turns:
                conversation.turns[-1].reply = message.get("content", "")
        return conversation


def _chunks(reply: SkillReply) -> Iterator[StreamChunk]:
    """The skill's reply as chunks; closing this closes the skill's stream (and so the model's)
    when the reader stops early."""
    if reply.stream is None:
        yield StreamChunk(reply.text)
        return
    try:
        for piece in reply.stream:
            yield StreamChunk(piece)
    finally:
        close = getattr(reply.stream, "close", None)
        if close is not None:
            close()
