"""Prompt and image moderation.

    from pixmill.moderation import PromptModerator, ImageModerator

    prompts = PromptModerator(extra_rules=settings_path_or_none)   # once per process
    images = ImageModerator()                                       # once per process

    prompts.check(prompt, "auto") -> PromptVerdict(blocked, category, reason, rules)
    images.check([img, ...], "low") -> [ImageVerdict(blocked, score, category), ...]

Both are thread-safe. Rule format: docs/moderation.md.
"""

from pixmill.moderation.images import ImageModerator, ModelNotFound
from pixmill.moderation.prompts import PromptModerator
from pixmill.moderation.ruleset import RulesError
from pixmill.moderation.verdicts import ImageVerdict, ModerationLevel, PromptVerdict

__all__ = [
    "ImageModerator",
    "ImageVerdict",
    "ModelNotFound",
    "ModerationLevel",
    "PromptModerator",
    "PromptVerdict",
    "RulesError",
]
