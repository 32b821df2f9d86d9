"""This repository's CI: what `.ci/run` requires can never turn into a silent skip."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.test_hosting_files import validator

REQUIRED = ("COPILOT_REQUIRE_BROWSER", "COPILOT_REQUIRE_VALIDATORS")


def ci_environment(tmp_path: Path) -> dict[str, str]:
    """The variables `.ci/run` exports before it installs anything: it runs against stand-in
    `python3` (which records its environment and stops the script), `chromium` and `make`."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "env.txt"
    stand_ins = {
        "python3": f'#!/bin/sh\nenv > "{record}"\nexit 97\n',
        "chromium": "#!/bin/sh\nexit 0\n",
        "make": "#!/bin/sh\nexit 0\n",
    }
    for name, script in stand_ins.items():
        path = bin_dir / name
        path.write_text(script, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path)}
    ran = subprocess.run(
        ["bash", str(REPO_ROOT / ".ci" / "run")], env=env, capture_output=True, timeout=60
    )
    assert ran.returncode == 97, ran.stderr.decode()
    lines = record.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def test_ci_run_requires_validators_and_the_browser(tmp_path: Path) -> None:
    env = ci_environment(tmp_path)
    for variable in REQUIRED:
        assert env.get(variable) == "1", f".ci/run does not export {variable}=1"


def test_the_requirement_turns_a_missing_validator_into_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The hosting tests' own `validator()` with a tool that is not installed: skipped
    without the variable, failed with it."""
    monkeypatch.delenv("COPILOT_REQUIRE_VALIDATORS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        validator("no-such-validator-for-copilot")
    monkeypatch.setenv("COPILOT_REQUIRE_VALIDATORS", "1")
    with pytest.raises(pytest.fail.Exception, match="no-such-validator-for-copilot is not"):
        validator("no-such-validator-for-copilot")
