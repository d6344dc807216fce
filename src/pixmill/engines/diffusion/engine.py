"""DiffusionEngine: a diffusers text-to-image pipeline from local weights behind pixmill's API."""

from __future__ import annotations

import contextlib
import inspect
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from pixmill.engines.base import (
    EngineCapabilities,
    GeneratedImage,
    PartialImage,
    ProgressCallback,
)
from pixmill.engines.diffusion import edits
from pixmill.engines.diffusion.batching import Coalescer, Job, partial_steps
from pixmill.engines.diffusion.errors import INSTALL_HINT, MissingExtraError
from pixmill.engines.diffusion.families import Family, Geometry, get_family
from pixmill.errors import EngineError
from pixmill.request import MAX_N, RenderSpec

if TYPE_CHECKING:
    from pixmill.engines.diffusion.tuning import Choice, Measurement

logger = logging.getLogger(__name__)

RESIZE_FILTER = Image.Resampling.LANCZOS
_CPU_BATCH_PIXELS = 4 * 512 * 512
"""On a CPU a batch holds at most this many rendered pixels (4 images at 512x512)."""
_ROW_DROPPING_PIPELINES = ("StableDiffusionPipeline", "StableDiffusionXLPipeline")


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
    """Serve one diffusers text-to-image pipeline from local weights, fully offline; it
    edits with image-to-image and inpainting pipelines on the same modules (edits.py).

    Options (from the model's `options` in settings, or `--model` and friends):

    - `model` (required): a local diffusers folder (with model_index.json), a model in
      the store (`models_dir`) by name or repo id, or a repo id in the local HF cache.
      Nothing is downloaded here; a missing model raises ModelNotFoundError naming
      where pixmill looked and the `pixmill models pull` that fetches it.
    - `models_dir`: the model store (default: the settings' `model_store()`).
    - `device`: "cpu", "cuda", "cuda:1", ...; default CUDA when available, else CPU.
    - `dtype`: "float32", "bfloat16" or "float16"; default fp16 on CUDA (bf16 for FLUX,
      SD3, Sana, PixArt), bf16 on CPUs with native bf16 (AVX512-BF16/AMX), else fp32.
    - `tiny_vae`: folder or cached repo id of an AutoencoderTiny (e.g. madebyollin/taesd
      for SD 1.x/2.x, taesdxl for SDXL, taef1 for FLUX) to decode with; much faster on CPU.
    - `family`: a row of the quality table in `families.py`; default detected.
    - `threads`: CPU threads for torch (default: one per physical core).
    - `max_batch`: most images per pipeline call, and so most concurrent images coalesced
      into one batch; default from the device's memory (4 at 512x512 on a CPU).
    - `batch_window_ms`: how long a lone request waits for compatible ones (default 25).
    - `native_side`: side of the square pixel budget to render at (default: the family's
      or the model config's, see `families.py`).
    - `chunked_attention`: attention over chunks of queries instead of the fused kernel;
      default on for CPUs, and measured against the fused kernel where the tuning runs
      torch's UNet (see attention.py).
    - `half_text_encoder`: keep the text encoders' linear weights in float16, widened to
      float32 as each layer runs (weight_storage.py): half their memory; default on where
      the engine computes in float32 on a CPU.
    - `channels_last`: NHWC layout for the UNet and the VAE; default: measured on CPUs
      (tuning.py), on for CUDA.
    - `compile`: torch.compile of the denoiser: False (default), True or a mode
      ("default", "max-autotune-no-cudagraphs"), or "auto" to measure them against eager.
    - `runtime`: what runs the denoiser and the decoder on a CPU: "torch", "openvino"
      (the `openvino` extra, see openvino_runtime.py), or "auto" (default) to measure
      OpenVINO against torch when it is installed.
    - `int8`: OpenVINO with NNCF's int8 weight compression as one more measured
      candidate: "auto" (default: measured, chosen only when faster), True (the only
      OpenVINO candidate), False (never).
    - `tuning_dir`: where the measured choice, inductor's kernels and OpenVINO's exports
      are cached (default `$PIXMILL_DATA_DIR/diffusion`, else ./data/diffusion).
    - `vae_tiling`: decode in overlapping tiles (default off): bounds the decoder's memory
      at large sizes on a GPU.
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
        batch_window_ms: float = 25.0,
        native_side: int | None = None,
        chunked_attention: bool | None = None,
        half_text_encoder: bool | None = None,
        channels_last: bool | None = None,
        compile: bool | str = False,
        runtime: str = "auto",
        int8: bool | str = "auto",
        tuning_dir: str | None = None,
        vae_tiling: bool = False,
        cache_dir: str | None = None,
        keep_safety_checker: bool = False,
        models_dir: str | None = None,
    ):
        _require_extra()
        from pixmill.engines.diffusion import cpu, loading, tuning, weight_storage
        from pixmill.engines.diffusion.families import detect_family, model_geometry
        from pixmill.engines.diffusion.previews import Previewer

        # 1. Find the weights (fails fast, before anything heavy).
        folder = loading.resolve_model_path(model, cache_dir=cache_dir, models_dir=models_dir)
        if tiny_vae:
            loading.resolve_model_path(tiny_vae, marker=loading.MODEL_MARKER, cache_dir=cache_dir)
        compile_modes = tuning.compile_modes(compile)
        runtimes = tuning.runtimes(runtime, device, int8)
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
        if half_text_encoder is None:
            half_text_encoder = on_cpu and str(self.dtype) == "torch.float32"
        if half_text_encoder:
            saved = weight_storage.store_text_encoders_in_half(self.pipeline)
            logger.info("diffusion: text encoders' linear weights in float16: %.2f GiB saved",
                        saved / 2**30)  # fmt: skip
        if vae_tiling and hasattr(self.pipeline.vae, "enable_tiling"):
            self.pipeline.vae.enable_tiling()  # large sizes: decoder memory bounded by a tile
        self.model = model
        self.folder = Path(folder)
        if on_cpu if chunked_attention is None else chunked_attention:
            cpu.use_chunked_attention_in(self.pipeline)
        # 4. The fastest path on this machine: measured once, cached in the tuning dir. A
        # measurement runs in the background (minutes for a full-size model on a small
        # CPU): the server answers meanwhile, `readiness` and the log show its progress, and
        # images wait for the denoiser's path; the decoder's candidates are measured at the
        # first moment no call waits (_decoder_turn).
        self._ready = threading.Event()
        self._final = threading.Event()
        """Set once the path is final: after `_ready` where the decoder is measured later."""
        self._calls = 0
        self._calls_changed = threading.Condition()
        self._renders = threading.Lock()
        """Held by each batch, and by the decoder's measurement: one at a time."""
        self._readiness = "loading"
        self._failure: BaseException | None = None
        tuning_path = Path(tuning_dir) if tuning_dir else tuning.default_tuning_dir()
        if compile_modes:
            tuning.use_inductor_cache(tuning_path)
        plan = self._choose_path(
            tuning_path,
            measure_layouts=on_cpu and channels_last is None,
            channels_last=bool(channels_last) if channels_last is not None else not on_cpu,
            compile_modes=compile_modes,
            # OpenVINO's stand-ins speak the UNet's call and its 4-D latents only.
            runtimes=runtimes if getattr(self.pipeline, "unet", None) is not None else ("torch",),
            # Chunked attention is 2.5x faster than the fused kernel in bf16 on one CPU
            # kind and slower on others (fp32 on AVX2, bf16 on AMX): measured, unless set.
            attentions=("chunked", "fused") if on_cpu and chunked_attention is None else (),
            key_extra=(tiny_vae, chunked_attention),
        )
        # 5. Edits: image-to-image and inpainting on the same modules (no weights loaded),
        # built again once a measurement has put its modules in place.
        self._class_name = loading.pipeline_class_name(folder) or type(self.pipeline).__name__
        self.edits = edits.edit_pipelines(self.pipeline, self._class_name)
        # 6. Batching: one worker per pipeline coalesces concurrent calls.
        self.max_batch = max_batch or self._default_batch()
        self._batches = Coalescer(
            self._run_batch_alone, max_batch=self.max_batch, window=batch_window_ms / 1000
        )
        self.capabilities = EngineCapabilities(
            native_alpha=False,
            vector=False,
            max_n=self.max_batch,
            default_quality="medium",
            max_batch=self.max_batch,
            edits=self.edits is not None,
            variations=self.edits is not None and self.edits.varies,
        )
        self._previewer = Previewer(self.pipeline, self.family.name)
        self._denoised: Any = None
        """The running batch's latest clean-latent estimate (for partial images)."""
        # Rows can leave a running batch only where every per-image tensor is one the
        # step callback sees (SD and SDXL without LCM's guidance embedding); elsewhere a
        # cancelled image is computed to the end of its batch and dropped.
        denoiser = getattr(self.pipeline, "unet", None)
        self._can_drop_rows = (
            type(self.pipeline).__name__ in _ROW_DROPPING_PIPELINES
            and denoiser is not None
            and getattr(denoiser.config, "time_cond_proj_dim", None) is None
        )
        if isinstance(plan, tuning.Choice):
            self._ready_with(plan)
        else:
            self.choice = tuning.Choice(source="measuring")
            threading.Thread(target=self._measure, args=(plan,), name="tuning", daemon=True).start()

    def _measure(self, measure: Measurement) -> None:
        """The path measurement, in its own thread; progress to `readiness` and the log."""
        started = time.monotonic()

        def progress(step: str) -> None:
            status = f"tuning: {step}, {time.monotonic() - started:.0f} s so far"
            if not self._ready.is_set():  # serving already: a late decoder's only logs
                self._readiness = status
            logger.info("diffusion: %s: %s", self.model, status)

        try:
            choice = measure(progress, self._decoder_turn)
            self.edits = edits.edit_pipelines(self.pipeline, self._class_name)
        except BaseException as exc:  # reported by readiness and by every request
            logger.exception("diffusion: measuring the path of %s failed", self.model)
            self._failure = exc
            self._readiness = f"failed: {type(exc).__name__}: {exc}"
            self._ready.set()
            self._final.set()
            return
        self._ready_with(choice)

    @contextlib.contextmanager
    def _decoder_turn(self, denoising: Choice) -> Iterator[None]:
        """Serve with the denoiser's path chosen and the decoder as loaded (torch, the
        baseline: a full VAE decoder's torch weights are small beside a UNet's); then, once
        no call waits, hold renders off while the decoder's candidates are measured. A full
        VAE decode takes 15 to 25 s a run on a 2-core AVX2 CPU: the first image need not
        wait for two of them."""
        self.edits = edits.edit_pipelines(self.pipeline, self._class_name)
        self._ready_with(denoising)
        with self._calls_changed:
            self._calls_changed.wait_for(lambda: self._calls == 0)
            self._renders.acquire()
        try:
            yield
        finally:
            self._renders.release()

    @contextlib.contextmanager
    def _call(self) -> Iterator[None]:
        """Count a call from its start, waiting included: the decoder waits for none."""
        with self._calls_changed:
            self._calls += 1
        try:
            yield
        finally:
            with self._calls_changed:
                self._calls -= 1
                self._calls_changed.notify_all()

    def _ready_with(self, choice: Choice) -> None:
        """Serve on `choice`: the final path, or the denoiser's while the decoder is
        measured (source "measuring")."""
        self.choice = choice
        if "openvino" in choice.denoiser_runtime + choice.decoder_runtime:
            from pixmill.engines.diffusion.openvino_runtime import drop_torch_weights

            freed = drop_torch_weights(self.pipeline)  # the tuning's export freed most
            if freed:
                logger.info("diffusion: %.1f GiB of torch weights freed (OpenVINO runs them)",
                            freed / 2**30)  # fmt: skip
        self._readiness = "ok"
        self._ready.set()
        if choice.source != "measuring":
            self._final.set()
        logger.info(
            "diffusion: %s from %s as %s on %s in %s, native %dpx, batches of %d; path: %s (%s)",
            type(self.pipeline).__name__, self.folder, self.family.name, self.device,
            str(self.dtype).removeprefix("torch."), self.geometry.native_side, self.max_batch,
            self.choice.name, self.choice.source,
        )  # fmt: skip

    @property
    def readiness(self) -> str:
        """ "ok" once the engine serves images; else what it is doing ("tuning: ...") or
        why it cannot ("failed: ...")."""
        return self._readiness

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait for the path measurement, if one runs; False on timeout. Raises EngineError
        when it failed."""
        if not self._ready.wait(timeout):
            return False
        if self._failure is not None:
            raise EngineError(f"The diffusion engine could not start: {self._readiness}")
        return True

    def _choose_path(
        self,
        tuning_dir: Path,
        *,
        measure_layouts: bool,
        channels_last: bool,
        compile_modes: tuple[str, ...],
        runtimes: tuple[str, ...],
        attentions: tuple[str, ...],
        key_extra: tuple[Any, ...],
    ) -> Choice | Measurement:
        """The fixed path the options name or the one measured before on this machine, or
        the measurement to run (given a progress callback)."""
        from pixmill.engines.diffusion import tuning

        openvino_dir = None
        if any(runtime.startswith("openvino") for runtime in runtimes):
            from pixmill.engines.diffusion.openvino_runtime import EXPORT_FORMAT, export_dir

            openvino_dir = export_dir(tuning_dir, self.folder, self.dtype)
            key_extra = (*key_extra, f"openvino export {EXPORT_FORMAT}")  # measured anew
        # The attention alone never calls for a measurement: with a fixed layout and
        # runtime the path is fixed, chunked on CPUs unless the options say otherwise.
        if not measure_layouts and len(compile_modes) <= 1 and len(runtimes) == 1:
            layout = "channels_last" if channels_last else "nchw"
            compiled = compile_modes[0] if compile_modes else None
            choice = tuning.Choice(layout, layout, compiled, runtimes[0], runtimes[0])
            tuning.apply(self.pipeline, choice, openvino_dir)
            return choice
        layouts = tuning.LAYOUTS if measure_layouts else ("channels_last" if channels_last
                                                           else "nchw",)  # fmt: skip
        width, height = self.geometry.render_size(
            self.geometry.native_side, self.geometry.native_side
        )
        key = " | ".join(
            str(part)
            for part in (tuning.machine_key(self.device), self.folder, self.dtype, width, height,
                         layouts, compile_modes, runtimes, attentions, *key_extra)
        )  # fmt: skip

        def denoise() -> Any:
            import torch

            kwargs: dict[str, Any] = {
                "prompt": ["a photograph"],
                "num_inference_steps": 1,
                "width": width,
                "height": height,
                "output_type": "latent",
                "generator": [torch.Generator("cpu").manual_seed(0)],
            }
            if self.family.guidance is not None:
                kwargs["guidance_scale"] = self.family.guidance
            with torch.inference_mode():
                return self.pipeline(**kwargs).images

        def decode(latents: Any) -> Any:
            import torch

            vae = self.pipeline.vae
            with torch.inference_mode():
                return vae.decode(latents / vae.config.scaling_factor, return_dict=False)[0]

        def measure(progress: Callable[[str], None], decoder_turn: tuning.Turn) -> Choice:
            tuner = tuning.Tuner(
                self.pipeline, tuning_dir=tuning_dir, key=key, run_denoiser=denoise,
                run_decoder=decode, openvino_dir=openvino_dir, progress=progress,
            )  # fmt: skip
            return tuner.choose(layouts=layouts, compile_modes=compile_modes, runtimes=runtimes,
                                attentions=attentions, decoder_turn=decoder_turn)  # fmt: skip

        cached = tuning.Tuner(
            self.pipeline, tuning_dir=tuning_dir, key=key, run_denoiser=denoise,
            run_decoder=decode, openvino_dir=openvino_dir,
        ).cached()  # fmt: skip
        return cached if cached is not None else measure

    def steps_and_guidance(self, spec: RenderSpec) -> tuple[int, float | None]:
        return self.family.steps[spec.quality], self.family.guidance

    def check_spec(self, spec: RenderSpec) -> None:
        edits.check_spec(spec, self.edits, spec.model)

    def generate(
        self, spec: RenderSpec, progress: ProgressCallback | None = None
    ) -> list[GeneratedImage]:
        """Make spec.n images; concurrent calls with the same key share pipeline batches.

        progress(done, total) counts denoising steps over all images: total = steps * n.
        An edit (spec.inputs) runs on the edit pipelines; its images never share a batch
        with another call's.
        """
        with self._call():
            self.wait_ready()
            if spec.is_edit:
                return self._edit(spec, progress)
            return self._generate(spec, progress)

    def _generate(
        self, spec: RenderSpec, progress: ProgressCallback | None
    ) -> list[GeneratedImage]:
        # 1. Quality to steps and guidance; size to the model's native budget.
        steps, guidance = self.steps_and_guidance(spec)
        width, height = self.geometry.render_size(spec.width, spec.height)
        # 2. One job per image, each with its own seed, handed to the batching worker.
        jobs = self._jobs(spec, steps, lambda index: (steps, guidance, width, height))
        # 3. Progress and partials as they come; 4. exactly the requested size, RGBA.
        pictures = self._follow(jobs, steps, progress)
        return [
            GeneratedImage(image=_finish(picture, spec), seed=job.seed)
            for job, picture in zip(jobs, pictures, strict=True)
        ]

    def _edit(self, spec: RenderSpec, progress: ProgressCallback | None) -> list[GeneratedImage]:
        """spec.n edits of spec.inputs: each image a job, batched within this call only."""
        assert self.edits is not None  # the service refuses edits on a model that can't
        # 1. Decode the inputs; the pipeline, strength and render size (edits.py).
        steps, _ = self.steps_and_guidance(spec)
        work = edits.prepare(spec, self.edits, self.geometry, steps)
        if work.untouched:  # an opaque mask: nothing may change
            assert work.original is not None
            return [
                GeneratedImage(image=work.original.copy(), seed=spec.image_seed(index))
                for index in range(spec.n)
            ]
        # 2. Jobs keyed by this call's work (by row where the pipeline takes one image).
        jobs = self._jobs(
            spec, work.steps, lambda index: work if work.batched else (work, index), edit=work
        )
        # 3. Progress and partials; 4. the output size, the input pasted back outside a mask.
        pictures = self._follow(jobs, work.steps, progress)
        return [
            GeneratedImage(image=edits.finish(picture, work, spec), seed=job.seed)
            for job, picture in zip(jobs, pictures, strict=True)
        ]

    def _jobs(
        self, spec: RenderSpec, steps: int, key: Any, edit: edits.EditWork | None = None
    ) -> list[Job]:
        """One job per image, each with its own seed, handed to the batching worker."""
        inbox: queue.SimpleQueue = queue.SimpleQueue()
        previews = partial_steps(steps, spec.partial_images)
        jobs = [
            Job(
                key=key(index),
                prompt="" if spec.variation else spec.prompt,
                seed=spec.image_seed(index),
                index=index,
                partial_steps=previews,
                inbox=inbox,
                edit=edit,
            )
            for index in range(spec.n)
        ]
        self._batches.submit(jobs)
        return jobs

    def _follow(
        self, jobs: list[Job], steps: int, progress: ProgressCallback | None
    ) -> list[Image.Image]:
        """Each job's picture; this call's progress and partials reported from its own
        thread as they come."""
        inbox = jobs[0].inbox
        count = len(jobs)
        done_steps: list[int] = [0] * count
        pictures: list[Any] = [None] * count
        total, reported = steps * count, 0
        try:
            while any(picture is None for picture in pictures):
                kind, job, value = inbox.get()
                if kind == "error":
                    raise value
                if kind == "image":
                    pictures[job.index] = value
                    done_steps[job.index] = steps
                elif kind == "step":
                    done_steps[job.index] = max(done_steps[job.index], value)
                if progress is None:
                    continue
                if kind == "partial":
                    progress(reported, total, PartialImage(job.index, value))
                elif sum(done_steps) > reported:
                    reported = sum(done_steps)
                    progress(reported, total)
        except BaseException:
            for job in jobs:  # Cancelled, or an error: the batch goes on without them
                job.cancelled.set()
            raise
        return pictures

    def _run_batch_alone(self, jobs: list[Job]) -> None:
        with self._renders:
            self._run_batch(jobs)

    def _run_batch(self, jobs: list[Job]) -> None:
        """Run one batch (called by the batching worker only) and post each job's picture."""
        import torch

        live = list(jobs)  # rows of the pipeline's batch, in order
        generators = [torch.Generator("cpu").manual_seed(job.seed) for job in live]
        work: edits.EditWork | None = jobs[0].edit
        if work is None:
            steps, guidance, width, height = jobs[0].key
            pipeline, can_drop_rows = self.pipeline, self._can_drop_rows
            kwargs: dict[str, Any] = dict(num_inference_steps=steps, width=width, height=height)
            size = f"{width}x{height}"
        else:
            # Edit pipelines keep per-image tensors (the input's latents, the mask) the
            # step callback does not hand back: a cancelled row finishes with its batch.
            pipeline, can_drop_rows = work.pipeline, False
            kwargs = work.call_kwargs(len(live))
            guidance = self.family.guidance
            size = "edited"
        kwargs.update(
            prompt=[job.prompt for job in live],
            generator=generators,  # one list object: dropping a row drops its generator
            output_type="pil",
        )
        if guidance is not None:
            kwargs["guidance_scale"] = guidance
        if "callback_on_step_end" in inspect.signature(pipeline.__call__).parameters:
            kwargs["callback_on_step_end"] = self._on_step(live, generators, can_drop_rows)
            kwargs["callback_on_step_end_tensor_inputs"] = list(
                getattr(pipeline, "_callback_tensor_inputs", ["latents"])
            )
        wants_partials = any(job.partial_steps for job in live)
        if wants_partials:
            self._watch_denoised(pipeline.scheduler)
        try:
            with torch.inference_mode():
                pictures = list(pipeline(**kwargs).images)
        except _Abandoned:
            return
        except torch.cuda.OutOfMemoryError as exc:
            torch.cuda.empty_cache()
            survivors = [job for job in live if not job.cancelled.is_set()]
            if len(survivors) <= 1:
                raise EngineError(f"Out of GPU memory making one {size} image.") from exc
            half = len(survivors) // 2
            logger.warning("out of GPU memory with %d images; splitting the batch", len(live))
            self._run_batch(survivors[:half])
            self._run_batch(survivors[half:])
            return
        finally:
            if wants_partials:
                self._denoised = None
                vars(pipeline.scheduler).pop("step", None)  # the class's method again
        for job, picture in zip(live, pictures, strict=True):
            job.post("image", picture)

    def _watch_denoised(self, scheduler: Any) -> None:
        """Keep the scheduler's estimate of the clean latents (pred_original_sample) of each
        step for partial images: the noisy latents of early steps are mostly noise."""
        step = scheduler.step

        def watched(*args: Any, **kwargs: Any) -> Any:
            out = step(*args, **kwargs)
            denoised = out[1] if isinstance(out, tuple) and len(out) > 1 else None
            self._denoised = getattr(out, "pred_original_sample", denoised)
            return out

        scheduler.step = watched  # this pipeline runs one batch at a time

    def _on_step(self, live: list[Job], generators: list[Any], can_drop_rows: bool) -> Any:
        """The pipeline's step-end callback: progress and partials out, cancelled rows out."""

        def on_step(pipeline: Any, step: int, timestep: Any, tensors: dict) -> dict:
            latents = tensors.get("latents")
            denoised = self._denoised
            if latents is not None and getattr(denoised, "shape", None) == latents.shape:
                latents = denoised  # the step's clean estimate: a truer preview
            for row, job in enumerate(live):
                job.post("step", step + 1)
                if step + 1 in job.partial_steps and self._previewer.can_preview(latents):
                    job.post("partial", self._previewer.picture(latents[row]))
            gone = [row for row, job in enumerate(live) if job.cancelled.is_set()]
            if len(gone) == len(live):
                raise _Abandoned
            if gone and can_drop_rows:
                keep = [row for row in range(len(live)) if row not in gone]
                tensors = {name: _rows(value, keep, len(live)) for name, value in tensors.items()}
                for row in reversed(gone):  # in place: the pipeline holds these lists
                    del live[row], generators[row]
            return tensors

        return on_step

    @property
    def info(self) -> dict[str, Any]:
        """What this engine runs and how: the path chosen for this machine (once measured),
        batching. Waits for the path to be final."""
        self._final.wait()
        self.wait_ready()
        return {
            "pipeline": type(self.pipeline).__name__,
            "family": self.family.name,
            "device": str(self.device),
            "dtype": str(self.dtype).removeprefix("torch."),
            "path": self.choice.name,
            "path_source": self.choice.source,
            "path_seconds": dict(self.choice.seconds),
            "max_batch": self.max_batch,
            "batch_window_ms": self._batches.window * 1000,
            "edits": self.edits.describe() if self.edits else None,
        }

    def _default_batch(self) -> int:
        import torch

        pixels = self.geometry.native_side**2
        if self.device.type == "cuda":
            total = torch.cuda.get_device_properties(self.device).total_memory
            budget = total / 2**31 * 512 * 512  # about one 512x512 image per 2 GiB
        else:
            budget = _CPU_BATCH_PIXELS
        return max(1, min(MAX_N, int(budget // pixels)))


class _Abandoned(Exception):
    """Every job of a batch was cancelled: stop the pipeline between steps."""


def _rows(value: Any, keep: list[int], batch: int) -> Any:
    """Keep rows `keep` of a per-image tensor: batch-sized, or twice that (guidance's halves)."""
    import torch

    if not isinstance(value, torch.Tensor) or value.ndim == 0:
        return value
    if value.shape[0] == batch:
        return value[keep]
    if value.shape[0] == 2 * batch:
        return value[keep + [row + batch for row in keep]]
    return value


def _finish(picture: Image.Image, spec: RenderSpec) -> Image.Image:
    picture = picture.convert("RGBA")
    if picture.size != (spec.width, spec.height):
        picture = picture.resize((spec.width, spec.height), RESIZE_FILTER)
    return picture
