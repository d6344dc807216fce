"""SD-Turbo on this CPU: diffusers defaults against pixmill's CPU path, 512x512, 1 step.

The models are the real architectures with random weights, built from their published
configs (written below: nothing is downloaded), so their compute cost is the real one:
SD 2.1's UNet (which SD-Turbo shares), the SD VAE, the OpenCLIP ViT-H text encoder of
SD 2.x, and the tiny autoencoder (TAESD, AutoencoderTiny's default config).

    HF_HUB_OFFLINE=1 python bench/diffusion_cpu.py            # builds /tmp/pixmill-bench once
    HF_HUB_OFFLINE=1 python bench/diffusion_cpu.py --reps 3 --compile

Each configuration runs in its own process, so that its peak memory is its own. It
prints seconds per image (median of --reps after one warm-up), the time of each stage,
the UNet's FLOPs (torch.utils.flop_counter) over its time against this machine's
matmul throughput measured in the same process, peak resident memory, and the cores the
median run got (the CPU may be shared: compare rows of one run, and run it twice).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Published configs. SD 2.1's unet/config.json, at SD-Turbo's 512x512 (sample_size 64).
SD21_UNET = {
    "act_fn": "silu",
    "attention_head_dim": [5, 10, 20, 20],
    "block_out_channels": [320, 640, 1280, 1280],
    "center_input_sample": False,
    "cross_attention_dim": 1024,
    "down_block_types": [
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "CrossAttnDownBlock2D",
        "DownBlock2D",
    ],
    "downsample_padding": 1,
    "dual_cross_attention": False,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 4,
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "norm_eps": 1e-05,
    "norm_num_groups": 32,
    "num_class_embeds": None,
    "only_cross_attention": False,
    "out_channels": 4,
    "sample_size": 64,
    "up_block_types": [
        "UpBlock2D",
        "CrossAttnUpBlock2D",
        "CrossAttnUpBlock2D",
        "CrossAttnUpBlock2D",
    ],
    "upcast_attention": True,
    "use_linear_projection": True,
}
# The SD VAE (vae/config.json of SD 1.x/2.x and SD-Turbo).
SD_VAE = {
    "act_fn": "silu",
    "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "in_channels": 3,
    "latent_channels": 4,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "out_channels": 3,
    "sample_size": 512,
    "scaling_factor": 0.18215,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
}
# OpenCLIP ViT-H/14 text tower as CLIPTextModel (text_encoder/config.json of SD 2.x).
# The vocabulary is the tiny one of random_weights (embedding lookups cost nothing).
SD21_TEXT_ENCODER = {
    "hidden_act": "gelu",
    "hidden_size": 1024,
    "intermediate_size": 4096,
    "num_attention_heads": 16,
    "num_hidden_layers": 23,
    "projection_dim": 512,
    "layer_norm_eps": 1e-05,
}
# TAESD (madebyollin/taesd): AutoencoderTiny's default config.
TAESD = {
    "act_fn": "relu",
    "decoder_block_out_channels": [64, 64, 64, 64],
    "encoder_block_out_channels": [64, 64, 64, 64],
    "in_channels": 3,
    "latent_channels": 4,
    "num_decoder_blocks": [3, 3, 3, 1],
    "num_encoder_blocks": [1, 3, 3, 3],
    "out_channels": 3,
    "upsample_fn": "nearest",
    "upsampling_scaling_factor": 2,
}

SIZE = 512
PROMPT = "a photograph of an astronaut riding a horse on the moon, detailed, sharp focus"
CONFIGS = {
    "diffusers": "diffusers defaults (fp32, fused SDPA), as a user runs it",
    "bf16": "pixmill engine, default dtype only: bf16 where native, else fp32 (no chunks, NCHW)",
    "bf16+attention": "... + chunked attention (channels_last=False)",
    "pixmill": "pixmill CPU path: bf16 + chunked attention + channels_last, full VAE",
    "pixmill+taesd": "pixmill CPU path + tiny autoencoder decode",
    "pixmill+compile": "pixmill CPU path + tiny autoencoder + torch.compile of the UNet",
    "auto": "pixmill default: path measured on this machine (tuning.py), full VAE",
    "auto+taesd": "pixmill default + tiny autoencoder",
    "auto+compile": "compile=auto: eager, compile, compile max-autotune measured; tiny AE",
    "openvino": "pixmill with runtime=openvino: UNet and full VAE decoder run by OpenVINO",
    "openvino+taesd": "runtime=openvino + tiny autoencoder decode",
    "openvino-int8": "runtime=openvino, int8=true: NNCF's int8 weight compression, full VAE",
    "openvino-int8+taesd": "runtime=openvino, int8=true + tiny autoencoder decode",
}
SLOW = ("pixmill+compile", "auto+compile")
"""Compile for minutes on a 2-core CPU: only with --compile."""
OPTIONAL = {
    "openvino": "openvino",
    "openvino+taesd": "openvino",
    "openvino-int8": "nncf",
    "openvino-int8+taesd": "nncf",
}
"""Rows that need an optional package: skipped when it is not installed."""


# ---------------------------------------------------------------- the parent: build, run, print
def build_models(workdir: Path) -> tuple[Path, Path]:
    from pixmill.engines.diffusion.random_weights import (
        build_sd_pipeline,
        build_tiny_vae,
        save_pipeline,
    )

    pipeline_dir, taesd_dir = workdir / "sd-turbo-random", workdir / "taesd-random"
    stamp = workdir / "configs.json"
    wanted = json.dumps([SD21_UNET, SD_VAE, SD21_TEXT_ENCODER, TAESD], sort_keys=True)
    if stamp.is_file() and stamp.read_text() == wanted:
        return pipeline_dir, taesd_dir
    print(f"building the random-weight models in {workdir} (once) ...", flush=True)
    started = time.perf_counter()
    pipeline = build_sd_pipeline(
        pipeline_dir, unet=SD21_UNET, vae=SD_VAE, text_encoder=SD21_TEXT_ENCODER
    )
    save_pipeline(pipeline, pipeline_dir)
    del pipeline
    build_tiny_vae(taesd_dir, TAESD)
    stamp.write_text(wanted)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    return pipeline_dir, taesd_dir


def matmul_throughput(dtype_name: str, budget: float = 10.0, largest: int = 4096) -> float:
    """FLOP/s of a square torch matmul in this dtype, best of the runs that fit `budget`
    seconds: the side doubles from 512 while one matmul takes under a tenth of it, so a
    slow CPU (or a dtype run by a reference path) is measured small rather than for
    minutes."""
    import torch

    dtype = getattr(torch, dtype_name)
    deadline = time.perf_counter() + budget
    side, best = 512, 0.0
    while True:
        a, b = torch.randn(side, side, dtype=dtype), torch.randn(side, side, dtype=dtype)
        fastest = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            a @ b
            fastest = min(fastest, time.perf_counter() - started)
            if time.perf_counter() > deadline:
                break
        best = max(best, 2 * side**3 / fastest)
        if side >= largest or fastest * 8 * 3 > deadline - time.perf_counter():
            return best
        side *= 2


SHORT = {"float32": "fp32", "bfloat16": "bf16", "float16": "fp16"}
CAPS = (
    "ONEDNN_MAX_CPU_ISA",
    "DNNL_MAX_CPU_ISA",
    "ATEN_CPU_CAPABILITY",
    "MKL_ENABLE_INSTRUCTIONS",
    "OV_CPU_MAX_ISA",
)


def emulated() -> str:
    """The ISA caps set in the environment (an emulated, lesser CPU), if any."""
    set_ = [f"{name}={os.environ[name]}" for name in CAPS if os.environ.get(name)]
    return f" (capped: {', '.join(set_)})" if set_ else ""


def run_child(name: str, pipeline_dir: Path, taesd_dir: Path, reps: int) -> dict:
    command = [sys.executable, __file__, "--child", name, "--reps", str(reps)]
    command += ["--pipeline", str(pipeline_dir), "--taesd", str(taesd_dir)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        sys.stderr.write(done.stderr[-3000:])
        raise SystemExit(f"{name} failed ({done.returncode})")
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/pixmill-bench"))
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--compile", action="store_true", help="also time torch.compile")
    parser.add_argument("--only", nargs="*", choices=list(CONFIGS), help="configurations to run")
    parser.add_argument("--child")
    parser.add_argument("--pipeline", type=Path)
    parser.add_argument("--taesd", type=Path)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.pipeline, args.taesd, args.reps)), flush=True)
        return

    import torch

    from pixmill.engines.diffusion.cpu import cpu_capabilities

    args.workdir.mkdir(parents=True, exist_ok=True)
    pipeline_dir, taesd_dir = build_models(args.workdir)
    caps = cpu_capabilities()
    # Only the dtypes with native kernels: another one runs a reference path, on one core,
    # for minutes (bf16 on an AVX2 CPU), and no row runs in it by default.
    peak = {d: matmul_throughput(d) for d in caps.native_dtypes}
    names = args.only or [n for n in CONFIGS if n not in SLOW or args.compile]
    names = [n for n in names if n not in OPTIONAL or importlib.util.find_spec(OPTIONAL[n])]
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; SD-Turbo "
        f"architecture, {SIZE}x{SIZE}, 1 step, guidance 0; median of {args.reps} after a warm-up; "
        f"CPU kind: {caps.kind} ({caps.name}), oneDNN ISA {caps.isa}{emulated()}"
    )
    skipped = [SHORT[d] for d in ("bfloat16", "float16") if d not in caps.native_dtypes]
    peaks = ", ".join(f"{SHORT[d]} {flops / 1e9:.0f} GFLOP/s" for d, flops in peak.items())
    unmeasured = f"; not measured (no native kernels): {', '.join(skipped)}" if skipped else ""
    print(f"matmul peak of the native dtypes: {peaks}{unmeasured}\n")
    results = {}
    for name in names:
        results[name] = result = run_child(name, pipeline_dir, taesd_dir, args.reps)
        print_row(name, result, results.get("diffusers") or results[names[0]])
    print()
    for name in names:
        if results[name].get("path"):
            print(f"  {name:16} path: {results[name]['path']}, final "
                  f"{results[name]['final']:.1f} s after the engine's start")  # fmt: skip
            measured = results[name].get("path_seconds") or {}
            if measured:  # each candidate's first run (with its export) and its best run
                times = ", ".join(f"{what} {s:.1f}" for what, s in measured.items())
                print(f"  {'':16} measured (s): {times}")
    for name in names:
        own, children = results[name]["tree_at_peak"]
        if children:
            print(f"  {name:16} together at its peak: {own / 2**30:.1f} GiB of its own, "
                  f"{children / 2**30:.1f} GiB of its export's")  # fmt: skip
    for name in names:
        print(f"  {name:16} {CONFIGS[name]}")
    print(
        "  'of matmul': the UNet's (decoder's) FLOP/s over a square matmul's (up to 4096^2)\n"
        "  in the dtype it ran in, the median of matmuls measured right before each run in the\n"
        "  same process (n/a in a dtype without native kernels); 'peak RSS': the row's own\n"
        "  process; 'export RSS': its export children's (PSS, sampled every 0.5 s); 'together':\n"
        "  the peak of the two at once (PSS, sampled every 0.5 s); 'cores': CPU\n"
        "  seconds per wall second of the median run (below the thread count when other work\n"
        "  shared the CPU); 'first': engine set-up (path measurement, if any) + the first image\n"
        "  (the decoder's candidates may be measured after it: 'final' says when the path was)."
    )


HEADER = (
    f"{'configuration':16} {'s/image':>8} {'speed-up':>8} {'text':>6} {'unet':>6} "
    f"{'decode':>7} {'other':>6}   {'UNet GFLOP':>10} {'GFLOP/s':>8} {'of matmul':>17} "
    f"{'decode of mm':>12} {'peak RSS':>9} {'export RSS':>10} {'together':>9} {'cores':>6} "
    f"{'first':>6}"
)


def print_row(name: str, result: dict, baseline: dict) -> None:
    if baseline is result:  # the first row: the speed-ups are against it
        print(HEADER)
    stages = result["stages"]
    other = result["total"] - sum(stages.values())
    achieved = result["unet_flops"] / stages["unet"]
    precision = SHORT.get(result["dtype"], result["dtype"])
    matmul = result["matmul"]
    if matmul == matmul:  # measured: the dtype has native kernels
        share = f"{achieved / matmul:4.0%} of {matmul / 1e9:4.0f} {precision}"
        decode_share = f"{result['decode_flops'] / stages['decode'] / matmul:11.0%}"
    else:
        share, decode_share = f"n/a ({precision} not native)", f"{'n/a':>11}"
    speedup = baseline["total"] / result["total"]
    child = result.get("child_rss", 0)
    print(
        f"{name:16} {result['total']:8.2f} {speedup:7.1f}x {stages['text']:6.2f} "
        f"{stages['unet']:6.2f} {stages['decode']:7.2f} {other:6.2f}   "
        f"{result['unet_flops'] / 1e9:10.0f} {achieved / 1e9:8.0f} "
        f"{share:>17}  {decode_share} "
        f"{result['peak_rss'] / 2**30:6.1f} GiB "
        f"{f'{child / 2**30:.1f} GiB' if child else '-':>10} "
        f"{result['tree_rss'] / 2**30:5.1f} GiB "
        f"{result['cores']:6.2f} {result['warmup']:6.1f}",
        flush=True,
    )


# ---------------------------------------------------------------- a child: one configuration
class StageTimer:
    """Wall time spent in the text encoder, the UNet and the VAE decode of a pipeline."""

    def __init__(self, pipeline) -> None:
        self.totals = {"text": 0.0, "unet": 0.0, "decode": 0.0}
        self._wrap(pipeline.text_encoder, "forward", "text")
        self._wrap(pipeline.unet, "forward", "unet")
        self._wrap(pipeline.vae, "decode", "decode")

    def _wrap(self, module, method: str, stage: str) -> None:
        inner = getattr(module, method)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.totals[stage] += time.perf_counter() - started

        setattr(module, method, timed)

    def reset(self) -> None:
        self.totals = dict.fromkeys(self.totals, 0.0)


def unet_flops(unet, dtype) -> int:
    """FLOPs of one UNet call at 512x512, attention counted as its matmuls."""
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    side = SIZE // 8
    sample = torch.randn(1, 4, side, side, dtype=dtype)
    context = torch.randn(1, 77, 1024, dtype=dtype)
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), sdpa_kernel(SDPBackend.MATH), counter:
        unet(sample, torch.tensor([999]), context)
    return counter.get_total_flops()


def decode_flops(vae, dtype) -> int:
    """FLOPs of one decode of a 512x512 image's latent."""
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    from pixmill.engines.diffusion.openvino_runtime import use_torch_decoder

    vae = getattr(vae, "_orig_mod", vae)
    use_torch_decoder(vae)  # OpenVINO's stand-in: count the torch graph it runs
    latent = torch.randn(1, 4, SIZE // 8, SIZE // 8, dtype=dtype)
    counter = FlopCounterMode(display=False)
    with torch.inference_mode(), sdpa_kernel(SDPBackend.MATH), counter:
        vae.decode(latent)
    return counter.get_total_flops()


class TreeMemory:
    """The peak memory of this process and its children (the export's) together, sampled
    every half second in a thread: what the machine must hold at once. Proportional set
    sizes (Linux's PSS): a page two processes share counts once. Reading them walks the
    page tables (40 ms for a 4 GB process), so more often would take CPU from the row."""

    def __init__(self) -> None:
        import threading

        import psutil  # accelerate's and nncf's dependency

        self.peak = self.children_peak = 0
        self.at_peak = (0, 0)
        self._me = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        mine = self._me.cmdline()
        while not self._stop.wait(0.5):
            own, children = self._me.memory_full_info().pss, 0
            for process in self._me.children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    # A child between vfork and exec still runs in this process's memory:
                    # counted, it would count this process twice.
                    if process.cmdline() != mine:
                        children += process.memory_full_info().pss
            if own + children > self.peak:
                self.peak, self.at_peak = own + children, (own, children)
            self.children_peak = max(self.children_peak, children)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def child(name: str, pipeline_dir: Path, taesd_dir: Path, reps: int) -> dict:
    import tempfile

    tree = TreeMemory()
    tuning_dir = tempfile.mkdtemp(prefix="pixmill-tuning-")  # measured afresh in each run
    setup, path, path_seconds, final = 0.0, "", {}, 0.0
    if name == "diffusers":
        from diffusers import StableDiffusionPipeline

        pipeline = StableDiffusionPipeline.from_pretrained(pipeline_dir, local_files_only=True)
        pipeline.set_progress_bar_config(disable=True)

        def make_one() -> None:
            pipeline(PROMPT, num_inference_steps=1, guidance_scale=0.0, height=SIZE, width=SIZE)

    else:
        from pixmill.engines.diffusion import DiffusionEngine
        from pixmill.request import RenderSpec

        options = {"family": "sd-turbo", "device": "cpu", "tuning_dir": tuning_dir}
        if name == "bf16":
            options["chunked_attention"] = False
        if name in ("bf16", "bf16+attention"):
            options["channels_last"] = False
        if name.startswith("pixmill"):
            options["channels_last"] = True  # the fixed path of the first measurement
        if name.endswith("+taesd") or name.endswith("+compile"):
            options["tiny_vae"] = str(taesd_dir)
        if name == "pixmill+compile":
            options["compile"] = True
        if name == "auto+compile":
            options["compile"] = "auto"
        options["runtime"] = "openvino" if name.startswith("openvino") else "torch"
        if name.startswith("openvino"):
            options["int8"] = name.startswith("openvino-int8")
        if name.startswith("auto"):
            options["runtime"] = "auto"
        started = time.perf_counter()
        engine = DiffusionEngine(str(pipeline_dir), **options)
        setup = time.perf_counter() - started
        pipeline = engine.pipeline
        spec = RenderSpec(
            prompt=PROMPT, model="sd-turbo", n=1, width=SIZE, height=SIZE, quality="low",
            background="opaque", output_format="png", output_compression=100, seed=1,
        )  # fmt: skip

        def make_one() -> None:
            engine.generate(spec)

    started = time.perf_counter()
    make_one()  # warm-up (and compilation, if any)
    warmup = setup + time.perf_counter() - started
    if name != "diffusers":  # measured in the background; the decoder after the first image
        info = engine.info  # waits for the path to be final
        final = setup + time.perf_counter() - started
        path = f"{info['path']} ({info['path_source']})"
        path_seconds = info["path_seconds"]
    # The measurement has put OpenVINO's stand-ins in the pipeline: the timer wraps what
    # runs now.
    timer = StageTimer(pipeline)
    unet = getattr(pipeline.unet, "inner", None) or pipeline.unet  # OpenVINO's stand-in
    unet = getattr(unet, "_orig_mod", unet)
    dtype = str(unet.dtype).removeprefix("torch.")
    from pixmill.engines.diffusion.cpu import cpu_capabilities

    native = cpu_capabilities().runs(dtype)
    runs = []
    for _ in range(reps):
        # The CPU may be shared: a matmul measured right before each run, medians of both
        # (none in a dtype without native kernels: it has no peak to be a share of).
        matmul = matmul_throughput(dtype, budget=4.0) if native else float("nan")
        timer.reset()
        started, cpu_started = time.perf_counter(), time.process_time()
        make_one()
        elapsed = time.perf_counter() - started
        cores = (time.process_time() - cpu_started) / elapsed
        runs.append((elapsed, dict(timer.totals), cores, matmul))
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # before the FLOPs
    tree_rss = tree.stop()
    if importlib.util.find_spec("openvino"):  # the FLOP count runs torch's UNet
        from pixmill.engines.diffusion.openvino_runtime import restore_weights

        restore_weights(unet)
    runs.sort(key=lambda run: run[0])
    total, stages, cores, _ = runs[len(runs) // 2]
    return {
        "total": total,
        "warmup": warmup,
        "stages": stages,
        "cores": cores,
        "unet_flops": unet_flops(unet, unet.dtype),
        "decode_flops": decode_flops(pipeline.vae, unet.dtype),
        "matmul": statistics.median(run[3] for run in runs),
        "dtype": dtype,
        "peak_rss": peak_rss,
        # Sampled, not getrusage's: a child started by vfork inherits its parent's peak.
        "child_rss": tree.children_peak,
        "tree_rss": tree_rss,
        "tree_at_peak": tree.at_peak,
        "path": path,
        "path_seconds": path_seconds,
        "final": final,
    }


if __name__ == "__main__":
    main()
