"""What loading the pytest plugin costs every pytest run where the kit is installed.

Usage: python benchmarks/plugin_import.py [--runs N] [--ref GIT_REF]

Runs `python -X importtime -c "import scaffolder.kit.testing.plugin"` N times in fresh
interpreters and reports the cumulative import time of the plugin (target at most 150 ms),
next to `import pytest` alone (the floor: pytest loads the plugin, so pytest is always
imported already in a real run; the difference is what the plugin itself adds). The minimum
is the figure to compare (the least disturbed run); the median shows the noise of a shared
machine. `--ref` measures a git revision of this repository as well, from a temporary
worktree, for a before/after in one run.

Also lists what a bare import of the plugin left in `sys.modules` of the heavy libraries
(pydantic, jsonschema, openai, chromadb): it should be none of them.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PLUGIN = "scaffolder.kit.testing.plugin"
HEAVY = ("pydantic", "jsonschema", "openai", "chromadb", "scaffolder.kit.llm")
REPO = Path(__file__).resolve().parent.parent


def cumulative_ms(module: str, root: Path) -> float:
    """The cumulative import time of `module` in a fresh interpreter, importing from `root`."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    ran = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = re.compile(rf"^import time:\s+\d+ \|\s+(\d+) \| {re.escape(module)}$")
    for text in ran.stderr.splitlines():
        match = line.match(text)
        if match:
            return int(match.group(1)) / 1000
    raise RuntimeError(f"no import time for {module} in:\n{ran.stderr[-2000:]}")


def heavy_modules(root: Path) -> list[str]:
    code = f"import sys, {PLUGIN}; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": str(root)}
    ran = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    return ran.stdout.split()


def summary(name: str, samples: list[float]) -> str:
    return (
        f"{name:<34} min {min(samples):7.1f} ms   median {statistics.median(samples):7.1f} ms"
        f"   max {max(samples):7.1f} ms   ({len(samples)} runs)"
    )


def measure(label: str, root: Path, runs: int) -> None:
    plugin, floor = [], []
    for _ in range(runs):  # interleaved, so load on the machine hits both alike
        plugin.append(cumulative_ms(PLUGIN, root))
        floor.append(cumulative_ms("pytest", root))
    print(f"{label} ({root})")
    print("  " + summary(f"import {PLUGIN}", plugin))
    print("  " + summary("import pytest (floor)", floor))
    print(f"  plugin's own share (min - min): {min(plugin) - min(floor):.1f} ms")
    print(f"  heavy modules after the import: {heavy_modules(root) or 'none'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--ref", help="also measure this git revision (e.g. HEAD~3)")
    args = parser.parse_args()
    if args.ref:
        with tempfile.TemporaryDirectory() as folder:
            tree = Path(folder) / "tree"
            subprocess.run(
                ["git", "worktree", "add", "--detach", str(tree), args.ref],
                cwd=REPO, check=True, capture_output=True,
            )  # fmt: skip
            try:
                measure(f"at {args.ref}", tree, args.runs)
            finally:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(tree)],
                    cwd=REPO, check=True, capture_output=True,
                )  # fmt: skip
    measure("working tree", REPO, args.runs)


if __name__ == "__main__":
    main()
