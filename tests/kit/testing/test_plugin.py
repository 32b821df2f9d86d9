"""The `llm_flaky` marker, run by pytest inside the test (pytester), without model calls."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

import pytest

from scaffolder.kit.testing.sequential import SequentialRule, operating_characteristic

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")

#: A test body that passes and fails in a fixed pattern, one outcome per attempt. The fixture
#: is set up once per test item, so the attempts walk through the pattern.
PATTERNED = """
import itertools
import pytest

@pytest.fixture
def outcomes():
    return itertools.cycle({pattern})

@pytest.mark.llm_flaky({arguments})
def test_patterned(outcomes):
    assert next(outcomes), "this attempt was scripted to fail"
"""


def patterned(pytester: pytest.Pytester, pattern: list[bool], arguments: str = "") -> None:
    pytester.makepyfile(test_patterned=PATTERNED.format(pattern=pattern, arguments=arguments))


def report(pytester: pytest.Pytester, name: str = "report.json") -> dict[str, object]:
    loaded: dict[str, object] = json.loads((pytester.path / name).read_text(encoding="utf-8"))
    return loaded


def only_test(document: dict[str, object]) -> dict[str, object]:
    tests = document["tests"]
    assert isinstance(tests, list) and len(tests) == 1
    entry: dict[str, object] = tests[0]
    return entry


def test_a_test_that_always_passes_stops_after_six_attempts(pytester: pytest.Pytester) -> None:
    patterned(pytester, [True])
    result = pytester.runpytest("--llm-report=report.json")
    result.assert_outcomes(passed=1)
    entry = only_test(report(pytester))
    assert entry["verdict"] == "PASS" and entry["attempts"] == 6 and entry["passes"] == 6
    assert entry["mode"] == "sequential"
    result.stdout.fnmatch_lines(["*copilot: llm_flaky tests*", "PASS*6/6 passed*test_patterned*"])


def test_a_test_that_always_fails_fails_after_two_attempts(pytester: pytest.Pytester) -> None:
    patterned(pytester, [False])
    result = pytester.runpytest("--llm-report=report.json")
    result.assert_outcomes(failed=1)
    entry = only_test(report(pytester))
    assert (entry["verdict"], entry["attempts"], entry["passes"]) == ("FAIL", 2, 0)
    result.stdout.fnmatch_lines(
        [
            "*this attempt was scripted to fail*",
            "*FlakyVerdictError: llm_flaky verdict FAIL: 0 of 2 attempts passed*",
            "*first failed attempt: AssertionError: this attempt was scripted to fail*",
        ]
    )


def test_fixed_mode_is_curtailed(pytester: pytest.Pytester) -> None:
    patterned(pytester, [True, True, False], "runs=10, min_passes=7")
    result = pytester.runpytest("--llm-report=report.json")
    result.assert_outcomes(passed=1)
    entry = only_test(report(pytester))
    # T T F T T F T T F T: the 7th pass comes at attempt 10; with F first it would fail earlier.
    assert (entry["verdict"], entry["attempts"], entry["passes"]) == ("PASS", 10, 7)
    assert entry["mode"] == "fixed"


def test_fixed_mode_stops_once_the_passes_are_out_of_reach(pytester: pytest.Pytester) -> None:
    patterned(pytester, [False, True], "runs=10, min_passes=7")
    result = pytester.runpytest("--llm-report=report.json")
    result.assert_outcomes(failed=1)
    entry = only_test(report(pytester))
    # F T F T F T F: the 4th failure (attempt 7) leaves at most 6 passes.
    assert (entry["verdict"], entry["attempts"], entry["passes"]) == ("FAIL", 7, 3)


#: Two passes and a failure, repeated: the LLR drifts down by 0.43 every 3 attempts and
#: crosses no boundary before attempt 18, so a smaller cap ends INCONCLUSIVE.
UNDECIDED = [True, True, False]


def test_inconclusive_fails_by_default(pytester: pytest.Pytester) -> None:
    patterned(pytester, UNDECIDED, "max_runs=9")
    result = pytester.runpytest("--llm-report=report.json")
    result.assert_outcomes(failed=1)
    assert only_test(report(pytester))["verdict"] == "INCONCLUSIVE"
    result.stdout.fnmatch_lines(["*verdict INCONCLUSIVE: 6 of 9 attempts passed*"])


def test_inconclusive_can_warn_instead(pytester: pytest.Pytester) -> None:
    patterned(pytester, UNDECIDED, "max_runs=9, inconclusive='warn'")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*LLMFlakyWarning: llm_flaky verdict INCONCLUSIVE*"])


def test_the_warn_policy_also_comes_from_the_command_line(pytester: pytest.Pytester) -> None:
    patterned(pytester, UNDECIDED, "max_runs=9")
    pytester.runpytest("--llm-inconclusive=warn").assert_outcomes(passed=1, warnings=1)


def test_run_cap_precedence_marker_then_command_line_then_pyproject(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyprojecttoml("[tool.copilot.testing]\nmax_runs = 4\n")
    patterned(pytester, UNDECIDED)
    pytester.runpytest("--llm-report=a.json")
    assert only_test(report(pytester, "a.json"))["attempts"] == 4
    pytester.runpytest("--llm-report=b.json", "--llm-max-runs=5")
    assert only_test(report(pytester, "b.json"))["attempts"] == 5
    patterned(pytester, UNDECIDED, "max_runs=7")
    pytester.runpytest("--llm-report=c.json", "--llm-max-runs=5")
    assert only_test(report(pytester, "c.json"))["attempts"] == 7


def test_a_bad_pyproject_setting_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml("[tool.copilot.testing]\nmax_run = 4\n")
    patterned(pytester, [True])
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown keys ?'max_run'?*"])


def test_a_half_configured_marker_fails_with_the_reason(pytester: pytest.Pytester) -> None:
    patterned(pytester, [True], "runs=5")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*fixed mode needs both runs and min_passes*"])


def test_skip_and_fixture_errors_keep_their_meaning(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("fixture broke")

        @pytest.mark.llm_flaky
        def test_skipped():
            pytest.skip("not today")

        @pytest.mark.llm_flaky
        def test_broken_fixture(broken):
            pass
        """
    )
    pytester.runpytest().assert_outcomes(skipped=1, errors=1)


