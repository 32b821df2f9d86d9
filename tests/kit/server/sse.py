"""Reading server-sent events in tests, the way a browser does: blocks split on blank lines."""

from __future__ import annotations

import json
from typing import Any

import httpx


def read_events(response: httpx.Response) -> list[tuple[str, dict[str, Any]]]:
    """(event name, parsed data) for each event of a streamed response, in order."""
    events = []
    buffer = ""
    for text in response.iter_text():
        buffer += text
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            name, data = "message", []
            for line in block.splitlines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
            if data:
                events.append((name, json.loads("\n".join(data))))
    return events
