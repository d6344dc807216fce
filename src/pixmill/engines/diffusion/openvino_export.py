"""The OpenVINO export of one module, in a child process: the server's memory stays its own.
(A small module, up to IN_PROCESS_BYTES, is exported in the server's process instead.)

The child reloads only the module it converts, in float32, from the model's folder
(`*.fp16.*` weight files with their variant), and traces it with fused attention at a
small shape (TRACE_SIDE): the IR keeps no shape, and a small trace holds small
activations. It saves the IR with float16 weights. For the SD-Turbo UNet that peaks at
4.0 GiB, its int8 twin included (8.9 GiB traced at full size with the chunked attention
unrolled; 22 GiB in the server's process before the export had a child), and its memory
is returned when it exits.

The child writes into a private temporary folder beside the IR; the parent moves the
finished files into place, and removes that folder whatever happens, so a failed or
killed export leaves nothing behind and the next start exports again. A folder left by
a server killed mid-export is removed by the next export (its name holds the pid).

With `int8`, the child also writes the IR with NNCF's int8 weight compression
(`nncf.compress_weights`, weights only: activations stay in the inference precision),
read back from the full IR when that one was exported before.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

logger = logging.getLogger(__name__)


class ExportError(RuntimeError):
    """The export's child process failed; nothing of it was kept."""


@dataclass(frozen=True)
class ExportSpec:
    """What the child loads and converts (JSON across the process boundary)."""

    graph: str
    """"denoiser" or "decoder" (openvino_runtime's wrappers)."""
    component: str
    """The module's class, "module:QualName", loaded with `from_pretrained(source)`."""
    source: str
    """The module's local folder (its config's `_name_or_path`)."""
    extras: tuple[str, ...] = ()
    """The denoiser's optional inputs (openvino_runtime._DENOISER_EXTRAS)."""
    weight_bytes: int = 2**62
    """The module's size as loaded: one of at most IN_PROCESS_BYTES is exported in-process."""


IN_PROCESS_BYTES = 128 * 2**20
"""Modules up to this size (a tiny autoencoder: 10 MB) are exported in the server's own
process: their export holds little memory, and a child's start (Python, torch, diffusers,
OpenVINO: about 6 s) would be most of its time. Larger ones (a UNet, a full VAE) and
every int8 export (NNCF is imported only there) run in a child."""


def source_of(module: torch.nn.Module) -> str | None:
    """The local folder `module` was loaded from, or None (built in memory, or a hub id)."""
    config = getattr(module, "config", None)
    path = getattr(config, "_name_or_path", None) or (config or {}).get("_name_or_path")
    return str(path) if path and Path(path, "config.json").is_file() else None


