"""Skills, intent routing that survives follow-up turns, conversation state, and routing
evaluation. See docs/routing.md.

    skills = load_skills(project_root / "skills")
    router = Router(skills, model=llm)          # local embeddings by default
    dispatcher = Dispatcher(router, InMemoryStore(), desk=desk, model=llm)
    result = dispatcher.handle("cli", "how do I install it on Windows?")
"""

from scaffolder.kit.routing.conversation import (
    Conversation,
    ConversationStore,
    InMemoryStore,
    SQLiteStore,
    Turn,
)
from scaffolder.kit.routing.decisions import OUT_OF_SCOPE, RouteDecision, RoutingContext
from scaffolder.kit.routing.dispatcher import Dispatcher, TurnResult
from scaffolder.kit.routing.evaluation import (
    RoutingCase,
    RoutingReport,
    evaluate_routing,
    load_routing_suite,
)
from scaffolder.kit.routing.index import ExampleIndex, local_embedder
from scaffolder.kit.routing.router import Router, RouterSettings
from scaffolder.kit.routing.skills import (
    Skill,
    SkillReply,
    SkillRequest,
    SkillSet,
    load_skill,
    load_skills,
)

__all__ = [
    "OUT_OF_SCOPE",
    "Conversation",
    "ConversationStore",
    "Dispatcher",
    "ExampleIndex",
    "InMemoryStore",
    "RouteDecision",
    "Router",
    "RouterSettings",
    "RoutingCase",
    "RoutingContext",
    "RoutingReport",
    "SQLiteStore",
    "Skill",
    "SkillReply",
    "SkillRequest",
    "SkillSet",
    "Turn",
    "TurnResult",
    "evaluate_routing",
    "load_routing_suite",
    "load_skill",
    "load_skills",
    "local_embedder",
]
