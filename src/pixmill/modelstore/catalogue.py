"""Open models worth running on the diffusion engine: `pixmill models catalogue`.

Facts come from each repo's model card (the `card` link). Sizes and memory are
ESTIMATES unless marked measured: weights are parameters x bytes per parameter (2 in
fp16/bf16, 4 in fp32), with the parameter counts the cards and papers give; memory adds
the activations of one 1024x1024 image (512x512 for the turbo models). A CPU run
holds fp32 weights unless the CPU has native bf16 (engines/diffusion/cpu.py).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    repo: str
    licence: str
    commercial: str
    gated: bool
    pipeline: str
    parameters: str
    variant: str | None
    """The precision `pull` fetches by default (None: the repo's main weights)."""
    disk: str
    gpu_memory: str
    cpu_memory: str
    steps: str
    """What pixmill runs: its family's steps per quality (families.py) and guidance."""
    edits: str
    card: str

    @property
    def pull_command(self) -> str:
        return f"pixmill models pull {self.name}"


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        name="sd-turbo",
        repo="stabilityai/sd-turbo",
        licence="Stability AI Community License (sai-nc-community at release)",
        commercial="see stability.ai/license",
        gated=False,
        pipeline="StableDiffusionPipeline (SD 2.1 distilled, ADD)",
        parameters="~1.3B (UNet 0.87B, OpenCLIP-H text encoder 0.35B, VAE 0.08B)",
        variant="fp16",
        disk="~2.6 GB (fp16)",
        gpu_memory="~4 GB fp16",
        cpu_memory="~6 GB fp32",
        steps="1 step low/medium, 2 high, 4 max; guidance 0; 512x512 native",
        edits="yes: image-to-image and inpainting from the same weights",
        card="https://huggingface.co/stabilityai/sd-turbo",
    ),
    CatalogueEntry(
        name="sdxl-turbo",
        repo="stabilityai/sdxl-turbo",
        licence="Stability AI Community License (sai-nc-community at release)",
        commercial="see stability.ai/license",
        gated=False,
        pipeline="StableDiffusionXLPipeline (SDXL distilled, ADD)",
        parameters="~3.5B (UNet 2.6B, two CLIP text encoders 0.8B, VAE 0.08B)",
        variant="fp16",
        disk="~7 GB (fp16)",
        gpu_memory="~9 GB fp16",
        cpu_memory="~15 GB fp32",
        steps="1 step low/medium, 2 high, 4 max; guidance 0; 512x512 native",
        edits="yes: image-to-image and inpainting from the same weights",
        card="https://huggingface.co/stabilityai/sdxl-turbo",
    ),
    CatalogueEntry(
        name="flux.1-schnell",
        repo="black-forest-labs/FLUX.1-schnell",
        licence="Apache-2.0",
        commercial="yes",
        gated=False,
        pipeline="FluxPipeline (12B rectified-flow transformer)",
        parameters="~17B (transformer 12B, T5-XXL 4.7B, CLIP-L 0.12B, VAE 0.08B)",
        variant=None,
        disk="~34 GB (bf16)",
        gpu_memory="~35 GB bf16 whole; the card offloads to the CPU on smaller GPUs",
        cpu_memory="~68 GB fp32, ~34 GB bf16",
        steps="2 steps low, 4 medium/high, 8 max; guidance 0; 1024x1024 native",
        edits="yes: image-to-image and inpainting from the same weights",
        card="https://huggingface.co/black-forest-labs/FLUX.1-schnell",
    ),
    CatalogueEntry(
        name="sd3.5-medium",
        repo="stabilityai/stable-diffusion-3.5-medium",
        licence="Stability AI Community License",
        commercial="free under USD 1M annual revenue",
        gated=True,
        pipeline="StableDiffusion3Pipeline (2.5B MMDiT-X)",
        parameters="~8B (MMDiT-X 2.5B, T5-XXL 4.7B, CLIP-G 0.69B, CLIP-L 0.12B)",
        variant=None,
        disk="~16 GB (fp16/bf16)",
        gpu_memory="~18 GB with T5; Stability gives 9.9 GB without the text encoders",
        cpu_memory="~32 GB fp32",
        steps="14 steps low, 28 medium, 40 high, 60 max; guidance 7; 1024x1024 native",
        edits="yes: image-to-image and inpainting from the same weights",
        card="https://huggingface.co/stabilityai/stable-diffusion-3.5-medium",
    ),
    CatalogueEntry(
        name="flux.1-kontext-dev",
        repo="black-forest-labs/FLUX.1-Kontext-dev",
        licence="FLUX.1 [dev] Non-Commercial License",
        commercial="no (outputs may be used commercially, the weights may not)",
        gated=True,
        pipeline="FluxKontextPipeline (12B, made for editing)",
        parameters="~17B (transformer 12B, T5-XXL 4.7B, CLIP-L 0.12B, VAE 0.08B)",
        variant=None,
        disk="~34 GB (bf16)",
        gpu_memory="~35 GB bf16 (24 GB with the transformer alone on the GPU)",
        cpu_memory="~68 GB fp32, ~34 GB bf16",
        steps="14 steps low, 28 medium, 40 high, 60 max; guidance 3.5 (the card uses 2.5)",
        edits="yes: made for instruction edits; inpaints through FluxKontextInpaintPipeline",
        card="https://huggingface.co/black-forest-labs/FLUX.1-Kontext-dev",
    ),
)

BY_NAME: dict[str, CatalogueEntry] = {entry.name: entry for entry in CATALOGUE}
BY_REPO: dict[str, CatalogueEntry] = {entry.repo: entry for entry in CATALOGUE}


def lookup(ref: str) -> CatalogueEntry | None:
    """The catalogue entry named `ref`, or for repo `ref`."""
    return BY_NAME.get(ref.lower()) or BY_REPO.get(ref)
