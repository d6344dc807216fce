from __future__ import annotations

from pathlib import Path

import pytest

from pixmill.moderation import PromptModerator
from pixmill.moderation.evaluation import load_labelled

DATA = Path(__file__).resolve().parents[1] / "data" / "moderation"


@pytest.fixture(scope="session")
def prompt_moderator() -> PromptModerator:
    return PromptModerator()


@pytest.fixture(scope="session")
def labelled() -> list[dict]:
    return load_labelled(DATA / "prompts.jsonl")


@pytest.fixture(scope="session")
def labelled_heldout() -> list[dict]:
    return load_labelled(DATA / "prompts_heldout.jsonl")


@pytest.fixture(scope="session")
def labelled_probe() -> list[dict]:
    return load_labelled(DATA / "prompts_probe.jsonl")
