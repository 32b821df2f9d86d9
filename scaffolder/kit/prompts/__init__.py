"""Componentized prompts: a library on disk, rendering with source maps, pre- and
postconditions, content-hash versions, a linter.

A project's prompts live in `prompts/<name>/prompt.yaml` plus component files; no prompt text
lives in Python. `PromptLibrary.for_project(root).get(name).request(inputs)` gives a
`ChatRequest` that carries the prompt's version, so every model call maps back to its sources.
"""

from scaffolder.kit.prompts.conditions import (
    PromptInputError,
    PromptOutputError,
    output_check,
)
from scaffolder.kit.prompts.library import (
    Prompt,
    PromptLibrary,
    RenderedMessage,
    RenderedPrompt,
)
from scaffolder.kit.prompts.manifest import Manifest, PromptError
from scaffolder.kit.prompts.sourcemap import Origin, Span

__all__ = [
    "Manifest",
    "Origin",
    "Prompt",
    "PromptError",
    "PromptInputError",
    "PromptLibrary",
    "PromptOutputError",
    "RenderedMessage",
    "RenderedPrompt",
    "Span",
    "output_check",
]
