"""ImageModerator on drawn (benign) images: one model call per batch, thresholds per level."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PIL import Image, ImageDraw

from pixmill.moderation import ImageModerator, ImageVerdict


def drawn_images(n: int, size: int = 256) -> list[Image.Image]:
    images = []
    for i in range(n):
        ramp = np.linspace(0, 255, size, dtype=np.float32)
        rgb = np.stack(
            [
                np.add.outer(ramp, ramp) / 2,
                np.tile(ramp, (size, 1)),
                np.full((size, size), 40.0 * i),
            ],
            axis=-1,
        )
        image = Image.fromarray(rgb.clip(0, 255).astype(np.uint8))
        draw = ImageDraw.Draw(image)
        draw.ellipse((20 + 10 * i, 30, size - 40, size - 60), fill=(30 * i % 255, 90, 200))
        draw.rectangle((size // 3, size // 2, size - 20, size - 10), outline=(0, 0, 0), width=5)
        draw.polygon([(10, size - 10), (size // 2, size // 3), (size - 10, size - 10)], fill="gold")
        images.append(image)
    return images


@pytest.fixture(scope="module")
def moderator() -> ImageModerator:
    return ImageModerator()


@pytest.mark.parametrize("level", ["auto", "low"])
def test_drawn_images_pass(moderator, level):
    images = drawn_images(4)
    images.append(Image.new("RGBA", (300, 200), (0, 0, 0, 0)))  # fully transparent
    images.append(Image.new("L", (128, 128), 200))
    verdicts = moderator.check(images, level)
    assert len(verdicts) == len(images)
    for verdict in verdicts:
        assert isinstance(verdict, ImageVerdict)
        assert not verdict.blocked and verdict.category is None
        assert 0.0 <= verdict.score < 0.2


def test_one_model_call_per_batch(moderator):
    session = moderator.load()
    calls = []

    class CountingSession:
        def __getattr__(self, name):
            return getattr(session, name)

        def run(self, outputs, feeds):
            calls.append(next(iter(feeds.values())).shape)
            return session.run(outputs, feeds)

    counting = ImageModerator()
    counting._session = CountingSession()  # type: ignore[assignment]
    verdicts = counting.check(drawn_images(5), "auto")
    assert len(verdicts) == 5
    assert calls == [(5, 224, 224, 3)]
    assert counting.check([], "auto") == []
    assert len(calls) == 1


def test_threshold_zero_forces_a_block():
    strict = ImageModerator(auto_threshold=0.0, low_threshold=1.0)
    image = drawn_images(1)
    blocked = strict.check(image, "auto")[0]
    assert blocked.blocked and blocked.category == "sexual"
    assert not strict.check(image, "low")[0].blocked


def test_scores_are_the_same_alone_and_in_a_batch(moderator):
    images = drawn_images(3)
    together = moderator.scores(images)
    alone = [moderator.scores([image])[0] for image in images]
    assert np.allclose(together, alone, atol=1e-5)


def test_transparency_is_scored_as_if_on_white(moderator):
    picture = drawn_images(1)[0]
    opaque = picture.convert("RGBA")
    holed = opaque.copy()
    holed.putalpha(Image.linear_gradient("L").resize(picture.size))
    on_white = Image.new("RGBA", picture.size, "white")
    on_white.alpha_composite(holed)
    scores = moderator.scores([picture, opaque, holed, on_white.convert("RGB")])
    assert scores[0] == scores[1]  # opaque RGBA: the same pixels as RGB
    assert scores[2] == scores[3] != scores[0]


def test_bad_arguments_are_refused(moderator):
    with pytest.raises(ValueError, match="between 0 and 1"):
        ImageModerator(auto_threshold=1.5)
    with pytest.raises(ValueError, match="level"):
        moderator.check(drawn_images(1), "off")  # type: ignore[arg-type]


def test_model_loads_once_across_threads():
    moderator = ImageModerator()
    sessions = []
    threads = [threading.Thread(target=lambda: sessions.append(moderator.load())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in sessions}) == 1


def test_moderators_share_one_session_per_model():
    assert ImageModerator().load() is ImageModerator(0.1, 0.2).load()


def test_sessions_do_not_spin_while_idle(moderator):
    """Spinning pool threads would take the CPU the renders and encodes of other calls need."""
    options = moderator.load().get_session_options()
    assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
