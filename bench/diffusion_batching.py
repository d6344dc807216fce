"""Throughput of batching across requests: images/minute at 1, 2, 4, 8 concurrent 512² requests.

The SD-Turbo architecture with random weights (built by bench/diffusion_cpu.py), the
tiny autoencoder, 1 step; one engine. For each concurrency c, c requests (n=1, their own
seeds) are sent from c threads at once, so the engine coalesces them into batches of
up to `max_batch`; the baseline sends the same c requests to the same engine one by one
(each then waits the batching window alone, as a lone request does). A bf16 matmul is
measured right before each run in the same process (the CPU may be shared), and each
figure is the median of --reps runs.

    HF_HUB_OFFLINE=1 python bench/diffusion_batching.py --reps 2
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))

from diffusion_cpu import PROMPT, SIZE, build_models, matmul_throughput


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/pixmill-bench"))
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 2, 4, 8])
    parser.add_argument("--max-batch", type=int, default=4)
    parser.add_argument("--full-vae", action="store_true", help="decode with the full VAE")
    args = parser.parse_args()

    import tempfile

    import torch

    from pixmill.engines.diffusion import DiffusionEngine
    from pixmill.engines.diffusion.cpu import cpu_kind, cpu_name
    from pixmill.request import RenderSpec

    pipeline_dir, taesd_dir = build_models(args.workdir)
    options = {"family": "sd-turbo", "device": "cpu", "tuning_dir": tempfile.mkdtemp()}
    if not args.full_vae:
        options["tiny_vae"] = str(taesd_dir)
    batched = DiffusionEngine(str(pipeline_dir), max_batch=args.max_batch, **options)

    def spec(seed: int) -> RenderSpec:
        return RenderSpec(
            prompt=PROMPT, model="sd-turbo", n=1, width=SIZE, height=SIZE, quality="low",
            background="opaque", output_format="png", output_compression=100, seed=seed,
        )  # fmt: skip

    def concurrent(count: int) -> None:
        barrier = threading.Barrier(count)

        def one(seed: int) -> None:
            barrier.wait()
            batched.generate(spec(seed))

        with ThreadPoolExecutor(count) as pool:
            list(pool.map(one, range(count)))

    def one_by_one(count: int) -> None:  # each alone in its batch (after the window)
        for seed in range(count):
            batched.generate(spec(seed))

    concurrent(1), one_by_one(1)  # warm-up
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU kind: {cpu_kind()} "
        f"({cpu_name()}); SD-Turbo architecture {SIZE}x{SIZE}, 1 step, "
        f"{'full VAE' if args.full_vae else 'tiny autoencoder'}; engine max_batch "
        f"{args.max_batch}, window {batched.info['batch_window_ms']:.0f} ms; path "
        f"{batched.info['path']}; median of {args.reps}\n"
    )
    print(
        f"{'concurrent':>10} {'one by one':>11} {'batched':>9} {'speed-up':>8} "
        f"{'batches':>12} {'bf16 matmul':>12}"
    )
    print(f"{'requests':>10} {'images/min':>11} {'images/min':>9}")
    for count in args.concurrency:
        rates: dict[str, list[float]] = {"one": [], "batched": []}
        peaks, sizes = [], []
        for _ in range(args.reps):
            for name, action in (("one", one_by_one), ("batched", concurrent)):
                peaks.append(matmul_throughput("bfloat16", reps=3))
                before = len(batched._batches.batches)
                started = time.perf_counter()
                action(count)
                rates[name].append(count * 60 / (time.perf_counter() - started))
                if name == "batched":
                    sizes = batched._batches.batches[before:]
        one, both = statistics.median(rates["one"]), statistics.median(rates["batched"])
        print(
            f"{count:10d} {one:11.1f} {both:9.1f} {both / one:7.2f}x {sizes!s:>12} "
            f"{statistics.median(peaks) / 1e9:7.0f} GFLOP/s",
            flush=True,
        )
    print(
        "\n  'batches': the batch sizes of the last batched run; 'bf16 matmul': median of the\n"
        "  4096^2 matmuls measured right before each run (lower when the CPU was shared)."
    )


if __name__ == "__main__":
    main()
