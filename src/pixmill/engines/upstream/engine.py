"""What the OpenAI and Segmind engines share: capabilities, refusals, concurrent calls,
and, for edits, the size the provider is asked for."""

from __future__ import annotations

import abc
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from PIL import Image

from pixmill.engines.base import EngineCapabilities, GeneratedImage, ProgressCallback
from pixmill.engines.upstream.options import UpstreamOptions
from pixmill.engines.upstream.streaming import PartialSink, streamed
from pixmill.engines.upstream.transport import UpstreamClient
from pixmill.errors import InvalidRequest
from pixmill.imaging.formats import MEDIA_TYPES
from pixmill.request import MAX_N, InputImage, RenderSpec, standard_size_like


class UpstreamEngine(abc.ABC):
    """An engine that forwards each call to a provider over HTTP (gateway mode)."""

    name: str

    def __init__(self, options: UpstreamOptions, client: UpstreamClient):
        self.options = options
        self.client = client
        self.capabilities = EngineCapabilities(
            native_alpha=options.native_alpha,
            max_n=MAX_N,
            default_quality=options.default_quality,
            # No provider takes a seed: refusing one is honest, ignoring it would not be.
            seeded=False,
            io_bound=True,
            moderates_output=not options.moderate_output,
            edits=True,
            # Providers take sizes in steps of 16 at best (gpt-image-2), or a fixed list.
            any_size=False,
        )

    def check_spec(self, spec: RenderSpec) -> None:
        """Refuse, before any call, what the provider cannot make and pixmill cannot emulate."""
        sizes = self.options.sizes
        if sizes is not None and spec.size not in sizes and not keeps_input_size(spec):
            raise InvalidRequest(
                f"Invalid value for 'size': '{spec.size}'. Model '{spec.model}' is served by "
                f"{self.name}, which makes {', '.join(sizes)} (or 'auto').",
                param="size",
            )
        if spec.quality not in self.options.qualities:
            raise InvalidRequest(
                f"Invalid value for 'quality': '{spec.quality}'. Model '{spec.model}' is served "
                f"by {self.name}, which offers {', '.join(self.options.qualities)} (or 'auto').",
                param="quality",
            )

    def upstream_spec(self, spec: RenderSpec) -> RenderSpec:
        """The spec to send: a masked edit that keeps its image's size asks the provider for
        the standard size of the same orientation, and `fitted` scales the answer back."""
        sizes = self.options.sizes
        if sizes is None or spec.size in sizes or not keeps_input_size(spec):
            return spec
        width, height = standard_size_like(spec.width, spec.height)
        return replace(spec, width=width, height=height)

    @staticmethod
    def fitted(pictures: list[GeneratedImage], spec: RenderSpec) -> list[GeneratedImage]:
        """Pictures at the spec's size: those the provider made at another size are scaled
        (and are encoded again by pixmill, their upstream bytes no longer apply)."""
        fitted = []
        for picture in pictures:
            if picture.image.size == (spec.width, spec.height):
                fitted.append(picture)
                continue
            image = picture.image.convert("RGBA").resize(
                (spec.width, spec.height), Image.Resampling.LANCZOS
            )
            report = replace(picture.report, size=spec.size) if picture.report else None
            fitted.append(GeneratedImage(image=image, report=report))
        return fitted

    def upstream_format(self, spec: RenderSpec) -> str:
        """The format to ask for: the client's when the provider has it, else png to convert."""
        wanted = spec.output_format
        return wanted if wanted in self.options.output_formats else "png"

    def upstream_background(self, spec: RenderSpec) -> str:
        """Ask for opaque when pixmill will remove the background itself."""
        return spec.background if self.options.native_alpha else "opaque"

    def generate(
        self, spec: RenderSpec, progress: ProgressCallback | None = None
    ) -> list[GeneratedImage]:
        """Make spec.n images in calls of at most max_n, sent at once rather than in turn;
        streamed, one image a call, when partial images are asked for and the provider
        streams."""
        if progress is not None and spec.partial_images and self.streams:
            return streamed(self.stream_one, spec, progress, self.name)
        step = self.options.max_n
        parts = [replace(spec, n=min(step, spec.n - start)) for start in range(0, spec.n, step)]
        if len(parts) == 1:
            batches = [self.call(parts[0])]
        else:
            with ThreadPoolExecutor(len(parts), thread_name_prefix=self.name) as pool:
                batches = list(pool.map(self.call, parts))
        images = [picture for batch in batches for picture in batch]
        if progress:
            progress(len(images), spec.n)
        return images

    @abc.abstractmethod
    def call(self, spec: RenderSpec) -> list[GeneratedImage]:
        """One upstream call for spec.n images; raises an ApiError when it fails."""

    streams = False
    """The provider streams partial images (`stream_one`)."""

    def stream_one(self, spec: RenderSpec, partial: PartialSink) -> GeneratedImage:
        """One streamed call for one image: each partial to `partial` as it comes."""
        raise NotImplementedError(f"{self.name} does not stream")

    def close(self) -> None:
        self.client.close()


def keeps_input_size(spec: RenderSpec) -> bool:
    """A masked edit at its image's own size (what "auto" gives it): the provider may not
    make that size, so it is asked for a standard one and the answer is scaled back."""
    if not spec.inputs or spec.mask is None:
        return False
    first = spec.inputs[0]
    return (spec.width, spec.height) == (first.width, first.height)


def file_part(field: str, image: InputImage, index: int) -> tuple[str, tuple[str, bytes, str]]:
    """An input image as a multipart file, as it came (never decoded and encoded again)."""
    return field, (
        f"{field.strip('[]')}-{index}.{image.format}",
        image.data,
        MEDIA_TYPES[image.format],
    )
