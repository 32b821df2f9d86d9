"""One LLM layer for every provider: the offline stand-in, OpenAI, Azure OpenAI and any
OpenAI-compatible server, with retries, a fallback model, a record/replay cache, a cost ledger,
structured output with repair, parsers for what models write naturally, and token budgets.

Generated projects call models only through `LLM` (built with `LLM.from_settings`).
"""

from scaffolder.kit.llm.budget import BudgetPart, BudgetResult, fit
from scaffolder.kit.llm.cache import CacheMode, ResponseCache
from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.cost import CostLedger, PriceTable, current_ledger, ledger_scope
from scaffolder.kit.llm.parsers import code_blocks, parse_file_tree, parse_list, parse_table, paths
from scaffolder.kit.llm.repair import extract_json
from scaffolder.kit.llm.retry import RetryPolicy
from scaffolder.kit.llm.structured import agenerate_structured, generate_structured
from scaffolder.kit.llm.tokens import TokenCounter, counter_for
from scaffolder.kit.llm.types import (
    AnswerTask,
    ChatRequest,
    ClassifyTask,
    Completion,
    Message,
    Passage,
    StreamChunk,
    StructuredTask,
    Usage,
)

__all__ = [
    "LLM",
    "AnswerTask",
    "BudgetPart",
    "BudgetResult",
    "CacheMode",
    "ChatRequest",
    "ClassifyTask",
    "Completion",
    "CostLedger",
    "Message",
    "Passage",
    "PriceTable",
    "ResponseCache",
    "RetryPolicy",
    "StreamChunk",
    "StructuredTask",
    "TokenCounter",
    "Usage",
    "agenerate_structured",
    "code_blocks",
    "counter_for",
    "current_ledger",
    "extract_json",
    "fit",
    "generate_structured",
    "ledger_scope",
    "parse_file_tree",
    "parse_list",
    "parse_table",
    "paths",
]
