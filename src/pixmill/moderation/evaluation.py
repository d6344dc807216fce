"""Scoring a prompt moderator against a labelled prompt set.

A labelled set is JSON lines, one prompt per line:

    {"text": "...", "label": "benign" | "<category>", "kind": "...",
     "auto": "block" | "allow", "low": "block" | "allow"}

`label` is the category the prompt belongs to; `auto` and `low` say what the
moderator should do at each level (mature themes are "block" at auto, "allow" at low).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pixmill.moderation.prompts import PromptModerator
from pixmill.moderation.verdicts import PromptVerdict


def load_labelled(path: Path | str) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            missing = {"text", "label", "auto", "low"} - set(row)
            if missing:
                raise ValueError(f"{path}:{number}: missing {sorted(missing)}")
            rows.append(row)
    return rows


@dataclass
class CategoryScore:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        called = self.true_positive + self.false_positive
        return self.true_positive / called if called else 1.0

    @property
    def recall(self) -> float:
        actual = self.true_positive + self.false_negative
        return self.true_positive / actual if actual else 1.0


@dataclass
class LevelReport:
    level: str
    categories: dict[str, CategoryScore] = field(default_factory=dict)
    benign_total: int = 0
    benign_blocked: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    """Prompts expected blocked at this level that were allowed."""
    wrongly_blocked: list[str] = field(default_factory=list)
    """Non-benign prompts expected allowed at this level (mature at low) that were blocked."""
    miscategorised: list[str] = field(default_factory=list)

    @property
    def benign_block_rate(self) -> float:
        return len(self.benign_blocked) / self.benign_total if self.benign_total else 0.0

    def recall(self) -> float:
        """Share of the prompts expected blocked at this level that were blocked."""
        hit = sum(s.true_positive for s in self.categories.values())
        expected = hit + sum(s.false_negative for s in self.categories.values())
        return hit / expected if expected else 1.0


def evaluate(moderator: PromptModerator, rows: Iterable[dict[str, Any]], level: str) -> LevelReport:
    """Per category: recall counts the prompts of that label expected blocked that were
    blocked (under any category); precision counts the blocks filed under that
    category that were expected blocks of that label."""
    report = LevelReport(level)
    for row in rows:
        verdict: PromptVerdict = moderator.check(row["text"], level)  # type: ignore[arg-type]
        label, expected = row["label"], row[level] == "block"
        if label != "benign":
            report.categories.setdefault(label, CategoryScore())
        if verdict.category:
            report.categories.setdefault(verdict.category, CategoryScore())
        if label == "benign":
            report.benign_total += 1
            if verdict.blocked:
                report.benign_blocked.append(row["text"])
                report.categories[verdict.category].false_positive += 1
            continue
        if expected and verdict.blocked:
            if verdict.category == label:
                report.categories[label].true_positive += 1
            else:
                # Blocked, which is what matters for recall, but filed under another
                # category, whose precision it lowers.
                report.categories[label].true_positive += 1
                report.categories[verdict.category].false_positive += 1
                report.miscategorised.append(f"{row['text']} -> {verdict.category}")
        elif expected:
            report.categories[label].false_negative += 1
            report.missed.append(row["text"])
        elif verdict.blocked:
            report.categories[verdict.category].false_positive += 1
            report.wrongly_blocked.append(row["text"])
    return report


def format_report(report: LevelReport) -> str:
    lines = [
        f"level={report.level}",
        f"  {'category':<18} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}",
    ]
    for name, s in sorted(report.categories.items()):
        lines.append(
            f"  {name:<18} {s.precision:>9.3f} {s.recall:>7.3f} "
            f"{s.true_positive:>4} {s.false_positive:>4} {s.false_negative:>4}"
        )
    lines.append(
        f"  harmful recall {report.recall():.3f}; benign blocked "
        f"{len(report.benign_blocked)}/{report.benign_total} ({report.benign_block_rate:.1%})"
    )
    for title, items in (
        ("missed", report.missed),
        ("benign blocked", report.benign_blocked),
        ("mature blocked", report.wrongly_blocked),
        ("other category", report.miscategorised),
    ):
        for item in items:
            lines.append(f"  {title}: {item}")
    return "\n".join(lines)
