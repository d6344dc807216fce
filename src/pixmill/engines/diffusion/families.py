"""Model families: what quality means in steps and guidance, and what sizes a model makes.

A 1-step turbo model and a 28-step FLUX-dev do not share numbers, so each family has
its own row. The table is plain data; `detect_family` names the row for a loaded
pipeline, and the operator can name it instead (option `family`).

| family       | low | medium | high | xhigh | max | guidance | native | e.g.                      |
|--------------|-----|--------|------|-------|-----|----------|--------|---------------------------|
| sd-turbo     | 1   | 1      | 2    | 3     | 4   | 0.0      | 512    | stabilityai/sd-turbo      |
| sdxl-turbo   | 1   | 1      | 2    | 3     | 4   | 0.0      | 512    | stabilityai/sdxl-turbo    |
| lcm          | 2   | 4      | 6    | 8     | 8   | 8.0      | 512    | LCM_Dreamshaper_v7        |
| lcm-lora     | 2   | 4      | 6    | 8     | 8   | 1.0      | model  | SD/SDXL + LCMScheduler    |
| sd1          | 15  | 25     | 35   | 45    | 50  | 7.5      | 512    | stable-diffusion-v1-5     |
| sd2          | 15  | 25     | 35   | 45    | 50  | 7.5      | 768    | stable-diffusion-2-1      |
| sdxl         | 15  | 25     | 35   | 45    | 50  | 6.0      | 1024   | stable-diffusion-xl-base  |
| sd3          | 14  | 28     | 40   | 50    | 60  | 7.0      | 1024   | stable-diffusion-3-medium |
| flux-schnell | 2   | 4      | 4    | 6     | 8   | 0.0      | 1024   | FLUX.1-schnell            |
| flux-dev     | 14  | 28     | 40   | 50    | 60  | 3.5      | 1024   | FLUX.1-dev                |
| sana         | 10  | 20     | 30   | 40    | 50  | 4.5      | 1024   | Sana_1600M_1024px         |
| pixart       | 10  | 20     | 30   | 40    | 50  | 4.5      | 1024   | PixArt-alpha, -Sigma      |
| generic      | 15  | 25     | 35   | 45    | 50  | pipeline | model  | any text-to-image         |

"model" native side comes from the model's own config (the UNet's or transformer's
`sample_size` times the VAE's scale factor), which also wins over the table's value
whenever the config gives one (an SD 2.x *base* model reports 512, not 768), except for
the turbo rows: those models were distilled at 512 whatever their config says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pixmill.request import ConcreteQuality


@dataclass(frozen=True)
class Family:
    name: str
    steps: dict[ConcreteQuality, int]
    guidance: float | None
    """None leaves the pipeline's own default."""
    native_side: int | None
    """Side of the square native pixel budget; None when only the model's config knows it."""
    side_from_config: bool = True
    """Whether the model's config overrides native_side (not for turbo models: trained at
    512 whatever size their UNet config says)."""


def _steps(low: int, medium: int, high: int, xhigh: int, top: int) -> dict[ConcreteQuality, int]:
    return {"low": low, "medium": medium, "high": high, "xhigh": xhigh, "max": top}


_TURBO = _steps(1, 1, 2, 3, 4)
_LCM = _steps(2, 4, 6, 8, 8)
_SD = _steps(15, 25, 35, 45, 50)
_MMDIT = _steps(14, 28, 40, 50, 60)
_DIT = _steps(10, 20, 30, 40, 50)

FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family("sd-turbo", _TURBO, 0.0, 512, side_from_config=False),
        Family("sdxl-turbo", _TURBO, 0.0, 512, side_from_config=False),
        Family("lcm", _LCM, 8.0, 512),
        Family("lcm-lora", _LCM, 1.0, None),
        Family("sd1", _SD, 7.5, 512),
        Family("sd2", _SD, 7.5, 768),
        Family("sdxl", _SD, 6.0, 1024),
        Family("sd3", _MMDIT, 7.0, 1024),
        Family("flux-schnell", _steps(2, 4, 4, 6, 8), 0.0, 1024),
        Family("flux-dev", _MMDIT, 3.5, 1024),
        Family("sana", _DIT, 4.5, 1024),
        Family("pixart", _DIT, 4.5, 1024),
        Family("generic", _SD, None, None),
    )
}


