"""DesignEngine.generate: sizes, modes, determinism, transparency, SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from pixmill.engines import build_engine
from pixmill.engines.base import Engine

POSTER = 'A vibrant poster for a jazz night called "Blue Hour" with the tagline "Live every Friday"'


def test_registry_builds_the_engine():
    engine = build_engine("design")
    assert isinstance(engine, Engine)
    assert engine.name == "design"
    caps = engine.capabilities
    assert caps.native_alpha and caps.vector and caps.max_n == 10
    assert caps.default_quality == "medium"


@pytest.mark.parametrize(
    "size", [(256, 256), (1024, 1536), (1536, 1024), (3840, 256), (256, 768), (640, 480)]
)
def test_exact_size_and_rgba(engine, make_spec, size):
    spec = make_spec(POSTER, *size, quality="low")
    [result] = engine.generate(spec)
    assert result.image.mode == "RGBA"
    assert result.image.size == size
    assert result.svg is None
    assert result.seed == spec.seed


def test_n_images_with_their_seeds_and_progress(engine, make_spec):
    calls = []
    spec = make_spec(POSTER, 256, 256, n=3, seed=41, quality="low")
    results = engine.generate(spec, progress=lambda done, total: calls.append((done, total)))
    assert [r.seed for r in results] == [41, 42, 43]
    assert calls == [(1, 3), (2, 3), (3, 3)]
    pixels = [r.image.tobytes() for r in results]
    assert len(set(pixels)) == 3


def test_same_seed_same_pixels_other_seed_other_pixels(engine, make_spec):
    a = engine.generate(make_spec(POSTER, 512, 768, seed=5))[0].image.tobytes()
    b = engine.generate(make_spec(POSTER, 512, 768, seed=5))[0].image.tobytes()
    c = engine.generate(make_spec(POSTER, 512, 768, seed=6))[0].image.tobytes()
    assert a == b
    assert a != c


@pytest.mark.parametrize("quality", ["low", "medium", "high"])
def test_opaque_is_fully_opaque(engine, make_spec, quality):
    [result] = engine.generate(make_spec(POSTER, 384, 512, quality=quality))
    alpha = np.asarray(result.image)[..., 3]
    assert alpha.min() == 255


@pytest.mark.parametrize(
    "prompt",
    [POSTER, 'a sticker logo for "Fox & Co"', "a cat on a sofa", 'magazine cover "Urban Pulse"'],
)
def test_transparent_has_real_alpha(engine, make_spec, prompt):
    [result] = engine.generate(make_spec(prompt, 512, 512, background="transparent"))
    alpha = np.asarray(result.image)[..., 3]
    for corner in (alpha[0, 0], alpha[0, -1], alpha[-1, 0], alpha[-1, -1]):
        assert corner == 0
    assert alpha.max() == 255  # something is drawn
    assert (alpha == 0).any()


def test_not_blank(engine, make_spec):
    for prompt in (POSTER, "", "   ", "\x00\x01"):
        [result] = engine.generate(make_spec(prompt or " ", 256, 256, quality="low"))
        rgb = np.asarray(result.image)[..., :3].reshape(-1, 3)
        assert len(np.unique(rgb, axis=0)) > 4


def test_quality_changes_finish_not_layout(engine, make_spec):
    boxes = []
    for quality in ("low", "medium", "high", "max"):
        design = engine.design(make_spec(POSTER, 512, 768, quality=quality))
        boxes.append([(b.source, b.box) for b in design.blocks])
    assert all(b == boxes[0] for b in boxes)


def test_svg_is_a_standalone_document_with_text_as_outlines(engine, make_spec):
    spec = make_spec(POSTER, 512, 768, output_format="svg")
    [result] = engine.generate(spec)
    assert result.svg is not None
    root = ET.fromstring(result.svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 512 768"
    assert root.get("width") == "512" and root.get("height") == "768"
    tags = {el.tag.split("}")[-1] for el in root.iter()}
    assert "text" not in tags and "tspan" not in tags
    assert "path" in tags
    assert b"<text" not in result.svg
    assert result.image.size == (512, 768)


def _svg_alpha(svg: bytes, size: int) -> np.ndarray:
    import skia

    dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream.MakeDirect(svg))
    dom.setContainerSize(skia.Size(size, size))
    surface = skia.Surface(size, size)
    surface.getCanvas().clear(skia.ColorTRANSPARENT)
    dom.render(surface.getCanvas())
    return surface.makeImageSnapshot().toarray()[..., 3]


def test_transparent_svg_has_no_background_plate(engine, make_spec):
    opaque = engine.generate(make_spec(POSTER, 256, 256, output_format="svg"))[0].svg
    clear = engine.generate(
        make_spec(POSTER, 256, 256, output_format="svg", background="transparent")
    )[0].svg
    assert _svg_alpha(opaque, 256).min() == 255
    assert (_svg_alpha(clear, 256) == 0).mean() > 0.2


@pytest.mark.parametrize(
    "prompt",
    [POSTER, 'a book cover titled "The Silent Harbor" by "Mara Quinn"', "a cat on a sofa"],
)
def test_svg_rasterises_like_the_png(engine, make_spec, prompt):
    import skia

    [result] = engine.generate(make_spec(prompt, 384, 576, output_format="svg", seed=2))
    dom = skia.SVGDOM.MakeFromStream(skia.MemoryStream.MakeDirect(result.svg))
    dom.setContainerSize(skia.Size(384, 576))
    surface = skia.Surface(384, 576)
    dom.render(surface.getCanvas())
    svg_pixels = surface.makeImageSnapshot().toarray(
        colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kUnpremul_AlphaType
    )
    diff = np.abs(svg_pixels.astype(int) - np.asarray(result.image).astype(int))
    assert diff.mean() < 2.5
    assert (diff.max(axis=2) > 40).mean() < 0.03


def test_threads_give_the_same_pixels(engine, make_spec):
    from concurrent.futures import ThreadPoolExecutor

    specs = [make_spec(POSTER, 384, 384, seed=s) for s in range(6)]
    serial = [engine.generate(spec)[0].image.tobytes() for spec in specs]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(lambda spec: engine.generate(spec)[0].image.tobytes(), specs))
    assert threaded == serial
