"""What a moderator decides: one verdict per prompt, one per image."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ModerationLevel = Literal["auto", "low"]
"""`auto` is strict; `low` lets mature but legal themes through. Never off."""


@dataclass(frozen=True)
class PromptVerdict:
    blocked: bool
    category: str | None = None
    """The category that blocked the prompt, e.g. "sexual/minors"; None when allowed."""
    reason: str | None = None
    """A short message for the client; it never repeats the prompt's words."""
    rules: tuple[str, ...] = ()
    """Ids of the rules that matched (blocked or not), for logs."""


@dataclass(frozen=True)
class ImageVerdict:
    blocked: bool
    score: float
    """The classifier's probability that the image is sexual/explicit (0 to 1)."""
    category: str | None = None
    """"sexual" when blocked, else None."""
