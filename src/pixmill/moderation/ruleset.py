"""The prompt rule set: loading, validating and compiling the data files.

The format is documented in docs/moderation.md. In short, a file holds `categories`,
per-level `thresholds`, `rules` (weighted terms, phrases, regular expressions and
co-occurrences, each with an optional context allow-list), a global `allow` list and
extra `confusables`. An operator's file is merged over the packaged default: its
rules are added (a rule with an existing id replaces it), and its categories,
thresholds and confusables are updated key by key.

Terms are written in plain words and compiled to patterns over normalised text:
each word also matches its inflections ("kill": "kills", "killed", "killing",
"killer"), repeated letters ("kiiill") and i/l swaps ("ki11"); a phrase
"self harm" also matches "selfharm"; a trailing "*" matches any ending ("dismember*");
a "*" standing alone is any one word ("cutting * wrists"); "re:" starts a regular
expression over normalised text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from pixmill.moderation.normalize import Normalizer

LEVELS = ("auto", "low")
DEFAULT_RULES = "default.yaml"

_SUFFIX = r"(?:s|es|d|ed|ing|er|ers|ings|ly)?"
_LEFT, _RIGHT = r"(?<![a-z0-9])", r"(?![a-z0-9])"
_RULE_KEYS = frozenset(
    "id category weight terms patterns all_of window ordered unless always".split()
)


class RulesError(ValueError):
    """A rules file is malformed; the message names the file and the rule."""


@dataclass(frozen=True)
class Category:
    name: str
    description: str
    always: bool = False
    """Any match blocks at every level."""


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    weight: float
    any_of: tuple[re.Pattern[str], ...]
    """Each pattern alone matches the rule (from `terms` and `patterns`)."""
    all_of: tuple[re.Pattern[str], ...]
    """Every pattern must match, within `window` words of each other."""
    window: int | None
    ordered: bool
    """With `all_of`: each group's match must come after the previous group's."""
    unless: re.Pattern[str] | None
    always: bool


@dataclass
class RuleSet:
    categories: dict[str, Category] = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    allow: re.Pattern[str] | None = None
    confusables: dict[str, str] = field(default_factory=dict)

    def threshold(self, level: str, category: str) -> float:
        per_level = self.thresholds[level]
        return per_level.get(category, per_level["default"])


def compile_term(term: str, normalize: Normalizer) -> str:
    """A regular expression (no anchors) for one plain-word term or phrase.

    A term written "re:..." is taken as a regular expression over normalised text.
    """
    if term.startswith("re:"):
        re.compile(term[3:])
        return f"(?:{term[3:]})"
    words = term.split()
    if not words or words[0] == "*":
        raise RulesError(f"bad term {term!r}")
    body, gap = "", False
    for i, raw in enumerate(words):
        if raw == "*":
            gap = True
            continue
        normalized = normalize(raw.rstrip("*")).replace(" ", "")
        if not normalized:
            raise RulesError(f"bad term {term!r}")
        if i:
            body += r"\s?(?:[a-z0-9]+\s)?" if gap else r"\s?"
        body += _letters(normalized) + (r"[a-z]*" if raw.endswith("*") else _SUFFIX)
        gap = False
    if gap:  # "kill all *": one more word, whatever it is
        body += r"\s[a-z0-9]+"
    return body


def _letters(word: str) -> str:
    """Each run of one letter may repeat, and "i"/"l" are one class: "kill" -> k+[il]{3,}."""
    parts = []
    for run in re.finditer(r"(.)\1*", _fold(word)):
        char, count = run.group(1), len(run.group(0))
        cls = "[il]" if char == "i" else re.escape(char)
        parts.append(f"{cls}+" if count == 1 else f"{cls}{{{count},}}")
    return "".join(parts)


def _fold(word: str) -> str:
    return word.replace("l", "i")


def _terms_pattern(terms: Iterable[str], normalize: Normalizer) -> str:
    return _LEFT + "(?:" + "|".join(compile_term(t, normalize) for t in terms) + ")" + _RIGHT


def _regex(source: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(source)
    except re.error as exc:
        raise RulesError(f"{where}: bad regular expression {source!r}: {exc}") from exc


def _compile_rule(raw: Mapping[str, Any], normalize: Normalizer, where: str) -> Rule:
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise RulesError(f"{where}: unknown keys {sorted(unknown)}")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise RulesError(f"{where}: every rule needs a string 'id'")
    where = f"{where} ({rule_id})"
    if not isinstance(raw.get("category"), str):
        raise RulesError(f"{where}: 'category' is required")
    any_of = []
    if raw.get("terms"):
        any_of.append(_regex(_terms_pattern(_strings(raw["terms"], where), normalize), where))
    any_of.extend(_regex(p, where) for p in _strings(raw.get("patterns", []), where))
    all_of = tuple(
        _regex(_terms_pattern(_strings(group, where), normalize), where)
        for group in raw.get("all_of", [])
    )
    if not any_of and not all_of:
        raise RulesError(f"{where}: give 'terms', 'patterns' or 'all_of'")
    if any_of and all_of:
        raise RulesError(f"{where}: 'all_of' cannot be combined with 'terms' or 'patterns'")
    unless = raw.get("unless")
    return Rule(
        id=rule_id,
        category=raw["category"],
        weight=float(raw.get("weight", 1.0)),
        any_of=tuple(any_of),
        all_of=all_of,
        window=raw.get("window"),
        ordered=bool(raw.get("ordered", False)),
        unless=_regex(_terms_pattern(_strings(unless, where), normalize), where)
        if unless
        else None,
        always=bool(raw.get("always", False)),
    )


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RulesError(f"{where}: expected a list of strings, got {value!r}")
    return value


def read_rules_file(path: Path | str) -> dict[str, Any]:
    """Parse one YAML or JSON rules file into a mapping."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: cannot parse: {exc}") from exc
    if not isinstance(data, dict):
        raise RulesError(f"{path}: the top level must be a mapping")
    return data


