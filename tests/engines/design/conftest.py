"""Fixtures for the design engine's tests: one engine per session, a spec builder."""

from __future__ import annotations

import json
from pathlib import Path

import design_prompts
import pytest

from pixmill.engines.design import DesignEngine

SEED_REQUEST = Path(__file__).resolve().parents[2] / "data" / "seed-request.json"
SEED_PROMPT = (
    "Create a professional and visually engaging magazine cover for a lifestyle magazine "
    'called "Urban Pulse." Include these featured article headlines clearly: "10 Hidden Cafés '
    'You\'ll Love in NYC" "Minimalist Apartments: Small Spaces, Big Ideas" "Exclusive '
    'Interview: Behind the Scenes with Indie Band Echo District" Use contemporary typography, '
    "vibrant colors, and include an eye-catching main photograph with a person standing in "
    "front of a city scene"
)
SEED_QUOTES = (
    "Urban Pulse.",
    "10 Hidden Cafés You'll Love in NYC",
    "Minimalist Apartments: Small Spaces, Big Ideas",
    "Exclusive Interview: Behind the Scenes with Indie Band Echo District",
)


@pytest.fixture(scope="session")
def engine() -> DesignEngine:
    return DesignEngine()


@pytest.fixture(scope="session")
def seed_prompt() -> str:
    return json.loads(SEED_REQUEST.read_text(encoding="utf-8"))["prompt"]


@pytest.fixture(scope="session")
def make_spec():
    """Build a RenderSpec: make_spec(prompt, width, height, **fields)."""
    return design_prompts.make_spec


@pytest.fixture(scope="session")
def seed_quotes() -> tuple[str, ...]:
    return SEED_QUOTES


@pytest.fixture(scope="session")
def inline_seed_prompt() -> str:
    return SEED_PROMPT
