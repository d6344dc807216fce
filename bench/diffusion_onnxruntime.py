"""The SD-Turbo decoders in fp32 on this CPU: torch, OpenVINO and ONNX Runtime, 512x512.

The full SD VAE decoder and the tiny autoencoder's (TAESD), random weights from the
published configs (bench/diffusion_cpu.py builds them once, nothing is downloaded). Each
runtime runs the same module, traced from torch with fused attention; their runs are
interleaved in one process, so a shared CPU slows them alike. It prints the median
seconds per decode, the ratio to torch, and the share of the fp32 matmul peak measured
in the same process.

    HF_HUB_OFFLINE=1 python bench/diffusion_onnxruntime.py --reps 3

ONNX Runtime's rows need the `onnx` package (torch.onnx's exporter writes through it), a
base dependency since the design engine's saliency model; without it they are left out
and the output says so. The UNet is not measured: its ONNX export is a 3.5 GB fp32 graph
past protobuf's 2 GB limit (external data) and a third copy of its weights in memory.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch

from diffusion_cpu import SIZE, build_models, decode_flops, emulated, matmul_throughput


class Decode(torch.nn.Module):
    """The decoder's own decode with flat inputs, as the exporters want it."""

    def __init__(self, vae: torch.nn.Module):
        super().__init__()
        self.vae = vae

    def forward(self, latents: torch.Tensor) -> torch.Tensor:
        return type(self.vae).decode(self.vae, latents, return_dict=False)[0]


def runners(vae: torch.nn.Module, workdir: Path) -> dict:
    """name -> a function decoding latents, for each runtime installed."""
    from pixmill.engines.diffusion.openvino_runtime import use_fused_attention

    use_fused_attention(vae)
    module = Decode(vae).eval()
    example = torch.randn(1, 4, SIZE // 8, SIZE // 8)
    threads = torch.get_num_threads()
    found = {"torch": lambda latents: module(latents)}
    if importlib.util.find_spec("openvino"):
        import openvino as ov

        with torch.no_grad():
            model = ov.convert_model(module, example_input=(example,))
        compiled = ov.Core().compile_model(model, "CPU", {
            "INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY",
            "INFERENCE_NUM_THREADS": threads,
        })  # fmt: skip
        request = compiled.create_infer_request()
        found["openvino"] = lambda latents: request.infer([latents.numpy()])
    if importlib.util.find_spec("onnx") and importlib.util.find_spec("onnxruntime"):
        import onnxruntime as ort

        path = workdir / f"{type(vae).__name__}.onnx"
        with torch.no_grad():
            torch.onnx.export(module, (example,), str(path), dynamo=False,
                              input_names=["latents"], opset_version=17)  # fmt: skip
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        found["onnxruntime"] = lambda latents: session.run(None, {"latents": latents.numpy()})
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/pixmill-bench"))
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    from diffusers import AutoencoderKL, AutoencoderTiny

    pipeline_dir, taesd_dir = build_models(args.workdir)
    peak = matmul_throughput("float32")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, decode of one "
        f"{SIZE}x{SIZE} image in fp32{emulated()}; fp32 matmul peak {peak / 1e9:.0f} "
        f"GFLOP/s; median of {args.reps} interleaved runs after a warm-up"
    )
    if not importlib.util.find_spec("onnx"):
        print("onnxruntime: not measured (torch.onnx.export needs the `onnx` package)")
    print(f"\n{'decoder':8} {'runtime':12} {'s':>7} {'vs torch':>8} {'of fp32 matmul':>14}")
    decoders = {
        "SD VAE": lambda: AutoencoderKL.from_pretrained(pipeline_dir / "vae"),
        "TAESD": lambda: AutoencoderTiny.from_pretrained(taesd_dir),
    }
    with tempfile.TemporaryDirectory() as workdir, torch.inference_mode():
        for name, load in decoders.items():
            vae = load().eval()
            flops = decode_flops(vae, torch.float32)
            found = runners(vae, Path(workdir))
            latents = torch.randn(1, 4, SIZE // 8, SIZE // 8)
            times: dict[str, list[float]] = {runtime: [] for runtime in found}
            for rep in range(args.reps + 1):
                for runtime, decode in found.items():
                    started = time.perf_counter()
                    decode(latents)
                    if rep:  # the first round warms up
                        times[runtime].append(time.perf_counter() - started)
            base = statistics.median(times["torch"])
            for runtime, runs in times.items():
                seconds = statistics.median(runs)
                print(f"{name:8} {runtime:12} {seconds:7.2f} {base / seconds:7.2f}x "
                      f"{flops / seconds / peak:13.0%}", flush=True)  # fmt: skip
            del found, vae


if __name__ == "__main__":
    main()
