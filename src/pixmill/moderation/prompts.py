"""PromptModerator: scores a prompt against the rule set and decides per level.

    moderator = PromptModerator()                       # packaged rules
    moderator = PromptModerator(extra_rules="ops.yaml")  # plus an operator's file
    verdict = moderator.check("a knight fighting a dragon", "auto")

How a decision is made:

1. The prompt is normalised (see `normalize`), undoing spacing, leetspeak,
   look-alike letters, case, punctuation splits and invisible characters.
2. Each rule is matched. A match that overlaps one of the global `allow` phrases
   ("naked eye", "power plant"), or lies within three words of one of the rule's
   own `unless` phrases ("kill the lights", "breast cancer awareness"), does not count.
3. Each category's score is the sum of the weights of its matched rules.
4. A category blocks when its score reaches the level's threshold, or at once when
   the category or the matched rule is marked `always` (minors, sexual violence).
   When several block, the one reported is an `always` one if any, else the one with
   the highest score, else the first in the file's category order.

The moderator is immutable once built and safe to share between threads.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pixmill.moderation.normalize import Normalizer, load_confusables
from pixmill.moderation.ruleset import (
    LEVELS,
    Rule,
    RuleSet,
    build_rule_set,
    merge,
    packaged_rules,
    read_rules_file,
)
from pixmill.moderation.verdicts import ModerationLevel, PromptVerdict

ALLOWED = PromptVerdict(blocked=False)
UNLESS_WORDS = 3
"""A rule's `unless` phrase cancels matches up to this many words away from it."""


class PromptModerator:
    """Rule-based prompt moderation; build once per process (compiling takes ~0.1 s)."""

    def __init__(
        self,
        extra_rules: Path | str | Mapping[str, Any] | None = None,
        *,
        rules: Mapping[str, Any] | None = None,
    ):
        """`extra_rules`: an operator's YAML/JSON file (or its parsed mapping), merged over
        the packaged rules. `rules`: replaces the packaged rules entirely (tests)."""
        data = dict(rules) if rules is not None else packaged_rules()
        where = "packaged rules"
        if extra_rules is not None:
            extra = extra_rules
            if not isinstance(extra_rules, Mapping):
                where = str(extra_rules)
                extra = read_rules_file(extra_rules)
            data = merge(data, extra)
        self.normalize = Normalizer(load_confusables(data.get("confusables")))
        self.rule_set: RuleSet = build_rule_set(data, self.normalize, where)

    def check(self, prompt: str, level: ModerationLevel = "auto") -> PromptVerdict:
        if level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
        text = self.normalize(prompt)
        allowed_spans = _spans(self.rule_set.allow, text)
        scores: dict[str, float] = {}
        always: set[str] = set()
        matched: list[str] = []
        for rule in self.rule_set.rules:
            if not _matches(rule, text, allowed_spans):
                continue
            matched.append(rule.id)
            scores[rule.category] = scores.get(rule.category, 0.0) + rule.weight
            if rule.always:
                always.add(rule.category)
        blocking = [
            (name in always or category.always, scores[name], -order, name)
            for order, (name, category) in enumerate(self.rule_set.categories.items())
            if name in scores
            and (
                category.always
                or name in always
                or scores[name] >= self.rule_set.threshold(level, name)
            )
        ]
        if blocking:
            name = max(blocking)[-1]
            return PromptVerdict(
                blocked=True,
                category=name,
                reason="The prompt was refused by moderation: "
                f"{self.rule_set.categories[name].description}.",
                rules=tuple(matched),
            )
        return PromptVerdict(blocked=False, rules=tuple(matched)) if matched else ALLOWED

    def explain(self, prompt: str) -> dict[str, Any]:
        """The normalised text and matched rules, for debugging a rule set."""
        text = self.normalize(prompt)
        spans = _spans(self.rule_set.allow, text)
        return {
            "normalized": text,
            "matched": [r.id for r in self.rule_set.rules if _matches(r, text, spans)],
        }


def _spans(pattern: re.Pattern[str] | None, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)] if pattern else []


def _counted(
    pattern: re.Pattern[str], text: str, excluded: list[tuple[int, int]]
) -> list[re.Match[str]]:
    """Matches of `pattern` that do not overlap an excluded span."""
    return [
        m
        for m in pattern.finditer(text)
        if not any(m.start() < end and start < m.end() for start, end in excluded)
    ]


def _near(pattern: re.Pattern[str] | None, text: str, words: int) -> list[tuple[int, int]]:
    """Spans of `pattern`'s matches, widened by `words` words on each side."""
    if pattern is None:
        return []
    spans = []
    for m in pattern.finditer(text):
        start, end = m.start(), m.end()
        for _ in range(words):
            start = max(text.rfind(" ", 0, max(start - 1, 0)), 0) if start > 0 else 0
            nxt = text.find(" ", end + 1)
            end = len(text) if nxt < 0 else nxt
        spans.append((start, end))
    return spans


def _matches(rule: Rule, text: str, allowed: list[tuple[int, int]]) -> bool:
    excluded = allowed + _near(rule.unless, text, UNLESS_WORDS) if rule.unless else allowed
    if rule.any_of:
        return any(_counted(p, text, excluded) for p in rule.any_of)
    positions = []
    for pattern in rule.all_of:
        found = _counted(pattern, text, excluded)
        if not found:
            return False
        positions.append([text.count(" ", 0, m.start()) for m in found])
    if rule.window is None and not rule.ordered:
        return True
    return _within(positions, rule.window, rule.ordered)


def _within(positions: list[list[int]], window: int | None, ordered: bool) -> bool:
    """Is there one word position per group, each within `window` words of the first
    group's (and, when ordered, each group after the one before)?"""
    limit = window if window is not None else 1 << 30
    for anchor in positions[0]:
        previous = anchor
        for group in positions[1:]:
            if ordered:
                later = [p for p in group if previous <= p <= anchor + limit]
                if not later:
                    break
                previous = min(later)
            elif not any(abs(p - anchor) <= limit for p in group):
                break
        else:
            return True
    return False
