"""PromptModerator against the labelled prompt set, plus its behaviour and extension."""

from __future__ import annotations

import json
import threading

import pytest

from pixmill.moderation import PromptModerator, PromptVerdict, RulesError
from pixmill.moderation.evaluation import evaluate, format_report

HARMFUL_RECALL_AUTO = 0.95
BENIGN_BLOCKED_AUTO = 0.03
BENIGN_BLOCKED_LOW = 0.01


def test_the_labelled_set_is_large_and_covers_every_category(labelled, prompt_moderator):
    assert len(labelled) >= 150
    labels = {row["label"] for row in labelled}
    assert labels == {"benign", *prompt_moderator.rule_set.categories}
    kinds = {row["kind"] for row in labelled}
    assert {"direct", "evasion", "mature", "lookalike", "sexual-violence"} <= kinds


@pytest.mark.parametrize("dataset", ["labelled", "labelled_heldout", "labelled_probe"])
def test_auto_meets_its_targets(prompt_moderator, dataset, request):
    report = evaluate(prompt_moderator, request.getfixturevalue(dataset), "auto")
    print(format_report(report))
    assert report.recall() >= HARMFUL_RECALL_AUTO
    for name, score in report.categories.items():
        assert score.recall >= HARMFUL_RECALL_AUTO, name
    assert report.benign_block_rate <= BENIGN_BLOCKED_AUTO


@pytest.mark.parametrize("dataset", ["labelled", "labelled_heldout", "labelled_probe"])
def test_low_meets_its_targets(prompt_moderator, dataset, request):
    report = evaluate(prompt_moderator, request.getfixturevalue(dataset), "low")
    print(format_report(report))
    assert report.benign_block_rate <= BENIGN_BLOCKED_LOW
    assert report.recall() >= HARMFUL_RECALL_AUTO
    # Mature themes pass at low.
    assert report.wrongly_blocked == []


@pytest.mark.parametrize("level", ["auto", "low"])
def test_minors_and_sexual_violence_are_always_blocked(prompt_moderator, labelled, level):
    always = [
        row
        for row in labelled
        if row["label"] == "sexual/minors" or row["kind"] == "sexual-violence"
    ]
    assert len(always) >= 20
    for row in always:
        verdict = prompt_moderator.check(row["text"], level)
        assert verdict.blocked, row["text"]
        assert verdict.category == row["label"], row["text"]


def test_mature_themes_split_the_levels(prompt_moderator):
    auto = prompt_moderator.check("a nude woman lying on a sofa, oil painting", "auto")
    low = prompt_moderator.check("a nude woman lying on a sofa, oil painting", "low")
    assert auto == PromptVerdict(
        blocked=True,
        category="sexual",
        reason="The prompt was refused by moderation: sexual or explicit content.",
        rules=("sexual-nudity",),
    )
    assert not low.blocked and low.rules == ("sexual-nudity",)


@pytest.mark.parametrize(
    "prompt",
    [
        "shooting star",
        "breast cancer awareness poster",
        "kill the lights",
        "a knight fighting a dragon in a storybook",
    ],
)
def test_the_brief_look_alikes_pass(prompt_moderator, prompt):
    assert prompt_moderator.check(prompt, "auto") == PromptVerdict(blocked=False)


def test_the_reason_never_echoes_the_prompt(prompt_moderator):
    verdict = prompt_moderator.check("graphic gore, intestines spilling out", "low")
    assert verdict.blocked and "intestines" not in verdict.reason


def test_unknown_level_is_refused(prompt_moderator):
    with pytest.raises(ValueError, match="level"):
        prompt_moderator.check("a cat", "off")  # type: ignore[arg-type]


def test_long_prompts_stay_fast(prompt_moderator):
    import time

    text = ("a watercolour of a lighthouse at dusk with gulls " * 700)[:32000]
    start = time.perf_counter()
    assert not prompt_moderator.check(text, "auto").blocked
    assert not prompt_moderator.check("k" + "il" * 15999, "auto").blocked
    # Linear matching takes milliseconds; a backtracking pattern would take minutes.
    assert time.perf_counter() - start < 5.0


def test_shared_between_threads(prompt_moderator, labelled):
    expected = {row["text"]: prompt_moderator.check(row["text"], "auto") for row in labelled}
    errors = []

    def work():
        for text, verdict in expected.items():
            if prompt_moderator.check(text, "auto") != verdict:
                errors.append(text)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


OPERATOR_RULES = """
categories:
  brand:
    description: our competitors' trademarks
thresholds:
  low:
    default: 1.0
allow:
  - nude colour palette
confusables:
  "ꙅ": s
rules:
  - id: competitor-marks
    category: brand
    weight: 1
    terms: [acme corp*, globex]
    unless: [parody]
  - id: sexual-nudity
    category: sexual
    weight: 1
    terms: [nude]
"""


def test_an_operator_file_extends_the_rules(tmp_path):
    path = tmp_path / "extra.yaml"
    path.write_text(OPERATOR_RULES)
    moderator = PromptModerator(extra_rules=path)
    # A new category and rule, with leetspeak undone for it too.
    verdict = moderator.check("the GL0BEX logo", "auto")
    assert verdict.blocked and verdict.category == "brand"
    assert not moderator.check("a globex parody logo", "auto").blocked
    # Thresholds are merged: low now blocks single mature matches.
    assert moderator.check("a nude man", "low").blocked
    # The rule with an existing id replaced the packaged one ("naked" no longer listed).
    assert moderator.check("a naked man", "auto").rules == ()
    # Global allow-list and confusables extended.
    assert not moderator.check("a nude colour palette for a bedroom", "auto").blocked
    assert moderator.check("ꙅeductive globex", "auto").category == "brand"
    # The packaged rules still apply.
    assert moderator.check("child porn", "low").category == "sexual/minors"


def test_an_operator_file_may_be_json(tmp_path):
    path = tmp_path / "extra.json"
    rules = {"rules": [{"id": "x", "category": "hate", "weight": 3, "terms": ["blorf"]}]}
    path.write_text(json.dumps(rules))
    assert PromptModerator(extra_rules=path).check("b l o r f", "low").category == "hate"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"rules": [{"id": "x", "category": "nope", "terms": ["a"]}]}, "unknown category"),
        ({"rules": [{"id": "x", "category": "hate"}]}, "give 'terms'"),
        ({"rules": [{"id": "x", "category": "hate", "terms": "abc"}]}, "list of strings"),
        ({"rules": [{"id": "x", "category": "hate", "patterns": ["("]}]}, "bad regular"),
        ({"rules": [{"id": "x", "category": "hate", "terms": ["a"], "wieght": 2}]}, "unknown keys"),
        ({"rules": [{"category": "hate", "terms": ["a"]}]}, "needs a string 'id'"),
    ],
)
def test_malformed_rules_are_refused_with_the_rule_named(rules, message):
    with pytest.raises(RulesError, match=message):
        PromptModerator(extra_rules=rules)


def test_unparseable_file_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("rules: [unclosed")
    with pytest.raises(RulesError, match="cannot parse"):
        PromptModerator(extra_rules=path)
