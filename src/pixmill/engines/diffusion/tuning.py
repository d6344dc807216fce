"""Per machine, the fastest way to run the denoiser and the decoder, measured once and cached.

What is fastest differs between CPU kinds (AMX, AVX-512 BF16, AVX2) and torch builds, so
the engine does not trust one machine's benchmark: at start-up it times each candidate
on this machine, at the model's native square size, and keeps the fastest. The
baseline is plain bf16 (or the chosen dtype) in NCHW with pixmill's chunked attention;
a candidate replaces it only when it is faster by MARGIN, so tuning can never make a
machine slower than the baseline by more than the noise of one measurement.

Candidates: channels_last for the denoiser and the decoder; with `compile` set, also
torch.compile of the denoiser (inductor, oneDNN/AMX kernels; "max-autotune" also tries
inductor's C++ GEMM templates). The result is cached in `<tuning_dir>/tuning.json`
under a key naming the CPU (model name, kind, threads), torch's version, the model, the
dtype and the size, so it is measured once per machine, model and shape. Inductor's
compiled kernels are cached in `<tuning_dir>/inductor` across restarts.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from pixmill.engines.diffusion.cpu import cpu_kind, cpu_name

logger = logging.getLogger(__name__)

MARGIN = 0.03
"""A candidate must beat the baseline by 3% to be chosen (less is measurement noise)."""
REPEATS = 2
"""Timed runs per candidate after one warm-up run; the fastest counts (a shared CPU only
ever makes a run slower)."""
LAYOUTS = ("nchw", "channels_last")
COMPILE_MODES = ("default", "max-autotune-no-cudagraphs")
"""torch.compile modes `compile: auto` measures against eager."""


def compile_modes(option: bool | str) -> tuple[str, ...]:
    """The torch.compile modes the `compile` option asks for (several: measure them)."""
    if option is False or option in ("false", "off", "no", "none", ""):
        return ()
    if option is True or option in ("true", "on", "yes"):
        return ("default",)
    if option == "auto":
        return COMPILE_MODES
    if option in COMPILE_MODES:
        return (str(option),)
    raise ValueError(
        f"Unknown compile option {option!r}; use true, false, auto or one of "
        + ", ".join(COMPILE_MODES)
    )


@dataclass
class Choice:
    """What runs the denoiser and the decoder, and what the measurement saw."""

    denoiser_layout: str = "nchw"
    decoder_layout: str = "nchw"
    compile: str | None = None
    """torch.compile mode of the denoiser, None for eager."""
    denoiser_runtime: str = "torch"
    decoder_runtime: str = "torch"
    """"torch", or "openvino" (openvino_runtime.py)."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Fastest time of each candidate measured, e.g. {"denoiser nchw": 1.4}."""
    source: str = "fixed"
    """"measured" now, "cached" from an earlier measurement, or "fixed" by options."""

    @property
    def name(self) -> str:
        """Short name of the path, e.g. "unet channels_last+compile, decoder nchw"."""
        denoiser = self.denoiser_layout + (f"+compile({self.compile})" if self.compile else "")
        if self.denoiser_runtime != "torch":
            denoiser = self.denoiser_runtime
        decoder = self.decoder_layout if self.decoder_runtime == "torch" else self.decoder_runtime
        return f"denoiser {denoiser}, decoder {decoder}"


def runtimes(option: str, device: str | None) -> tuple[str, ...]:
    """The runtimes the `runtime` option asks for, torch first (several: measure them)."""
    from pixmill.engines.diffusion import openvino_runtime
    from pixmill.engines.diffusion.errors import MissingExtraError

    on_cpu = device == "cpu" or (device is None and not torch.cuda.is_available())
    if option == "torch" or (option == "auto" and not (on_cpu and openvino_runtime.available())):
        return ("torch",)
    if option == "auto":
        return ("torch", "openvino")
    if option == "openvino":
        if not on_cpu:
            raise ValueError("runtime 'openvino' runs on the CPU; use device 'cpu' with it")
        if not openvino_runtime.available():
            raise MissingExtraError(
                "runtime 'openvino' needs its extra: pip install 'pixmill[openvino]'"
            )
        return ("openvino",)
    raise ValueError(f"Unknown runtime option {option!r}; use auto, torch or openvino")


def default_tuning_dir() -> Path:
    """`$PIXMILL_DATA_DIR/diffusion` (the server's data directory), else ./data/diffusion."""
    return Path(os.environ.get("PIXMILL_DATA_DIR") or "data") / "diffusion"


