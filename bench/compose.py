"""A composed design's layout time against its art model's own time (issue 25).

The art model is the SD-Turbo architecture of bench/diffusion_cpu.py (random weights,
built once into --workdir: nothing is downloaded) on pixmill's diffusion engine, asked
for 1024x1024 at quality low (1 step). For each prompt, in this process:

- `art`: the art model's generate() for the art prompt, as the composed engine calls it;
- `layout`: what the composed engine adds for that art: the saliency model, the quiet
  zone, type setting, legibility and drawing (`art.design_over`), of which `saliency`
  is the saliency model's share (at 160x160, `engines/design/saliency.py`);
- `saliency before`: the design edit's saliency crop as it was (`edits.find_subject`
  on the full-size picture), for comparison.

    HF_HUB_OFFLINE=1 python bench/compose.py [--reps 3] [--size 1024]

It prints medians over --reps runs after a warm-up, the layout's share of the art's
time (target: at most 25%), and peak resident memory. The CPU may be shared: compare
the rows of one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

PROMPTS = (
    'Movie poster, an astronaut floating in space, title "LOST IN ORBIT", tagline "Alone"',
    'Instagram post for a coffee shop, a cup of espresso on a wooden table, text "Good Morning"',
    'Event banner, a rocket on the launch pad at dawn, title "LAUNCH DAY", date "March 14"',
)
TARGET = 0.25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/pixmill-bench"))
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()

    import torch

    from diffusion_cpu import build_models
    from pixmill.engines.design import brief, edits, saliency
    from pixmill.engines.design.art import ArtModel, ComposedEngine, design_over
    from pixmill.engines.diffusion import DiffusionEngine
    from pixmill.request import RenderSpec

    args.workdir.mkdir(parents=True, exist_ok=True)
    pipeline_dir, _ = build_models(args.workdir)
    tuning = tempfile.mkdtemp(prefix="pixmill-tuning-")
    engine = DiffusionEngine(
        str(pipeline_dir), family="sd-turbo", device="cpu", runtime="torch", tuning_dir=tuning
    )
    composed = ComposedEngine(ArtModel("sd-turbo", "diffusion", engine))
    size = args.size

    def spec(prompt: str, seed: int) -> RenderSpec:
        return RenderSpec(
            prompt=prompt, model="poster", n=1, width=size, height=size, quality="low",
            background="opaque", output_format="png", output_compression=100, seed=seed,
        )  # fmt: skip

    def one(prompt: str, seed: int) -> dict[str, float]:
        part = composed.art_spec(spec(prompt, seed), 0)
        started = time.perf_counter()
        art = engine.generate(part)[0].image
        art_s = time.perf_counter() - started
        started = time.perf_counter()
        design_over(art, brief.parse(prompt), size, size, seed)
        layout_s = time.perf_counter() - started
        started = time.perf_counter()
        saliency.predict(art)
        saliency_s = time.perf_counter() - started
        started = time.perf_counter()
        edits.find_subject(art)
        before_s = time.perf_counter() - started
        return {"art": art_s, "layout": layout_s, "saliency": saliency_s, "before": before_s}

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; SD-Turbo architecture "
        f"(random weights) at {size}x{size}, quality low; median of {args.reps} after a warm-up"
    )
    one(PROMPTS[0], 0)  # warm-up: the engines' first calls, the fonts, the saliency model
    head = f"{'prompt':40} {'art s':>7} {'layout s':>9} {'saliency':>9} {'before':>7}"
    print(f"\n{head} {'layout/art':>11}")
    shares = []
    for index, prompt in enumerate(PROMPTS):
        runs = [one(prompt, index * 100 + rep) for rep in range(args.reps)]
        median = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        share = median["layout"] / median["art"]
        shares.append(share)
        print(
            f"{prompt[:40]:40} {median['art']:7.2f} {median['layout']:9.3f} "
            f"{median['saliency']:9.3f} {median['before']:7.3f} {share:10.1%}"
        )
    worst = max(shares)
    verdict = "meets" if worst <= TARGET else "misses"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        f"\nlayout over art, worst prompt: {worst:.1%} ({verdict} the target of {TARGET:.0%}); "
        f"peak RSS {peak:.2f} GiB"
    )
    print(
        "  'layout': saliency + quiet zone + type + legibility + drawing, on the art made;\n"
        "  'saliency': its saliency model at 160x160 (engines/design/saliency.py);\n"
        "  'before': the design edit's saliency crop (the model at 320x320) on the same art."
    )


if __name__ == "__main__":
    main()
