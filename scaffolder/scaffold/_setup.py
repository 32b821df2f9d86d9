"""`copilot new --setup`: a ready `.venv` for the new project.

copilot-scaffolder is not necessarily on the team's package index, so the kit is installed
from wherever the running copilot came from: the same checkout (editable or not), the same
wheel file, or, when it came from an index, the same version by name.
"""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from urllib.parse import unquote, urlparse

import scaffolder
from scaffolder.errors import CopilotError


class SetupError(CopilotError):
    exit_code = 1


def kit_requirement() -> list[str]:
    """pip arguments that install the same copilot-scaffolder as the running one."""
    try:
        dist = distribution("copilot-scaffolder")
    except PackageNotFoundError:
        return [str(Path(scaffolder.__file__).resolve().parent.parent)]
    direct = dist.read_text("direct_url.json")
    if direct:
        info = json.loads(direct)
        url = urlparse(info.get("url", ""))
        if url.scheme == "file":
            path = unquote(url.path)
            editable = info.get("dir_info", {}).get("editable", False)
            return ["-e", path] if editable else [path]
        return [info["url"]]
    return [f"copilot-scaffolder=={dist.version}"]


def setup_environment(project: Path, python: str = sys.executable) -> Path:
    """Create `project/.venv` with the kit and the project (editable) installed; return it."""
    venv = project / ".venv"
    _run([python, "-m", "venv", str(venv)], "creating .venv")
    venv_python = venv / "bin" / "python"
    _run(
        [
            str(venv_python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *kit_requirement(),
            "-e",
            str(project),
        ],
        "installing the project and the kit into .venv",
    )
    return venv


def _run(command: list[str], what: str) -> None:
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit code {completed.returncode}"
        raise SetupError(
            f"{what} failed: {reason} (the project itself was generated; fix this and run "
            "`python -m pip install -e .` in it)"
        )