def export(
    spec: ExportSpec, inputs: list[torch.Tensor], names: list[str], ir_path: Path, *, int8: bool
) -> None:
    """Write `ir_path` (and its int8 twin with `int8`) from a child process (in-process for
    a small module); raise ExportError, leaving no file, when the export fails."""
    ir_path.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(ir_path.parent)
    work = Path(tempfile.mkdtemp(prefix=f".export-{os.getpid()}-", dir=ir_path.parent))
    try:
        torch.save([tensor.detach().float().contiguous() for tensor in inputs], work / "inputs.pt")
        job = {"spec": asdict(spec), "names": names, "ir": str(ir_path), "int8": int8}
        (work / "job.json").write_text(json.dumps(job))
        if spec.weight_bytes <= IN_PROCESS_BYTES and not int8:
            try:
                _main(work)
            except Exception as exc:
                raise ExportError(f"the OpenVINO export of {ir_path.name} failed: "
                                  f"{type(exc).__name__}: {exc}") from exc  # fmt: skip
        else:
            _in_child(work, ir_path)
        for name in outputs(ir_path, int8):
            for suffix in (".bin", ".xml"):  # the .xml last: it marks a complete export
                written = work / Path(name).with_suffix(suffix).name
                if written.exists():
                    written.replace(Path(name).with_suffix(suffix))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _in_child(work: Path, ir_path: Path) -> None:
    command = [sys.executable, "-m", __name__, str(work)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        tail = (done.stderr or done.stdout)[-2000:]
        raise ExportError(f"the OpenVINO export of {ir_path.name} failed "
                          f"(exit {done.returncode}): {tail}")  # fmt: skip


def _remove_orphans(folder: Path) -> None:
    """Remove the work folders of exports whose server process is gone (killed before it
    could clean up): a half-written UNet IR is gigabytes."""
    for work in folder.glob(".export-*-*"):
        pid = work.name.split("-")[1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(work, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def int8_path(ir_path: Path) -> Path:
    """Where the int8 twin of an IR lives."""
    return ir_path.with_name(f"{ir_path.stem}-int8.xml")


def outputs(ir_path: Path, int8: bool) -> list[Path]:
    return [ir_path, int8_path(ir_path)] if int8 else [ir_path]


def int8_available() -> bool:
    """Whether NNCF (int8 weight compression) can be imported."""
    try:
        import nncf  # noqa: F401
    except ImportError:
        return False
    return True


# ---------------------------------------------------------------- the child
def _main(work: Path) -> None:
    import gc

    import openvino as ov

    job = json.loads((work / "job.json").read_text())
    spec = ExportSpec(**{**job["spec"], "extras": tuple(job["spec"]["extras"])})
    ir_path = Path(job["ir"])
    full = ir_path if ir_path.exists() else work / ir_path.name
    if not ir_path.exists():
        model = _convert(spec, torch.load(work / "inputs.pt"), job["names"])
        ov.save_model(model, full, compress_to_fp16=True)
        del model  # and the float32 module it shares its weights with
        gc.collect()
    if job["int8"]:
        import nncf

        # Compressed from the saved IR, not the converted model: the float32 weights are
        # gone by then, so the child's peak is the conversion's, not both at once.
        # INT8_ASYM over every matmul and convolution weight; activations as they are.
        model = ov.Core().read_model(full)
        compressed = nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
        ov.save_model(compressed, work / int8_path(ir_path).name, compress_to_fp16=False)


def _convert(spec: ExportSpec, inputs: list[torch.Tensor], names: list[str]) -> Any:
    """The module as an OpenVINO model, traced in float32 at a small shape that the IR
    does not keep."""
    import gc
    import importlib

    import openvino as ov

    from pixmill.engines.diffusion import openvino_runtime

    module_name, _, qualname = spec.component.partition(":")
    cls: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    variant = {"variant": "fp16"} if only_fp16_weights(Path(spec.source)) else {}
    module = cls.from_pretrained(spec.source, torch_dtype=torch.float32, **variant).eval()
    # Fused attention always: the chunked one loops in Python over heads and query chunks,
    # which tracing unrolls for the traced batch and size only.
    openvino_runtime.use_fused_attention(module)
    graph = (
        openvino_runtime.DenoiserGraph(module, spec.extras)
        if spec.graph == "denoiser"
        else openvino_runtime.DecoderGraph(module)
    )
    with torch.no_grad():
        model = ov.convert_model(graph, example_input=tuple(_small(inputs)))
    del graph, module  # the converted model holds what it needs of the weights
    gc.collect()
    for port, name in zip(model.inputs, names, strict=True):
        port.get_tensor().set_names({name})
    return model


TRACE_SIDE = 16
"""Latent side traced (at most): each shape is compiled from the IR on its own."""


def _small(inputs: list[torch.Tensor]) -> list[torch.Tensor]:
    """Example inputs for the trace: one row, at most TRACE_SIDE latent pixels a side."""
    sample, *rest = (tensor[:1] for tensor in inputs)
    return [sample[..., :TRACE_SIDE, :TRACE_SIDE].contiguous(), *rest]


def only_fp16_weights(folder: Path) -> bool:
    """Whether `folder` ships its weights as `*.fp16.*` files only (from_pretrained then
    needs variant="fp16")."""
    weights = [f.name for f in folder.iterdir() if f.suffix in (".safetensors", ".bin")]
    return bool(weights) and all(".fp16." in name for name in weights)


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING)
    _main(Path(sys.argv[1]))
