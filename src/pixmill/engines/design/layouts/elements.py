"""Named design elements a prompt asks for beside its subjects: a QR code, a chart.

`finish(frame, comp)` runs after a genre's layout: a QR code goes in the bottom-right
corner on a white plate, and the text slots it would overlap give way. Each element
drawn is named in `frame.shown` ("element:qr code") for the checklist.
"""

from __future__ import annotations

from pixmill.engines.design.layouts.base import Composition, Frame
from pixmill.engines.design.layouts.documents import qr_block
from pixmill.engines.design.scene import Box, Rect

_QR_GENRES = frozenset(
    "poster flyer event social banner card invitation label menu recipe infographic "
    "certificate book".split()
)


def wants_qr(frame: Frame) -> bool:
    return "qr" in frame.brief.words or "qr-code" in frame.brief.words


def finish(frame: Frame, comp: Composition) -> None:
    if wants_qr(frame) and frame.brief.genre in _QR_GENRES:
        _qr(frame, comp)


def _qr(frame: Frame, comp: Composition) -> None:
    size = frame.short * 0.17
    pad = size * 0.08
    m = frame.margin * 0.8
    x, y = frame.width - m - size, frame.height - m - size
    square = Box(x - pad, y - pad, size + 2 * pad, size + 2 * pad)
    comp.art.append(Rect(square.x, square.y, square.w, square.h, (255, 255, 255), pad))
    seed = " ".join(q.text for q in frame.brief.quotes) or frame.brief.prompt
    comp.art += qr_block(frame, x, y, size, (20, 20, 24), seed)
    for slot in comp.slots:  # text beside the code, not under it
        box = slot.box
        if box.right > square.x and box.bottom > square.y and box.y < square.bottom:
            if square.y - box.y > box.h * 0.5:
                slot.box = Box(box.x, box.y, box.w, max(1.0, square.y - box.y - pad))
            else:
                slot.box = Box(box.x, box.y, max(1.0, square.x - pad - box.x), box.h)
    frame.shown.add("element:qr code")
