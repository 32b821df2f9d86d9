"""Skills: what a copilot can do, one module each in the project's `<package>.skills`.

Why one module per skill: adding a capability should be adding a file, reviewable on its
own, not editing a central registry. The code is an ordinary importable package (tests and
type checkers see it like any other module); what a team reviews as data stays beside the
project root, one folder per skill, so `copilot adapt` can rewrite it without touching code:

    src/mybot/skills/
      translate.py     # defines SKILL = Skill(...); modules starting with `_` are helpers
    skills/
      translate/
        examples.txt     # optional: one example utterance per line, `#` starts a comment
        prompt.md        # optional: the skill's system prompt, when not given in code
        description.txt  # optional: the description, over the one given in code
      out_of_scope/
        examples.txt     # requests to decline
        reply.md         # what they get

Projects made before 0.5 keep each skill's code in `skills/<name>/skill.py`, loaded by file
path (`load_skills`) until `copilot update` moves them to the package.

`skill.py` builds a `Skill` with its name (the folder's name), a description (used by the
LLM fallback to classify, so write it for a reader), example utterances (the router's
nearest-neighbour index; examples from code and `examples.txt` are merged), its prompt, its
handler, the kinds of action it may propose (`edit_file`, `create_files`,
`run_command`; anything else it proposes is refused), and whether it answers from the
project's index (`answers_from_index`: then the index's evidence decides its scope too).

A handler receives a `SkillRequest` (the text, the prompt messages with as much history as
the token budget allows, the model client, the project's services and the request's context,
such as an editor's selection, and the previous reply's data) and returns a `SkillReply`: text
for the user (or a stream of it), the passages it may cite, its typed data (`kit.turn.SkillData`:
citations, the code it worked on, a project's extras), and any actions, which become proposals
waiting for approval, never direct effects.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import pkgutil
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

from scaffolder.errors import SkillError
from scaffolder.kit.agents.actions import ACTION_KINDS, Action, ActionKind
from scaffolder.kit.llm.types import ChatModel, Message
from scaffolder.kit.routing.decisions import OUT_OF_SCOPE, RouteDecision
from scaffolder.kit.turn import SkillData, Source

if TYPE_CHECKING:
    from scaffolder.kit.routing.services import SkillServices

SKILLS_DIR = "skills"
#: A folder under skills/ without a skill.py: example requests that are out of scope
#: (`examples.txt`) and the reply they get (`reply.md`).
OUT_OF_SCOPE_DIR = "out_of_scope"
SKILL_MODULE = "skill.py"
EXAMPLES_FILE = "examples.txt"
PROMPT_FILE = "prompt.md"
DESCRIPTION_FILE = "description.txt"
REPLY_FILE = "reply.md"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
SettingsT = TypeVar("SettingsT")


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
    services: SkillServices | None = None
    #: What came with the request besides its text (an editor's file and selection...).
    context: Mapping[str, object] = field(default_factory=dict)
    #: The previous user message of the conversation (a follow-up searches with it).
    previous_text: str | None = None
    #: The data of the conversation's previous skill reply (the code "it" refers to...).
    #: Kept by the runtime, never taken from what a client sends.
    previous_data: SkillData | None = None

    def settings(self, kind: type[SettingsT]) -> SettingsT:
        """The project's settings as its own class (`kind`, the project's `Settings`), so a
        skill reads the fields the project added, typed.

        Why a check rather than a cast: a copilot built without the project's app (a kit test,
        a project made before 0.5) carries plain `CopilotSettings`, and a skill reading a
        field it lacks should say so, not fail on a missing attribute."""
        given = None if self.services is None else self.services.settings
        if not isinstance(given, kind):
            raise SkillError(
                f"this skill reads the project's own settings class {kind.__name__}, but the "
                f"copilot was built with {type(given).__name__} (build it through the project's "
                "app)"
            )
        return given


@dataclass(frozen=True)
class SkillReply:
    text: str
    #: Proposed actions; each waits for approval before anything happens.
    actions: tuple[Action, ...] = ()
    #: Why the actions are proposed, shown to whoever approves them.
    rationale: str = ""
    #: The answer as it is generated; when set, `text` is ignored and the pieces, joined,
    #: are the reply.
    stream: Iterator[str] | None = None
    #: Passages the reply may cite as `[label]`.
    sources: tuple[Source, ...] = ()
    #: What the skill reports besides the text: the prompt used, citations, its target...
    data: SkillData = field(default_factory=SkillData)
    #: For a stream: `data` as the stream learned it by its end (whether the answer was
    #: grounded, what it cited). Read through `final_data()`, after the stream is drained.
    completed: Callable[[], SkillData] | None = None

    def collect(self) -> str:
        """The whole reply text, draining the stream when there is one."""
        return "".join(self.stream) if self.stream is not None else self.text

    def final_data(self) -> SkillData:
        """The reply's data once its text is out: completed by the stream when it has one."""
        return self.completed() if self.completed is not None else self.data


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


