"""The code-assistant template's skill bodies: editor context in, a reply (and maybe a saved
edit proposal) out.

Why in the kit: six skills, the editor API and the benchmark target must agree on how a
request's context is read, how the previous turn's target is carried, and how a proposal is
shown, so a generated `skill.py` stays a few lines that name what it does.

The previous target travels in the reply's data (`SkillData.target`); the runtime hands the
previous reply's data back as `request.previous_data`, so "now add a test for it" finds the
function the last turn was about, even in another file than the one now open.

Without a model (the offline provider) only what can be done honestly from the source is
done (see `offline_skills`); with one, explain, refactor and scaffold_files ask it through the
project's prompts (`prompts/explain`, `prompts/refactor`, `prompts/scaffold_files`), and a
model's edit is proposed only when the code it writes parses.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from scaffolder.errors import UsageError
from scaffolder.kit.code.checks import proposed_code
from scaffolder.kit.code.context import EditorContext, Position, SourceView
from scaffolder.kit.code.offline_skills import SkillResult, explain, refactor
from scaffolder.kit.code.proposals import Edit, EditProposal, propose, save_proposal
from scaffolder.kit.code.references import Reference, resolve_reference
from scaffolder.kit.code.scaffold import scaffold_files
from scaffolder.kit.llm.parsers import code_blocks
from scaffolder.kit.routing.skills import SkillReply, SkillRequest
from scaffolder.kit.turn import ProposedEdit, SkillData, Source, Target

#: The keys of `EditorContext.to_dict()`: what an editor sends; anything else is the runtime's.
EDITOR_KEYS = ("file", "cursor", "selection", "open_files", "text")
NO_CONTEXT = (
    "Which code? Send the editor context with the request (the file, and the cursor or a "
    "selection), or name the code in an earlier turn."
)

_QUESTION = re.compile(r"^\s*(?:where|which|what|how|who|why|when|is|are|does|do|can|find)\b", re.I)
#: Words that point at code the editor would show: without a context, nothing to answer.
_POINTING = re.compile(r"\b(?:this|these|it|here|selection|selected)\b", re.I)

#: What an offline skill does with the bound view and the resolved target.
OfflineSkill = Callable[[SourceView, Target | None], SkillResult]


@dataclass(frozen=True)
class CodeRequest:
    """A request bound to its code: the view of the file, and what the request points at."""

    view: SourceView
    reference: Reference

    @property
    def target(self) -> Target:
        return self.reference.target


def edit_skill(request: SkillRequest, skill: OfflineSkill) -> SkillReply:
    """Run an offline skill (document, add_test, refactor...) on what the request points at."""
    bound = code_request(request)
    if bound is None:
        return no_context(request)
    return code_reply(request, skill(bound.view, bound.target), bound.reference)


def explain_skill(request: SkillRequest) -> SkillReply:
    """The outline of the code (offline), or the model's explanation with the `explain` prompt.

    A cursor outside any function explains the whole file rather than one line."""
    bound = code_request(request)
    if bound is None:
        return no_context(request)
    view, target = bound.view, bound.target
    if not uses_model(request):
        result = explain(view, None if target.kind == "cursor" else target)
        return code_reply(request, result, bound.reference)
    if target.kind == "cursor":
        target = Target(view.context.file, 1, max(len(view.lines), 1), None, "file")
    answer = ask_model(
        request,
        "explain",
        {
            "code": view.line_text(target.start_line, target.end_line),
            "path": view.context.file,
            "question": request.text,
        },
    )
    return code_reply(request, SkillResult(answer, None, target), bound.reference)


def refactor_skill(request: SkillRequest) -> SkillReply:
    """Offline: says a model is needed. With one: the `refactor` prompt's rewrite of the
    target as a replace_selection proposal, only when the result parses and is complete."""
    bound = code_request(request)
    if bound is None:
        return no_context(request)
    if not uses_model(request):
        return code_reply(request, refactor(bound.view, bound.target), bound.reference)
    return code_reply(request, model_rewrite(request, bound), bound.reference)


def model_rewrite(request: SkillRequest, bound: CodeRequest) -> SkillResult:
    """The model's rewrite of the target lines, as a proposal when its code passes the checks."""
    view, target = bound.view, bound.target
    file = view.context.file
    old = view.line_text(target.start_line, target.end_line)
    answer = ask_model(request, "refactor", {"code": old, "path": file, "request": request.text})
    blocks = [block for block in code_blocks(answer) if block.code.strip()]
    if not blocks:
        return SkillResult(
            "The model answered without a code block: no edit proposed.", None, target
        )
    new = _reindented(blocks[0].code, old)
    edit = Edit(file, "replace_selection", new, target.start_line, target.end_line)
    rationale = (
        f"Rewrites {target.describe()} as asked ({request.text.strip()!r}). replace_selection: "
        "the new code takes the place of exactly those lines and nothing else changes."
    )
    root = view.root
    proposal = propose(root, [edit], rationale=rationale, source="refactor", sources=view.scope)
    failed = [check for check in proposed_code(proposal, root) if not check.ok]
    if failed:
        problems = "; ".join(check.detail for check in failed)
        return SkillResult(f"The model's code failed the checks ({problems}): no edit proposed.",
                           None, target)  # fmt: skip
    return SkillResult(f"Proposed a rewrite of {target.describe()}.", proposal, target)


