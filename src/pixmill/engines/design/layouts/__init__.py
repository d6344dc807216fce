"""Layouts by genre: a plain mapping from genre names to layout functions."""

from __future__ import annotations

from collections.abc import Callable

from pixmill.engines.design.layouts import (
    cards,
    covers,
    documents,
    lists,
    magazine,
    marks,
    poster,
    scenery,
    screens,
)
from pixmill.engines.design.layouts.base import Composition, Frame

Layout = Callable[[Frame], Composition]

LAYOUTS: dict[str, Layout] = {
    "magazine": magazine.layout,
    "poster": poster.layout,
    "flyer": poster.layout,
    "event": poster.layout,
    "book": covers.book,
    "album": covers.album,
    "banner": screens.banner,
    "social": screens.social,
    "thumbnail": screens.thumbnail,
    "logo": marks.logo,
    "sticker": marks.sticker,
    "card": cards.business_card,
    "invitation": cards.invitation,
    "label": lists.label,
    "menu": lists.menu,
    "quote": lists.quote_card,
    "infographic": lists.infographic,
    "scene": scenery.layout,
    "certificate": documents.certificate,
    "badge": documents.badge,
    "recipe": documents.recipe,
    "screenshot": documents.screenshot,
}


def choose_layout(genre: str) -> Layout:
    return LAYOUTS.get(genre, poster.layout)
