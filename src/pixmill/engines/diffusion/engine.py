"""DiffusionEngine: a diffusers text-to-image pipeline from local weights behind pixmill's API."""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PIL import Image

from pixmill.engines.base import EngineCapabilities, GeneratedImage, ProgressCallback
from pixmill.engines.diffusion.errors import INSTALL_HINT, MissingExtraError
from pixmill.engines.diffusion.families import Family, Geometry, get_family
from pixmill.errors import EngineError
from pixmill.request import MAX_N, RenderSpec

logger = logging.getLogger(__name__)

RESIZE_FILTER = Image.Resampling.LANCZOS
_CPU_BATCH_PIXELS = 4 * 512 * 512
"""On a CPU a batch holds at most this many rendered pixels (4 images at 512x512)."""


def _require_extra() -> None:
    try:
        import diffusers  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError(
            f"The diffusion engine needs torch, diffusers and transformers: {INSTALL_HINT} "
            f"(missing: {exc.name})."
        ) from exc


class DiffusionEngine:
    """Serve one diffusers text-to-image pipeline from local weights, fully offline.

    Options (from the model's `options` in settings, or `--model` and friends):

    - `model` (required): a local diffusers folder (with model_index.json) or a Hugging
      Face repo id found in the local HF cache. Nothing is ever downloaded; a missing
      model raises ModelNotFoundError naming where pixmill looked.
    - `device`: "cpu", "cuda", "cuda:1", ...; default CUDA when available, else CPU.
    - `dtype`: "float32", "bfloat16" or "float16"; default fp16 on CUDA (bf16 for FLUX,
      SD3, Sana, PixArt), bf16 on CPUs with native bf16 (AVX512-BF16/AMX), else fp32.
    - `tiny_vae`: folder or cached repo id of an AutoencoderTiny (e.g. madebyollin/taesd
      for SD 1.x/2.x, taesdxl for SDXL, taef1 for FLUX) to decode with; much faster on CPU.
    - `family`: a row of the quality table in `families.py`; default detected.
    - `threads`: CPU threads for torch (default: one per physical core).
    - `max_batch`: most images per pipeline call; default from the device's memory.
    - `native_side`: side of the square pixel budget to render at (default: the family's
      or the model config's, see `families.py`).
    - `chunked_attention`: attention over chunks of queries instead of the fused kernel;
      default on for CPUs, where it is 2.3x faster (see attention.py).
    - `channels_last`: NHWC layout for the UNet and the VAE; default on for CPUs, where
      oneDNN's bf16 convolutions run faster in it (the full VAE decoder about 1.3x).
    - `compile`: torch.compile the denoiser (default off: the UNet gets 5-8% faster on
      the benchmark CPU, but the first image of each size and batch compiles for a minute).
    - `cache_dir`: the Hugging Face hub cache to look in (default HF_HUB_CACHE).
    - `keep_safety_checker`: keep diffusers' own safety checker (default False: pixmill
      moderates images itself).
    """

    name = "diffusion"

    def __init__(
        self,
        model: str,
        *,
        device: str | None = None,
        dtype: str | None = None,
        tiny_vae: str | None = None,
        family: str | None = None,
        threads: int | None = None,
        max_batch: int | None = None,
        native_side: int | None = None,
        chunked_attention: bool | None = None,
        channels_last: bool | None = None,
        compile: bool = False,
        cache_dir: str | None = None,
        keep_safety_checker: bool = False,
    ):
        _require_extra()
        from pixmill.engines.diffusion import cpu, loading
        from pixmill.engines.diffusion.families import detect_family, model_geometry

        # 1. Find the weights (fails fast, before anything heavy).
        folder = loading.resolve_model_path(model, cache_dir=cache_dir)
        if tiny_vae:
            loading.resolve_model_path(tiny_vae, marker=loading.MODEL_MARKER, cache_dir=cache_dir)
        # 2. Device, threads and precision.
        self.device = cpu.pick_device(device)
        cpu.set_threads(threads)
        preset = get_family(family) if family else None
        self.dtype = cpu.pick_dtype(self.device, dtype, loading.pipeline_class_name(folder))
        # 3. Load, then the family's table row and the model's sizes.
        self.pipeline = loading.load_pipeline(
            folder, dtype=self.dtype, keep_safety_checker=keep_safety_checker
        )
        self.family: Family = preset or detect_family(self.pipeline, model)
        self.geometry: Geometry = model_geometry(self.pipeline, self.family)
        if native_side:
            self.geometry = Geometry(native_side, self.geometry.multiple)
        if tiny_vae:
            self.pipeline.vae = loading.load_tiny_vae(
                tiny_vae, dtype=self.dtype, cache_dir=cache_dir
            )
        self.pipeline.to(self.device)
        on_cpu = self.device.type == "cpu"
        if chunked_attention is None:
            chunked_attention = on_cpu
        if channels_last is None:
            channels_last = on_cpu
        cpu.speed_up(
            self.pipeline,
            chunked_attention=chunked_attention,
            channels_last=channels_last,
            compile_model=compile,
        )
        self.model = model
        self.folder = Path(folder)
        self.max_batch = max_batch or self._default_batch()
        self.capabilities = EngineCapabilities(
            native_alpha=False, vector=False, max_n=self.max_batch, default_quality="medium"
        )
        self._lock = threading.Lock()
        """A pipeline holds its scheduler's state: one call at a time."""
        self._step_callback = (
            "callback_on_step_end" in inspect.signature(self.pipeline.__call__).parameters
        )
        logger.info(
            "diffusion: %s from %s as %s on %s in %s, native %dpx, batches of %d",
            type(self.pipeline).__name__, folder, self.family.name, self.device,
            str(self.dtype).removeprefix("torch."), self.geometry.native_side, self.max_batch,
        )  # fmt: skip

    def steps_and_guidance(self, spec: RenderSpec) -> tuple[int, float | None]:
        return self.family.steps[spec.quality], self.family.guidance

    def generate(
        self, spec: RenderSpec, progress: ProgressCallback | None = None
    ) -> list[GeneratedImage]:
        import torch

        # 1. Quality to steps and guidance; size to the model's native budget.
        steps, guidance = self.steps_and_guidance(spec)
        width, height = self.geometry.render_size(spec.width, spec.height)
        # 2. Batches that fit in memory, each image with its own seeded generator.
        batches = list(_chunks(list(range(spec.n)), self.max_batch))
        total = steps * len(batches)
        images: list[GeneratedImage] = []
        reported = 0
        for number, indices in enumerate(batches):
            seeds = [spec.image_seed(i) for i in indices]

            def report(step: int, done: int = number * steps) -> None:
                nonlocal reported  # monotonic, even when a CUDA OOM splits a batch
                value = done + min(step, steps)
                if progress is not None and value > reported:
                    reported = value
                    progress(value, total)

            # 3. Denoise and decode, one batch at a time per pipeline.
            with self._lock, torch.inference_mode():
                pictures = self._run(spec.prompt, seeds, steps, guidance, width, height, report)
            report(steps)
            # 4. Exactly the requested size, RGBA.
            for seed, picture in zip(seeds, pictures, strict=True):
                images.append(GeneratedImage(image=_finish(picture, spec), seed=seed))
        return images

    def _run(
        self,
        prompt: str,
        seeds: list[int],
        steps: int,
        guidance: float | None,
        width: int,
        height: int,
        report: Any,
    ) -> list[Image.Image]:
        import torch

        kwargs: dict[str, Any] = {
            "prompt": [prompt] * len(seeds),
            "num_inference_steps": steps,
            "width": width,
            "height": height,
            "generator": [torch.Generator("cpu").manual_seed(seed) for seed in seeds],
            "output_type": "pil",
        }
        if guidance is not None:
            kwargs["guidance_scale"] = guidance
        if self._step_callback:

            def on_step(pipeline: Any, step: int, timestep: Any, tensors: dict) -> dict:
                report(step + 1)
                return tensors

            kwargs["callback_on_step_end"] = on_step
        try:
            return list(self.pipeline(**kwargs).images)
        except torch.cuda.OutOfMemoryError as exc:
            torch.cuda.empty_cache()
            if len(seeds) == 1:
                raise EngineError(
                    f"Out of GPU memory generating one {width}x{height} image."
                ) from exc
            half = len(seeds) // 2
            logger.warning("out of GPU memory with %d images; splitting the batch", len(seeds))
            return self._run(prompt, seeds[:half], steps, guidance, width, height, report) + (
                self._run(prompt, seeds[half:], steps, guidance, width, height, report)
            )

    def _default_batch(self) -> int:
        import torch

        pixels = self.geometry.native_side**2
        if self.device.type == "cuda":
            total = torch.cuda.get_device_properties(self.device).total_memory
            budget = total / 2**31 * 512 * 512  # about one 512x512 image per 2 GiB
        else:
            budget = _CPU_BATCH_PIXELS
        return max(1, min(MAX_N, int(budget // pixels)))


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _finish(picture: Image.Image, spec: RenderSpec) -> Image.Image:
    picture = picture.convert("RGBA")
    if picture.size != (spec.width, spec.height):
        picture = picture.resize((spec.width, spec.height), RESIZE_FILTER)
    return picture