def no_context(request: SkillRequest) -> SkillReply:
    """What a code skill says when nothing tells it which code: a question that points at
    nothing ("which function sorts versions?") is a question about the codebase, answered
    from the index; anything else ("explain this") asks for the code."""
    if _QUESTION.search(request.text) and not _POINTING.search(request.text):
        from scaffolder.kit.code.codebase import answer_about_code

        return answer_about_code(request)
    return SkillReply(NO_CONTEXT)


def scaffold_skill(request: SkillRequest) -> SkillReply:
    """New files: from a file tree in a fenced block of the request itself (no model needed),
    else from the model's answer to the `scaffold_files` prompt; offline without a tree, says
    a model is needed to design a layout."""
    if request.services is None:
        raise ValueError("code skills need a Copilot's project services")
    root = request.services.root
    if code_blocks(request.text):
        answer = request.text
    elif uses_model(request):
        answer = ask_model(request, "scaffold_files", {"request": request.text})
    else:
        return SkillReply(
            "Designing a file layout needs a model: none is configured. Paste the tree in a "
            "fenced block (```text ... ```) and I will propose creating those files."
        )
    try:
        result = scaffold_files(answer, root, source="scaffold_files")
    except UsageError as error:
        return SkillReply(f"No files proposed: {error}")
    return code_reply(request, result, None)


def previous_target(request: SkillRequest) -> Target | None:
    """The target the previous turn worked on, if its reply recorded one."""
    previous = request.previous_data
    return previous.target if previous is not None else None


def code_request(request: SkillRequest) -> CodeRequest | None:
    """Bind the request's editor context (else the code its text names, else the previous
    target's file) and resolve what the request refers to; None when there is none of them.
    A bad context raises `UsageError`.

    Files of configured sources (`<source>/<path>`) bind inside their source. Code named in
    the text (`decoder.py:42`, `` `scanstring` ``, `decoder.py::JSONDecoder.decode`) is looked
    up in the symbol index (`kit.symbols.mentions`); it beats the previous turn's target, which
    only "it" or "that" with nothing named refers back to."""
    if request.services is None:
        raise ValueError("code skills need a Copilot's project services")
    services = request.services
    root, sources = services.root, services.source_map
    previous = previous_target(request)
    editor = {key: request.context[key] for key in EDITOR_KEYS if key in request.context}
    if editor:
        view = EditorContext.from_dict(editor).bind(root, sources)
    else:
        named = _named(request)
        if named is not None:
            return named
        if previous is None:
            return None
        view = EditorContext(previous.file, Position(previous.start_line)).bind(root, sources)
    reference = resolve_reference(request.text, view, previous)
    if reference.target.file != view.context.file:
        # "it" points back to code in another file than the one open now: work on that file.
        target = reference.target
        view = EditorContext(target.file, Position(target.start_line)).bind(root, sources)
    return CodeRequest(view, reference)


