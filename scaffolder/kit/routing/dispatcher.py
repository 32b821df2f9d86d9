"""One turn of a copilot: route, build the skill's prompt within the token budget, run the
skill, turn its actions into proposals, record the turn.

Why here and not in each project: the order matters (the decision is recorded before the
skill runs, actions are checked against what the skill declared and registered as pending
proposals, never run) and it is the same for the CLI and the server, which differ only in
their store and in how proposals get approved (`CliApprover` or `ApprovalDesk.confirm`).
"""

from __future__ import annotations

from dataclasses import dataclass

from scaffolder.errors import SkillError
from scaffolder.kit.agents.approval import ApprovalDesk, Proposal
from scaffolder.kit.llm.budget import BudgetPart, BudgetResult, Cut, fit
from scaffolder.kit.llm.tokens import EstimatingCounter, TokenCounter
from scaffolder.kit.llm.types import ChatModel, Message
from scaffolder.kit.routing.conversation import ConversationStore, Turn
from scaffolder.kit.routing.router import Router
from scaffolder.kit.routing.skills import Skill, SkillReply, SkillRequest

OUT_OF_SCOPE_REPLY = "Sorry, that is outside what I can help with here."


@dataclass(frozen=True)
class TurnResult:
    turn: Turn
    proposals: tuple[Proposal, ...]
    #: What the token budget left out of the skill's prompt (oldest history first).
    cuts: tuple[Cut, ...]

    @property
    def reply(self) -> str:
        return self.turn.reply


class Dispatcher:
    """Runs turns against a router's skills, keeping conversations in `store`.

    `context_tokens` is the model's window; `reply_tokens` of it stay free for the answer,
    and the rest holds the skill prompt, this turn, and as much history as fits.
    """

    def __init__(
        self,
        router: Router,
        store: ConversationStore,
        *,
        desk: ApprovalDesk | None = None,
        model: ChatModel | None = None,
        context_tokens: int = 8000,
        reply_tokens: int = 1000,
        counter: TokenCounter | None = None,
        out_of_scope_reply: str = OUT_OF_SCOPE_REPLY,
    ) -> None:
        self.router = router
        self.store = store
        self.desk = desk
        self.model = model
        self.context_tokens = context_tokens
        self.reply_tokens = reply_tokens
        self.counter = counter or EstimatingCounter()
        self.out_of_scope_reply = out_of_scope_reply

    def handle(self, conversation_id: str, text: str) -> TurnResult:
        conversation = self.store.load(conversation_id)
        decision = self.router.route(text, conversation.context())
        turn = Turn(text, decision)
        proposals: tuple[Proposal, ...] = ()
        cuts: tuple[Cut, ...] = ()
        if not decision.in_scope:
            turn.reply = self.out_of_scope_reply
        else:
            skill = self.router.skills[decision.intent]
            fitted = skill_messages(
                skill,
                conversation.messages(),
                text,
                self.context_tokens - self.reply_tokens,
                self.counter,
            )
            cuts = fitted.cuts
            request = SkillRequest(text, fitted.messages, decision, conversation_id, self.model)
            reply = skill.handler(request)
            proposals = propose_actions(self.desk, skill, reply)
            turn.reply = reply.collect()
            turn.proposals = [proposal.id for proposal in proposals]
        conversation.turns.append(turn)
        self.store.save(conversation)
        return TurnResult(turn, proposals, cuts)


def skill_messages(
    skill: Skill, history: list[Message], text: str, budget: int, counter: TokenCounter
) -> BudgetResult:
    """The skill's prompt, as much history as `budget` tokens leave room for (newest kept),
    and this turn: what every runner of skills sends a skill."""
    prompt = (Message("system", skill.prompt),) if skill.prompt else ()
    return fit(
        [
            BudgetPart.keep("prompt", *prompt),
            BudgetPart.history("history", history),
            BudgetPart.keep("turn", Message("user", text)),
        ],
        budget,
        counter,
    )


def propose_actions(
    desk: ApprovalDesk | None, skill: Skill, reply: SkillReply
) -> tuple[Proposal, ...]:
    """The reply's actions as pending proposals: checked against what the skill declared,
    and refused outright when nothing could ever approve them."""
    skill.check_actions(reply.actions)
    if not reply.actions:
        return ()
    if desk is None:
        raise SkillError(f"skill {skill.name!r} proposed actions but no desk approves")
    return tuple(
        desk.propose(action, source=skill.name, rationale=reply.rationale)
        for action in reply.actions
    )
