"""The plugin is cheap to load: pytest loads it in every run wherever the kit is installed,
so importing it (and configuring a run that uses neither the marker nor a fixture) must not
import the LLM layer, pydantic, jsonschema, openai or chromadb. Checked by what lands in
`sys.modules` of a fresh interpreter, not by timing (benchmarks/plugin_import.py measures)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from scaffolder.kit.app import APP_KEY
from scaffolder.kit.llm.cache import CACHE_MODES, MODE_VARIABLE
from scaffolder.kit.testing import plugin

#: Libraries (and kit packages) that load only when a test uses the marker or a fixture.
HEAVY = ("pydantic", "jsonschema", "openai", "chromadb", "httpx", "yaml", "scaffolder.kit.llm")
#: The only parts of the package a bare import of the plugin may load.
LIGHT = {"scaffolder", "scaffolder.errors", "scaffolder.project", "scaffolder.kit"}

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")


def loaded(heavy: tuple[str, ...]) -> list[str]:
    return [name for name in heavy if name in sys.modules]


def test_importing_the_plugin_loads_only_pytest_and_light_modules() -> None:
    code = (
        "import json, sys\n"
        "import scaffolder.kit.testing.plugin\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    modules = set(json.loads(ran.stdout))
    assert [name for name in HEAVY if name in modules] == []
    ours = {name for name in modules if name == "scaffolder" or name.startswith("scaffolder.")}
    assert ours - LIGHT - {m for m in ours if m.startswith("scaffolder.kit.testing")} == set()
    assert "scaffolder.kit.testing.attempts" not in ours
    assert "scaffolder.kit.testing.recording" not in ours


INNER_TEST = f"""
import sys

def test_nothing_heavy_was_loaded(request):
    assert request.config.pluginmanager.has_plugin("copilot-llm-tests")
    assert {{name for name in {HEAVY!r} if name in sys.modules}} == set()
"""


@pytest.mark.parametrize("declares_app", [False, True], ids=["plain", "copilot-project"])
def test_a_run_without_marker_or_fixtures_loads_nothing_heavy(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, declares_app: bool
) -> None:
    """Configured, with the project fixtures registered in a copilot project, a run whose
    tests use none of them still loads nothing heavy."""
    table = f'[tool.copilot]\n{APP_KEY} = "bot.app:build"\n' if declares_app else ""
    pytester.makefile(".toml", pyproject=table)
    pytester.makepyfile(test_inner=INNER_TEST)
    # Only this plugin: another installed plugin's imports are not this test's business.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    for name in [name for name in os.environ if name.startswith("COPILOT_")]:
        monkeypatch.delenv(name)
    result = pytester.runpytest_subprocess("-p", "scaffolder.kit.testing.plugin")
    result.assert_outcomes(passed=1)
    fixtures = pytester.runpytest_subprocess("-p", "scaffolder.kit.testing.plugin", "--fixtures")
    listed = "copilot --" in fixtures.stdout.str() or "new_project" in fixtures.stdout.str()
    assert listed is declares_app


def test_the_plugins_spelled_out_names_match_the_kit() -> None:
    """The plugin spells these out rather than import the modules that define them."""
    assert plugin.CACHE_MODES == CACHE_MODES
    assert plugin.CACHE_VARIABLE == MODE_VARIABLE
    assert plugin.APP_KEY == APP_KEY
