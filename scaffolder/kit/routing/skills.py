"""Skills: what a copilot can do, one folder each under a project's `skills/`.

Why one folder per skill: adding a capability should be adding a folder, reviewable on its
own, not editing a central registry. A folder holds:

    skills/
      translate/
        skill.py       # defines SKILL = Skill(...)
        examples.txt   # optional: one example utterance per line, `#` starts a comment
        prompt.md      # optional: the skill's system prompt, when not given in code

`skill.py` builds a `Skill` with its name (the folder's name), a description (used by the
LLM fallback to classify, so write it for a reader), example utterances (the router's
nearest-neighbour index; examples from code and `examples.txt` are merged), its prompt, its
handler, the kinds of action it may propose (`edit_file`, `create_files`,
`run_command`; anything else it proposes is refused), and whether it answers from the
project's index (`answers_from_index`: then the index's evidence decides its scope too).

A handler receives a `SkillRequest` (the text, the prompt messages with as much history as
the token budget allows, the model client, the project's services and the request's context,
such as an editor's selection) and returns a `SkillReply`: text for the user (or a stream of
it), the passages it may cite, and any actions, which become proposals waiting for approval,
never direct effects.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaffolder.errors import SkillError
from scaffolder.kit.agents.actions import ACTION_KINDS, Action, ActionKind
from scaffolder.kit.llm.types import ChatModel, Message
from scaffolder.kit.routing.decisions import OUT_OF_SCOPE, RouteDecision

if TYPE_CHECKING:
    from scaffolder.kit.copilot.services import ProjectServices

SKILLS_DIR = "skills"
#: A folder under skills/ without a skill.py: example requests that are out of scope
#: (`examples.txt`) and the reply they get (`reply.md`).
OUT_OF_SCOPE_DIR = "out_of_scope"
SKILL_MODULE = "skill.py"
EXAMPLES_FILE = "examples.txt"
PROMPT_FILE = "prompt.md"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class SkillRequest:
    text: str
    #: The skill's prompt, the history that fits the budget, and this turn, in order.
    messages: tuple[Message, ...]
    decision: RouteDecision
    conversation_id: str
    #: The model client, when the copilot has one; handlers of offline demos may not need it.
    model: ChatModel | None = None
    #: The project's retriever, prompts, guards and settings, when run by a `Copilot`.
    services: ProjectServices | None = None
    #: What came with the request besides its text (an editor's file and selection...).
    context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SkillReply:
    text: str
    #: Proposed actions; each waits for approval before anything happens.
    actions: tuple[Action, ...] = ()
    #: Why the actions are proposed, shown to whoever approves them.
    rationale: str = ""
    #: The answer as it is generated; when set, `text` is ignored and the pieces, joined,
    #: are the reply. A stream may complete `data` when it ends (e.g. whether it was grounded).
    stream: Iterator[str] | None = None
    #: Passages the reply may cite as `[label]`: label, citation, source, text, score.
    sources: tuple[Mapping[str, Any], ...] = ()
    #: Anything else for the caller: the prompt used, proposals' details, checks...
    data: dict[str, Any] = field(default_factory=dict)

    def collect(self) -> str:
        """The whole reply text, draining the stream when there is one."""
        return "".join(self.stream) if self.stream is not None else self.text


Handler = Callable[[SkillRequest], SkillReply]


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    handler: Handler
    examples: tuple[str, ...] = ()
    prompt: str = ""
    actions: frozenset[ActionKind] = field(default_factory=frozenset)
    #: The skill answers from the project's index: a request with strong evidence in the index
    #: comes here even when no example resembles it, and one with no evidence does not (it
    #: could only answer "I don't know"), whatever example it resembles.
    answers_from_index: bool = False

    def __post_init__(self) -> None:
        if not _NAME.match(self.name) or self.name == OUT_OF_SCOPE:
            raise SkillError(
                f"skill name {self.name!r}: use lowercase letters, digits and _, starting with "
                f"a letter, and not {OUT_OF_SCOPE!r}"
            )
        unknown = set(self.actions) - set(ACTION_KINDS)
        if unknown:
            raise SkillError(
                f"skill {self.name!r} declares unknown action kinds {sorted(unknown)} "
                f"(known: {', '.join(ACTION_KINDS)})"
            )

    def check_actions(self, actions: Sequence[Action]) -> None:
        """Refuse actions of a kind this skill did not declare."""
        for action in actions:
            if action.kind not in self.actions:
                raise SkillError(
                    f"skill {self.name!r} proposed {action.kind}, which it does not declare"
                )


class SkillSet:
    """The skills of a copilot, in a stable order, by name."""

    def __init__(self, skills: Sequence[Skill]) -> None:
        names = [skill.name for skill in skills]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise SkillError(f"duplicate skill names: {', '.join(duplicates)}")
        missing = [skill.name for skill in skills if not skill.examples]
        if missing:
            raise SkillError(f"skills without example utterances: {', '.join(missing)}")
        self._skills = {skill.name: skill for skill in skills}

    def __iter__(self) -> Iterator[Skill]:
        return iter(self._skills.values())

    def __len__(self) -> int:
        return len(self._skills)

    def __contains__(self, name: object) -> bool:
        return name in self._skills

    def __getitem__(self, name: str) -> Skill:
        try:
            return self._skills[name]
        except KeyError:
            raise SkillError(f"no skill named {name!r} (skills: {', '.join(self.names)})") from None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._skills)


def load_skills(folder: Path) -> SkillSet:
    """The skills in `folder` (a project's `skills/`): one per subfolder with a `skill.py`.

    Folders starting with `_` or `.` are skipped, so helpers can live beside skills.
    """
    if not folder.is_dir():
        raise SkillError(f"no skills folder at {folder}")
    skills = [
        load_skill(path.parent)
        for path in sorted(folder.glob(f"*/{SKILL_MODULE}"))
        if not path.parent.name.startswith(("_", "."))
    ]
    if not skills:
        raise SkillError(f"no skills in {folder} (expected <name>/{SKILL_MODULE})")
    return SkillSet(skills)


def load_skill(folder: Path) -> Skill:
    """The `SKILL` of `folder/skill.py`, with `examples.txt` and `prompt.md` merged in."""
    path = folder / SKILL_MODULE
    # A name unique per folder, so two projects' `translate` skills never share a module.
    digest = hashlib.sha1(str(folder.resolve()).encode()).hexdigest()[:10]
    module_name = f"copilot_skill_{folder.name}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise SkillError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[module_name]
        raise SkillError(f"{path} failed to import: {type(error).__name__}: {error}") from error
    skill = getattr(module, "SKILL", None)
    if not isinstance(skill, Skill):
        raise SkillError(f"{path} must define SKILL = Skill(...)")
    if skill.name != folder.name:
        raise SkillError(f"{path} defines skill {skill.name!r}; name it after its folder")
    examples = skill.examples + tuple(read_examples(folder / EXAMPLES_FILE))
    prompt_file = folder / PROMPT_FILE
    prompt = skill.prompt
    if not prompt and prompt_file.is_file():
        prompt = prompt_file.read_text(encoding="utf-8").strip()
    return replace(skill, examples=tuple(dict.fromkeys(examples)), prompt=prompt)


def read_examples(path: Path) -> list[str]:
    """The example utterances of an `examples.txt`: one per line, `#` starts a comment; none
    when the file does not exist."""
    if not path.is_file():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]
