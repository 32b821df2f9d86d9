"""Span attribute names: OpenTelemetry's GenAI semantic conventions, then copilot's own.

The GenAI conventions (`gen_ai.*`, still "Development" upstream) describe a model call; they
have no cost attribute and no notion of skills or prompt versions, which copilot adds under
`copilot.*`. `gen_ai.system` is the conventions' former name of `gen_ai.provider.name`, kept
for backends that still group by it. Message content has its own attributes and is recorded
only when capture is on, and then redacted first.
"""

from __future__ import annotations

# GenAI semantic conventions
OPERATION = "gen_ai.operation.name"
SYSTEM = "gen_ai.system"
PROVIDER = "gen_ai.provider.name"
REQUEST_MODEL = "gen_ai.request.model"
RESPONSE_MODEL = "gen_ai.response.model"
TEMPERATURE = "gen_ai.request.temperature"
MAX_TOKENS = "gen_ai.request.max_tokens"
SEED = "gen_ai.request.seed"
FINISH_REASONS = "gen_ai.response.finish_reasons"
INPUT_TOKENS = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
INPUT_MESSAGES = "gen_ai.input.messages"
OUTPUT_MESSAGES = "gen_ai.output.messages"
ERROR_TYPE = "error.type"

# copilot's own
SKILL = "copilot.skill"
INTENT = "copilot.intent"
PROMPT_NAME = "copilot.prompt.name"
PROMPT_VERSION = "copilot.prompt.version"
COST_USD = "copilot.cost_usd"
LATENCY_MS = "copilot.latency_ms"
CACHE_HIT = "copilot.cache_hit"
#: On a turn: its model calls, and those whose cost is unknown (its cost is then a lower bound).
CALLS = "copilot.calls"
UNPRICED_CALLS = "copilot.calls.unpriced"
#: On a streamed call: its reader closed it before the end (usage and cost may be missing).
CLOSED_EARLY = "copilot.stream.closed_early"
GUARD_DECISIONS = "copilot.guard.decisions"
GUARD_BLOCKED = "copilot.guard.blocked"
CAPTURE = "copilot.capture_content"

TURN_SPAN = "copilot.turn"