def _named(request: SkillRequest) -> CodeRequest | None:
    """The request bound to the first piece of indexed code its text names, if any."""
    from scaffolder.kit.symbols.mentions import named_code

    services = request.services
    symbols = services.symbols() if services is not None else None
    if services is None or symbols is None:
        return None
    found = named_code(request.text, symbols)
    if not found:
        return None
    code = found[0]
    line = max(code.start_line, 1)
    view = EditorContext(code.file, Position(line)).bind(services.root, services.source_map)
    if code.definition is not None:
        # The file as it is now: lines may have moved since the index was built.
        d = next((s for s in view.symbols if s.qualname == code.definition.qualname),
                 code.definition)  # fmt: skip
        target = Target(code.file, d.start_line, d.end_line, d.qualname, d.kind)
    elif code.whole_file:
        target = Target(code.file, 1, max(len(view.lines), 1), None, "file")
    else:
        last = min(code.end_line, max(len(view.lines), 1))
        target = Target(code.file, code.start_line, last, None, "lines")
    reason = f"the request names {target.describe()} ({code.written})"
    return CodeRequest(view, Reference(target, reason))


def code_reply(
    request: SkillRequest, result: SkillResult, reference: Reference | None
) -> SkillReply:
    """The reply for a skill's result: its text, and for a proposal the saved proposal's diff,
    how to apply it, and its details in `data.proposal`; the target goes in `data.target`
    for the next turn."""
    target = result.target or (reference.target if reference is not None else None)
    passage = _passage(request, target) if target is not None else None
    sources = (passage,) if passage is not None else ()
    data = SkillData(
        reference=reference.reason if reference is not None else None,
        target=target,
        cited=(passage.label,) if passage is not None else None,
    )
    text = result.text
    if result.proposal is not None:
        if request.services is None:
            raise ValueError("code skills need a Copilot's project services")
        proposal = result.proposal
        save_proposal(proposal, request.services.root)
        data = replace(data, proposal=proposal_summary(proposal))
        text = (
            f"{text}\n\n```diff\n{proposal.diff}```\n\n"
            f"Why: {proposal.rationale}\n\n"
            f"Nothing is written yet: review the diff, then run `copilot apply {proposal.id}`."
        )
    return SkillReply(text, sources=sources, data=data)


def _passage(request: SkillRequest, target: Target) -> Source | None:
    """The code a reply worked on, as the passage it cites (so its file is in the sources)."""
    from scaffolder.kit.code.codebase import CodeReader
    from scaffolder.kit.symbols.mentions import NamedCode

    if request.services is None:
        return None
    code = NamedCode(target.file, target.start_line, target.end_line, None, "")
    return CodeReader(request.services.source_map).passage(code)


def proposal_summary(proposal: EditProposal) -> ProposedEdit:
    """What a client needs to show and apply a proposal: id, diff, mode(s), rationale, files."""
    modes = sorted({edit.mode for edit in proposal.edits})
    return ProposedEdit(
        proposal.id, proposal.diff, ", ".join(modes), proposal.rationale, tuple(proposal.files)
    )


def uses_model(request: SkillRequest) -> bool:
    """Whether the project has a real model (not the offline provider) to ask."""
    services = request.services
    return services is not None and services.settings.effective_provider != "offline"


def ask_model(request: SkillRequest, prompt: str, values: Mapping[str, Any]) -> str:
    """The model's whole answer to one of the project's prompts."""
    services = request.services
    if services is None:
        raise ValueError("code skills need a Copilot's project services")
    chat = services.prompts.get(prompt).request(values)
    return services.llm.complete(chat).text


def _reindented(new: str, old: str) -> str:
    """`new` at `old`'s indentation: models often return a method's code flush left."""
    first = next((line for line in old.splitlines() if line.strip()), "")
    indent = first[: len(first) - len(first.lstrip())]
    return textwrap.indent(textwrap.dedent(new), indent) if indent else new
