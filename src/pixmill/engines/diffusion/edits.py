"""Edits on the diffusion engine: image-to-image and inpainting from the loaded weights.

The pipelines are built once, when the engine loads, with diffusers' `from_pipe`: they
share the loaded pipeline's modules (no weights are read or copied again), each with
its own copy of the scheduler. Which ones, by the `_class_name` of model_index.json:

- a pipeline made for editing (`FluxKontextPipeline`, `QwenImageEditPipeline`,
  `QwenImageEditPlusPipeline`) edits with itself, and inpaints with its own inpainting
  form where diffusers has one (`FluxKontextInpaintPipeline`,
  `QwenImageEditInpaintPipeline`);
- any other pipeline edits with `AutoPipelineForImage2Image.from_pipe` and inpaints
  with `AutoPipelineForInpainting.from_pipe`. Without an inpainting form (LCM, ...), a
  masked edit is an image-to-image edit pasted back through the mask. Without an
  image-to-image form the model cannot edit, and says so in its capabilities.

Strength (the share of the denoising schedule run over the noised input) comes from
`input_fidelity`, and from whether a mask came:

| input_fidelity | no mask (image-to-image) | mask (inpainting) |
|---|---|---|
| high | 0.35: the picture is kept, its details redrawn | 0.75: the masked area keeps its layout |
| low (default) | 0.65: restyled, composition kept | 1.0: the masked area drawn anew |

A variation (POST /v1/images/variations) is image-to-image at VARIATION_STRENGTH, 0.5,
with an empty prompt: the picture's composition and colours kept, its details drawn
anew. Pipelines made for editing need a prompt to act on, so they make no variations.

Quality gives the denoising steps that actually run: the family's row (families.py).
The pipeline is asked for `ceil(steps / strength)` steps, so that `steps` of them run
(a 1-step turbo model runs 1 step at any strength). Pipelines made for editing take no
strength: they keep what the prompt does not ask to change, and run the row's steps.

Sizes: a masked edit keeps its image's size (another size scales the image and mask to
it first: `pixmill.imaging.inputs.fit_masked_edit`); the image is
rendered at the model's native pixel budget at its aspect, scaled back, and the input
is pasted back outside the mask, so those pixels are the input's own. An edit without
a mask makes the requested size: the image is scaled to cover it and cropped around
its centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps

from pixmill.engines.diffusion.families import Geometry
from pixmill.errors import InvalidRequest
from pixmill.imaging.inputs import editable_area, open_input
from pixmill.request import RenderSpec

RESIZE_FILTER = Image.Resampling.LANCZOS
STRENGTH: dict[tuple[str, bool], float] = {
    # (input_fidelity, masked): strength
    ("high", False): 0.35,
    ("low", False): 0.65,
    ("high", True): 0.75,
    ("low", True): 1.0,
}
VARIATION_STRENGTH = 0.5
"""A variation's strength: moderate, so the picture stays recognisable."""
MADE_FOR_EDITING: dict[str, str | None] = {
    # pipeline class: its inpainting form, if diffusers has one
    "FluxKontextPipeline": "FluxKontextInpaintPipeline",
    "QwenImageEditPipeline": "QwenImageEditInpaintPipeline",
    "QwenImageEditPlusPipeline": None,
}
MULTI_IMAGE = frozenset({"QwenImageEditPlusPipeline"})
"""Pipelines that take several input images at once; the others edit one."""


@dataclass(frozen=True)
class EditPipelines:
    """The pipelines a loaded model edits with."""

    image_to_image: Any
    inpainting: Any | None
    """None: a masked edit runs `image_to_image` and is pasted back through the mask."""
    made_for_editing: bool
    max_inputs: int

    @property
    def varies(self) -> bool:
        """Image-to-image without a prompt (variations) means something on this model."""
        return not self.made_for_editing

    def describe(self) -> dict[str, Any]:
        return {
            "image_to_image": type(self.image_to_image).__name__,
            "inpainting": type(self.inpainting).__name__ if self.inpainting else None,
            "made_for_editing": self.made_for_editing,
        }


def edit_pipelines(pipeline: Any, class_name: str) -> EditPipelines | None:
    """The pipelines edits run on, sharing `pipeline`'s modules; None when diffusers has no
    image-to-image form of it. `class_name` is model_index.json's `_class_name`."""
    import diffusers
    from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting

    if class_name in MADE_FOR_EDITING:
        inpainting_class = getattr(diffusers, MADE_FOR_EDITING[class_name] or "", None)
        inpainting = _derived(inpainting_class.from_pipe, pipeline) if inpainting_class else None
        max_inputs = 16 if class_name in MULTI_IMAGE else 1
        return EditPipelines(pipeline, inpainting, made_for_editing=True, max_inputs=max_inputs)
    try:
        image_to_image = _derived(AutoPipelineForImage2Image.from_pipe, pipeline)
    except ValueError:  # AutoPipeline knows no image-to-image form of this class
        return None
    try:
        inpainting = _derived(AutoPipelineForInpainting.from_pipe, pipeline)
    except ValueError:
        inpainting = None
    return EditPipelines(image_to_image, inpainting, made_for_editing=False, max_inputs=1)


def _derived(from_pipe: Any, pipeline: Any) -> Any:
    """A pipeline of another task on the same modules, with a scheduler of its own (a
    scheduler keeps per-run state: timesteps, the step reached)."""
    scheduler = pipeline.scheduler
    derived = from_pipe(pipeline, scheduler=type(scheduler).from_config(scheduler.config))
    if hasattr(derived, "set_progress_bar_config"):
        derived.set_progress_bar_config(disable=True)
    return derived


