"""Edge refinement for a coarse saliency mask: guided filter, trimap, closed-form matting.

All functions work on float32 arrays in [0, 1]: `guide` is the image's luminance
(H, W) or RGB (H, W, 3), `alpha` is (H, W).
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy.ndimage import uniform_filter


def box_mean(x: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window, clipped at the borders (separable running sums)."""
    size = [2 * r + 1] * 2 + [1] * (x.ndim - 2)
    x = np.asarray(x, dtype=np.float32)
    total = uniform_filter(x, size=size, mode="constant")
    # The share of each pixel's window that lies inside the image.
    h, w = x.shape[:2]
    rows = np.minimum(np.arange(h) + r, h - 1) - np.maximum(np.arange(h) - r, 0) + 1
    cols = np.minimum(np.arange(w) + r, w - 1) - np.maximum(np.arange(w) - r, 0) + 1
    weight = np.outer(rows, cols).astype(np.float32) / float((2 * r + 1) ** 2)
    if x.ndim == 3:
        weight = weight[..., None]
    return total / weight


def guided_filter(guide: np.ndarray, src: np.ndarray, r: int, eps: float) -> np.ndarray:
    """He et al.'s guided filter with a grey guide: edges of `src` snap to edges of `guide`."""
    mean_i = box_mean(guide, r)
    mean_p = box_mean(src, r)
    cov_ip = box_mean(guide * src, r) - mean_i * mean_p
    var_i = box_mean(guide * guide, r) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return box_mean(a, r) * guide + box_mean(b, r)


def luminance(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114).astype(np.float32)


def resize_alpha(alpha: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a [0, 1] map to (width, height) with bicubic interpolation, clipped."""
    img = Image.fromarray(alpha.astype(np.float32), mode="F")
    out = np.asarray(img.resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
    return np.clip(out, 0.0, 1.0)


def _morph(mask: np.ndarray, radius: int, grow: bool) -> np.ndarray:
    """Dilate (grow) or erode a boolean mask with a square window, in O(1) per pixel."""
    if radius <= 0:
        return mask.astype(bool)
    share = box_mean(mask.astype(np.float32), radius)
    return share > 1e-6 if grow else share > 1 - 1e-4


def trimap(alpha: np.ndarray, band: int) -> np.ndarray:
    """1 where surely foreground, 0 where surely background, 0.5 in a band around the edge."""
    fg = alpha > 0.5
    sure_fg = _morph(fg.astype(np.float32), band, grow=False)
    maybe_fg = _morph(fg.astype(np.float32), band, grow=True)
    out = np.full(alpha.shape, 0.5, dtype=np.float64)
    out[sure_fg] = 1.0
    out[~maybe_fg] = 0.0
    return out


def closed_form_alpha(rgb: np.ndarray, tri: np.ndarray) -> np.ndarray:
    """Levin et al.'s closed-form matting (pymatting), solved only inside the trimap band.

    The work is cropped to the band's bounding box, so a small subject costs little.
    """
    from pymatting import estimate_alpha_cf

    unknown = (tri > 0) & (tri < 1)
    if not unknown.any() or (tri == 1).sum() == 0 or (tri == 0).sum() == 0:
        return (tri >= 0.5).astype(np.float32)
    ys, xs = np.nonzero(unknown)
    pad = 8
    y0, y1 = max(ys.min() - pad, 0), min(ys.max() + pad + 1, tri.shape[0])
    x0, x1 = max(xs.min() - pad, 0), min(xs.max() + pad + 1, tri.shape[1])
    out = (tri >= 0.5).astype(np.float32)
    crop_tri = tri[y0:y1, x0:x1]
    if (crop_tri == 1).any() and (crop_tri == 0).any():
        crop_rgb = rgb[y0:y1, x0:x1].astype(np.float64)
        solved = estimate_alpha_cf(
            crop_rgb,
            crop_tri,
            preconditioner=_preconditioner,
            laplacian_kwargs={"epsilon": 1e-6},
        )
        out[y0:y1, x0:x1] = np.clip(solved, 0.0, 1.0).astype(np.float32)
    return out


def decontaminate(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """uint8 RGB whose semi-transparent pixels carry the foreground's own colour
    (pymatting's estimate_foreground_ml); opaque and transparent pixels are unchanged."""
    from pymatting import estimate_foreground_ml

    edge = (alpha > 0) & (alpha < 1)
    if not edge.any():
        return rgb
    foreground = estimate_foreground_ml(rgb.astype(np.float64) / 255, alpha.astype(np.float64))
    out = rgb.copy()
    out[edge] = np.clip(np.round(foreground[edge] * 255), 0, 255).astype(np.uint8)
    return out


def _preconditioner(matrix):
    """pymatting's incomplete Cholesky, starting from a small diagonal shift: the
    unshifted first try often fails on these systems and prints a warning."""
    from pymatting.preconditioner.ichol import ichol

    return ichol(matrix, shifts=[1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0])


def settle(alpha: np.ndarray, lo: float = 0.08, hi: float = 0.92) -> np.ndarray:
    """Stretch so that near-certain pixels become exactly 0 or 1; keep the soft edge between."""
    return np.clip((alpha - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def keep_near_subject(alpha: np.ndarray, margin: int) -> np.ndarray:
    """Zero everything further than `margin` pixels from the subject (alpha > 0.5)."""
    near = _morph((alpha > 0.5).astype(np.float32), margin, grow=True)
    return np.where(near, alpha, 0.0).astype(np.float32)