def machine_key(device: torch.device) -> str:
    """What makes one machine's measurement valid for another: CPU or GPU, threads, torch."""
    if device.type == "cuda":
        where = torch.cuda.get_device_name(device)
    else:
        where = f"{cpu_name() or 'cpu'} ({cpu_kind()}), {torch.get_num_threads()} threads"
    return f"{where}, torch {torch.__version__}"


def use_inductor_cache(tuning_dir: Path) -> None:
    """Keep inductor's compiled kernels under the tuning directory, across restarts."""
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(tuning_dir / "inductor"))
    os.environ.setdefault("TORCHINDUCTOR_FX_GRAPH_CACHE", "1")
    os.environ.setdefault("TORCHINDUCTOR_AUTOGRAD_CACHE", "1")


class Tuner:
    """Chooses a Choice for one pipeline, from the cache or by measuring on this machine."""

    def __init__(
        self,
        pipeline: Any,
        *,
        tuning_dir: Path,
        key: str,
        run_denoiser: Callable[[], Any],
        run_decoder: Callable[[Any], Any],
        openvino_dir: Path | None = None,
    ):
        self.pipeline = pipeline
        self.openvino_dir = openvino_dir
        self.cache_file = tuning_dir / "tuning.json"
        self.key = key
        self._run_denoiser = run_denoiser
        self._run_decoder = run_decoder

    def choose(
        self,
        *,
        layouts: tuple[str, ...],
        compile_modes: tuple[str, ...],
        runtimes: tuple[str, ...] = ("torch",),
    ) -> Choice:
        """`layouts`: candidates, the baseline first; `compile_modes`: those to try, if any;
        `runtimes`: as `runtimes()` gives them: "torch" first and others to try, or the
        one asked for, used as it is (openvino needs `openvino_dir`)."""
        cached = self._cached()
        if cached is not None:
            cached.source = "cached"
            apply(self.pipeline, cached, self.openvino_dir)
            return cached
        choice = Choice(source="measured")
        denoiser, decoder = _denoiser(self.pipeline), getattr(self.pipeline, "vae", None)
        candidates = layouts
        # 1. Layouts of the denoiser (through a 1-step pipeline call, so it is generic).
        if getattr(self.pipeline, "unet", None) is not None:
            choice.denoiser_layout = self._fastest(
                "denoiser", candidates, lambda layout: _set_layout(denoiser, layout),
                self._run_denoiser, choice.seconds,
            )  # fmt: skip
        latents = self._run_denoiser()
        # 2. Layouts of the decoder, on those latents.
        if decoder is not None:
            choice.decoder_layout = self._fastest(
                "decoder", candidates, lambda layout: _set_layout(decoder, layout),
                lambda: self._run_decoder(latents), choice.seconds,
            )  # fmt: skip
        # 3. torch.compile of the denoiser, on its chosen layout.
        if compile_modes:
            eager = denoiser
            modes = ("eager", *compile_modes)

            def use(mode: str) -> None:
                _set_denoiser(self.pipeline, eager if mode == "eager" else _compiled(eager, mode))

            best = self._fastest("compile", modes, use, self._run_denoiser, choice.seconds)
            choice.compile = None if best == "eager" else best
        # 4. Another runtime for each, against the best torch path found above (one
        # runtime asked for: it is used as it is).
        if runtimes != ("torch",):
            choice.denoiser_runtime = self._fastest(
                "denoiser runtime", runtimes,
                lambda runtime: _set_denoiser_runtime(self.pipeline, runtime, self.openvino_dir),
                self._run_denoiser, choice.seconds,
            )  # fmt: skip
        if runtimes != ("torch",) and decoder is not None:
            latents = self._run_denoiser()
            choice.decoder_runtime = self._fastest(
                "decoder runtime", runtimes,
                lambda runtime: _set_decoder_runtime(decoder, runtime, self.openvino_dir),
                lambda: self._run_decoder(latents), choice.seconds,
            )  # fmt: skip
        self._store(choice)
        return choice

    @staticmethod
    def _fastest(
        what: str,
        candidates: tuple[str, ...],
        use: Callable[[str], None],
        run: Callable[[], Any],
        seconds: dict[str, float],
    ) -> str:
        """The first candidate is the baseline; another wins only by MARGIN. The winner is
        left in use."""
        if len(candidates) == 1:
            use(candidates[0])
            return candidates[0]
        for candidate in candidates:
            use(candidate)
            started = time.perf_counter()
            run()  # warm-up: oneDNN primitives, compilation
            seconds[f"{what} {candidate} first"] = time.perf_counter() - started
            times = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                run()
                times.append(time.perf_counter() - started)
            seconds[f"{what} {candidate}"] = min(times)
        baseline = seconds[f"{what} {candidates[0]}"]
        best = min(candidates, key=lambda c: seconds[f"{what} {c}"])
        if seconds[f"{what} {best}"] > baseline * (1 - MARGIN):
            best = candidates[0]
        use(best)
        logger.info(
            "diffusion tuning: %s %s (%s)",
            what, best,
            ", ".join(f"{c} {seconds[f'{what} {c}']:.3f} s" for c in candidates),
        )  # fmt: skip
        return best

    def _cached(self) -> Choice | None:
        entry = _read(self.cache_file).get(self.key)
        if not isinstance(entry, dict):
            return None
        try:
            return Choice(**entry)
        except TypeError:
            return None  # written by another version: measure again

    def _store(self, choice: Choice) -> None:
        table = _read(self.cache_file)
        table[self.key] = asdict(choice)
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.cache_file.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(table, indent=1, sort_keys=True))
        temporary.replace(self.cache_file)  # atomic: a reader never sees half a file


