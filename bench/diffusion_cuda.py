"""The CUDA path on a GPU: diffusers defaults against pixmill, SDXL 1024² 30 steps, SD-Turbo 512².

The device script of issue 17, ready for a machine with a GPU (not yet run: no GPU was
lent to the task that wrote it). Random-weight full-size architectures built from their
published configs, as bench/diffusion_cpu.py builds them (nothing is downloaded):
SDXL base (UNet, SDXL VAE, CLIP-L + OpenCLIP-bigG) and SD-Turbo (SD 2.1 UNet, SD VAE,
OpenCLIP-H). Rows, each in its own process so that its peak memory is its own:

  diffusers        diffusers as loaded without a dtype (fp32), fused SDPA
  diffusers fp16   torch_dtype=float16, as most users run it
  pixmill          the engine's CUDA defaults: fp16 (SD/SDXL), SDPA, channels_last
  pixmill bf16     the same in bf16 (SDXL's VAE then decodes without its fp32 upcast)
  +tiling          bf16 + VAE tiling (large sizes: less decoder memory)
  +compile         bf16 + torch.compile of the UNet (first image: compilation)

Columns: seconds per image (n=1, median of --reps after a warm-up), images per minute
at n=4 (one batched call), the first image (warm-up, compilation), and peak GPU memory.

On the device machine (torch there, diffusers and pixmill's light dependencies carried
as wheels, see /work/.library/device/README.md), SDXL first, each model in its own call
so that each fits the 10-minute limit of one command:

    PYTHONUNBUFFERED=1 python3 bench/diffusion_cuda.py --models sdxl
    PYTHONUNBUFFERED=1 python3 bench/diffusion_cuda.py --models sd-turbo
    python bench/diffusion_cuda.py --tiny --device cpu --steps 2 --reps 1   # smoke test
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).parent))

from diffusion_cpu import PROMPT, SD21_TEXT_ENCODER, SD21_UNET, SD_VAE

# SDXL base 1.0's unet/config.json.
SDXL_UNET = {
    "act_fn": "silu",
    "addition_embed_type": "text_time",
    "addition_embed_type_num_heads": 64,
    "addition_time_embed_dim": 256,
    "attention_head_dim": [5, 10, 20],
    "block_out_channels": [320, 640, 1280],
    "cross_attention_dim": 2048,
    "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
    "in_channels": 4,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "out_channels": 4,
    "projection_class_embeddings_input_dim": 2816,
    "sample_size": 128,
    "transformer_layers_per_block": [1, 2, 10],
    "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
    "use_linear_projection": True,
}
SDXL_VAE = {**SD_VAE, "sample_size": 1024, "scaling_factor": 0.13025, "force_upcast": True}
CLIP_L = {"hidden_size": 768, "intermediate_size": 3072, "num_attention_heads": 12,
          "num_hidden_layers": 12, "projection_dim": 768, "hidden_act": "quick_gelu"}  # fmt: skip
CLIP_BIGG = {"hidden_size": 1280, "intermediate_size": 5120, "num_attention_heads": 20,
             "num_hidden_layers": 32, "projection_dim": 1280, "hidden_act": "gelu"}  # fmt: skip

MODELS = {
    # name: (side, steps, guidance)
    "sdxl": (1024, 30, 6.0),
    "sd-turbo": (512, 1, 0.0),
}
ROWS = {
    "diffusers": {},
    "diffusers fp16": {},
    "pixmill": {},
    "pixmill bf16": {"dtype": "bfloat16"},
    "+tiling": {"dtype": "bfloat16", "vae_tiling": True},
    "+compile": {"dtype": "bfloat16", "compile": True},
}


def tiny_configs() -> dict[str, dict]:
    """Small stand-ins of the same shapes' kinds, for a smoke test without a GPU."""
    unet = {"block_out_channels": [32, 64], "layers_per_block": 1, "norm_num_groups": 8,
            "attention_head_dim": 4, "sample_size": 8,
            "down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"],
            "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D"]}  # fmt: skip
    vae = {"block_out_channels": [16, 32], "layers_per_block": 1, "norm_num_groups": 8,
           "down_block_types": ["DownEncoderBlock2D"] * 2,
           "up_block_types": ["UpDecoderBlock2D"] * 2, "latent_channels": 4}  # fmt: skip
    text = {"hidden_size": 32, "intermediate_size": 64, "num_attention_heads": 2,
            "num_hidden_layers": 2, "projection_dim": 32}  # fmt: skip
    xl_unet = {**unet, "cross_attention_dim": 64, "addition_embed_type": "text_time",
               "addition_time_embed_dim": 8, "projection_class_embeddings_input_dim": 80,
               "transformer_layers_per_block": [1, 1]}  # fmt: skip
    return {"unet": {**unet, "cross_attention_dim": 32}, "vae": vae, "text": text,
            "xl_unet": xl_unet}  # fmt: skip


