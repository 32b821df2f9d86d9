"""Retrying model calls: exponential backoff with jitter, honouring Retry-After, bounded.

The openai SDK's own retries are switched off so that every provider, the offline one
included, follows one policy, and so that exhausted retries end in copilot's typed errors.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from scaffolder.errors import LLMError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a call that failed in a retryable way."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 30.0
    #: A server asking for a longer wait than this is not worth waiting for.
    max_retry_after: float = 60.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int, error: LLMError) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based).

        Retry-After wins when the server sent one; otherwise "full jitter": a uniform draw
        below the exponential bound, so that many clients do not retry in lockstep.
        """
        if error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_retry_after)
        bound = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return self.rng.uniform(bound / 2, bound)

    def should_retry(self, attempt: int, error: LLMError) -> bool:
        if not error.retryable or attempt >= self.max_attempts:
            return False
        return error.retry_after is None or error.retry_after <= self.max_retry_after


NO_RETRY = RetryPolicy(max_attempts=1)


def call_with_retry(
    policy: RetryPolicy, call: Callable[[], T], sleep: Callable[[float], None] = time.sleep
) -> T:
    attempt = 1
    while True:
        try:
            return call()
        except LLMError as error:
            if not policy.should_retry(attempt, error):
                raise
            sleep(policy.delay(attempt, error))
            attempt += 1


async def acall_with_retry(policy: RetryPolicy, call: Callable[[], Awaitable[T]]) -> T:
    attempt = 1
    while True:
        try:
            return await call()
        except LLMError as error:
            if not policy.should_retry(attempt, error):
                raise
            await asyncio.sleep(policy.delay(attempt, error))
            attempt += 1
