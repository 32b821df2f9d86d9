"""`.gitignore` matching, so that `copilot ingest` reads what the repository tracks, not builds.

Why not a dependency: the subset that matters is small and well specified (gitignore(5)).
Supported: comments, escaped `\\#` and `\\!`, trailing-space trimming, `!` negation (the last
matching pattern wins), `dir/` (directories only), patterns with a slash anchored to the
directory of their `.gitignore` (`/build`, `docs/*.html`), slash-free patterns matching at
any depth (`*.pyc`), `*`, `?`, `[...]` and `**` in the `**/x`, `x/**` and `a/**/b` positions.
Not supported: `core.excludesFile` and `.git/info/exclude`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class _Rule:
    base: Path
    pattern: re.Pattern[str]
    negated: bool
    directories_only: bool


def _translate(glob: str) -> str:
    """A gitignore glob (without its leading or trailing slash) as a regular expression."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i) and (i == 0 or glob[i - 1] == "/"):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob[i] == "*":
            out.append("[^/]*")
            while i < len(glob) and glob[i] == "*":
                i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[" and (close := glob.find("]", i + 2)) != -1:
            body = glob[i + 1 : close]
            if body[0] in "!^":
                body = "^" + body[1:]
            out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
            i = close + 1
        elif glob[i] == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def parse_rules(text: str, base: Path) -> list[_Rule]:
    """The rules of one `.gitignore` whose directory is `base`."""
    rules: list[_Rule] = []
    for raw in text.splitlines():
        line = re.sub(r"(?<!\\)[ \t]+$", "", raw)
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated or line.startswith(("\\!", "\\#")):
            line = line[1:]
        directories_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        glob = line.removeprefix("/")
        prefix = "" if anchored else "(?:.*/)?"
        pattern = re.compile(prefix + _translate(glob), re.DOTALL)
        rules.append(_Rule(base, pattern, negated, directories_only))
    return rules


class IgnoreRules:
    """The rules of every `.gitignore` from the ingest root down to the current folder.

    Immutable: `descend` returns new rules with one more folder's file, so a walk can keep
    one instance per level without undoing anything on the way back up.
    """

    def __init__(self, rules: tuple[_Rule, ...] = ()) -> None:
        self._rules = rules

    def descend(self, folder: Path) -> IgnoreRules:
        """These rules plus those of `folder/.gitignore`, if it exists and is readable."""
        try:
            text = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return self
        return IgnoreRules((*self._rules, *parse_rules(text, folder)))

    def ignored(self, path: Path, *, is_dir: bool) -> bool:
        """Whether git would ignore `path`; the last matching rule decides, as in git."""
        verdict = False
        for rule in self._rules:
            if rule.directories_only and not is_dir:
                continue
            try:
                relative = path.relative_to(rule.base).as_posix()
            except ValueError:
                continue
            if rule.pattern.fullmatch(relative):
                verdict = not rule.negated
        return verdict
