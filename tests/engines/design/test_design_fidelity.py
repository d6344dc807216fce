"""What the prompt asks shows in the picture: named elements, the asked palette,
typographic hierarchy by role, punctuation, and the painted styles."""

from __future__ import annotations

import numpy as np

from pixmill.engines.design import styles
from pixmill.engines.design.palette import NAMED, to_hsl
from pixmill.engines.design.scene import Path, Rect


def _status(design, item):
    return next(e["status"] for e in design.checklist if e["item"] == item)


def _size(block):
    return max(line.size for line in block.lines)


def test_a_qr_code_is_drawn_clear_of_the_text(engine, make_spec):
    design = engine.design(
        make_spec('a flyer "Sunrise Yoga" "Every Tuesday" with a QR code', 512, 768)
    )
    assert _status(design, "qr code") == "drawn"
    white = [s for s in design.scene.art if isinstance(s, Rect) and s.fill == (255, 255, 255)]
    assert white and any(isinstance(s, Path) for s in design.scene.art)
    plate = white[-1]
    for block in design.blocks:  # no text under the code
        b = block.box
        assert b.right <= plate.x + 1 or b.bottom <= plate.y + 1 or b.y >= plate.y + plate.h


def test_a_bar_chart_and_numbered_steps(engine, make_spec):
    chart = engine.design(
        make_spec('an infographic with a bar chart "Sales" "Q1" "Q2" "Q3"', 512, 512)
    )
    assert _status(chart, "bar chart") == "drawn"
    assert {b.text for b in chart.blocks} >= {"Q1", "Q2", "Q3"}
    steps = engine.design(
        make_spec('an infographic "Brew" with numbered steps "Heat water" "Grind beans"', 512, 512)
    )
    assert [b.text for b in steps.blocks if b.role == "number"] == ["1", "2"]


def test_a_discount_is_set_large_and_a_final_stop_is_kept(engine, make_spec):
    text = 'a sale flyer "Winter Sale" "50% off everything" "This weekend only."'
    for seed in range(3):
        design = engine.design(make_spec(text, 512, 768, seed=seed))
        sizes = {b.source: _size(b) for b in design.blocks}
        assert sizes["50% off everything"] == max(sizes.values())
        assert "This weekend only." in {b.text for b in design.blocks}


def test_asked_colours_set_the_ground_and_accent(engine, make_spec):
    design = engine.design(make_spec('a black and gold poster "Gala" "Saturday"', 512, 768))
    ground = design.scene.background[0]
    assert isinstance(ground, Rect) and to_hsl(ground.fill[:3])[2] < 0.2
    assert _status(design, "gold") == "drawn"
    flyer = engine.design(make_spec('an orange and purple poster "Sunwave"', 512, 768))
    assert _status(flyer, "orange") == "drawn" and _status(flyer, "purple") == "drawn"
    assert NAMED["orange"]  # a colour, and no tangerine drawn:
    assert all(e["item"] != "orange" for e in flyer.checklist if e["kind"] == "subject")


def test_painted_styles_keep_edges_and_add_strokes():
    rgba = np.zeros((200, 200, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[:, :100, :3] = (30, 90, 200)
    rgba[:, 100:, :3] = (240, 200, 40)
    for style in ("painterly", "watercolor"):
        out = styles.apply(style, rgba, 3)[..., :3].astype(float)
        left, right = out[:, 20:80].mean(axis=(0, 1)), out[:, 120:180].mean(axis=(0, 1))
        assert np.abs(left - right).sum() > 150  # the two fields stay apart, not blurred
        assert out[:, 20:80].std(axis=(0, 1)).mean() > 2.0  # texture within a flat field
        edge = np.abs(np.diff(out.mean(axis=2), axis=1))[:, 90:110].max(axis=1)
        assert np.median(edge) > 40  # the boundary stays a step, not a ramp


def test_a_certificate_sets_the_recipient_large_and_the_formula_small(engine, make_spec):
    text = (
        'a certificate "Certificate of Completion" "This certifies that" "Tom Becker" '
        '"completed the Python course"'
    )
    for seed in range(3):
        sizes = {
            b.source: _size(b) for b in engine.design(make_spec(text, 768, 512, seed=seed)).blocks
        }
        assert sizes["Tom Becker"] > 2 * sizes["This certifies that"]
        assert sizes["Tom Becker"] > sizes["completed the Python course"]
    award = 'a certificate of achievement awarded to "Priya Natarajan" for "Outstanding Research"'
    blocks = {b.source: b for b in engine.design(make_spec(award, 768, 512)).blocks}
    assert _size(blocks["Priya Natarajan"]) > _size(blocks["Outstanding Research"])


def test_watercolour_is_pigment_on_paper_with_no_brushed_direction():
    rgba = np.zeros((400, 400, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[:, :200, :3] = (40, 70, 150)  # a dark wash
    rgba[:, 200:, :3] = (250, 250, 250)  # bare paper
    out = styles.apply("watercolor", rgba, 5)[..., :3].astype(float)
    dark, light = out[40:360, 30:170].mean(axis=2), out[40:360, 230:370].mean(axis=2)
    assert dark.std() > 4 * light.std()  # pigment settles in the tooth: darker washes granulate
    assert out[40:360, 230:370, 2].mean() < out[40:360, 230:370, 0].mean()  # warm paper, not white

    def corr(a, b):
        a, b = a - a.mean(), b - b.mean()
        return (a * b).mean() / np.sqrt((a * a).mean() * (b * b).mean())

    # the paper's grain has no direction: no fibres streaked along the rows (brushed metal)
    for field in (dark, light):
        along_rows = corr(field[:, :-4], field[:, 4:])
        along_cols = corr(field[:-4], field[4:])
        assert abs(along_rows - along_cols) < 0.15
