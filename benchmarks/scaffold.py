"""How long `copilot new` and `copilot update` take, side by side with bare copier.

Usage: python benchmarks/scaffold.py [--runs N]

Each round runs every measured command once, in turn, so machine noise hits all of them
alike; the table gives medians and the ratio to bare copier. Everything runs in a temporary
HOME and directory; nothing touches the network.

- `copilot new qa-rag mybot --defaults` (render, checks, git init and first commit) against
  `copier copy --defaults` of the same template version from the same bundle (render only).
- `copilot update` on a project already at the installed version (the no-op update) against
  `copier update --defaults` of the same project (copier re-renders and diffs even then).
- `update_project` from v<installed> to a synthetic newer version, the full 3-way merge in a
  throwaway clone, through the Python API (the CLI only knows the installed history).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scaffolder.scaffold import (
    TemplateHistory,
    UpdateRequest,
    release_templates,
    update_project,
)

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent


def run(*command: str, cwd: Path) -> None:
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)


def timed_run(cwd: Path, *command: str) -> float:
    """Wall-clock seconds of one command, as a user would wait for it."""
    start = time.perf_counter()
    run(*command, cwd=cwd)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    scratch = Path(tempfile.mkdtemp(prefix="copilot-bench-"))
    os.environ["HOME"] = str(scratch / "home")
    os.environ.update(
        GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@localhost",
        GIT_COMMITTER_NAME="bench",
        GIT_COMMITTER_EMAIL="bench@localhost",
    )
    installed = TemplateHistory.installed()
    bundle = str(installed.sync())
    work = scratch / "work"
    work.mkdir()

    # A synthetic next release, for the full update path.
    history_dir = scratch / "history"
    shutil.copytree(REPO / "templates", history_dir / "templates")
    shutil.copy(installed.bundle, history_dir / "templates.bundle")
    shutil.copy(installed.lock, history_dir / "templates.lock.json")
    gitignore = history_dir / "templates" / "base" / ".gitignore.jinja"
    gitignore.write_text(gitignore.read_text() + "# next release\n")
    next_version = "99.0.0"
    release_templates(
        history_dir / "templates",
        next_version,
        history_dir / "templates.bundle",
        history_dir / "templates.lock.json",
    )
    newer = TemplateHistory(
        bundle=history_dir / "templates.bundle",
        lock=history_dir / "templates.lock.json",
        version=next_version,
    )

    samples: dict[str, list[float]] = {
        name: []
        for name in (
            "copier copy",
            "copilot new",
            "copier update (no-op)",
            "copilot update (no-op)",
            "copilot update (to next version)",
        )
    }
    copier_copy = [
        str(BIN / "copier"), "copy", "--quiet", "--defaults", "--vcs-ref", installed.tag,
        "-d", "template=qa_rag", "-d", "project_name=mybot", bundle, "bare",
    ]  # fmt: skip
    for index in range(runs):
        round_dir = work / str(index)
        round_dir.mkdir()
        project = round_dir / "mybot"
        samples["copier copy"].append(timed_run(round_dir, *copier_copy))
        samples["copilot new"].append(
            timed_run(round_dir, str(BIN / "copilot"), "new", "qa-rag", "mybot", "--defaults")
        )
        samples["copier update (no-op)"].append(
            timed_run(project, str(BIN / "copier"), "update", "--quiet", "--defaults",
                      "--skip-answered")
        )  # fmt: skip
        run("git", "checkout", "--quiet", ".", cwd=project)
        samples["copilot update (no-op)"].append(timed_run(project, str(BIN / "copilot"), "update"))
        start = time.perf_counter()
        update_project(UpdateRequest(project), newer)
        samples["copilot update (to next version)"].append(time.perf_counter() - start)

    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"python benchmarks/scaffold.py --runs {runs}   ({os.cpu_count()} cores)\n")
    print("| command | median s | min s | vs bare copier |")
    print("| --- | ---: | ---: | --- |")
    baseline = {"copilot new": "copier copy", "copilot update (no-op)": "copier update (no-op)"}
    for name, values in samples.items():
        against = baseline.get(name)
        if against:
            ratio = medians[name] / medians[against]
            extra = medians[name] - medians[against]
            comparison = f"{ratio:.2f}x ({extra:+.2f} s)"
        else:
            comparison = ""
        print(f"| `{name}` | {medians[name]:.3f} | {min(values):.3f} | {comparison} |")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
