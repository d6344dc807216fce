"""Background removal: a salient-object mask from U^2-Net, refined at the edges.

    remover = BackgroundRemover()          # cheap; the model loads on first use
    rgba = remover.remove(image, "high")   # same size, RGBA

The steps, for every quality:

1. Saliency: u2netp at 320x320 (with a mirrored second pass from "high" up).
2. Upsample the mask to the working resolution.
3. Refine the edge: a guided filter on the image's luminance ("low" to "high"),
   or closed-form matting in a trimap band around the edge ("xhigh", "max").
4. Settle: near-certain pixels become exactly 0 or 1, and anything far from the
   subject is cleared, so the background is fully transparent and the subject
   fully opaque, with a soft edge between.
5. At "max", the colours of the soft edge are re-estimated without the old
   background's tint, so the cut-out has no halo on a new background.

The model loads once per instance, lazily and under a lock; keep one instance per
process. `remove()` is thread-safe. The first "xhigh" or "max" call in a process
compiles pymatting's kernels (numba, ~30 s when its disk cache is cold); `warm_up()`
does that ahead of time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image

from pixmill.imaging.background_models import SaliencyNet
from pixmill.imaging.background_refine import (
    closed_form_alpha,
    decontaminate,
    guided_filter,
    keep_near_subject,
    luminance,
    resize_alpha,
    settle,
    trimap,
)

RemovalQuality = Literal["low", "medium", "high", "xhigh", "max"]


@dataclass(frozen=True)
class RefinePlan:
    """How much work one quality level spends on the edge."""

    work_edge: int
    """Longest side of the working resolution (never above the image's own)."""
    mirror: bool
    """Average a horizontally mirrored second pass of the network."""
    matting: bool
    """Closed-form matting in a trimap band; otherwise a guided filter."""
    decontaminate: bool = False
    """Re-estimate the colour of semi-transparent edge pixels without the background's
    tint (pymatting's multi-level foreground estimation)."""


REFINE_PLANS: dict[str, RefinePlan] = {
    "low": RefinePlan(work_edge=512, mirror=False, matting=False),
    "medium": RefinePlan(work_edge=1024, mirror=False, matting=False),
    "high": RefinePlan(work_edge=1536, mirror=True, matting=False),
    "xhigh": RefinePlan(work_edge=512, mirror=True, matting=True),
    "max": RefinePlan(work_edge=1024, mirror=True, matting=True, decontaminate=True),
}


class BackgroundRemover:
    """Cuts the salient subject out of an image; see the module docstring."""

    def __init__(self, model_path: Path | None = None, *, threads: int | None = None):
        self._model_path = model_path
        self._threads = threads
        self._net: SaliencyNet | None = None
        self._lock = threading.Lock()

    def load(self) -> SaliencyNet:
        """Load the network now (idempotent); `remove()` calls this on first use."""
        if self._net is None:
            with self._lock:
                if self._net is None:
                    self._net = SaliencyNet(self._model_path, threads=self._threads)
        return self._net

    def warm_up(self) -> None:
        """Load the network and compile the matting kernels ("xhigh", "max"): the first
        matting call in a process compiles them with numba, ~30 s unless numba's disk
        cache already has them. Call it at start-up, off the request path, if you like."""
        self.load()
        rgb = np.random.default_rng(0).random((24, 24, 3))
        tri = np.zeros((24, 24))
        tri[:, 8:16], tri[:, 16:] = 0.5, 1.0
        closed_form_alpha(rgb, tri)
        decontaminate((rgb * 255).astype(np.uint8), tri.astype(np.float32))

    def remove(self, image: Image.Image, quality: str = "medium") -> Image.Image:
        """The image as RGBA, same size, with the background made transparent."""
        plan = REFINE_PLANS.get(quality)
        if plan is None:
            raise ValueError(f"quality must be one of {', '.join(REFINE_PLANS)}, not {quality!r}")
        rgb_image = image.convert("RGB")
        alpha = self.alpha(rgb_image, plan)
        if plan.decontaminate:
            rgb_image = Image.fromarray(decontaminate(np.asarray(rgb_image), alpha))
        out = rgb_image.convert("RGBA")
        out.putalpha(Image.fromarray(np.round(alpha * 255).astype(np.uint8)))
        return out

    def alpha(self, image: Image.Image, plan: RefinePlan) -> np.ndarray:
        """The matte, float32 (H, W) in [0, 1], for an RGB image."""
        net = self.load()
        # 1. Saliency
        coarse = net.predict(image)
        if plan.mirror:
            coarse = (coarse + net.predict(image, flip=True)) / 2
        # 2. Working resolution
        width, height = image.size
        scale = min(1.0, plan.work_edge / max(width, height))
        work_size = (max(1, round(width * scale)), max(1, round(height * scale)))
        work = image if work_size == image.size else image.resize(work_size, Image.BILINEAR)
        rgb = np.asarray(work, dtype=np.float32) / 255.0
        alpha = resize_alpha(coarse, work_size)
        # 3. Edge refinement
        step = max(work_size) / SaliencyNet.SIZE
        if plan.matting:
            band = max(3, round(step * 2.5))
            alpha = closed_form_alpha(rgb, trimap(alpha, band))
        else:
            radius = max(2, round(step * 2))
            alpha = guided_filter(luminance(rgb), alpha, radius, eps=1e-3)
        # 4. Settle
        alpha = keep_near_subject(settle(np.clip(alpha, 0, 1)), margin=max(2, round(step * 3)))
        if work_size != image.size:
            alpha = settle(resize_alpha(alpha, image.size), lo=0.02, hi=0.98)
        return alpha
