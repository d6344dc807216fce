"""pixmill: a self-hosted, GPT-Image-1 compatible image generation API server."""

__version__ = "0.1.0"
