"""The rule-file example in docs/moderation.md works as the page says."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pixmill.moderation import PromptModerator

DOC = Path(__file__).resolve().parents[2] / "docs" / "moderation.md"


def test_the_documented_rule_file_example_works():
    block = re.search(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block, "docs/moderation.md lost its YAML example"
    moderator = PromptModerator(extra_rules=yaml.safe_load(block.group(1)))
    assert moderator.check("the G l o b e x logo", "low").category == "brand"
    assert moderator.check("globex 2000", "low").category == "brand"
    assert not moderator.check("a globex parody poster", "low").blocked
    assert not moderator.check("the acme corporation museum", "auto").blocked
    assert moderator.check("ꙅtep by step: napalm", "low").category == "illicit/violent"
    assert not moderator.check("a red fox in the snow", "auto").blocked
