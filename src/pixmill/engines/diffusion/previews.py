"""Cheap pictures of intermediate latents, for partial images.

With the tiny autoencoder loaded, a latent is decoded with it (a few tens of ms on a
CPU at 512x512). Otherwise the four SD/SDXL latent channels are mapped to RGB by a
fixed linear map, the approximation preview tools use (coefficients as in ComfyUI's
latent formats): one small matrix product, a picture at 1/8 of the size, which the
service scales. Latents of other shapes (FLUX's packed tokens, SD3's 16 channels)
get no partials without a tiny autoencoder.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from PIL import Image

# Rows: latent channels; columns: R, G, B. In the pipeline's scaled latent space.
SD_LATENT_RGB = ((0.3512, 0.2297, 0.3227), (0.3250, 0.4974, 0.2350),
                 (-0.2829, 0.1762, 0.2721), (-0.2120, -0.2616, -0.7177))  # fmt: skip
SDXL_LATENT_RGB = ((0.3651, 0.4232, 0.4341), (-0.2533, -0.0042, 0.1068),
                   (0.1076, 0.1111, -0.0362), (-0.3165, -0.2492, -0.2188))  # fmt: skip
SDXL_BIAS = (0.1084, -0.0175, -0.0011)


class Previewer:
    """Turns one image's latent (C, h, w) into a small RGB picture."""

    def __init__(self, pipeline: Any, family_name: str):
        vae = getattr(pipeline, "vae", None)
        self._tiny = vae if type(vae).__name__ == "AutoencoderTiny" else None
        self._scale = float(getattr(getattr(vae, "config", None), "scaling_factor", 1.0) or 1.0)
        xl = family_name.startswith("sdxl")
        self._matrix = torch.tensor(SDXL_LATENT_RGB if xl else SD_LATENT_RGB)
        self._bias = torch.tensor(SDXL_BIAS if xl else (0.0, 0.0, 0.0))

    def can_preview(self, latents: Any) -> bool:
        if not isinstance(latents, torch.Tensor) or latents.ndim != 4:
            return False
        return self._tiny is not None or latents.shape[1] == self._matrix.shape[0]

    def picture(self, latent: torch.Tensor) -> Image.Image:
        """RGB picture of one latent (C, h, w) of the pipeline's scaled latent space."""
        with torch.inference_mode():
            if self._tiny is not None:
                decoded = self._tiny.decode(latent[None] / self._scale, return_dict=False)[0][0]
                rgb = decoded.float().permute(1, 2, 0)
            else:
                rgb = latent.float().permute(1, 2, 0) @ self._matrix + self._bias
            values = ((rgb.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        return Image.fromarray(np.ascontiguousarray(values.cpu().numpy()), "RGB")
