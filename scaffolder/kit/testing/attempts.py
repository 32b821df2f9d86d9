"""The attempts of one `llm_flaky` test: run, decided, charged, recorded and explained.

Why a module of its own: it needs the LLM layer (cost ledgers, sample scopes, its errors),
which the plugin imports only when a marked test runs (`plugin.py` stays cheap to load in
every pytest run of every environment where the kit is installed).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Protocol

import pytest

from scaffolder.errors import CostLimitError, LLMError
from scaffolder.kit.llm.cost import CostLedger, ledger_scope
from scaffolder.kit.llm.sampling import sample_scope
from scaffolder.kit.testing.history import RunRecord, TestHistory
from scaffolder.kit.testing.report import ABORTED, FlakyResult
from scaffolder.kit.testing.sequential import SequentialRule, Verdict, wilson_interval

if TYPE_CHECKING:
    from scaffolder.kit.testing.config import MarkerPlan, TestingSettings


class SessionBudget(Protocol):
    """What the attempts need of the plugin's session (`plugin.FlakySession`): its budget and
    settings. A Protocol, since the plugin imports this module when a marked test runs and
    naming its class here would make the two import each other."""

    settings: TestingSettings
    budget_usd: float | None
    spent_usd: float

    def remaining_usd(self) -> float | None: ...
    def charge(self, item: pytest.Item, spent_usd: float) -> None: ...


class LLMFlakyWarning(UserWarning):
    """An `llm_flaky` test was INCONCLUSIVE under the "warn" policy."""


class FlakyVerdictError(AssertionError):
    """An `llm_flaky` test's verdict failed it; the first failed attempt is its cause."""


class Attempts:
    """The attempts of one marked test, their verdict, and what gets reported about them."""

    def __init__(self, item: pytest.Function, plan: MarkerPlan, state: SessionBudget) -> None:
        self.item = item
        self.plan = plan
        self.state = state
        self.passes = 0
        self.failures = 0
        self.first_failure: BaseException | None = None
        # The default pytest_pyfunc_call (and other plugins'), without this one: one attempt.
        self.attempt_once = item.config.pluginmanager.subset_hook_caller(
            "pytest_pyfunc_call", remove_plugins=[state]
        )

    def run(self) -> None:
        __tracebackhide__ = True
        verdict: Verdict | None = None
        name = f"llm_flaky {self.item.nodeid}"
        with ledger_scope(name, limit_usd=self.state.remaining_usd()) as ledger:
            try:
                while verdict is None:
                    self._attempt(self.passes + self.failures)
                    self._stop_if_over_budget(ledger)
                    verdict = self.plan.rule.decide(self.passes, self.failures)
            finally:
                self.state.charge(self.item, ledger.total_usd)
                self._report(verdict, ledger)
        self._conclude(verdict)

    def _attempt(self, index: int) -> None:
        __tracebackhide__ = True
        with sample_scope(index):
            try:
                self.attempt_once(pyfuncitem=self.item)
            except (LLMError, pytest.xfail.Exception):
                raise
            except (Exception, pytest.fail.Exception) as error:
                self.failures += 1
                self.first_failure = self.first_failure or error
            else:
                self.passes += 1

    def _stop_if_over_budget(self, ledger: CostLedger) -> None:
        """Stop even when the app swallowed the ledger's CostLimitError."""
        if self.state.budget_usd is not None and (
            self.state.spent_usd + ledger.total_usd > self.state.budget_usd
        ):
            raise CostLimitError(
                f"the session's LLM budget of ${self.state.budget_usd:.6f} is spent"
            )

    def _report(self, verdict: Verdict | None, ledger: CostLedger) -> None:
        attempts = self.passes + self.failures
        low, high = wilson_interval(self.passes, attempts)
        totals = ledger.totals()
        cached = sum(totals_row.cached_calls for totals_row in totals)
        result = FlakyResult(
            nodeid=self.item.nodeid,
            mode=self.plan.mode,
            rule=self.plan.rule.describe(),
            verdict=str(verdict) if verdict is not None else ABORTED,
            attempts=attempts,
            passes=self.passes,
            wilson_low=round(low, 4),
            wilson_high=round(high, 4),
            model_calls=sum(totals_row.calls for totals_row in totals) - cached,
            cached_calls=cached,
            cost_usd=ledger.total_usd,
            drift=self._drift(verdict, ledger.total_usd),
        )
        self.item.user_properties.extend(result.properties())

    def _drift(self, verdict: Verdict | None, cost_usd: float) -> str:
        """Record this run in the history; the drift flag's explanation, or ""."""
        settings = self.state.settings
        if not settings.history or verdict is None:
            return ""
        run = RunRecord(
            self.item.nodeid,
            self.plan.mode,
            str(verdict),
            self.passes + self.failures,
            self.passes,
            cost_usd,
        )
        history = TestHistory(self.item.config.rootpath / settings.history)
        drift = history.check_and_record(run, settings.drift_alpha)
        return drift.describe() if drift is not None and drift.flagged else ""

    def _conclude(self, verdict: Verdict | None) -> None:
        __tracebackhide__ = True
        if verdict is Verdict.PASS:
            return
        message = self._explain(verdict)
        if verdict is Verdict.INCONCLUSIVE and self.plan.inconclusive == "warn":
            warnings.warn(LLMFlakyWarning(message), stacklevel=2)
            return
        raise FlakyVerdictError(message) from self.first_failure

    def _explain(self, verdict: Verdict | None) -> str:
        attempts = self.passes + self.failures
        low, high = wilson_interval(self.passes, attempts)
        lines = [
            f"llm_flaky verdict {verdict}: {self.passes} of {attempts} attempts passed, "
            f"success rate 95% CI [{low:.2f}, {high:.2f}]; rule: {self.plan.rule.describe()}"
        ]
        rule = self.plan.rule
        if isinstance(rule, SequentialRule):
            lines.append(
                f"SPRT log-likelihood ratio {rule.llr(self.passes, self.failures):.3f} "
                f"(pass at >= {rule.upper:.3f}, fail at <= {rule.lower:.3f})"
            )
        if verdict is Verdict.INCONCLUSIVE:
            lines.append(
                "the success rate looks between p_bad and p_good; raise max_runs to decide, "
                "or set inconclusive='warn'"
            )
        if self.first_failure is not None:
            first = str(self.first_failure).strip().splitlines()
            detail = first[0] if first else ""
            lines.append(f"first failed attempt: {type(self.first_failure).__name__}: {detail}")
        return "\n".join(lines)
