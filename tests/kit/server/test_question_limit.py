"""The server takes the same question-length limit as every other exit (`max_input_chars`):
a longer question is a 400 with one message, on /chat and /v1/chat/completions alike."""

from __future__ import annotations

import httpx
import pytest

from scaffolder.kit.settings import CopilotSettings
from tests.kit.server.backends import QUESTION
from tests.kit.server.conftest import Serve

LIMIT = CopilotSettings.model_fields["max_input_chars"].default


def long_question(length: int) -> str:
    return (QUESTION + " ") * (length // (len(QUESTION) + 1)) + "x" * (length % (len(QUESTION) + 1))


@pytest.mark.parametrize("route", ["/chat?stream=false", "/chat", "/v1/chat/completions"])
def test_a_question_over_the_limit_is_refused_in_one_message(serve: Serve, route: str) -> None:
    question = long_question(LIMIT + 1)
    assert len(question) == LIMIT + 1
    if route.startswith("/v1"):
        body = {"model": "m", "messages": [{"role": "user", "content": question}]}
    else:
        body = {"message": question}
    with serve() as url:
        refused = httpx.post(f"{url}{route}", json=body, timeout=30)
        assert refused.status_code == 400
        text = refused.text
        assert f"the limit is {LIMIT} (max_input_chars)" in text and "\n" not in text.strip()
        if route.startswith("/v1"):
            body["messages"][0]["content"] = QUESTION  # type: ignore[index]
        else:
            body["message"] = QUESTION
        assert httpx.post(f"{url}{route}", json=body, timeout=30).status_code == 200


def test_the_setting_sets_the_servers_limit(serve: Serve) -> None:
    with serve(max_input_chars=len(QUESTION) - 1) as url:
        refused = httpx.post(f"{url}/chat?stream=false", json={"message": QUESTION}, timeout=30)
    assert refused.status_code == 400 and f"limit is {len(QUESTION) - 1}" in refused.text
