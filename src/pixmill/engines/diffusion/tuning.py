"""Per machine, the fastest way to run the denoiser and the decoder, measured once and cached.

What is fastest differs between CPU kinds (AMX, AVX-512 BF16, AVX2) and torch builds, so
the engine does not trust one machine's benchmark: at start-up it times each candidate
on this machine, at the model's native square size, and keeps the fastest. The
baseline is plain bf16 (or the chosen dtype) in NCHW with pixmill's chunked attention;
a candidate replaces it only when it is faster by MARGIN, so tuning can never make a
machine slower than the baseline by more than the noise of one measurement.

Candidates, each stage (denoiser, decoder) on its own: first the runtimes (torch,
OpenVINO, and OpenVINO with int8 weights where the measurements so far leave it a chance
to win); then, only where torch won, the denoiser's attention (chunked or PyTorch's
fused kernel, each faster on some CPU kinds and dtypes), channels_last and,
with `compile` set, torch.compile of the denoiser (inductor; "max-autotune" also tries
inductor's C++ GEMM templates). The result is cached in `<tuning_dir>/tuning.json`
under a key naming the CPU (model name, oneDNN ISA level, threads), torch's version, the
model, the dtype and the size, so it is measured once per machine, model and shape; a
file lock beside it lets one process measure at a time. Inductor's compiled kernels are
cached in `<tuning_dir>/inductor` across restarts. A large decoder is measured in a turn
the engine gives it (`decoder_turn`), after its first images.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from pixmill.engines.diffusion import openvino_export, openvino_runtime
from pixmill.engines.diffusion.cpu import cpu_capabilities
from pixmill.engines.diffusion.openvino_export import ExportError
from pixmill.engines.diffusion.openvino_runtime import DECODING

logger = logging.getLogger(__name__)

MARGIN = 0.03
"""A candidate must beat the baseline by 3% to be chosen (less is measurement noise)."""
REPEATS = 2
"""Timed runs per candidate after one warm-up run; the fastest counts (a shared CPU only
ever makes a run slower)."""
LONG_RUN = 2.0
"""Seconds from which one run decides (its noise is a small share of it): the warm-up
counts as a timed run (less OpenVINO's export and compilation, timed on their own; not
where torch.compile compiles in it), and a second timed run is made only when the first
came within 10% of the best. The full VAE decoder in fp32 takes 15 s a run on a 2-core
AVX2 CPU, and every run saved shortens the first image."""
LATE_DECODER_BYTES = 32 * 2**20
"""A decoder with at least this many bytes of weights (SD's full VAE decoder: 190 MB in
fp32, 95 MB in bf16; a tiny autoencoder's: 5 MB) is measured in its turn, after the
first images where the engine gives it one: each of its full-size runs takes 15 to 25 s
on a 2-core AVX2 CPU. A smaller one is measured before serving, in seconds."""
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
    attention: str | None = None
    """The torch denoiser's attention where it was measured: "chunked" (attention.py) or
    "fused" (PyTorch's SDPA kernel); None: as the engine's options set it."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Fastest time of each candidate measured, e.g. {"denoiser nchw": 1.4}."""
    source: str = "fixed"
    """"measured" now, "cached" from an earlier measurement, or "fixed" by options."""

    @property
    def name(self) -> str:
        """Short name of the path, e.g. "unet channels_last+compile, decoder nchw"."""
        denoiser = self.denoiser_layout + (f"+compile({self.compile})" if self.compile else "")
        if self.attention:
            denoiser += f", {self.attention} attention"
        if self.denoiser_runtime != "torch":
            denoiser = self.denoiser_runtime
        decoder = self.decoder_layout if self.decoder_runtime == "torch" else self.decoder_runtime
        return f"denoiser {denoiser}, decoder {decoder}"


def runtimes(option: str, device: str | None, int8: bool | str = "auto") -> tuple[str, ...]:
    """The runtimes the `runtime` option asks for, torch first (several: measure them).

    "openvino-int8" is OpenVINO with NNCF's int8 weight compression: a candidate beside
    "openvino" when `int8` is "auto" (the default) and NNCF is installed, the only
    OpenVINO candidate with `int8` True, never with False."""
    from pixmill.engines.diffusion.errors import MissingExtraError

    if int8 not in (True, False, "auto"):
        raise ValueError(f"Unknown int8 option {int8!r}; use auto, true or false")
    on_cpu = device == "cpu" or (device is None and not torch.cuda.is_available())
    if option == "torch" or (option == "auto" and not (on_cpu and openvino_runtime.available())):
        return ("torch",)
    if option not in ("auto", "openvino"):
        raise ValueError(f"Unknown runtime option {option!r}; use auto, torch or openvino")
    if not on_cpu:
        raise ValueError("runtime 'openvino' runs on the CPU; use device 'cpu' with it")
    extra = "its extra: pip install 'pixmill[openvino]'"
    if not openvino_runtime.available():
        raise MissingExtraError(f"runtime 'openvino' needs {extra}")
    if int8 is True and not openvino_export.int8_available():
        raise MissingExtraError(f"int8 needs NNCF, in {extra}")
    with_int8 = int8 is True or (int8 == "auto" and openvino_export.int8_available())
    openvino = ("openvino",) * (int8 is not True) + ("openvino-int8",) * with_int8
    return (("torch",) if option == "auto" else ()) + openvino


def default_tuning_dir() -> Path:
    """`$PIXMILL_DATA_DIR/diffusion` (the server's data directory), else ./data/diffusion."""
    return Path(os.environ.get("PIXMILL_DATA_DIR") or "data") / "diffusion"


def machine_key(device: torch.device) -> str:
    """What makes one machine's measurement valid for another: CPU or GPU, threads, torch."""
    if device.type == "cuda":
        where = torch.cuda.get_device_name(device)
    else:
        caps = cpu_capabilities()
        where = f"{caps.name or 'cpu'} ({caps.isa}), {torch.get_num_threads()} threads"
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
        progress: Callable[[str], None] | None = None,
    ):
        self.pipeline = pipeline
        self.openvino_dir = openvino_dir
        self.cache_file = tuning_dir / "tuning.json"
        self.key = key
        self._denoise = run_denoiser
        self._latents: Any = None
        """The latest denoiser run's output: what the decoder's candidates decode."""
        self._run_decoder = run_decoder
        self._progress = progress or (lambda _: None)
        self._measured = 0
        self._bandwidth: float | None = None

    def _run_denoiser(self) -> Any:
        self._latents = self._denoise()
        return self._latents

    def cached(self) -> Choice | None:
        """The choice measured before on this machine, applied; None when there is none."""
        cached = self._cached()
        if cached is not None:
            cached.source = "cached"
            apply(self.pipeline, cached, self.openvino_dir)
        return cached

    def choose(
        self,
        *,
        layouts: tuple[str, ...],
        compile_modes: tuple[str, ...],
        runtimes: tuple[str, ...] = ("torch",),
        attentions: tuple[str, ...] = (),
        decoder_turn: Turn | None = None,
    ) -> Choice:
        """`layouts`: candidates, the baseline first; `compile_modes`: those to try, if any;
        `attentions`: the torch denoiser's attentions to measure, the one in use first;
        `runtimes`: as `runtimes()` gives them: "torch" first and others to try, or the
        one asked for, used as it is (openvino needs `openvino_dir`); `decoder_turn`:
        given the denoiser's choice (source "measuring") once it is made, where the
        decoder has candidates and at least LATE_DECODER_BYTES of weights; they are
        measured within the context it returns.

        The runtimes are measured first, each against torch's baseline path: where another
        runtime wins a stage, torch's layouts and compilation no longer matter for it and
        are not measured (each full-size candidate costs seconds to a minute)."""
        from filelock import FileLock, Timeout

        # One measurement per machine at a time: two at once would each be slower (and
        # wrong), and together could exceed the memory a full-size model leaves.
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.cache_file.with_suffix(".lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            self._progress("waiting for another process measuring this machine")
            lock.acquire()
        try:
            cached = self.cached()  # that other process may have measured this very key
            if cached is not None:
                return cached
            return self._measure(layouts, compile_modes, runtimes, attentions, decoder_turn)
        finally:
            lock.release()

    def _measure(
        self,
        layouts: tuple[str, ...],
        compile_modes: tuple[str, ...],
        runtimes: tuple[str, ...],
        attentions: tuple[str, ...],
        decoder_turn: Turn | None,
    ) -> Choice:
        choice = Choice(source="measured")
        folder = self.openvino_dir
        denoiser, decoder = _denoiser(self.pipeline), getattr(self.pipeline, "vae", None)
        # Counted now: an export frees torch's weights.
        denoiser_floor = self._int8_floor("denoiser runtime", openvino_runtime.weights(denoiser))
        decoder_weights = openvino_runtime.weights(decoder, DECODING)
        decoder_floor = self._int8_floor("decoder runtime", decoder_weights)
        # 1. The denoiser's runtime; then, if torch runs it, its layout and compilation
        # (through a 1-step pipeline call, so it is generic).
        if runtimes != ("torch",):
            choice.denoiser_runtime = self._fastest(
                "denoiser runtime", runtimes,
                lambda runtime: _set_denoiser_runtime(self.pipeline, runtime, folder),
                self._run_denoiser, choice.seconds, denoiser_floor,
            )  # fmt: skip
        if choice.denoiser_runtime == "torch":
            # Each stage's baseline is the path the stage before left in place: its time is
            # known, and it is not run again (chunked attention and NCHW as loaded).
            now = choice.seconds.get("denoiser runtime torch")
            if len(attentions) > 1:
                choice.attention = self._fastest(
                    "attention", attentions, lambda kind: _set_attention(denoiser, kind),
                    self._run_denoiser, choice.seconds, known=now,
                )  # fmt: skip
                now = choice.seconds[f"attention {choice.attention}"]
            if getattr(self.pipeline, "unet", None) is not None:
                choice.denoiser_layout = self._fastest(
                    "denoiser", layouts, lambda layout: _set_layout(denoiser, layout),
                    self._run_denoiser, choice.seconds,
                    known=now if layouts[0] == "nchw" else None,
                )  # fmt: skip
                now = choice.seconds.get(f"denoiser {choice.denoiser_layout}")
            if compile_modes:
                eager = denoiser
                modes = ("eager", *compile_modes)

                def use(mode: str) -> None:
                    module = eager if mode == "eager" else _compiled(eager, mode)
                    _set_denoiser(self.pipeline, module)

                best = self._fastest(
                    "compile", modes, use, self._run_denoiser, choice.seconds, known=now
                )
                choice.compile = None if best == "eager" else best
        # 2. The decoder's runtime, then its layout if torch runs it, on those latents; a
        # large one in its turn, with images served on torch's meanwhile.
        if decoder is not None:
            latents = self._latents if self._latents is not None else self._run_denoiser()
            turn: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
            candidates = runtimes != ("torch",) or len(layouts) > 1
            if decoder_turn and candidates and decoder_weights[0] >= LATE_DECODER_BYTES:
                turn = decoder_turn(
                    dataclasses.replace(choice, seconds=dict(choice.seconds), source="measuring")
                )
            with turn:
                if runtimes != ("torch",):
                    choice.decoder_runtime = self._fastest(
                        "decoder runtime", runtimes,
                        lambda runtime: _set_decoder_runtime(decoder, runtime, folder),
                        lambda: self._run_decoder(latents), choice.seconds, decoder_floor,
                    )  # fmt: skip
                if choice.decoder_runtime == "torch":
                    now = choice.seconds.get("decoder runtime torch")
                    choice.decoder_layout = self._fastest(
                        "decoder", layouts, lambda layout: _set_layout(decoder, layout),
                        lambda: self._run_decoder(latents), choice.seconds,
                        known=now if layouts[0] == "nchw" else None,
                    )  # fmt: skip
        self._store(choice)
        _return_freed_memory()
        return choice

    def _int8_floor(self, what: str, weights: tuple[int, int]) -> Floor:
        """The least time "openvino-int8" can take where the CPU has no int8 dot products
        (then OpenVINO widens int8 weights before computing with them, so all they can
        save is reading the weights' other bytes from memory): OpenVINO's measured time
        less that reading time. `weights`: the stage's weight bytes and count."""

        def floor(candidate: str, seconds: dict[str, float]) -> float | None:
            full = seconds.get(f"{what} openvino")
            if candidate != "openvino-int8" or full is None or cpu_capabilities().int8_dot:
                return None
            size, count = weights
            if self._bandwidth is None:
                self._bandwidth = memory_bandwidth()
            return full - (size - count) / self._bandwidth

        return floor

    def _fastest(
        self,
        what: str,
        candidates: tuple[str, ...],
        use: Callable[[str], None],
        run: Callable[[], Any],
        seconds: dict[str, float],
        floor: Floor | None = None,
        *,
        known: float | None = None,
    ) -> str:
        """The first candidate is the baseline; another leads only by MARGIN (_leader).
        The winner is left in use. A candidate whose export fails is left out (logged), so
        is one whose `floor` shows it cannot win. Where the warm-up, less OpenVINO's export
        and compilation, takes LONG_RUN seconds or more, it is the first timed run (not
        where torch.compile compiles in it). One already slower than the best by half
        after its warm-up or its first timed run is not run again, nor one of LONG_RUN
        seconds or more that is not within 10% of the best. `known`: the baseline's time,
        where an earlier stage measured the very path it is (it is not run again)."""
        if len(candidates) == 1:
            use(candidates[0])
            return candidates[0]
        measured: list[str] = []
        for candidate in candidates:
            if candidate == candidates[0] and known is not None:
                use(candidate)
                seconds[f"{what} {candidate}"] = known
                measured.append(candidate)
                continue
            least = floor(candidate, seconds) if floor else None
            if least is not None and measured:
                to_beat = seconds[f"{what} {_leader(what, measured, seconds)}"] * (1 - MARGIN)
                if least >= to_beat:
                    seconds[f"{what} {candidate} floor"] = least
                    logger.info("diffusion tuning: %s %s left out: it takes at least %.2f s "
                                "here, and %.2f s is the time to beat", what, candidate, least,
                                to_beat)  # fmt: skip
                    continue
            self._measured += 1
            self._progress(f"measuring {what} {candidate} (candidate {self._measured})")
            _return_freed_memory()  # the last candidate's, before this one compiles
            try:
                use(candidate)
                setup = openvino_runtime.setup_seconds()
                started = time.perf_counter()
                run()  # warm-up: oneDNN primitives, compilation, an export
            except ExportError as exc:
                logger.warning("diffusion tuning: %s %s left out: %s", what, candidate, exc)
                continue
            first = seconds[f"{what} {candidate} first"] = time.perf_counter() - started
            # OpenVINO's export and compilation are timed on their own: the run without them.
            ran = first - (openvino_runtime.setup_seconds() - setup)
            best = min((seconds[f"{what} {c}"] for c in measured), default=float("inf"))
            times: list[float] = []
            if candidate not in COMPILE_MODES and (ran > 1.5 * best or ran >= LONG_RUN):
                # Its warm-up already lost, or is long enough that what else it set up
                # (oneDNN's primitives) is a small share of it: it counts as a timed run.
                times.append(ran)
            while len(times) < REPEATS and not _decided(times, best):
                started = time.perf_counter()
                run()
                times.append(time.perf_counter() - started)
            seconds[f"{what} {candidate}"] = min(times)
            measured.append(candidate)
        if candidates[0] not in measured:
            raise RuntimeError(f"the baseline {what} {candidates[0]} could not run")
        best_name = _leader(what, measured, seconds)
        use(best_name)
        logger.info(
            "diffusion tuning: %s %s (%s)",
            what, best_name,
            ", ".join(f"{c} {seconds[f'{what} {c}']:.3f} s" for c in measured),
        )  # fmt: skip
        return best_name

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


def _return_freed_memory() -> None:
    """Give the heap that freed tensors left back to the system (glibc keeps it otherwise):
    a full-size decode leaves hundreds of MB of it, which the next candidate's compilation
    would otherwise add to."""
    import ctypes
    import gc

    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _leader(what: str, measured: list[str], seconds: dict[str, float]) -> str:
    """The candidate chosen among `measured` (in the order measured): a later one takes the
    lead only when it is faster than the leader by MARGIN. So the baseline stays unless
    beaten by more than a measurement's noise, and so does a runtime that computes exactly
    (OpenVINO in full precision) against one that changes the weights (int8)."""
    leader = measured[0]
    for candidate in measured[1:]:
        if seconds[f"{what} {candidate}"] < seconds[f"{what} {leader}"] * (1 - MARGIN):
            leader = candidate
    return leader


Floor = Callable[[str, dict[str, float]], "float | None"]
"""The least time a candidate can take, given the times measured so far (None: unknown)."""
Turn = Callable[[Choice], contextlib.AbstractContextManager[Any]]
"""The decoder's turn to be measured (Tuner.choose)."""
Measurement = Callable[[Callable[[str], None], Turn], Choice]
"""A path measurement to run, given a progress callback and the decoder's turn."""


def memory_bandwidth(megabytes: int = 256) -> float:
    """Bytes per second this machine reads from memory: a sum over a buffer larger than its
    caches, best of three (a shared machine only ever makes it slower, and a slower
    reading makes the int8 floor lower, so int8 is measured rather than left out)."""
    buffer = torch.ones(megabytes * 2**20 // 4)
    fastest = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        buffer.sum()
        fastest = min(fastest, time.perf_counter() - started)
    return buffer.numel() * buffer.element_size() / fastest


def _decided(times: list[float], best: float) -> bool:
    """Whether more runs of a candidate timed `times` cannot change the choice."""
    if not times:
        return False
    close = 0.9 * best < times[0] < 1.1 * best  # never for the baseline (best is inf)
    return times[0] > 1.5 * best or (times[0] >= LONG_RUN and not close)


def apply(pipeline: Any, choice: Choice, openvino_dir: Path | None = None) -> None:
    """Put the pipeline's denoiser and decoder on the chosen path."""
    if choice.attention:
        _set_attention(_denoiser(pipeline), choice.attention)
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
    if runtime.startswith("openvino"):
        if openvino_dir is None:
            raise ValueError("the openvino runtime needs a directory for its exports")
        int8 = runtime == "openvino-int8"
        if not (isinstance(current, OpenVINODenoiser) and current.int8 == int8):
            stand_in = OpenVINODenoiser(torch_module, openvino_dir, int8=int8)
            _set_denoiser(pipeline, stand_in)
    else:
        if isinstance(current, OpenVINODenoiser):
            from pixmill.engines.diffusion.openvino_runtime import restore_weights

            restore_weights(torch_module)
        _set_denoiser(pipeline, torch_module)


def _set_decoder_runtime(vae: Any, runtime: str, openvino_dir: Path | None) -> None:
    if runtime.startswith("openvino"):
        if openvino_dir is None:
            raise ValueError("the openvino runtime needs a directory for its exports")
        openvino_runtime.use_openvino_decoder(vae, openvino_dir, int8=runtime == "openvino-int8")
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


def _set_attention(module: Any, kind: str) -> None:
    from pixmill.engines.diffusion import attention

    module = getattr(module, "_orig_mod", module)
    if kind == "chunked":
        attention.use_chunked_attention(module)
    else:
        attention.use_fused_attention(module)


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