def packaged_rules() -> dict[str, Any]:
    text = resources.files("pixmill.moderation.rules").joinpath(DEFAULT_RULES).read_text("utf-8")
    return yaml.safe_load(text)


def merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """`extra` over `base`: rules added or replaced by id, mappings updated key by key."""
    out = dict(base)
    for key in ("categories", "confusables"):
        out[key] = {**base.get(key, {}), **extra.get(key, {})}
    out["thresholds"] = {
        level: {
            **base.get("thresholds", {}).get(level, {}),
            **extra.get("thresholds", {}).get(level, {}),
        }
        for level in LEVELS
    }
    rules = {r["id"]: r for r in base.get("rules", [])}
    for i, rule in enumerate(extra.get("rules") or []):
        if not isinstance(rule, Mapping) or not isinstance(rule.get("id"), str):
            raise RulesError(f"extra rules: rules[{i}] needs a string 'id'")
        rules[rule["id"]] = rule
    out["rules"] = list(rules.values())
    out["allow"] = list(base.get("allow", [])) + list(extra.get("allow", []))
    return out


def build_rule_set(data: Mapping[str, Any], normalize: Normalizer, where: str) -> RuleSet:
    """Validate and compile merged rules data."""
    categories = {}
    for name, raw in (data.get("categories") or {}).items():
        categories[name] = Category(
            name=name,
            description=str(raw.get("description", name)),
            always=bool(raw.get("always", False)),
        )
    thresholds = {}
    for level in LEVELS:
        per_level = {k: float(v) for k, v in (data.get("thresholds") or {}).get(level, {}).items()}
        if "default" not in per_level:
            raise RulesError(f"{where}: thresholds.{level}.default is required")
        thresholds[level] = per_level
    rules = []
    for i, raw in enumerate(data.get("rules") or []):
        if not isinstance(raw, Mapping):
            raise RulesError(f"{where}: rules[{i}] must be a mapping")
        rule = _compile_rule(raw, normalize, f"{where}: rules[{i}]")
        if rule.category not in categories:
            raise RulesError(f"{where}: rule {rule.id} names unknown category {rule.category!r}")
        rules.append(rule)
    allow = data.get("allow") or []
    return RuleSet(
        categories=categories,
        thresholds=thresholds,
        rules=rules,
        allow=_regex(_terms_pattern(_strings(allow, where), normalize), where) if allow else None,
        confusables=dict(data.get("confusables") or {}),
    )
