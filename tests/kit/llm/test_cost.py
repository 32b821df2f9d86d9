"""Price table and cost ledger: prices found, overrides merged, unknown costs never free."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest

from scaffolder.errors import CostLimitError, UsageError
from scaffolder.kit.llm.cost import (
    BUNDLED_PRICES,
    CostLedger,
    ModelTotals,
    Price,
    PriceTable,
    current_ledger,
    ledger_scope,
)
from scaffolder.kit.llm.types import Usage

MILLION = Usage(prompt_tokens=1_000_000, completion_tokens=1_000_000)


@pytest.fixture(autouse=True)
def no_prices_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COPILOT_PRICES", raising=False)


@pytest.fixture
def bundled() -> PriceTable:
    return PriceTable.bundled()


def ledger(limit_usd: float | None = None) -> CostLedger:
    return CostLedger("test", limit_usd=limit_usd, prices=PriceTable.bundled())


def test_bundled_table_prices_the_common_models(bundled: PriceTable) -> None:
    assert bundled.price_for("gpt-4o-mini") == Price(input=0.15, output=0.60)
    assert bundled.price_for("text-embedding-3-small") == Price(input=0.02, output=0.0)
    for model in ("gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3", "o3-mini"):
        assert bundled.price_for(model) is not None, model
    for model in ("o4-mini", "gpt-3.5-turbo", "text-embedding-3-large", "text-embedding-ada-002"):
        assert bundled.price_for(model) is not None, model
    assert bundled.price_for("offline-chat") == Price(0.0, 0.0)
    assert bundled.price_for("local") == Price(0.0, 0.0)
    assert bundled.noted is not None and bundled.noted.startswith("20")


def test_bundled_file_says_the_prices_are_list_prices_to_check() -> None:
    data = json.loads(BUNDLED_PRICES.read_text(encoding="utf-8"))
    assert "list prices" in data["note"].lower() and "check" in data["note"].lower()


def test_snapshot_names_take_their_family_price(bundled: PriceTable) -> None:
    assert bundled.price_for("gpt-4o-mini-2024-07-18") == bundled.price_for("gpt-4o-mini")
    assert bundled.price_for("gpt-4.1-nano-2025-04-14") == bundled.price_for("gpt-4.1-nano")
    assert bundled.price_for("o3-mini-2025-01-31") == bundled.price_for("o3-mini")
    assert bundled.price_for("gpt-3.5-turbo-0125") == bundled.price_for("gpt-3.5-turbo")
    assert bundled.price_for("GPT-4o-2024-08-06") == bundled.price_for("gpt-4o")


def test_a_snapshot_with_its_own_price_keeps_it(bundled: PriceTable) -> None:
    assert bundled.price_for("gpt-4o-2024-05-13") == Price(5.0, 15.0)
    assert bundled.price_for("gpt-4o-2024-05-13") != bundled.price_for("gpt-4o")


def test_other_variants_and_deployments_are_unknown(bundled: PriceTable) -> None:
    for model in ("o3-pro", "gpt-4o-audio-preview", "my-gpt4o-deployment", "gpt-4", "gpt-4o-x"):
        assert bundled.price_for(model) is None, model


def test_json_override_merges_over_the_defaults(tmp_path: Path, bundled: PriceTable) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "models": {
                    "gpt-4o": {"input": 2.0, "output": 9.0},
                    "gpt-4o-mini": {"output": 0.5},
                    "llama-3-70b": {"input": 0.6, "output": 0.8},
                    "text-embedding-custom": {"input": 0.01},
                }
            }
        )
    )
    table = PriceTable.load(tmp_path)
    assert table.price_for("gpt-4o") == Price(2.0, 9.0)
    assert table.price_for("gpt-4o-2024-08-06") == Price(2.0, 9.0)
    assert table.price_for("gpt-4o-mini") == Price(0.15, 0.5)
    assert table.price_for("llama-3-70b") == Price(0.6, 0.8)
    assert table.price_for("text-embedding-custom") == Price(0.01, 0.0)
    assert table.price_for("o3") == bundled.price_for("o3")


def test_toml_override_maps_deployment_names(tmp_path: Path) -> None:
    (tmp_path / "prices.toml").write_text(
        '[models]\nProd-Chat = "gpt-4o-mini-2024-07-18"\n"o3-pro" = { input = 20, output = 80 }\n'
    )
    table = PriceTable.load(tmp_path)
    assert table.price_for("prod-chat") == Price(0.15, 0.60)
    assert table.price_for("o3-pro") == Price(20.0, 80.0)


def test_copilot_prices_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "prices.json").write_text('{"models": {"gpt-4o": {"input": 1, "output": 1}}}')
    custom = tmp_path / "team" / "rates.toml"
    custom.parent.mkdir()
    custom.write_text('[models]\n"gpt-4o" = { input = 3, output = 12 }\n')
    monkeypatch.setenv("COPILOT_PRICES", str(custom))
    assert PriceTable.load(tmp_path).price_for("gpt-4o") == Price(3.0, 12.0)
    monkeypatch.setenv("COPILOT_PRICES", str(tmp_path / "missing.toml"))
    with pytest.raises(UsageError, match=r"COPILOT_PRICES names .*missing\.toml"):
        PriceTable.load(tmp_path)


def test_load_without_an_override_is_the_bundled_table(tmp_path: Path) -> None:
    assert PriceTable.load(tmp_path).price_for("gpt-4o") == Price(2.5, 10.0)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("prices.json", "{not json", "is not valid JSON"),
        ("prices.toml", "models = [", "is not valid TOML"),
        ("prices.json", '{"gpt-4o": {"input": 1}}', "expected a `models` table"),
        ("prices.json", '{"models": {"new-model": {"output": 1}}}', "needs an input price"),
        ("prices.json", '{"models": {"gpt-4o": {"inptu": 1}}}', "unknown keys"),
        ("prices.json", '{"models": {"gpt-4o": {"input": -1}}}', "non-negative number"),
        ("prices.json", '{"models": {"gpt-4o": {"input": "2"}}}', "non-negative number"),
        ("prices.json", '{"models": {"gpt-4o": 2.5}}', "must be a table"),
        ("prices.toml", '[models]\ndeploy = "no-such-model"\n', "which has no price"),
        ("prices.toml", '[models]\na = "gpt-4o"\nb = "a"\n', "'b' maps to 'a', which has no"),
    ],
)
def test_bad_override_files_are_refused_clearly(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    (tmp_path / name).write_text(content)
    with pytest.raises(UsageError, match=message) as caught:
        PriceTable.load(tmp_path)
    assert name in str(caught.value)


def test_two_project_price_files_are_ambiguous(tmp_path: Path) -> None:
    (tmp_path / "prices.json").write_text('{"models": {}}')
    (tmp_path / "prices.toml").write_text("[models]\n")
    with pytest.raises(UsageError, match="keep one price file"):
        PriceTable.load(tmp_path)


def test_record_returns_the_cost_and_adds_up_per_model() -> None:
    costs = ledger()
    first = costs.record("openai", "gpt-4o-mini-2024-07-18", Usage(1000, 500), cached=False)
    second = costs.record("openai", "gpt-4o-mini-2024-07-18", Usage(2000, 0), cached=False)
    costs.record("openai", "text-embedding-3-small", Usage(1_000_000, 0), cached=False)
    assert first == pytest.approx(0.000450)  # 1000 x $0.15/M in + 500 x $0.60/M out
    assert second == pytest.approx(0.000300)
    assert costs.total_usd == pytest.approx(0.020750)
    chat = next(totals for totals in costs.totals() if totals.model.startswith("gpt"))
    assert chat == ModelTotals(
        provider="openai",
        model="gpt-4o-mini-2024-07-18",
        price=Price(0.15, 0.60),
        calls=2,
        prompt_tokens=3000,
        completion_tokens=500,
        cost_usd=chat.cost_usd,
    )
    assert chat.cost_usd == pytest.approx(0.000750)


def test_cached_calls_cost_nothing_and_count_as_saved() -> None:
    costs = ledger()
    assert costs.record("openai", "gpt-4o", MILLION, cached=True) == 0.0
    assert costs.record("openai", "no-such-model", MILLION, cached=True) == 0.0
    assert costs.total_usd == 0.0
    assert costs.saved_usd == pytest.approx(12.5)
    assert costs.uncounted_calls == 0
    (gpt,) = (totals for totals in costs.totals() if totals.model == "gpt-4o")
    assert (gpt.calls, gpt.cached_calls, gpt.prompt_tokens, gpt.saved_usd) == (1, 1, 0, 12.5)


def test_unknown_price_is_not_free_and_is_reported_loudly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    costs = ledger()
    costs.record("openai", "gpt-4o-mini", Usage(1000, 0), cached=False)
    with caplog.at_level(logging.WARNING):
        assert costs.record("azure-openai", "prod-chat", Usage(100, 10), cached=False) is None
        assert costs.record("azure-openai", "prod-chat", Usage(100, 10), cached=False) is None
    assert costs.total_usd == pytest.approx(1000 * 0.15 / 1e6)
    assert costs.uncounted_calls == 2
    assert len(caplog.records) == 1  # once per model, not once per call
    assert "azure-openai/prod-chat" in caplog.text and "prices.toml" in caplog.text
    summary = costs.summary()
    assert "!! NOT COUNTED: 2 calls (azure-openai/prod-chat x2) with no known price" in summary
    assert "lower bound" in summary
    (row,) = (line for line in summary.splitlines() if line.startswith("azure-openai/prod-chat"))
    assert "unknown" in row and "$0.000000" not in row


def test_missing_usage_is_not_free_either() -> None:
    costs = ledger()
    assert costs.record("openai-compatible", "gpt-4o", None, cached=False) is None
    assert costs.uncounted_calls == 1
    assert "1 call (openai-compatible/gpt-4o x1) whose provider reported no token usage" in (
        costs.summary()
    )


def test_offline_calls_are_free_whatever_the_model_name() -> None:
    costs = ledger()
    assert costs.record("offline", "offline-chat", Usage(10, 10), cached=False) == 0.0
    assert costs.record("offline", "gpt-4o", None, cached=False) == 0.0
    assert costs.record("offline", "local", None, cached=False) == 0.0
    assert costs.uncounted_calls == 0
    assert "NOT COUNTED" not in costs.summary()


def test_the_limit_raises_once_passed_with_a_one_line_message() -> None:
    costs = ledger(limit_usd=5.0)
    costs.record("openai", "gpt-4o", Usage(1_000_000, 0), cached=False)  # $2.50
    costs.record("openai", "gpt-4o", Usage(1_000_000, 0), cached=False)  # $5.00: at, not past
    with pytest.raises(CostLimitError) as caught:
        costs.record("openai", "gpt-4o", Usage(0, 100_000), cached=False)  # $6.00
    message = str(caught.value)
    assert "\n" not in message
    assert "$6.0000" in message and "$5.0000" in message and "'test'" in message
    assert costs.total_usd == pytest.approx(6.0)  # the spend that passed it is still counted
    assert costs.record("openai", "gpt-4o", MILLION, cached=True) == 0.0  # free calls pass
    with pytest.raises(CostLimitError):
        costs.record("openai", "gpt-4o-mini", Usage(1, 0), cached=False)


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        ledger(limit_usd=-1)


def test_summary_is_a_readable_table() -> None:
    costs = CostLedger("bench", limit_usd=10, prices=PriceTable.bundled())
    costs.record("openai", "gpt-4o", Usage(1_000_000, 100_000), cached=False)
    costs.record("openai", "gpt-4o", Usage(1_000_000, 100_000), cached=True)
    costs.record("openai", "gpt-4o-mini", Usage(100, 50), cached=False)
    lines = costs.summary().splitlines()
    assert lines[0] == (
        "Cost ledger 'bench': $3.500045 spent (limit $10.0000), $3.500000 saved by the "
        "response cache"
    )
    assert lines[1].split() == [
        "model", "calls", "cached", "tokens", "in", "tokens", "out", "cost", "saved"
    ]  # fmt: skip
    assert lines[2].split() == [
        "openai/gpt-4o", "2", "1", "1000000", "100000", "$3.500000", "$3.500000"
    ]  # fmt: skip
    assert lines[3].split() == ["openai/gpt-4o-mini", "1", "0", "100", "50", "$0.000045", "-"]
    assert len(lines) == 4
    assert "no model calls recorded" in ledger().summary()


def test_scopes_are_isolated_and_nest() -> None:
    outer_before = current_ledger()
    with ledger_scope("session", prices=PriceTable.bundled()) as session:
        assert current_ledger() is session
        current_ledger().record("openai", "gpt-4o", Usage(1_000_000, 0), cached=False)
        with ledger_scope("benchmark", limit_usd=1.0) as benchmark:
            assert current_ledger() is benchmark
            assert benchmark.prices is session.prices
            current_ledger().record("openai", "gpt-4o-mini", Usage(1_000_000, 0), cached=False)
        assert current_ledger() is session
    assert current_ledger() is outer_before
    assert session.total_usd == pytest.approx(2.5)
    assert benchmark.total_usd == pytest.approx(0.15)
    assert benchmark.limit_usd == 1.0 and benchmark.name == "benchmark"


def test_scopes_follow_concurrent_asyncio_tasks() -> None:
    async def run(name: str, model: str, calls: int) -> CostLedger:
        with ledger_scope(name, prices=PriceTable.bundled()) as scoped:
            for _ in range(calls):
                await asyncio.sleep(0)  # let the other task run in between
                current_ledger().record("openai", model, Usage(1_000_000, 0), cached=False)
            return scoped

    async def main() -> tuple[CostLedger, CostLedger]:
        return await asyncio.gather(run("a", "gpt-4o", 3), run("b", "gpt-4.1-nano", 5))

    first, second = asyncio.run(main())
    assert [(t.model, t.calls) for t in first.totals()] == [("gpt-4o", 3)]
    assert [(t.model, t.calls) for t in second.totals()] == [("gpt-4.1-nano", 5)]
    assert first.total_usd == pytest.approx(7.5)
    assert second.total_usd == pytest.approx(0.5)


def test_the_default_ledger_is_process_wide() -> None:
    assert current_ledger() is current_ledger()
    assert current_ledger().name == "default"
