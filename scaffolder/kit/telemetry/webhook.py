"""The cost alerts' webhook: where it is configured, and posting an alert to it.

Why in telemetry: production spend alerts (`spend.py`) and benchmark cost alerts
(`kit.bench.alerts`) post to the same hook. Telemetry sits below the benchmarks, so the hook
lives here and the benchmarks import it, not the other way round.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

#: The environment variable that names the hook (it is a secret: keep it out of pyproject).
WEBHOOK_VARIABLE = "COPILOT_BENCH_WEBHOOK"
WEBHOOK_TIMEOUT = 10.0


def webhook_url(copilot_table: Mapping[str, Any]) -> str | None:
    """The hook: `COPILOT_BENCH_WEBHOOK`, else `webhook_url` of `[tool.copilot.bench]` in
    the project's `[tool.copilot]` table."""
    bench = copilot_table.get("bench")
    configured = bench.get("webhook_url") if isinstance(bench, Mapping) else None
    return os.environ.get(WEBHOOK_VARIABLE) or (configured if isinstance(configured, str) else None)


def post_json(url: str, body: dict[str, Any]) -> str | None:
    """POST `body` as JSON to a cost alert webhook (benchmarks' and production spend's);
    returns a one-line problem when the hook could not be reached. A `text` field is what
    Slack and Teams incoming webhooks show."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
            response.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"cost alert webhook failed: {error}"
    return None