def skills_from_package(package: ModuleType, data: Path) -> SkillSet:
    """The skills of `package` (a project's `<package>.skills`), one per module defining
    `SKILL`, with the data files of `data/<name>/` (the project's `skills/`) merged in.

    Modules are imported by their ordinary names (`mybot.skills.answer`), so a skill is the
    same module whether the copilot, a test or a type checker imports it. Modules whose name
    starts with `_` are helpers, not skills."""
    folders = getattr(package, "__path__", None)
    if folders is None:
        raise SkillError(f"{package.__name__} is a module, not a package of skill modules")
    skills = []
    for found in sorted(pkgutil.iter_modules(folders), key=lambda module: module.name):
        if found.name.startswith("_"):
            continue
        name = f"{package.__name__}.{found.name}"
        try:
            module = importlib.import_module(name)
        except Exception as error:
            raise SkillError(f"{name} failed to import: {type(error).__name__}: {error}") from error
        skill = _defined_skill(module, name, found.name, "module")
        skills.append(with_data_files(skill, data / found.name))
    if not skills:
        raise SkillError(f"no skills in {package.__name__} (expected modules defining SKILL)")
    return SkillSet(skills)


def load_skills(folder: Path) -> SkillSet:
    """The skills in `folder` (the `skills/` of a project made before 0.5): one per subfolder
    with a `skill.py`, imported by file path.

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
    """The `SKILL` of `folder/skill.py`, with the folder's data files merged in."""
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
    return with_data_files(_defined_skill(module, str(path), folder.name, "folder"), folder)


def _defined_skill(module: ModuleType, where: str, name: str, after: str) -> Skill:
    skill = getattr(module, "SKILL", None)
    if not isinstance(skill, Skill):
        raise SkillError(f"{where} must define SKILL = Skill(...)")
    if skill.name != name:
        raise SkillError(f"{where} defines skill {skill.name!r}; name it after its {after}")
    return skill


def with_data_files(skill: Skill, folder: Path) -> Skill:
    """`skill` with its reviewable data merged in: `examples.txt` added to the examples from
    code, `prompt.md` when the code gives no prompt, and `description.txt` over the code's
    description (`copilot adapt` writes it; a team's edit of the file wins over code)."""
    examples = skill.examples + tuple(read_examples(folder / EXAMPLES_FILE))
    prompt = skill.prompt
    if not prompt and (folder / PROMPT_FILE).is_file():
        prompt = (folder / PROMPT_FILE).read_text(encoding="utf-8").strip()
    description = skill.description
    if (folder / DESCRIPTION_FILE).is_file():
        description = (folder / DESCRIPTION_FILE).read_text(encoding="utf-8").strip() or description
    return replace(
        skill, examples=tuple(dict.fromkeys(examples)), prompt=prompt, description=description
    )


@dataclass(frozen=True)
class OutOfScope:
    """What a copilot declines: example requests near which a turn is out of scope, and the
    reply those turns get (None: the runtime's default)."""

    examples: tuple[str, ...] = ()
    reply: str | None = None

    @classmethod
    def from_folder(cls, folder: Path) -> OutOfScope:
        """The out-of-scope data of a project (`skills/out_of_scope/`); empty when absent."""
        reply_file = folder / REPLY_FILE
        reply = reply_file.read_text(encoding="utf-8").strip() if reply_file.is_file() else None
        return cls(tuple(read_examples(folder / EXAMPLES_FILE)), reply or None)


def read_examples(path: Path) -> list[str]:
    """The example utterances of an `examples.txt` (`examples_in`); none when the file does
    not exist."""
    if not path.is_file():
        return []
    return examples_in(path.read_text(encoding="utf-8"))


def examples_in(text: str) -> list[str]:
    """The example utterances of an `examples.txt`'s text: one per line, `#` starts a
    comment."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]
