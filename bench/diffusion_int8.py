"""The SD-Turbo UNet by OpenVINO on this CPU: full precision against int8, 512x512.

Random weights from the published configs (bench/diffusion_cpu.py builds them once,
nothing is downloaded). The UNet is exported as the engine exports it (a child process,
fp16 IR, openvino_export.py), then run three ways:

- `full`: the IR as it is, in the engine's precision (f32 without native bf16);
- `int8 weights`: NNCF's int8 weight compression, the engine's `openvino-int8` candidate;
- `int8 all`: NNCF's post-training quantization of weights and activations, calibrated on
  --samples random inputs. An experiment: the engine does not offer it (its calibration
  takes minutes, and its images would need the model's own data to stay close).

Each is compiled for one 512x512 image and timed (median of --reps after a warm-up),
one at a time in this process. It prints the seconds per UNet call and the ratio to
`full`, the time to make each variant (export, compression or quantization) and to
compile it, and the least time int8 weights could take by the tuning's rule (engine's
`tuning.py`: without int8 dot products they save only reading weight bytes).

    HF_HUB_OFFLINE=1 python bench/diffusion_int8.py --reps 3
    # an AVX2 CPU, emulated on a larger one (docs/diffusion.md, CPU kinds):
    ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 MKL_ENABLE_INSTRUCTIONS=AVX2 \
        OV_CPU_MAX_ISA=AVX2 HF_HUB_OFFLINE=1 python bench/diffusion_int8.py
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import torch

from diffusion_cpu import SIZE, build_models, emulated

NAMES = ["sample", "timestep", "encoder_hidden_states"]


def example_inputs(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "sample": rng.standard_normal((1, 4, SIZE // 8, SIZE // 8), dtype=np.float32),
        "timestep": np.array([999.0], np.float32),
        "encoder_hidden_states": rng.standard_normal((1, 77, 1024), dtype=np.float32),
    }


def export(unet_dir: Path, folder: Path) -> tuple[Path, float]:
    from pixmill.engines.diffusion.openvino_export import ExportSpec
    from pixmill.engines.diffusion.openvino_export import export as export_ir

    spec = ExportSpec("denoiser", "diffusers:UNet2DConditionModel", str(unet_dir))
    inputs = [torch.from_numpy(array) for array in example_inputs(0).values()]
    started = time.perf_counter()
    export_ir(spec, inputs, NAMES, folder / "denoiser.xml", int8=False)
    return folder / "denoiser.xml", time.perf_counter() - started


def int8_weights(ir: Path) -> tuple[Path, float]:
    """The engine's int8 IR, written by its export's child."""
    from pixmill.engines.diffusion.openvino_export import ExportSpec, int8_path
    from pixmill.engines.diffusion.openvino_export import export as export_ir

    started = time.perf_counter()  # the full IR exists: the child compresses it only
    export_ir(ExportSpec("denoiser", "", ""), [], NAMES, ir, int8=True)
    return int8_path(ir), time.perf_counter() - started


def int8_all(ir: Path, samples: int) -> tuple[Path, float]:
    import nncf
    import openvino as ov
    from nncf.quantization.advanced_parameters import (
        AdvancedQuantizationParameters,
        AdvancedSmoothQuantParameters,
    )

    started = time.perf_counter()
    model = ov.Core().read_model(ir)
    model.reshape({name: list(array.shape) for name, array in example_inputs(0).items()})
    quantized = nncf.quantize(
        model,
        nncf.Dataset([example_inputs(seed) for seed in range(1, samples + 1)]),
        model_type=nncf.ModelType.TRANSFORMER,
        subset_size=samples,
        fast_bias_correction=True,
        advanced_parameters=AdvancedQuantizationParameters(
            smooth_quant_alphas=AdvancedSmoothQuantParameters(matmul=-1)
        ),
    )
    out = ir.with_name("denoiser-int8-all.xml")
    ov.save_model(quantized, out, compress_to_fp16=False)
    return out, time.perf_counter() - started


def timed(ir: Path, reps: int, precision: str) -> tuple[float, float]:
    """Median seconds of one UNet call, and the compilation's seconds."""
    import openvino as ov

    core = ov.Core()
    model = core.read_model(ir)
    model.reshape({name: list(array.shape) for name, array in example_inputs(0).items()})
    started = time.perf_counter()
    compiled = core.compile_model(model, "CPU", {
        "INFERENCE_PRECISION_HINT": precision, "PERFORMANCE_HINT": "LATENCY",
        "INFERENCE_NUM_THREADS": torch.get_num_threads(),
    })  # fmt: skip
    compiling = time.perf_counter() - started
    request = compiled.create_infer_request()
    inputs = example_inputs(0)
    request.infer(inputs)  # warm-up
    runs = []
    for _ in range(reps):
        started = time.perf_counter()
        request.infer(inputs)
        runs.append(time.perf_counter() - started)
    del request, compiled, model
    gc.collect()
    return statistics.median(runs), compiling


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/pixmill-bench"))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--samples", type=int, default=3, help="calibration inputs of int8 all")
    args = parser.parse_args()

    from pixmill.engines.diffusion.cpu import cpu_capabilities
    from pixmill.engines.diffusion.tuning import memory_bandwidth

    args.workdir.mkdir(parents=True, exist_ok=True)
    pipeline_dir, _ = build_models(args.workdir)
    caps = cpu_capabilities()
    precision = "bf16" if caps.runs("bfloat16") else "f32"
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; SD-Turbo UNet by "
        f"OpenVINO, one {SIZE}x{SIZE} image, inference precision {precision}; median of "
        f"{args.reps} after a warm-up; CPU kind: {caps.kind} ({caps.name}), int8 dot "
        f"products: {'yes' if caps.int8_dot else 'no'}{emulated()}\n"
    )
    with tempfile.TemporaryDirectory(prefix="pixmill-int8-") as folder:
        ir, made = export(pipeline_dir / "unet", Path(folder))
        variants = {"full": (ir, made)}
        variants["int8 weights"] = int8_weights(ir)
        variants["int8 all"] = int8_all(ir, args.samples)
        print(f"{'variant':14} {'s/call':>7} {'vs full':>8} {'made in':>8} {'compiled in':>12}")
        full = None
        for name, (path, made) in variants.items():
            seconds, compiling = timed(path, args.reps, precision)
            full = full or seconds
            print(f"{name:14} {seconds:7.2f} {full / seconds:7.2f}x {made:7.1f}s "
                  f"{compiling:11.1f}s", flush=True)  # fmt: skip
            if name == "full":
                from diffusers import UNet2DConditionModel

                unet = UNet2DConditionModel.from_pretrained(pipeline_dir / "unet")
                count = sum(p.numel() for p in unet.parameters())
                size = count * (2 if precision == "bf16" else 4)
                del unet
                bandwidth = memory_bandwidth()
                floor = seconds - (size - count) / bandwidth
    print(
        f"\nthe tuning's floor for int8 weights: {floor:.2f} s ({full:.2f} s less "
        f"{(size - count) / 1e9:.1f} GB at {bandwidth / 1e9:.0f} GB/s)"
        + ("; not applied here: the CPU has int8 dot products" if caps.int8_dot else "")
    )


if __name__ == "__main__":
    main()
