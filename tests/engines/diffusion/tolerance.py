"""The stated tolerance between paths (docs/diffusion.md): same seed, different kernels."""

from __future__ import annotations

import numpy as np
from PIL import Image

MEAN_LEVELS = 1.0
"""Mean absolute difference per channel, in 8-bit levels (images of other seeds: ~30)."""
MAX_LEVELS = 8
"""Largest difference of any one channel value, in 8-bit levels."""


def assert_close(image: Image.Image, reference: Image.Image) -> None:
    a = np.asarray(image, dtype=np.int16)
    b = np.asarray(reference, dtype=np.int16)
    assert a.shape == b.shape
    difference = np.abs(a - b)
    assert difference.mean() <= MEAN_LEVELS, difference.mean()
    assert difference.max() <= MAX_LEVELS, difference.max()
