"""The example skill set and routing suite the routing tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder.kit.llm.client import LLM
from scaffolder.kit.llm.cost import CostLedger, PriceTable
from scaffolder.kit.llm.providers.offline import OfflineProvider
from scaffolder.kit.routing import Router, SkillSet, load_skills

HERE = Path(__file__).parent
EXAMPLE_SKILLS = HERE / "example_skills"
ROUTING_SUITE = HERE / "routing_suite.jsonl"


@pytest.fixture(scope="session")
def skills() -> SkillSet:
    return load_skills(EXAMPLE_SKILLS)


@pytest.fixture
def offline_llm() -> LLM:
    return LLM(OfflineProvider(), ledger=CostLedger("routing tests", prices=PriceTable({})))


@pytest.fixture
def router(skills: SkillSet, offline_llm: LLM) -> Router:
    return Router(skills, model=offline_llm)
