"""Bundled open-licence faces, loaded once per process, with per-character fallback.

Faces come from PyPI font packages (all SIL Open Font Licence or Apache 2.0):
Roboto (sans), Source Sans Pro (humanist sans), Source Serif Pro (serif), Fjalla
One (condensed), Red Hat Display (display) and Fredoka One (rounded display). A
face is named by a short key such as ``"sans-bold"``; `FACE_KEYS` lists them.

Characters that no bundled face covers (emoji, Arabic, Hebrew, CJK...) are left out
of the set text; `split_spans` reports them so the engine can log it.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

import skia


def _package_dir(module_name: str) -> Path:
    module = __import__(module_name)
    return Path(module.font_directory)


@cache
def _face_files() -> dict[str, Path]:
    roboto = _package_dir("font_roboto")
    sans2 = _package_dir("font_source_sans_pro")
    serif = _package_dir("font_source_serif_pro")
    fjalla = _package_dir("font_fjallaone")
    display = _package_dir("font_rhd")
    rounded = _package_dir("font_fredoka_one")
    return {
        "display-black": display / "RedHatDisplay-Black.ttf",
        "display-bold": display / "RedHatDisplay-Bold.ttf",
        "display": display / "RedHatDisplay-Medium.ttf",
        "display-italic": display / "RedHatDisplay-BlackItalic.ttf",
        "rounded": rounded / "FredokaOne-Regular.ttf",
        "sans-black": roboto / "Roboto-Black.ttf",
        "sans-bold": roboto / "Roboto-Bold.ttf",
        "sans-medium": roboto / "Roboto-Medium.ttf",
        "sans": roboto / "Roboto-Regular.ttf",
        "sans-light": roboto / "Roboto-Light.ttf",
        "sans-thin": roboto / "Roboto-Thin.ttf",
        "sans-italic": roboto / "Roboto-Italic.ttf",
        "sans-bold-italic": roboto / "Roboto-BoldItalic.ttf",
        "humanist-black": sans2 / "SourceSansPro-Black.ttf",
        "humanist-bold": sans2 / "SourceSansPro-Bold.ttf",
        "humanist-semibold": sans2 / "SourceSansPro-Semibold.ttf",
        "humanist": sans2 / "SourceSansPro-Regular.ttf",
        "humanist-light": sans2 / "SourceSansPro-Light.ttf",
        "humanist-italic": sans2 / "SourceSansPro-It.ttf",
        "serif-black": serif / "SourceSerifPro-Black.ttf",
        "serif-bold": serif / "SourceSerifPro-Bold.ttf",
        "serif-semibold": serif / "SourceSerifPro-Semibold.ttf",
        "serif": serif / "SourceSerifPro-Regular.ttf",
        "serif-light": serif / "SourceSerifPro-Light.ttf",
        "serif-italic": serif / "SourceSerifPro-It.ttf",
        "condensed": fjalla / "FjallaOne-Regular.ttf",
    }


FACE_KEYS = (
    "display-black display-bold display display-italic rounded "
    "sans-black sans-bold sans-medium sans sans-light sans-thin sans-italic sans-bold-italic "
    "humanist-black humanist-bold humanist-semibold humanist humanist-light humanist-italic "
    "serif-black serif-bold serif-semibold serif serif-light serif-italic condensed"
).split()

_FALLBACK = ("sans", "humanist", "serif")
_lock = threading.Lock()
_coverage: dict[tuple[str, str], bool] = {}


def face_path(face: str) -> Path:
    """The font file of a key, for drawing outside skia; unknown keys give the plain sans."""
    files = _face_files()
    return files.get(face, files["sans"])


@cache
def typeface(face: str) -> skia.Typeface:
    """The typeface for a key; unknown keys give the plain sans."""
    path = face_path(face)
    loaded = skia.Typeface.MakeFromFile(str(path))
    if loaded is None:  # pragma: no cover - a broken font package
        raise RuntimeError(f"Cannot load the bundled font {path}")
    return loaded


@cache
def _unit_font(face: str) -> skia.Font:
    """A font at size 100 with linear metrics, so widths scale exactly with size."""
    font = skia.Font(typeface(face), 100.0)
    font.setSubpixel(True)
    font.setLinearMetrics(True)
    font.setHinting(skia.FontHinting.kNone)
    font.setEdging(skia.Font.Edging.kAntiAlias)
    return font


def make_font(face: str, size: float) -> skia.Font:
    font = skia.Font(typeface(face), size)
    font.setSubpixel(True)
    font.setLinearMetrics(True)
    font.setHinting(skia.FontHinting.kNone)
    font.setEdging(skia.Font.Edging.kAntiAlias)
    return font


@cache
def metrics(face: str) -> tuple[float, float, float]:
    """(ascent, descent, cap height) per unit of size; ascent and descent positive."""
    m = _unit_font(face).getMetrics()
    cap = m.fCapHeight if m.fCapHeight > 0 else -m.fAscent * 0.7
    return -m.fAscent / 100.0, m.fDescent / 100.0, cap / 100.0


def covers(face: str, char: str) -> bool:
    key = (face, char)
    hit = _coverage.get(key)
    if hit is None:
        hit = char.isspace() or typeface(face).unicharToGlyph(ord(char)) != 0
        with _lock:
            _coverage[key] = hit
    return hit


def unit_width(face: str, text: str) -> float:
    """Advance width of `text` at size 1."""
    if not text:
        return 0.0
    return _unit_font(face).measureText(text) / 100.0


def split_spans(face: str, text: str) -> tuple[list[tuple[str, str]], set[str]]:
    """Split text into (face, text) runs by coverage; also return the uncovered chars."""
    runs: list[tuple[str, str]] = []
    missing: set[str] = set()
    for char in text:
        chosen = None
        for candidate in (face, *_FALLBACK):
            if covers(candidate, char):
                chosen = candidate
                break
        if chosen is None:
            missing.add(char)
            continue
        if runs and runs[-1][0] == chosen:
            runs[-1] = (chosen, runs[-1][1] + char)
        else:
            runs.append((chosen, char))
    return runs, missing


def preload() -> None:
    """Load every face now (the engine calls this once at construction)."""
    for key in FACE_KEYS:
        _unit_font(key)
        metrics(key)
