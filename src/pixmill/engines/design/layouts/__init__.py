"""Layouts by genre: each genre has a few named layouts, and the seed picks one.

A named layout is a layout function and the form of it to draw (`Frame.form`): the
poster function draws six forms, the banner three, and so on. Consecutive seeds
(the n images of one request) take consecutive layouts of the genre.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pixmill.engines.design.layouts import (
    cards,
    covers,
    documents,
    grids,
    icons,
    lists,
    magazine,
    marks,
    poster,
    scenery,
    screens,
    stationery,
    tables,
)
from pixmill.engines.design.layouts.base import Composition, Frame

Layout = Callable[[Frame], Composition]


@dataclass(frozen=True)
class Named:
    name: str
    draw: Layout
    form: int = 0


def _forms(draw: Layout, *names: str) -> tuple[Named, ...]:
    return tuple(Named(name, draw, form) for form, name in enumerate(names))


_POSTERS = (
    *_forms(
        poster.layout,
        "poster-framed",  # the title above a framed picture, details at the foot
        "poster-bleed",  # the picture bleeding off the top, the type on a dark foot
        "poster-graphic",  # a giant title over a band of shapes inside a rule
        "poster-disc",  # flat colour: the subject in a disc under the title
        "poster-block",  # flat colour: a colour block holding the subject over flush-left type
        "poster-bordered",  # flat colour: a wide frame, the subject standing below the title
    ),
    Named("poster-swiss", grids.swiss),
    Named("poster-type", grids.typographic),
)

LAYOUTS: dict[str, tuple[Named, ...]] = {
    "magazine": _forms(magazine.layout, "magazine-column", "magazine-band"),
    "poster": _POSTERS,
    "flyer": (*_POSTERS[3:], Named("flyer-columns", grids.flyer_columns), *_POSTERS[:3]),
    "event": (Named("event-date", grids.event_date), *_POSTERS),
    "book": (
        *_forms(covers.book, "book-panel", "book-bleed", "book-type"),
        Named("book-author", covers.book_author),
    ),
    "album": _forms(covers.album, "album-bleed", "album-band", "album-foot"),
    "banner": (
        *_forms(screens.banner, "banner-left", "banner-right", "banner-overlay"),
        Named("banner-centered", grids.banner_centered),
    ),
    "social": _forms(screens.social, "social-card", "social-flat", "social-stack"),
    "thumbnail": _forms(screens.thumbnail, "thumbnail-plate", "thumbnail-face"),
    "logo": _forms(marks.logo, "logo-stacked", "logo-inline", "logo-wordmark"),
    "sticker": _forms(marks.sticker, "sticker-disc", "sticker-square"),
    "icon": (
        Named("icon-glyph", icons.glyph),
        Named("icon-wordmark", icons.wordmark),
        Named("icon-split", icons.split),
    ),
    "card": (
        *_forms(cards.business_card, "card-bar", "card-top", "card-split"),
        Named("card-centered", stationery.card_centered),
    ),
    "invitation": (
        Named("invitation-frame", cards.invitation),
        Named("invitation-arch", stationery.invitation_arch),
    ),
    "label": (
        *_forms(lists.label, "label-stripes", "label-band", "label-dark"),
        Named("label-oval", tables.label_oval),
    ),
    "menu": (
        *_forms(lists.menu, "menu-centred", "menu-left"),
        Named("menu-columns", tables.menu_columns),
    ),
    "quote": _forms(lists.quote_card, "quote-veil", "quote-paper", "quote-panel"),
    "infographic": (
        *_forms(lists.infographic, "infographic-list", "infographic-cards"),
        Named("infographic-timeline", tables.timeline),
    ),
    "scene": (Named("scene", scenery.layout),),
    "certificate": (
        Named("certificate-classic", documents.certificate),
        Named("certificate-modern", stationery.certificate_modern),
    ),
    "badge": (
        Named("badge-lanyard", documents.badge),
        Named("badge-header", stationery.badge_header),
    ),
    "recipe": (Named("recipe", documents.recipe),),
    "screenshot": (Named("screenshot", documents.screenshot),),
}


def all_layouts() -> dict[str, Named]:
    """Every distinct named layout, by name."""
    return {named.name: named for entries in LAYOUTS.values() for named in entries}


def choose_layout(genre: str, seed: int = 0) -> Named:
    """The genre's layout for this seed (posters' for an unknown genre)."""
    entries = LAYOUTS.get(genre, _POSTERS)
    return entries[seed % len(entries)]
