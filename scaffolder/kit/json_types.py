"""The types of JSON values, for code at every level of the kit.

Why a module of its own: the parsers and providers at the bottom of the kit (llm, retrieval,
prompts) and the turn results above them all handle JSON; naming its shape once here, below
all of them, lets each say "a JSON value" instead of `Any` without importing upwards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

#: A value JSON can carry (read-only containers, so a `list[str]` or `dict[str, int]` fits).
JSONValue: TypeAlias = (
    "str | int | float | bool | Sequence[JSONValue] | Mapping[str, JSONValue] | None"
)
#: A JSON object built here (a dict, so it can still be filled in).
JSONObject: TypeAlias = "dict[str, JSONValue]"