def check_spec(spec: RenderSpec, pipelines: EditPipelines | None, model: str) -> None:
    """What this engine refuses of an edit, before anything is reserved."""
    if not spec.is_edit or pipelines is None:
        return  # a model that cannot edit is refused by the service, naming `image`
    if len(spec.inputs) > pipelines.max_inputs:
        extra = spec.inputs[pipelines.max_inputs]
        raise InvalidRequest(
            f"Model '{model}' edits one image at a time; {extra.param} is one too many. "
            "Send one image (and a mask to change only part of it).",
            param=extra.param,
        )


@dataclass(eq=False)
class EditWork:
    """One edit call's prepared inputs: what each pipeline call of its images gets."""

    pipeline: Any
    kwargs: dict[str, Any]
    """The pipeline's image inputs, strength and steps; the engine adds prompts, seeds,
    guidance and callbacks."""
    steps: int
    """Denoising steps that actually run per image (progress counts these)."""
    batched: bool
    """Whether the call's images may share one pipeline call (row for row)."""
    original: Image.Image | None = None
    """RGBA input at the output size, pasted back outside the mask."""
    area: Image.Image | None = None
    """"L" at the output size: 255 where the picture may change."""
    untouched: bool = False
    """The mask leaves nothing to change: the input is the answer."""

    def call_kwargs(self, rows: int) -> dict[str, Any]:
        """The image inputs for a batch of `rows` images: one copy per row where the
        pipeline pairs images with prompts, one image (or the list of inputs) else."""
        kwargs = dict(self.kwargs)
        if self.batched:
            for name in ("image", "mask_image"):
                if name in kwargs:
                    kwargs[name] = [kwargs[name]] * rows
        return kwargs


def prepare(spec: RenderSpec, pipelines: EditPipelines, geometry: Geometry, steps: int) -> EditWork:
    """Decode the inputs and choose the pipeline, the strength and the render size."""
    masked = spec.mask is not None
    first = spec.inputs[0]
    # 1. The inputs, opaque (a transparent pixel's colour is arbitrary).
    pictures = [_opaque(open_input(image)) for image in spec.inputs[: pipelines.max_inputs]]
    # 2. The pipeline and its strength.
    pipeline = pipelines.inpainting if masked and pipelines.inpainting else pipelines.image_to_image
    uses_mask = masked and pipeline is pipelines.inpainting
    parameters = _parameters(pipeline)
    strength = VARIATION_STRENGTH if spec.variation else STRENGTH[(spec.input_fidelity, masked)]
    kwargs: dict[str, Any] = {}
    if "strength" in parameters:
        kwargs["strength"] = strength
        kwargs["num_inference_steps"] = scheduled_steps(steps, strength)
    else:
        kwargs["num_inference_steps"] = steps
    # 3. The render size: the native pixel budget at the output's aspect.
    out_w, out_h = (first.width, first.height) if masked else (spec.width, spec.height)
    width, height = geometry.render_size(out_w, out_h)
    # With a mask the first image is scaled whole (it is pasted back at its own size);
    # otherwise each image covers the render size, cropped around its centre.
    scaled = [ImageOps.fit(p, (width, height), RESIZE_FILTER) for p in pictures]
    if masked:
        scaled[0] = pictures[0].resize((width, height), RESIZE_FILTER)
    kwargs["image"] = scaled if len(scaled) > 1 else scaled[0]
    for name, value in (("width", width), ("height", height)):
        if name in parameters:
            kwargs[name] = value
    if "max_area" in parameters:  # Kontext: the render size as asked, not its own ~1 MP
        kwargs["max_area"] = width * height
    if "_auto_resize" in parameters:
        kwargs["_auto_resize"] = False
    work = EditWork(
        pipeline=pipeline,
        kwargs=kwargs,
        steps=steps,
        batched=not pipelines.made_for_editing,
    )
    # 4. The mask: where the picture may change, at the output size and at the render's.
    if masked:
        assert spec.mask is not None
        work.area = editable_area(spec.mask)
        work.original = open_input(first).convert("RGBA")
        work.untouched = work.area.getbbox() is None
        if uses_mask:
            kwargs["mask_image"] = work.area.resize((width, height), Image.Resampling.BILINEAR)
    return work


def finish(picture: Image.Image, work: EditWork, spec: RenderSpec) -> Image.Image:
    """The picture at the output size, RGBA; with a mask, the input outside it."""
    picture = picture.convert("RGBA")
    if picture.size != (spec.width, spec.height):
        picture = picture.resize((spec.width, spec.height), RESIZE_FILTER)
    if work.original is None or work.area is None:
        return picture
    # Inpainting redraws the whole latent picture, and the VAE changes every pixel a
    # little: where the mask is opaque (area 0) composite takes the input's own pixel.
    return Image.composite(picture, work.original, work.area)


def scheduled_steps(steps: int, strength: float) -> int:
    """The steps to ask a pipeline for so that `steps` of them run at `strength`
    (diffusers runs `int(asked * strength)`)."""
    asked = max(steps, math.ceil(steps / strength))
    while int(asked * strength) < steps:  # float rounding: 2 / 0.4 may be 4.999...
        asked += 1
    return asked


def _opaque(picture: Image.Image) -> Image.Image:
    if picture.mode != "RGBA":
        return picture.convert("RGB")
    ground = Image.new("RGB", picture.size, (255, 255, 255))
    ground.paste(picture, mask=picture.getchannel("A"))
    return ground


def _parameters(pipeline: Any) -> frozenset[str]:
    import inspect

    return frozenset(inspect.signature(pipeline.__call__).parameters)