def test_junit_xml_carries_the_result_as_properties(pytester: pytest.Pytester) -> None:
    patterned(pytester, [True])
    pytester.runpytest("--junitxml=junit.xml").assert_outcomes(passed=1)
    tree = ElementTree.parse(pytester.path / "junit.xml")
    properties = {prop.get("name"): prop.get("value") for prop in tree.getroot().iter("property")}
    assert properties["llm_flaky.verdict"] == "PASS"
    assert properties["llm_flaky.attempts"] == "6"
    assert properties["llm_flaky.wilson_low"] == "0.6097"
    assert properties["llm_flaky.model_calls"] == "0"


def test_the_plugin_is_inert_without_the_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import os

        def test_plain():
            assert "COPILOT_LLM_CACHE" not in os.environ

        def test_failing():
            assert 1 == 2
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    assert "llm_flaky" not in result.stdout.str()
    assert not (pytester.path / ".copilot").exists()


def test_fixtures_are_set_up_once_per_test_not_per_attempt(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        SETUPS = []

        @pytest.fixture
        def resource():
            SETUPS.append(1)
            return object()

        @pytest.mark.llm_flaky(runs=3, min_passes=3)
        def test_uses(resource):
            assert len(SETUPS) == 1

        def test_counted():
            assert len(SETUPS) == 1
        """
    )
    pytester.runpytest().assert_outcomes(passed=2)


SEEDED_STOCHASTIC = """
import random
import pytest

@pytest.fixture
def rng(request):
    return random.Random(request.node.name)

@pytest.mark.parametrize("seed", range({trials}))
@pytest.mark.parametrize("rate", [0.5, 0.9])
@pytest.mark.llm_flaky
def test_sometimes(rng, rate, seed):
    assert rng.random() < rate
"""


def test_seeded_stochastic_tests_meet_the_default_error_rates(pytester: pytest.Pytester) -> None:
    """Many seeded copies of a test with true success rate 0.5 (which should fail) and 0.9
    (which should pass), decided by the default sequential mode."""
    trials = 800
    pytester.makepyfile(test_stochastic=SEEDED_STOCHASTIC.format(trials=trials))
    pytester.runpytest("-q", "--llm-report=report.json", "--llm-history=off")
    tests = report(pytester)["tests"]
    assert isinstance(tests, list) and len(tests) == 2 * trials
    passed = {0.5: 0, 0.9: 0}
    attempts = {0.5: 0, 0.9: 0}
    for entry in tests:
        rate = 0.5 if "[0.5-" in entry["nodeid"] else 0.9
        passed[rate] += entry["verdict"] == "PASS"
        attempts[rate] += entry["attempts"]
    assert passed[0.5] / trials <= 0.05
    assert passed[0.9] / trials >= 0.95
    for rate in (0.5, 0.9):
        exact = operating_characteristic(SequentialRule(), rate).mean_attempts
        assert attempts[rate] / trials == pytest.approx(exact, rel=0.1)
    assert not (pytester.path / ".copilot").exists()


def test_history_is_written_where_configured(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.copilot.testing]\nhistory = "var/history.sqlite"\n')
    patterned(pytester, [True])
    pytester.runpytest().assert_outcomes(passed=1)
    assert (pytester.path / "var" / "history.sqlite").is_file()
    assert not (pytester.path / ".copilot").exists()
