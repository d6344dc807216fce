"""Errors of the diffusion engine, raised at start-up (not per request).

    ImportError
     └── MissingExtraError        torch or diffusers is not installed
    FileNotFoundError
     └── ModelNotFoundError       no weights at the path nor in the Hugging Face cache
    RuntimeError
     └── ModelLoadError           the weights are there but diffusers cannot load them

Per-request failures (CUDA out of memory on one image) become pixmill's EngineError.
"""

from __future__ import annotations

INSTALL_HINT = "install pixmill[diffusion]: pip install 'pixmill[diffusion]'"


class MissingExtraError(ImportError):
    """The optional diffusion dependencies are missing."""


class ModelNotFoundError(FileNotFoundError):
    """The model is neither a local diffusers folder nor in the local Hugging Face cache."""


class ModelLoadError(RuntimeError):
    """The model was found but could not be loaded."""
