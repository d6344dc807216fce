"""Layouts by genre: a plain mapping from genre names to layout functions."""

from __future__ import annotations

from collections.abc import Callable

from pixmill.engines.design.layouts import magazine, poster, scenery
from pixmill.engines.design.layouts.base import Composition, Frame

Layout = Callable[[Frame], Composition]

LAYOUTS: dict[str, Layout] = {
    "magazine": magazine.layout,
    "poster": poster.layout,
    "flyer": poster.layout,
    "event": poster.layout,
    "scene": scenery.layout,
}


def choose_layout(genre: str) -> Layout:
    return LAYOUTS.get(genre, poster.layout)
