"""What the offline provider answers to a structured task: the smallest JSON instance of the
schema, with strings taken from the task's text.

Why so little: offline there is no model to fill the fields, and a test of a structured
prompt needs output its schema accepts (parsing, repair and validation run on it), not
invented content.
"""

from __future__ import annotations

import json
from typing import Any

from scaffolder.kit.llm.types import StructuredTask


def structured(task: StructuredTask) -> str:
    """JSON text of the smallest instance of the schema, with strings taken from the text."""
    return json.dumps(_instance(task.schema, task.schema, task.text, "value"))


def _instance(schema: dict[str, Any], root: dict[str, Any], text: str, name: str) -> Any:
    if "$ref" in schema:
        return _instance(_resolve(schema["$ref"], root), root, text, name)
    if "const" in schema:
        return schema["const"]
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            return _instance(schema[combinator][0], root, text, name)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {key: _instance(sub, root, text, key) for key, sub in properties.items()}
    if kind == "array":
        count = schema.get("minItems", 0)
        return [_instance(schema.get("items", {}), root, text, name) for _ in range(count)]
    if kind in ("integer", "number"):
        value = _number(schema)
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return _string(schema, text, name)


def _number(schema: dict[str, Any]) -> float:
    """Zero when allowed, else the nearest bound."""
    if "minimum" in schema and schema["minimum"] > 0:
        return float(schema["minimum"])
    if "exclusiveMinimum" in schema and schema["exclusiveMinimum"] >= 0:
        return float(schema["exclusiveMinimum"]) + 1
    if "maximum" in schema and schema["maximum"] < 0:
        return float(schema["maximum"])
    if "exclusiveMaximum" in schema and schema["exclusiveMaximum"] <= 0:
        return float(schema["exclusiveMaximum"]) - 1
    return 0.0


def _string(schema: dict[str, Any], text: str, name: str) -> str:
    limit = int(schema.get("maxLength", 80))
    value = " ".join(text.split())[:limit] if text else name
    minimum = int(schema.get("minLength", 0))
    return value + "x" * max(0, minimum - len(value))


def _resolve(reference: str, root: dict[str, Any]) -> dict[str, Any]:
    if not reference.startswith("#/"):
        raise ValueError(f"the offline provider resolves only local $refs, not {reference!r}")
    node: Any = root
    for part in reference[2:].split("/"):
        node = node[part]
    resolved: dict[str, Any] = node
    return resolved
