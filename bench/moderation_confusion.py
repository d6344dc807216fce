"""Prompt moderation against the labelled prompt sets: confusion tables and per-category
precision and recall, at both levels.

    python bench/moderation_confusion.py [--extra-rules ops.yaml] [--show-errors]

Sets, in tests/data/moderation/: prompts.jsonl (the first set, written with the rules),
prompts_heldout.jsonl and prompts_probe.jsonl (each written after a round of rules, to
see how they generalise; their first-run figures are in docs/moderation.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from pixmill.moderation import PromptModerator
from pixmill.moderation.evaluation import evaluate, format_report, load_labelled

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "moderation"
SETS = ("prompts.jsonl", "prompts_heldout.jsonl", "prompts_probe.jsonl")


def confusion(moderator: PromptModerator, rows: list[dict], level: str) -> str:
    """Rows: the prompt's label; columns: what the moderator did at this level."""
    columns = ["allowed", *moderator.rule_set.categories]
    counts: Counter[tuple[str, str]] = Counter()
    labels: list[str] = []
    for row in rows:
        verdict = moderator.check(row["text"], level)
        counts[row["label"], verdict.category or "allowed"] += 1
        if row["label"] not in labels:
            labels.append(row["label"])
    short = {c: c.split("/")[-1][:9] for c in columns}
    lines = [f"  {'label / verdict':<18}" + "".join(f"{short[c]:>10}" for c in columns)]
    for label in labels:
        lines.append(f"  {label:<18}" + "".join(f"{counts[label, c]:>10}" for c in columns))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra-rules", type=Path, default=None)
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    moderator = PromptModerator(extra_rules=args.extra_rules)
    print(f"rules compiled in {(time.perf_counter() - started) * 1000:.0f} ms")
    for name in SETS:
        rows = load_labelled(DATA / name)
        kinds = Counter(row["label"] for row in rows)
        print(f"\n== {name}: {len(rows)} prompts ({dict(kinds)})")
        for level in ("auto", "low"):
            report = evaluate(moderator, rows, level)
            text = format_report(report)
            if not args.show_errors:
                text = "\n".join(line for line in text.splitlines() if ": " not in line)
            print(text)
            print(confusion(moderator, rows, level))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
