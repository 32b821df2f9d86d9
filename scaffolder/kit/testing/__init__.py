"""Testing code that calls models: the `llm_flaky` pytest plugin (statistical verdicts for
tests that pass only some of the time, replayed from the response cache, with a spending
limit) and assertions about the structure of model output rather than its exact words.

The plugin is registered through the `pytest11` entry point, so it is active wherever the
kit is installed; it changes nothing for tests without the marker.
"""

from scaffolder.kit.testing.sequential import (
    FixedRule,
    OperatingPoint,
    SequentialRule,
    Verdict,
    operating_characteristic,
    wilson_interval,
)

__all__ = [
    "FixedRule",
    "OperatingPoint",
    "SequentialRule",
    "Verdict",
    "operating_characteristic",
    "wilson_interval",
]
