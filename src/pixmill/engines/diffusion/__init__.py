"""The diffusion engine: diffusers pipelines from local weights (pip install pixmill[diffusion]).

Importing this package is light; torch and diffusers are imported when an engine is
built, and a missing extra raises MissingExtraError (an ImportError) saying what to
install. See docs/diffusion.md.
"""

from pixmill.engines.diffusion.engine import DiffusionEngine
from pixmill.engines.diffusion.errors import MissingExtraError, ModelLoadError, ModelNotFoundError
from pixmill.engines.diffusion.families import FAMILIES, Family, detect_family

__all__ = [
    "FAMILIES",
    "DiffusionEngine",
    "Family",
    "MissingExtraError",
    "ModelLoadError",
    "ModelNotFoundError",
    "detect_family",
]