def build(model: str, workdir: Path, tiny: bool) -> Path:
    """Build and save the random-weight pipeline once (fp16 files: half the disk traffic)."""
    import torch

    from pixmill.engines.diffusion.random_weights import (
        build_sd_pipeline,
        build_sdxl_pipeline,
        save_pipeline,
    )

    folder = workdir / (model + ("-tiny" if tiny else ""))
    if (folder / "model_index.json").is_file():
        return folder
    started = time.perf_counter()
    small = tiny_configs() if tiny else None
    if model == "sdxl":
        pipeline = build_sdxl_pipeline(
            folder,
            unet=small["xl_unet"] if small else SDXL_UNET,
            vae=small["vae"] if small else SDXL_VAE,
            text_encoder=small["text"] if small else CLIP_L,
            text_encoder_2=small["text"] if small else CLIP_BIGG,
        )
    else:
        pipeline = build_sd_pipeline(
            folder,
            unet=small["unet"] if small else SD21_UNET,
            vae=small["vae"] if small else SD_VAE,
            text_encoder=small["text"] if small else SD21_TEXT_ENCODER,
        )
    save_pipeline(pipeline.to(torch.float16), folder)
    print(f"built {model} in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="*", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--rows", nargs="*", choices=list(ROWS), default=list(ROWS))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/pixmill-cuda-bench"))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="small models: a smoke test")
    parser.add_argument("--steps", type=int, help="override the models' step counts")
    parser.add_argument("--child", nargs=2, metavar=("MODEL", "ROW"))
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    if args.child:
        if args.steps:
            for name, (side, _, guidance) in MODELS.items():
                MODELS[name] = (side, args.steps, guidance)
        result = child(*args.child, args.folder, args.device, args.reps, args.tiny)
        print(json.dumps(result), flush=True)
        return
    import torch

    args.workdir.mkdir(parents=True, exist_ok=True)
    where = torch.cuda.get_device_name(args.device) if args.device.startswith("cuda") else "CPU"
    print(f"torch {torch.__version__} on {where}; median of {args.reps} after a warm-up")
    if args.device.startswith("cuda"):
        print(f"bf16 8192^3 matmul: {matmul_tflops(args.device):.0f} TFLOP/s")
    for model in args.models:
        side, steps, guidance = MODELS[model]
        steps = args.steps or steps
        folder = build(model, args.workdir, args.tiny)
        print(f"\n{model}: {side}x{side}, {steps} steps, guidance {guidance}")
        print(f"{'path':16} {'s/image':>8} {'img/min n=4':>12} {'first':>7} {'peak GiB':>9}")
        for row in args.rows:
            if row == "+tiling" and side < 1024:
                continue
            command = [sys.executable, __file__, "--child", model, row, "--folder", str(folder),
                       "--device", args.device, "--reps", str(args.reps)]  # fmt: skip
            command += ["--tiny"] if args.tiny else []
            command += ["--steps", str(args.steps)] if args.steps else []
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
            if done.returncode or not lines:
                print(f"{row:16} failed ({done.returncode}): {done.stderr[-800:]}", flush=True)
                continue
            r = json.loads(lines[-1])
            print(
                f"{row:16} {r['seconds']:8.2f} {r['per_minute_n4']:12.1f} {r['first']:7.1f} "
                f"{r['peak'] / 2**30:9.1f}",
                flush=True,
            )


def matmul_tflops(device: str, side: int = 8192) -> float:
    import torch

    a = torch.randn(side, side, device=device, dtype=torch.bfloat16)
    b = torch.randn(side, side, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(10):
        a @ b
    torch.cuda.synchronize()
    return 2 * side**3 * 10 / (time.perf_counter() - started) / 1e12


def child(model: str, row: str, folder: Path, device: str, reps: int, tiny: bool) -> dict:
    import torch

    side, steps, guidance = MODELS[model]
    side = 64 if tiny else side
    if row.startswith("diffusers"):
        from diffusers import DiffusionPipeline

        dtype = torch.float16 if row == "diffusers fp16" else torch.float32
        pipeline = DiffusionPipeline.from_pretrained(folder, torch_dtype=dtype).to(device)
        pipeline.set_progress_bar_config(disable=True)

        def make(n: int) -> None:
            pipeline(PROMPT, num_inference_steps=steps, guidance_scale=guidance, height=side,
                     width=side, num_images_per_prompt=n)  # fmt: skip

    else:
        from pixmill.engines.diffusion import DiffusionEngine
        from pixmill.request import RenderSpec

        family = "sdxl" if model == "sdxl" else "sd-turbo"
        engine = DiffusionEngine(str(folder), device=device, family=family, native_side=side,
                                 max_batch=4, **ROWS[row])  # fmt: skip
        # The bench's step count whatever the quality table says (SDXL: 30).
        engine.family = dataclasses.replace(
            engine.family, steps=dict.fromkeys(engine.family.steps, steps)
        )

        def make(n: int) -> None:
            engine.generate(RenderSpec(
                prompt=PROMPT, model=model, n=n, width=side, height=side, quality="low",
                background="opaque", output_format="png", output_compression=100, seed=1,
            ))  # fmt: skip

    cuda = device.startswith("cuda")
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    started = time.perf_counter()
    make(1)
    first = time.perf_counter() - started
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        make(1)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    make(4)
    batch = time.perf_counter() - started
    return {
        "seconds": statistics.median(times),
        "per_minute_n4": 4 * 60 / batch,
        "first": first,
        "peak": torch.cuda.max_memory_allocated(device) if cuda else 0,
    }


if __name__ == "__main__":
    main()