def apply(pipeline: Any, choice: Choice, openvino_dir: Path | None = None) -> None:
    """Put the pipeline's denoiser and decoder on the chosen path."""
    _set_layout(_denoiser(pipeline), choice.denoiser_layout)
    if getattr(pipeline, "vae", None) is not None:
        _set_layout(pipeline.vae, choice.decoder_layout)
        _set_decoder_runtime(pipeline.vae, choice.decoder_runtime, openvino_dir)
    if choice.compile:
        _set_denoiser(pipeline, _compiled(_denoiser(pipeline), choice.compile))
    _set_denoiser_runtime(pipeline, choice.denoiser_runtime, openvino_dir)


def _set_denoiser_runtime(pipeline: Any, runtime: str, openvino_dir: Path | None) -> None:
    from pixmill.engines.diffusion.openvino_runtime import OpenVINODenoiser

    current = _denoiser(pipeline)
    torch_module = current.inner if isinstance(current, OpenVINODenoiser) else current
    if runtime == "openvino":
        if openvino_dir is None:
            raise ValueError("the openvino runtime needs a directory for its exports")
        if not isinstance(current, OpenVINODenoiser):  # keep its compiled models
            _set_denoiser(pipeline, OpenVINODenoiser(torch_module, openvino_dir))
    else:
        _set_denoiser(pipeline, torch_module)


def _set_decoder_runtime(vae: Any, runtime: str, openvino_dir: Path | None) -> None:
    from pixmill.engines.diffusion import openvino_runtime

    if runtime == "openvino":
        if openvino_dir is None:
            raise ValueError("the openvino runtime needs a directory for its exports")
        openvino_runtime.use_openvino_decoder(vae, openvino_dir)
    else:
        openvino_runtime.use_torch_decoder(vae)


def _read(path: Path) -> dict[str, Any]:
    try:
        table = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return table if isinstance(table, dict) else {}


def _denoiser(pipeline: Any) -> Any:
    unet = getattr(pipeline, "unet", None)  # not `or`: a compiled module has no truth value
    return unet if unet is not None else getattr(pipeline, "transformer", None)


def _set_denoiser(pipeline: Any, module: Any) -> None:
    name = "unet" if getattr(pipeline, "unet", None) is not None else "transformer"
    setattr(pipeline, name, module)


def _set_layout(module: Any, layout: str) -> None:
    if module is None:
        return
    module = getattr(module, "_orig_mod", module)
    fmt = torch.channels_last if layout == "channels_last" else torch.contiguous_format
    if isinstance(module, torch.nn.Module):
        module.to(memory_format=fmt)


def _compiled(module: Any, mode: str) -> Any:
    """torch.compile of `module` (its eager original when it is already compiled).

    Shapes: the first size compiles a static graph; a second size makes inductor mark the
    changed dimensions dynamic and compile once more, a graph that then serves every size
    and batch, so arbitrary sizes do not recompile per call.
    """
    module = getattr(module, "_orig_mod", module)
    return torch.compile(module, mode=None if mode == "default" else mode)