def get_family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        known = ", ".join(FAMILIES)
        raise ValueError(f"Unknown diffusion model family {name!r}; known: {known}.") from None


def detect_family(pipeline: Any, model_ref: str) -> Family:
    """Name the family of a loaded pipeline from its class, configs and name."""
    kind = type(pipeline).__name__
    scheduler = type(getattr(pipeline, "scheduler", None)).__name__
    lowered = model_ref.lower()
    turbo = "turbo" in lowered
    if kind.startswith("Flux"):
        transformer = getattr(pipeline, "transformer", None)
        guided = getattr(getattr(transformer, "config", None), "guidance_embeds", False)
        return FAMILIES["flux-dev" if guided and "schnell" not in lowered else "flux-schnell"]
    if kind.startswith("Sana"):
        return FAMILIES["sana"]
    if kind.startswith("PixArt"):
        return FAMILIES["pixart"]
    if kind.startswith("StableDiffusion3"):
        return FAMILIES["sd3"]
    if kind.startswith("LatentConsistencyModel"):
        return FAMILIES["lcm"]
    if kind.startswith("StableDiffusionXL"):
        if turbo:
            return FAMILIES["sdxl-turbo"]
        return FAMILIES["lcm-lora" if scheduler == "LCMScheduler" else "sdxl"]
    if kind.startswith("StableDiffusion"):
        if turbo:
            return FAMILIES["sd-turbo"]
        if scheduler == "LCMScheduler":
            return FAMILIES["lcm-lora"]
        unet = getattr(pipeline, "unet", None)
        cross = getattr(getattr(unet, "config", None), "cross_attention_dim", 768)
        return FAMILIES["sd2" if cross == 1024 else "sd1"]
    return FAMILIES["generic"]


@dataclass(frozen=True)
class Geometry:
    """What sizes a loaded model makes: its native pixel budget and the step it needs."""

    native_side: int
    multiple: int

    def render_size(self, width: int, height: int) -> tuple[int, int]:
        """The native pixel budget at the requested aspect, rounded to what the model takes."""
        area = self.native_side**2
        aspect = width / height
        render_w = math.sqrt(area * aspect)
        render_h = area / render_w
        return self._round(render_w), self._round(render_h)

    def _round(self, side: float) -> int:
        return max(self.multiple, round(side / self.multiple) * self.multiple)


def model_geometry(pipeline: Any, family: Family) -> Geometry:
    """Read the native side and size multiple from the pipeline's configs."""
    vae_scale = int(getattr(pipeline, "vae_scale_factor", 0) or _vae_scale(pipeline))
    denoiser = getattr(pipeline, "unet", None) or getattr(pipeline, "transformer", None)
    config = getattr(denoiser, "config", None)
    sample = getattr(config, "sample_size", None)
    if isinstance(sample, (list, tuple)):
        sample = sample[0]
    default_sample = getattr(pipeline, "default_sample_size", None)
    if type(pipeline).__name__.startswith("Flux") and default_sample:
        sample = default_sample
    if family.native_side and (not family.side_from_config or not sample):
        native = family.native_side
    else:
        native = int(sample * vae_scale) if sample else 512
    down_blocks = getattr(config, "down_block_types", None)
    if down_blocks:
        multiple = vae_scale * 2 ** (len(down_blocks) - 1)
    else:
        patch = getattr(config, "patch_size", None) or 1
        multiple = vae_scale * (2 if type(pipeline).__name__.startswith("Flux") else patch)
    return Geometry(native_side=native, multiple=max(8, multiple))


def _vae_scale(pipeline: Any) -> int:
    vae = getattr(pipeline, "vae", None)
    channels = getattr(getattr(vae, "config", None), "block_out_channels", None)
    return 2 ** (len(channels) - 1) if channels else 8
