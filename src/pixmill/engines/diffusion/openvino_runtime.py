"""OpenVINO as the runtime of the denoiser and the decoder on CPUs (the `openvino` extra).

OpenVINO is what FastSD CPU, the fastest CPU anchor, runs on: its CPU plugin plans whole
graphs on oneDNN, with AMX and AVX-512 BF16 kernels, where PyTorch's eager mode runs one
operator at a time. pixmill exports the loaded pipeline's own modules (local weights,
nothing downloaded) with `openvino.convert_model` the first time they are called, in a
child process that reloads them from their folder (openvino_export.py), saves the IR
(and, when the int8 candidate runs, its int8 twin: NNCF's weight compression) under the
tuning directory, and compiles one static-shape model per input shape;
OpenVINO's model cache (`CACHE_DIR`) keeps the compiled blobs across restarts. So the
export (tens of seconds to minutes for a full-size UNet) and the compilation are paid
once per machine, model and shape; shapes are static because the CPU plugin's static
kernels are the fast ones, and a server sees few distinct shapes (the engine renders at
the family's native pixel budget, in batches of 1 to max_batch).

Inputs and outputs cross as float32; inside, OpenVINO runs at the pipeline's precision
(`INFERENCE_PRECISION_HINT` bf16 where the CPU has bf16 kernels, else f32).

A module's torch weights are freed (release_weights) before its export's child loads its
own copy, and before OpenVINO compiles it: two copies are never held at once, also while
the tuning measures OpenVINO beside torch; if torch runs the module again (torch won, or
the export failed), restore_weights reloads them from the module's folder.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from pixmill.engines.diffusion import openvino_export
from pixmill.engines.diffusion.openvino_export import ExportError, ExportSpec

logger = logging.getLogger(__name__)

_DENOISER_EXTRAS = ("timestep_cond", "text_embeds", "time_ids")
"""Optional denoiser inputs, flattened into named model inputs when a pipeline sends them:
LCM's guidance embedding and SDXL's added conditions."""


def available() -> bool:
    """Whether the `openvino` package can be imported."""
    try:
        import openvino  # noqa: F401
    except ImportError:
        return False
    return True


_setup = threading.local()


def _count_setup(seconds: float) -> None:
    _setup.seconds = setup_seconds() + seconds


def setup_seconds() -> float:
    """Seconds this thread has spent exporting and compiling graphs: what a run that
    compiled took beyond running (the tuning times a candidate's first run without it)."""
    return getattr(_setup, "seconds", 0.0)


class _Exported:
    """One exported graph: its IR on disk, and a compiled model per input shape."""

    def __init__(
        self,
        spec: ExportSpec,
        ir_path: Path,
        dtype: torch.dtype,
        *,
        int8: bool,
        release: Callable[[], None] = lambda: None,
    ):
        """`release`: frees the torch module's weights; called before an export and before
        the first compilation, so torch's copy is never held beside another."""
        import openvino as ov

        self._release = release
        self._spec = spec
        self._int8 = int8
        self._ir_path = ir_path
        self._core = ov.Core()
        self._core.set_property({"CACHE_DIR": str(ir_path.parent / "cache")})
        self._config = {
            "INFERENCE_PRECISION_HINT": "bf16" if dtype == torch.bfloat16 else "f32",
            "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_NUM_THREADS": torch.get_num_threads(),
            # The cache keeps the compiled graph and maps the weights from the IR's .bin:
            # for SD's UNet a first compilation of 7.5 s instead of 13 s (no 1.7 GB blob
            # written), a cached one of 3.9 s instead of 2.6 s, and 1.6 GiB less memory
            # at a restart (the blob's weights are not read beside the IR's).
            "CACHE_MODE": "OPTIMIZE_SIZE",
        }
        self._compiled: dict[tuple[tuple[int, ...], ...], Any] = {}
        self._lock = threading.Lock()

    def __call__(self, names: list[str], inputs: list[torch.Tensor]) -> torch.Tensor:
        arrays = [t.detach().to("cpu", torch.float32).contiguous().numpy() for t in inputs]
        shapes = tuple(array.shape for array in arrays)
        request = self._request(names, inputs, shapes)
        outputs = request.infer(dict(zip(names, arrays, strict=True)))
        return torch.from_numpy(next(iter(outputs.values())).copy())

    def _request(
        self, names: list[str], inputs: list[torch.Tensor], shapes: tuple[tuple[int, ...], ...]
    ) -> Any:
        with self._lock:
            compiled = self._compiled.get(shapes)
            if compiled is None:
                started = time.perf_counter()
                model = self._ir(names, inputs)
                model.reshape(dict(zip(names, [list(s) for s in shapes], strict=True)))
                compiled = self._core.compile_model(model, "CPU", self._config)
                self._compiled[shapes] = compiled
                _count_setup(time.perf_counter() - started)
        return compiled.create_infer_request()

    def _ir(self, names: list[str], inputs: list[torch.Tensor]) -> Any:
        """The IR, read from disk for each shape compiled (its weights are mapped from the
        file, not held between compilations), exported first (in a child process) if it
        is not there."""
        path = openvino_export.int8_path(self._ir_path) if self._int8 else self._ir_path
        if not path.exists():
            # torch's copy goes before the child loads its own: the server and the child
            # would together hold two float32 UNets (7 GB for SD's). If the export fails,
            # the tuning puts torch back, which reloads them (restore_weights).
            self._release()
            logger.info("openvino: exporting %s (once per machine and model)", path)
            openvino_export.export(self._spec, inputs, names, self._ir_path, int8=self._int8)
        model = self._core.read_model(path)
        self._release()
        return model


def use_fused_attention(module: torch.nn.Module) -> None:
    """PyTorch's SDPA in every attention of the copy being exported (OpenVINO's own
    attention operation), instead of pixmill's chunked attention, whose Python loops over
    heads and query chunks tracing would unroll for the traced batch and size only. On
    an AMX CPU the VAE decoder's one 4096-token attention was faster fused and its export
    took half the memory."""
    from diffusers.models.attention_processor import Attention, AttnProcessor2_0

    for sub in module.modules():
        if isinstance(sub, Attention):
            sub.set_processor(AttnProcessor2_0())


class DenoiserGraph(torch.nn.Module):
    """The denoiser with flat positional inputs, as convert_model wants them."""

    def __init__(self, denoiser: torch.nn.Module, extras: tuple[str, ...]):
        super().__init__()
        self.denoiser = denoiser
        self.extras = extras

    def forward(self, sample, timestep, encoder_hidden_states, *extras):  # type: ignore[no-untyped-def]
        named = dict(zip(self.extras, extras, strict=True))
        added = {k: named.pop(k) for k in ("text_embeds", "time_ids") if k in named}
        return self.denoiser(
            sample, timestep, encoder_hidden_states=encoder_hidden_states,
            added_cond_kwargs=added or None, return_dict=False, **named,
        )[0]  # fmt: skip


class OpenVINODenoiser(torch.nn.Module):
    """Stands in for the pipeline's UNet: same call, same attributes, run by OpenVINO."""

    def __init__(self, denoiser: torch.nn.Module, folder: Path, *, int8: bool = False):
        """`int8`: run the int8 IR (exported from the full one, which is exported first)."""
        super().__init__()
        self.inner = denoiser
        self.int8 = int8
        self._folder = folder
        self._graphs: dict[tuple[str, ...], _Exported] = {}

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            return getattr(self._modules["inner"], name)

    def forward(  # type: ignore[no-untyped-def]
        self, sample, timestep, encoder_hidden_states=None, timestep_cond=None,
        added_cond_kwargs=None, return_dict=True, **_ignored,
    ):  # fmt: skip
        named = {"timestep_cond": timestep_cond, **(added_cond_kwargs or {})}
        extras = tuple(name for name in _DENOISER_EXTRAS if named.get(name) is not None)
        batch = sample.shape[0]
        steps = torch.as_tensor(timestep, dtype=torch.float32).reshape(-1).expand(batch)
        graph = self._graphs.get(extras)
        if graph is None:
            spec = _spec("denoiser", self.inner, extras=extras)
            path = self._folder / f"denoiser-{'-'.join(extras) or 'plain'}.xml"
            graph = _Exported(
                spec, path, self.inner.dtype, int8=self.int8,
                release=lambda inner=self.inner: release_weights(inner),  # no cycle to self
            )  # fmt: skip
            self._graphs[extras] = graph
        names = ["sample", "timestep", "encoder_hidden_states", *extras]
        inputs = [sample, steps, encoder_hidden_states, *(named[name] for name in extras)]
        out = graph(names, inputs).to(sample.device, sample.dtype)
        return (out,) if not return_dict else _UNetOutput(out)


class _UNetOutput(tuple):
    """diffusers' UNet2DConditionOutput as far as pipelines use it (`.sample`, `[0]`)."""

    def __new__(cls, sample: torch.Tensor) -> _UNetOutput:
        return super().__new__(cls, (sample,))

    @property
    def sample(self) -> torch.Tensor:
        return self[0]


class DecoderGraph(torch.nn.Module):
    """The VAE's own decode (its class's, not the instance's stand-in)."""

    def __init__(self, vae: torch.nn.Module):
        super().__init__()
        self.vae = vae

    def forward(self, latents):  # type: ignore[no-untyped-def]
        return type(self.vae).decode(self.vae, latents, return_dict=False)[0]


def use_openvino_decoder(vae: torch.nn.Module, folder: Path, *, int8: bool = False) -> None:
    """Route `vae.decode` through OpenVINO (the pipelines call only that); a VAE already
    routed the same way keeps its stand-in and so its compiled models. `int8` as for
    OpenVINODenoiser."""
    from diffusers.models.autoencoders.vae import DecoderOutput

    if getattr(vars(vae).get("decode"), "int8", None) == int8:
        return
    name = "decoder-int8" if int8 else "decoder"
    spec = _spec("decoder", vae)
    graph = _Exported(
        spec, folder / "decoder.xml", vae.dtype, int8=int8,
        release=lambda: release_weights(vae, DECODING),
    )  # fmt: skip

    def decode(latents: torch.Tensor, return_dict: bool = True, **_ignored: Any) -> Any:
        out = graph(["latents"], [latents]).to(latents.device, latents.dtype)
        return DecoderOutput(sample=out) if return_dict else (out,)

    decode.int8 = int8  # type: ignore[attr-defined]
    decode.__name__ = name
    vae.decode = decode  # type: ignore[method-assign]


def _spec(graph: str, module: torch.nn.Module, *, extras: tuple[str, ...] = ()) -> ExportSpec:
    """What the export's child loads: this module's class, from the folder it came from."""
    source = openvino_export.source_of(module)
    if source is None:
        raise ExportError(f"{type(module).__name__} was not loaded from a local folder: "
                          "the OpenVINO export reloads it from there")  # fmt: skip
    component = f"{type(module).__module__}:{type(module).__qualname__}"
    # A module whose weights were freed counts as large: it is exported in a child.
    size = 2**62 if getattr(module, "_pixmill_released", ()) else weights(module)[0]
    return ExportSpec(graph, component, source, extras, size)


def weights(module: Any, parts: tuple[str, ...] = ("",)) -> tuple[int, int]:
    """Bytes and number of the weights in `module`'s `parts` ("" for all of it)."""
    if module is None:
        return 0, 0
    module = getattr(module, "_orig_mod", module)
    tensors = [
        tensor
        for part in parts
        if part == "" or hasattr(module, part)
        for tensor in module.get_submodule(part).parameters()
    ]
    return sum(t.numel() * t.element_size() for t in tensors), sum(t.numel() for t in tensors)


DECODING = ("decoder", "post_quant_conv")
"""What of a VAE its decode runs (its encoder stays for edits)."""


def release_weights(module: torch.nn.Module, parts: tuple[str, ...] = ("",)) -> int:
    """Free the torch weights of `module`'s `parts` (submodule names, "" for all of it):
    OpenVINO's compiled models hold their own copy, and restore_weights reloads them from
    the module's folder if torch runs them again. While a measurement compiles OpenVINO
    beside torch, the two copies would otherwise be held at once. Returns the bytes freed.

    The modules stay, with empty tensors of their dtype: the pipelines still read their
    config, dtype and device."""
    released = set(getattr(module, "_pixmill_released", ()))
    freed = 0
    with torch.no_grad():
        for part in parts:
            if part in released or not (part == "" or hasattr(module, part)):
                continue  # a tiny autoencoder has no post_quant_conv
            sub = module.get_submodule(part)
            for tensor in [*sub.parameters(), *sub.buffers()]:
                freed += tensor.numel() * tensor.element_size()
                tensor.data = torch.empty(0, dtype=tensor.dtype, device=tensor.device)
            released.add(part)
    module._pixmill_released = tuple(sorted(released))  # type: ignore[assignment]
    return freed


def restore_weights(module: torch.nn.Module) -> None:
    """Reload what release_weights freed, from the folder `module` was loaded from."""
    released = getattr(module, "_pixmill_released", ())
    if not released:
        return
    source = openvino_export.source_of(module)
    if source is None:
        raise ExportError(f"{type(module).__name__}'s weights were freed and it has no "
                          "folder to reload them from")  # fmt: skip
    variant = {"variant": "fp16"} if openvino_export.only_fp16_weights(Path(source)) else {}
    dtype = next(module.parameters()).dtype
    fresh = type(module).from_pretrained(source, torch_dtype=dtype, **variant)
    with torch.no_grad():
        for part in released:
            own, loaded = module.get_submodule(part), fresh.get_submodule(part)
            tensors = {**dict(own.named_parameters()), **dict(own.named_buffers())}
            for name, tensor in [*loaded.named_parameters(), *loaded.named_buffers()]:
                tensors[name].data = tensor.data  # as release_weights emptied them
    module._pixmill_released = ()  # type: ignore[assignment]


def drop_torch_weights(pipeline: Any) -> int:
    """Free the torch weights of what OpenVINO now runs (the denoiser; the VAE's
    decoding): release_weights of each. Returns the bytes freed."""
    freed = 0
    denoiser = getattr(pipeline, "unet", None)
    if isinstance(denoiser, OpenVINODenoiser):
        freed += release_weights(denoiser.inner)
    vae = getattr(pipeline, "vae", None)
    if vae is not None and getattr(vars(vae).get("decode"), "int8", None) is not None:
        freed += release_weights(vae, DECODING)
    return freed


def use_torch_decoder(vae: torch.nn.Module) -> None:
    """Undo use_openvino_decoder (the decoder's weights reloaded if they were freed)."""
    vae.__dict__.pop("decode", None)
    restore_weights(vae)


EXPORT_FORMAT = 2
"""Bumped when the export changes what an IR computes."""


def export_dir(tuning_dir: Path, model_folder: Path, dtype: torch.dtype) -> Path:
    """Where one model's IR and compiled blobs live: per model folder and precision."""
    import openvino

    # EXPORT_FORMAT: IRs of an earlier export (the chunked UNet, right at one batch and
    # size only) are not reused.
    tag = f"{model_folder.resolve()}|{dtype}|openvino {openvino.__version__}|{EXPORT_FORMAT}"
    return tuning_dir / "openvino" / hashlib.sha256(tag.encode()).hexdigest()[:16]
