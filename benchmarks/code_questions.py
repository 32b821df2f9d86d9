"""Where / how / which-function questions over real code bases, asked through `copilot ask`.

Usage: python benchmarks/code_questions.py [--only NAME ...] [--keep DIR] [--json FILE]

For each code base this generates a code-assistant project (`copilot new code-assistant bench
--defaults`), puts the code base beside it and adds it as a source (`copilot ingest ../NAME
--save-source`), then asks every question of `benchmarks/code_questions/NAME.jsonl` with
`copilot ask --json`: the whole copilot (guards, routing, the symbol index, retrieval, the
answer), offline. Nothing is adapted or tuned per code base: this is the first day of a team
that points the assistant at its repository.

Reported per code base and overall: the share of answers whose first four sources include the
expected file (`right file`), the share declined as out of scope, and which skills answered.
Targets: at least 80% right file, 0 declined.

Code bases (none is the template's sample, two languages):
- `email`, `http`: packages of the Python standard library this interpreter runs on;
- `commander`, `semver`: the JavaScript sources of npm packages, fetched with `npm pack`
  (pinned versions) into the temporary folder.
Each question file line is {"question": ..., "file": path inside the code base}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).parent / "code_questions"
BIN = Path(sys.executable).parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])
#: name -> (kind, what): a standard-library package, or an npm package@version.
CODE_BASES = {
    "email": ("stdlib", "email"),
    "http": ("stdlib", "http"),
    "commander": ("npm", "commander@14.0.3"),
    "semver": ("npm", "semver@7.8.6"),
}
TOP = 4


@dataclass
class Result:
    name: str
    asked: int = 0
    right: int = 0
    declined: int = 0
    skills: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)

    def row(self) -> str:
        right = 100 * self.right / max(self.asked, 1)
        declined = 100 * self.declined / max(self.asked, 1)
        skills = ", ".join(f"{name} {count}" for name, count in self.skills.most_common())
        return (f"| {self.name} | {self.asked} | {self.right} ({right:.0f}%) | "
                f"{self.declined} ({declined:.0f}%) | {skills} |")  # fmt: skip


def fetch(name: str, folder: Path) -> Path:
    """The code base `name` as a folder named `name` under `folder`."""
    kind, what = CODE_BASES[name]
    target = folder / name
    if kind == "stdlib":
        shutil.copytree(STDLIB / what, target, ignore=shutil.ignore_patterns("__pycache__"))
        return target
    packed = (
        subprocess.run(
            ["npm", "pack", what, "--silent"],
            cwd=folder,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    with tarfile.open(folder / packed) as archive:
        archive.extractall(folder / f"{name}-npm", filter="data")
    (folder / f"{name}-npm" / "package").rename(target)
    return target


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def measure(name: str, base: Path, env: dict[str, str]) -> Result:
    fetch(name, base)
    made = run([str(BIN / "copilot"), "new", "code-assistant", "bench", "--defaults"], base, env)
    if made.returncode != 0:
        raise SystemExit(f"copilot new failed: {made.stderr.strip()}")
    project = base / "bench"
    ingest = [str(BIN / "copilot"), "ingest", f"../{name}", "--save-source"]
    ingested = run(ingest, project, env)
    if ingested.returncode != 0:
        raise SystemExit(f"copilot ingest failed: {ingested.stderr.strip()}")
    result = Result(name)
    for line in (HERE / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        case = json.loads(line)
        asked = run([str(BIN / "copilot"), "ask", "--json", case["question"]], project, env)
        result.asked += 1
        if asked.returncode != 0:  # counted as a miss, with its error's last line
            result.misses.append(f"{case['question']} -> error: {asked.stderr.strip()[-200:]}")
            continue
        reply = json.loads(asked.stdout)
        sources = [source["source"] for source in reply.get("sources", [])][:TOP]
        result.skills[reply.get("skill") or "?"] += 1
        result.declined += bool(reply.get("declined"))
        if f"{name}/{case['file']}" in sources:
            result.right += 1
        else:
            result.misses.append(f"{case['question']} -> {reply.get('skill')} {sources}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(CODE_BASES), default=None)
    parser.add_argument("--keep", type=Path, help="Work here and keep the projects.")
    parser.add_argument("--json", type=Path, help="Also write the results as JSON here.")
    args = parser.parse_args()
    names = args.only or list(CODE_BASES)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="code-questions-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.endswith("_API_KEY")}
    env.update(HOME=str(folder / "home"), COPILOT_PROVIDER="offline")
    (folder / "home").mkdir(exist_ok=True)
    for key, value in (("user.name", "bench"), ("user.email", "bench@example.invalid")):
        subprocess.run(["git", "config", "--global", key, value], env=env, check=True)
    results = []
    try:
        for name in names:
            base = folder / name
            base.mkdir()
            results.append(measure(name, base, env))
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    total = Result("all", sum(r.asked for r in results), sum(r.right for r in results),
                   sum(r.declined for r in results),
                   sum((r.skills for r in results), Counter()))  # fmt: skip
    print("| code base | questions | right file in top 4 | declined | skills |")
    print("|---|---|---|---|---|")
    for result in [*results, total]:
        print(result.row())
    for result in results:
        for miss in result.misses:
            print(f"miss ({result.name}): {miss}")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ | {"skills": dict(r.skills)}
                                         for r in [*results, total]], indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
