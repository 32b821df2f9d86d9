"""What model calls cost: a price table and a ledger that adds up spend per model.

Why: teams run evaluations and benchmarks against paid models and need to know what a run
cost, what the response cache saved, and to stop a run that overspends. An unknown cost is
never reported as zero: a call whose model has no price, or whose provider reported no token
usage, is left out of the total and named loudly, so the total reads as a lower bound.

Prices are USD per 1M tokens. The bundled `prices.json` holds list prices noted on a date;
a project overrides or extends them with its own file (`COPILOT_PRICES`, else `prices.toml`
or `prices.json` in the project root), in the bundled file's shape:

    [models]
    "gpt-4o" = { input = 2.5, output = 10.0 }
    my-azure-deployment = "gpt-4o-mini"   # a deployment name mapped to the model it serves

Ledgers are scoped: a process-wide default ledger, and `ledger_scope()` giving a test session
or a benchmark run its own, through a context variable (so each asyncio task sees the scope
it was created in; plain threads start outside any scope and record to the default ledger).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scaffolder.errors import CostLimitError, UsageError
from scaffolder.kit.llm.types import Usage
from scaffolder.project import find_project

PRICES_VARIABLE = "COPILOT_PRICES"
BUNDLED_PRICES = Path(__file__).with_name("prices.json")
PROJECT_PRICE_FILES = ("prices.toml", "prices.json")
#: The offline provider runs on this machine: free whatever model name it reports.
OFFLINE_PROVIDER = "offline"
#: A snapshot suffix after a model family: `-2024-07-18`, `-20240718` or `-0125`.
_SNAPSHOT_SUFFIX = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")
_OVERRIDE_HINT = "add it to prices.toml or prices.json in the project, or to $" + PRICES_VARIABLE

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Price:
    """USD per 1M input (prompt) and output (completion) tokens."""

    input: float
    output: float = 0.0

    @property
    def is_free(self) -> bool:
        return self.input == 0 and self.output == 0

    def cost(self, usage: Usage) -> float:
        return (usage.prompt_tokens * self.input + usage.completion_tokens * self.output) / 1e6


class PriceTable:
    """Model prices by name, with deployment aliases and snapshot names resolved."""

    def __init__(
        self,
        prices: Mapping[str, Price],
        aliases: Mapping[str, str] | None = None,
        *,
        noted: str | None = None,
    ) -> None:
        self._prices = {name.lower(): price for name, price in prices.items()}
        self._aliases = {name.lower(): target.lower() for name, target in (aliases or {}).items()}
        #: When the bundled list prices were noted, to show how old they may be.
        self.noted = noted

    @classmethod
    def bundled(cls) -> PriceTable:
        """The list prices shipped with the kit."""
        return cls({}).merged(BUNDLED_PRICES)

    @classmethod
    def load(cls, root: Path | None = None) -> PriceTable:
        """The bundled prices with the project's overrides merged over them.

        The override file is `$COPILOT_PRICES` (which must exist), else `prices.toml` or
        `prices.json` in `root` (default: the enclosing project, else the working directory).
        """
        table = cls.bundled()
        explicit = os.environ.get(PRICES_VARIABLE, "").strip()
        if explicit:
            path = Path(explicit).expanduser()
            if not path.is_file():
                raise UsageError(f"{PRICES_VARIABLE} names {path}, which is not a file")
            return table.merged(path)
        if root is None:
            project = find_project()
            root = project.root if project else Path.cwd()
        found = [root / name for name in PROJECT_PRICE_FILES if (root / name).is_file()]
        if len(found) > 1:
            raise UsageError(f"both {found[0]} and {found[1]} exist; keep one price file")
        return table.merged(found[0]) if found else table

    def merged(self, path: Path) -> PriceTable:
        """A new table with the entries of the JSON or TOML file at `path` over these.

        An entry for a model already priced may give only `input` or only `output`.
        """
        data = _read_price_file(path)
        prices = dict(self._prices)
        aliases = dict(self._aliases)
        for raw_name, entry in data["models"].items():
            name = raw_name.strip().lower()
            if isinstance(entry, str):
                aliases[name] = entry.strip().lower()
                prices.pop(name, None)
            else:
                prices[name] = _parse_price(entry, prices.get(name), f"{path}: {raw_name!r}")
                aliases.pop(name, None)
        table = PriceTable(prices, aliases, noted=data.get("noted", self.noted))
        for name, target in aliases.items():
            if table._priced(target) is None:
                raise UsageError(f"{path}: {name!r} maps to {target!r}, which has no price")
        return table

    def price_for(self, model: str) -> Price | None:
        """The price of `model`, or None when it is not known.

        Names are matched case-insensitively, after aliases; a dated snapshot such as
        `gpt-4o-mini-2024-07-18` takes its family's price unless it has its own entry. Only
        a snapshot suffix is stripped: `o3-pro` or `gpt-4o-audio-preview` are priced
        differently from `o3` and `gpt-4o`, so they stay unknown rather than mispriced.
        """
        name = model.strip().lower()
        return self._priced(self._aliases.get(name, name))

    def _priced(self, name: str) -> Price | None:
        """The price of a model name (not an alias), or of the family of a snapshot name."""
        price = self._prices.get(name)
        return price if price is not None else self._prices.get(_SNAPSHOT_SUFFIX.sub("", name))


@dataclass
class ModelTotals:
    """What one model at one provider cost in a ledger.

    Tokens and cost count paid calls only; a cached call counts in `calls`, in
    `cached_calls` and, when its price and usage are known, in `saved_usd`.
    """

    provider: str
    model: str
    price: Price | None
    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    saved_usd: float = 0.0
    #: Paid calls left out of `cost_usd` because the model has no known price.
    calls_without_price: int = 0
    #: Paid calls left out of `cost_usd` because the provider reported no token usage.
    calls_without_usage: int = 0

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"

    @property
    def uncounted_calls(self) -> int:
        return self.calls_without_price + self.calls_without_usage


class CostLedger:
    """Adds up what model calls cost, per model; safe to share between threads."""

    def __init__(
        self,
        name: str = "default",
        *,
        limit_usd: float | None = None,
        prices: PriceTable | None = None,
    ) -> None:
        if limit_usd is not None and limit_usd < 0:
            raise ValueError(f"limit_usd must not be negative, got {limit_usd}")
        self.name = name
        self.limit_usd = limit_usd
        self.prices = prices if prices is not None else PriceTable.load()
        self._lock = threading.Lock()
        self._totals: dict[tuple[str, str], ModelTotals] = {}
        self._total_usd = 0.0

    def record(
        self, provider: str, model: str, usage: Usage | None, *, cached: bool
    ) -> float | None:
        """Count one call and return its cost in USD, or None when the cost is unknown.

        A cached call costs 0 (its would-be cost counts as saved). An unknown cost is logged
        once per model and named in `summary()`. Raises `CostLimitError` when a paid call
        takes the total past `limit_usd`, and on every paid call after that.
        """
        price = Price(0.0) if provider == OFFLINE_PROVIDER else self.prices.price_for(model)
        cost = _cost(price, usage)
        with self._lock:
            totals = self._totals.get((provider, model))
            if totals is None:
                totals = self._totals[provider, model] = ModelTotals(provider, model, price)
            totals.calls += 1
            if cached:
                totals.cached_calls += 1
                totals.saved_usd += cost or 0.0
                return 0.0
            if usage is not None:
                totals.prompt_tokens += usage.prompt_tokens
                totals.completion_tokens += usage.completion_tokens
            if cost is None:
                if price is None:
                    totals.calls_without_price += 1
                else:
                    totals.calls_without_usage += 1
            else:
                totals.cost_usd += cost
                self._total_usd += cost
            total = self._total_usd
            first_unknown = totals.uncounted_calls == 1
        if cost is None:
            if first_unknown:
                logger.warning("cost of %s calls unknown: %s", totals.label, _reason(price))
            return None
        if self.limit_usd is not None and cost > 0 and total > self.limit_usd:
            raise CostLimitError(
                f"spent ${total:.4f} in ledger {self.name!r}, over its ${self.limit_usd:.4f} "
                f"limit (last call: {provider}/{model})"
            )
        return cost

    @property
    def total_usd(self) -> float:
        """Known spend; a lower bound when `uncounted_calls` is not zero."""
        with self._lock:
            return self._total_usd

    @property
    def saved_usd(self) -> float:
        with self._lock:
            return sum(totals.saved_usd for totals in self._totals.values())

    @property
    def uncounted_calls(self) -> int:
        """Paid calls whose cost is unknown and missing from `total_usd`."""
        with self._lock:
            return sum(totals.uncounted_calls for totals in self._totals.values())

    def totals(self) -> list[ModelTotals]:
        """A snapshot of the per-model totals, most expensive first."""
        with self._lock:
            snapshot = [replace(totals) for totals in self._totals.values()]
        return sorted(snapshot, key=lambda totals: (-totals.cost_usd, totals.label))

    def summary(self) -> str:
        """A small table of the spend per model, with a loud line for unknown costs."""
        rows = self.totals()
        limit = "" if self.limit_usd is None else f" (limit ${self.limit_usd:.4f})"
        header = f"Cost ledger {self.name!r}: ${self.total_usd:.6f} spent{limit}"
        if not rows:
            return f"{header}; no model calls recorded"
        lines = [f"{header}, ${self.saved_usd:.6f} saved by the response cache"]
        table: list[tuple[str, ...]] = [
            ("model", "calls", "cached", "tokens in", "tokens out", "cost", "saved")
        ]
        table += [_row(totals) for totals in rows]
        widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
        for row in table:
            cells = [row[0].ljust(widths[0])]
            cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
            lines.append("  ".join(cells).rstrip())
        unpriced = [totals for totals in rows if totals.calls_without_price]
        unmetered = [totals for totals in rows if totals.calls_without_usage]
        if unpriced:
            lines.append(
                f"!! NOT COUNTED: {_calls(unpriced, 'calls_without_price')} with no known "
                f"price; {_OVERRIDE_HINT}. The total is a lower bound."
            )
        if unmetered:
            lines.append(
                f"!! NOT COUNTED: {_calls(unmetered, 'calls_without_usage')} whose provider "
                "reported no token usage. The total is a lower bound."
            )
        return "\n".join(lines)


_DEFAULT_LOCK = threading.Lock()
_default_ledger: CostLedger | None = None
_CURRENT: ContextVar[CostLedger | None] = ContextVar("copilot_cost_ledger", default=None)


def current_ledger() -> CostLedger:
    """The ledger of the innermost `ledger_scope`, else the process-wide default ledger."""
    global _default_ledger
    ledger = _CURRENT.get()
    if ledger is not None:
        return ledger
    with _DEFAULT_LOCK:
        if _default_ledger is None:
            _default_ledger = CostLedger()
        return _default_ledger


@contextmanager
def ledger_scope(
    name: str, limit_usd: float | None = None, *, prices: PriceTable | None = None
) -> Iterator[CostLedger]:
    """Record calls made inside the block (and in tasks it starts) in a ledger of their own.

    Scopes do not add up: calls inside a nested scope are not counted by the outer one.
    `prices` defaults to the enclosing ledger's table.
    """
    ledger = CostLedger(
        name, limit_usd=limit_usd, prices=prices if prices is not None else current_ledger().prices
    )
    token = _CURRENT.set(ledger)
    try:
        yield ledger
    finally:
        _CURRENT.reset(token)


def _read_price_file(path: Path) -> dict[str, Any]:
    """The parsed price file, checked to have a `models` table."""
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            raise UsageError(f"{path}: a price file must end in .toml or .json")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"cannot read {path}: {error}") from error
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"{path} is not valid {path.suffix[1:].upper()}: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise UsageError(f"{path}: expected a `models` table of model prices")
    return data


def _parse_price(entry: object, base: Price | None, where: str) -> Price:
    """One `{input, output}` entry, over `base` when the model already has a price."""
    if not isinstance(entry, dict):
        raise UsageError(f"{where} must be a table with input and output, or a model name")
    unknown = sorted(set(entry) - {"input", "output"})
    if unknown:
        raise UsageError(f"{where} has unknown keys {unknown} (expected input and output)")
    if base is None and "input" not in entry:
        raise UsageError(f"{where} needs an input price")
    fields = {"input": base.input if base else 0.0, "output": base.output if base else 0.0}
    for key, value in entry.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise UsageError(f"{where}: {key} must be a non-negative number, got {value!r}")
        fields[key] = float(value)
    return Price(**fields)


def _cost(price: Price | None, usage: Usage | None) -> float | None:
    if price is None:
        return None
    if price.is_free:
        return 0.0
    return None if usage is None else price.cost(usage)


def _reason(price: Price | None) -> str:
    if price is None:
        return f"no price known; {_OVERRIDE_HINT}"
    return "the provider reported no token usage"


def _calls(rows: list[ModelTotals], counter: str) -> str:
    count = sum(getattr(totals, counter) for totals in rows)
    names = ", ".join(f"{totals.label} x{getattr(totals, counter)}" for totals in rows)
    return f"{count} call{'s' if count != 1 else ''} ({names})"


def _row(totals: ModelTotals) -> tuple[str, ...]:
    cost = f"${totals.cost_usd:.6f}"
    if totals.uncounted_calls:
        cost = "unknown" if totals.cost_usd == 0 else f">= {cost}"
    known_saving = totals.cached_calls and totals.price is not None
    saved = f"${totals.saved_usd:.6f}" if known_saving else "-"
    counts = (totals.calls, totals.cached_calls, totals.prompt_tokens, totals.completion_tokens)
    return (totals.label, *map(str, counts), cost, saved)
