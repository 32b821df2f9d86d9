"""A scripted chat model: a real `ChatModel` whose answers are written by the test."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scaffolder.kit.llm.types import ChatRequest, Completion, ProviderInfo, Usage

MODEL = "scripted-model"


def call(tool: str, **arguments: Any) -> str:
    return json.dumps({"thought": f"use {tool}", "tool": tool, "arguments": arguments})


def done(summary: str = "finished") -> str:
    return json.dumps({"thought": "I am done", "done": True, "summary": summary})


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ScriptedModel:
    """Answers in order; the last answer repeats. Each call uses 1000 prompt and 100 reply
    tokens, and may move a fake clock forward, as a slow model would."""

    answers: list[str]
    clock: FakeClock | None = None
    seconds_per_call: float = 0.0
    requests: list[ChatRequest] = field(default_factory=list)
    on_call: Callable[[int], None] | None = None

    @property
    def info(self) -> ProviderInfo:
        return ProviderInfo(name="scripted", unsupported={"json_schema", "json_object"})

    def complete(self, request: ChatRequest) -> Completion:
        self.requests.append(request)
        if self.clock is not None:
            self.clock.now += self.seconds_per_call
        index = min(len(self.requests), len(self.answers)) - 1
        if self.on_call is not None:
            self.on_call(len(self.requests))
        return Completion(
            self.answers[index], MODEL, "scripted", usage=Usage(1000, 100), finish_reason="stop"
        )

    async def acomplete(self, request: ChatRequest) -> Completion:
        return self.complete(request)
