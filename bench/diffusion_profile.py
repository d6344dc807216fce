"""Per-layer profile of the SD-Turbo UNet and the decoders at 512x512 on this CPU.

Loads the random-weight models that bench/diffusion_cpu.py builds (the real
architectures), in bf16 with pixmill's chunked attention, and times every convolution,
linear layer and attention call with forward hooks. For each group of layers it prints
the time, the FLOPs, the FLOP rate against a bf16 4096^2 matmul measured right before
and after in the same process, and the weight-read bound: the time to read the layer's
weights once at the memory bandwidth measured here. A layer whose weight-read bound is
close to its time is bound by memory, not by the matmul units.

    python bench/diffusion_profile.py                 # NCHW and channels_last
    python bench/diffusion_profile.py --reps 3 --layout channels_last
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from pathlib import Path

import torch

from diffusion_cpu import build_models, matmul_throughput

SIZE = 512


def memory_bandwidth(megabytes: int = 512) -> float:
    """Bytes per second of a large copy (read + write), best of 5."""
    src = torch.empty(megabytes * 2**20, dtype=torch.uint8)
    dst = torch.empty_like(src)
    dst.copy_(src)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        dst.copy_(src)
        best = min(best, time.perf_counter() - started)
    return 2 * src.numel() / best


class LayerTimer:
    """Wall time, FLOPs and weight bytes per layer group, through forward hooks."""

    def __init__(self, model: torch.nn.Module, prefix: str) -> None:
        self.time: dict[str, float] = defaultdict(float)
        self.flops: dict[str, float] = defaultdict(float)
        self.weights: dict[str, float] = defaultdict(float)
        self._started: dict[int, float] = {}
        for name, module in model.named_modules():
            kind = self._kind(module)
            if kind:
                module.register_forward_pre_hook(self._pre)
                module.register_forward_hook(self._post(prefix, kind, name))

    @staticmethod
    def _kind(module: torch.nn.Module) -> str | None:
        if isinstance(module, torch.nn.Conv2d):
            return "conv"
        if isinstance(module, torch.nn.Linear):
            return "linear"
        if type(module).__name__ == "Attention":
            return "attention"
        if isinstance(module, torch.nn.GroupNorm | torch.nn.LayerNorm):
            return "norm"
        return None

    def _pre(self, module, args) -> None:
        self._started[id(module)] = time.perf_counter()

    def _post(self, prefix: str, kind: str, name: str):
        def hook(module, args, output) -> None:
            elapsed = time.perf_counter() - self._started.pop(id(module))
            out = output[0] if isinstance(output, tuple) else output
            weights = sum(p.numel() * p.element_size() for p in module.parameters())
            if kind == "conv":
                k = module.kernel_size[0] * module.kernel_size[1]
                flops = 2 * out.numel() * module.in_channels // module.groups * k
                group = f"{prefix} conv{module.kernel_size[0]} {out.shape[-1]}px {out.shape[1]}ch"
            elif kind == "linear":
                flops = 2 * out.numel() * module.in_features
                group = f"{prefix} linear {module.in_features}->{module.out_features}"
            elif kind == "attention":
                flops, weights = 0.0, 0
                group = f"{prefix} attention (incl. its linears) {out.shape[-1]}px"
                if out.ndim == 3:
                    group = f"{prefix} attention (incl. its linears) {out.shape[1]} tokens"
            else:
                flops, weights = 0.0, 0
                group = f"{prefix} norm"
            self.time[group] += elapsed
            self.flops[group] += flops
            self.weights[group] += weights

        return hook

    def snapshot(self) -> dict[str, dict[str, float]]:
        return {"time": dict(self.time), "flops": dict(self.flops), "weights": dict(self.weights)}

    def reset(self) -> None:
        for table in (self.time, self.flops, self.weights):
            table.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/pixmill-bench"))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--layout", choices=["nchw", "channels_last", "both"], default="both")
    args = parser.parse_args()
    from diffusers import AutoencoderKL, AutoencoderTiny, UNet2DConditionModel

    from pixmill.engines.diffusion.attention import use_chunked_attention
    from pixmill.engines.diffusion.cpu import cpu_kind

    pipeline_dir, taesd_dir = build_models(args.workdir)
    dtype = torch.bfloat16
    unet = UNet2DConditionModel.from_pretrained(pipeline_dir / "unet", torch_dtype=dtype).eval()
    vae = AutoencoderKL.from_pretrained(pipeline_dir / "vae", torch_dtype=dtype).eval()
    taesd = AutoencoderTiny.from_pretrained(taesd_dir, torch_dtype=dtype).eval()
    for model in (unet, vae):
        use_chunked_attention(model)
    side = SIZE // 8
    sample = torch.randn(1, 4, side, side, dtype=dtype)
    context = torch.randn(1, 77, 1024, dtype=dtype)
    timestep = torch.tensor([999])
    runs = {
        "unet": lambda: unet(sample, timestep, context),
        "vae": lambda: vae.decode(sample),
        "taesd": lambda: taesd.decode(sample),
    }
    bandwidth = memory_bandwidth()
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU kind: {cpu_kind()}; "
        f"{SIZE}x{SIZE}, bf16, chunked attention; copy bandwidth {bandwidth / 1e9:.1f} GB/s"
    )
    layouts = ["nchw", "channels_last"] if args.layout == "both" else [args.layout]
    for layout in layouts:
        memory_format = (
            torch.channels_last if layout == "channels_last" else torch.contiguous_format
        )
        for model in (unet, vae, taesd):
            model.to(memory_format=memory_format)
        timers = {name: LayerTimer(model, name) for name, model in
                  (("unet", unet), ("vae", vae), ("taesd", taesd))}  # fmt: skip
        print(f"\n== layout {layout}")
        for name, run in runs.items():
            totals, peaks, fastest = [], [], None
            with torch.inference_mode():
                run()  # warm-up: oneDNN primitive creation
                for _ in range(args.reps):
                    peaks.append(matmul_throughput("bfloat16", reps=3))
                    timers[name].reset()
                    started = time.perf_counter()
                    run()
                    totals.append(time.perf_counter() - started)
                    peaks.append(matmul_throughput("bfloat16", reps=3))
                    if totals[-1] == min(totals):
                        fastest = timers[name].snapshot()
            report(name, fastest, totals, statistics.median(peaks), bandwidth)


def report(name: str, layers: dict, totals: list[float], peak: float, bandwidth: float) -> None:
    """The fastest run's layer table; rates against the median matmul measured around it."""
    total, median = min(totals), statistics.median(totals)
    flops = sum(layers["flops"].values()) + 0.0
    print(
        f"\n{name}: fastest {total:.3f} s, median {median:.3f} s; bf16 matmul next to it "
        f"(median) {peak / 1e9:.0f} GFLOP/s; conv+linear {flops / 1e9:.0f} GFLOP -> "
        f"{flops / total / 1e9:.0f} GFLOP/s = {flops / total / peak:.0%} of matmul (fastest run), "
        f"{flops / median / peak:.0%} (median run)"
    )
    print(
        f"  {'layer group (fastest run)':58} {'s':>7} {'share':>6} {'GFLOP':>7} {'of matmul':>9} "
        f"{'weights MB':>10} {'read bound s':>12}"
    )
    times = layers["time"]
    for group in sorted(times, key=times.get, reverse=True)[:16]:
        seconds, group_flops = times[group], layers["flops"][group]
        share_of_peak = f"{group_flops / seconds / peak:8.0%}" if group_flops else "       -"
        bound = layers["weights"][group] / bandwidth * 2  # read once; a copy moves bytes twice
        print(
            f"  {group:58} {seconds:7.3f} {seconds / total:6.0%} {group_flops / 1e9:7.1f} "
            f"{share_of_peak:>9} {layers['weights'][group] / 1e6:10.1f} {bound:12.4f}"
        )


if __name__ == "__main__":
    main()
