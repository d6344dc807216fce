"""Drawing a Scene with skia: onto a raster surface, or onto skia's SVG canvas.

Both outputs replay the same draw calls, so the SVG (text converted to outlines)
rasterises like the PNG. Supersampling draws at an integer scale and reduces with
a box filter.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import numpy as np
import skia

from pixmill.engines.design import fonts
from pixmill.engines.design.scene import (
    Ellipse,
    Group,
    Line,
    LinearGradient,
    Path,
    RadialGradient,
    Rect,
    Scene,
    TextLine,
    Vector,
)
from pixmill.engines.design.subjects import library

OUTLINE = 0.16
"""An outline's stroke width, in units of the text size (half of it shows outside)."""


def _color(c) -> int:
    a = c[3] if len(c) > 3 else 255
    return skia.ColorSetARGB(int(a), int(c[0]), int(c[1]), int(c[2]))


def _paint(fill, antialias: bool) -> skia.Paint:
    paint = skia.Paint(AntiAlias=antialias)
    if isinstance(fill, LinearGradient):
        paint.setShader(
            skia.GradientShader.MakeLinear(
                [skia.Point(*fill.start), skia.Point(*fill.end)],
                [_color(c) for c in fill.colors],
                list(fill.stops) if fill.stops else None,
            )
        )
    elif isinstance(fill, RadialGradient):
        paint.setShader(
            skia.GradientShader.MakeRadial(
                skia.Point(*fill.center),
                max(fill.radius, 0.01),
                [_color(c) for c in fill.colors],
                list(fill.stops) if fill.stops else None,
            )
        )
    else:
        paint.setColor(_color(fill))
    return paint


def _path(commands) -> skia.Path:
    path = skia.Path()
    for cmd in commands:
        op = cmd[0]
        if op == "M":
            path.moveTo(cmd[1], cmd[2])
        elif op == "L":
            path.lineTo(cmd[1], cmd[2])
        elif op == "Q":
            path.quadTo(cmd[1], cmd[2], cmd[3], cmd[4])
        elif op == "C":
            path.cubicTo(cmd[1], cmd[2], cmd[3], cmd[4], cmd[5], cmd[6])
        elif op == "Z":
            path.close()
    return path


def _banded(item: Rect) -> bool:
    """A rectangle whose linear gradient runs along one axis (drawn as bands in raster)."""
    fill = item.fill
    return (
        isinstance(fill, LinearGradient)
        and item.radius <= 0
        and (fill.start[0] == fill.end[0] or fill.start[1] == fill.end[1])
        and fill.start != fill.end
    )


def _gradient_color(fill: LinearGradient, t: float) -> int:
    colors = [(*c[:3], c[3] if len(c) > 3 else 255) for c in fill.colors]
    stops = list(fill.stops) if fill.stops else [i / (len(colors) - 1) for i in range(len(colors))]
    t = min(max(t, 0.0), 1.0)
    for i in range(1, len(stops)):
        if t <= stops[i] or i == len(stops) - 1:
            span = stops[i] - stops[i - 1]
            u = 0.0 if span <= 0 else min(max((t - stops[i - 1]) / span, 0.0), 1.0)
            a, b = colors[i - 1], colors[i]
            r, g, bl, al = (round(a[k] + (b[k] - a[k]) * u) for k in range(4))
            return skia.ColorSetARGB(al, r, g, bl)
    return _color(colors[-1])


def _draw_bands(canvas: skia.Canvas, item: Rect) -> None:
    """A one-axis linear gradient as abutting flat bands, one colour step apart.

    Skia's raster gradients cost about ten flat fills; the bands look the same
    (at most one 8-bit level apart) and draw in a fraction of the time.
    """
    fill = item.fill
    vertical = fill.start[0] == fill.end[0]
    axis = 1 if vertical else 0
    g0, g1 = fill.start[axis], fill.end[axis]
    lo, length = (item.y, item.h) if vertical else (item.x, item.w)
    scale = (
        abs(
            canvas.getTotalMatrix().getScaleY() if vertical else canvas.getTotalMatrix().getScaleX()
        )
        or 1.0
    )
    count = int(max(2, min(256, length * scale / 2)))
    paint = skia.Paint(AntiAlias=False)
    edges = [lo + length * i / count for i in range(count + 1)]
    for i in range(count):
        mid = (edges[i] + edges[i + 1]) / 2
        paint.setColor(_gradient_color(fill, (mid - g0) / (g1 - g0)))
        if vertical:
            rect = skia.Rect.MakeLTRB(item.x, edges[i], item.x + item.w, edges[i + 1])
        else:
            rect = skia.Rect.MakeLTRB(edges[i], item.y, edges[i + 1], item.y + item.h)
        canvas.drawRect(rect, paint)


def _draw(canvas: skia.Canvas, item, aa: bool, vector: bool = False) -> None:
    if isinstance(item, Rect) and not vector and _banded(item):
        _draw_bands(canvas, item)
    elif isinstance(item, Rect):
        rect = skia.Rect.MakeXYWH(item.x, item.y, item.w, item.h)
        if item.radius > 0:
            canvas.drawRoundRect(rect, item.radius, item.radius, _paint(item.fill, aa))
        else:
            canvas.drawRect(rect, _paint(item.fill, aa))
    elif isinstance(item, Ellipse):
        rect = skia.Rect.MakeLTRB(
            item.cx - item.rx, item.cy - item.ry, item.cx + item.rx, item.cy + item.ry
        )
        canvas.drawOval(rect, _paint(item.fill, aa))
    elif isinstance(item, Path):
        path = _path(item.commands)
        if item.fill is not None:
            canvas.drawPath(path, _paint(item.fill, aa))
        if item.stroke is not None and item.stroke_width > 0:
            paint = _paint(item.stroke, aa)
            paint.setStyle(skia.Paint.kStroke_Style)
            paint.setStrokeWidth(item.stroke_width)
            paint.setStrokeJoin(skia.Paint.kRound_Join)
            paint.setStrokeCap(skia.Paint.kRound_Cap)
            canvas.drawPath(path, paint)
    elif isinstance(item, Line):
        paint = _paint(item.color, aa)
        paint.setStrokeWidth(item.width)
        paint.setStyle(skia.Paint.kStroke_Style)
        if item.round_cap:
            paint.setStrokeCap(skia.Paint.kRound_Cap)
        canvas.drawLine(item.x0, item.y0, item.x1, item.y1, paint)
    elif isinstance(item, Group):
        canvas.save()
        if item.clip is not None:
            x, y, w, h, r = item.clip
            rect = skia.Rect.MakeXYWH(x, y, w, h)
            if r > 0:
                canvas.clipRRect(skia.RRect.MakeRectXY(rect, r, r), True)
            else:
                canvas.clipRect(rect, True)
        if item.opacity < 1.0:
            canvas.saveLayerAlpha(None, round(item.opacity * 255))
        for child in item.items:
            _draw(canvas, child, aa, vector)
        if item.opacity < 1.0:
            canvas.restore()
        canvas.restore()
    elif isinstance(item, Vector):
        dom = library.make_dom(library.recolored(item.code, item.recolor))
        canvas.save()
        canvas.translate(item.x, item.y)
        if item.flip:
            canvas.translate(item.size, 0)
            canvas.scale(-1, 1)
        canvas.scale(item.size / library.VIEW, item.size / library.VIEW)
        dom.render(canvas)
        canvas.restore()
    elif isinstance(item, TextLine):
        paint = _paint(item.fill, True)
        if item.outline is not None:
            stroke = _paint(item.outline, True)
            stroke.setStyle(skia.Paint.kStroke_Style)
            stroke.setStrokeWidth(item.size * OUTLINE)
            stroke.setStrokeJoin(skia.Paint.kRound_Join)
            x = item.x
            for span in item.spans:
                font = fonts.make_font(span.face, item.size)
                canvas.drawString(span.text, x, item.baseline, font, stroke)
                x += span.width
        x = item.x
        for span in item.spans:
            canvas.drawString(
                span.text, x, item.baseline, fonts.make_font(span.face, item.size), paint
            )
            x += span.width


def draw_scene(
    canvas: skia.Canvas,
    scene: Scene,
    *,
    transparent: bool = False,
    text: bool = True,
    antialias: bool = True,
    vector: bool = False,
) -> None:
    draw_layers(
        canvas, scene, _layers(scene, transparent, backdrop=True, top=text), antialias, vector
    )


def _layers(scene: Scene, transparent: bool, *, backdrop: bool, top: bool) -> list[list]:
    layers: list[list] = []
    if backdrop:
        layers += [scene.art] if transparent else [scene.background, scene.art]
    if top:
        layers += [scene.plates, scene.text]
    return layers


def draw_layers(
    canvas: skia.Canvas, scene: Scene, layers: list[list], antialias: bool, vector: bool = False
) -> None:
    del scene
    for layer in layers:
        for item in layer:
            _draw(canvas, item, antialias, vector)


class Raster:
    """A raster surface for one scene, drawn in two passes: the backdrop (background
    and art), then plates and text, so the backdrop can be read in between."""

    def __init__(self, scene: Scene, *, supersample: int = 1, scale: float = 1.0):
        self.scene = scene
        self.width = max(1, round(scene.width * scale))
        self.height = max(1, round(scene.height * scale))
        self.factor = max(1, supersample)
        info = skia.ImageInfo.Make(
            self.width * self.factor,
            self.height * self.factor,
            skia.kRGBA_8888_ColorType,
            skia.kPremul_AlphaType,
        )
        self.surface = skia.Surface.MakeRaster(info)
        self.canvas = self.surface.getCanvas()
        self.canvas.clear(skia.ColorTRANSPARENT)
        self.canvas.scale(
            self.width * self.factor / scene.width, self.height * self.factor / scene.height
        )

    def draw_backdrop(self, *, transparent: bool = False, antialias: bool = True) -> None:
        layers = _layers(self.scene, transparent, backdrop=True, top=False)
        draw_layers(self.canvas, self.scene, layers, antialias)

    def draw_background(self, *, transparent: bool = False) -> None:
        """The first half of `draw_backdrop`: the background alone (none when transparent)."""
        if not transparent:
            draw_layers(self.canvas, self.scene, [self.scene.background], True)

    def draw_art(self) -> None:
        """The second half of `draw_backdrop`: the art."""
        draw_layers(self.canvas, self.scene, [self.scene.art], True)

    def restyle(self, filter_) -> None:
        """Replace the surface's pixels (at full resolution) by `filter_(rgba)`."""
        snapshot = self.surface.makeImageSnapshot().toarray(
            colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kUnpremul_AlphaType
        )
        styled = np.ascontiguousarray(filter_(snapshot))
        image = skia.Image.fromarray(
            styled, colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kUnpremul_AlphaType
        )
        self.canvas.save()
        self.canvas.resetMatrix()
        self.canvas.clear(skia.ColorTRANSPARENT)
        self.canvas.drawImage(image, 0, 0)
        self.canvas.restore()

    def draw_top(self, *, text: bool = True, antialias: bool = True) -> None:
        layers = [self.scene.plates, self.scene.text] if text else [self.scene.plates]
        draw_layers(self.canvas, self.scene, layers, antialias)

    def pixels(self) -> np.ndarray:
        """The surface as an (h, w, 4) uint8 RGBA array, unpremultiplied, at 1x."""
        image = self.surface.makeImageSnapshot()
        if self.factor > 1:
            image = image.resize(
                self.width,
                self.height,
                skia.SamplingOptions(skia.FilterMode.kLinear, skia.MipmapMode.kLinear),
            )
        return image.toarray(
            colorType=skia.kRGBA_8888_ColorType, alphaType=skia.kUnpremul_AlphaType
        )


def rasterize(
    scene: Scene,
    *,
    supersample: int = 1,
    transparent: bool = False,
    text: bool = True,
    scale: float = 1.0,
    antialias: bool = True,
) -> np.ndarray:
    """The scene as an (h, w, 4) uint8 RGBA array, unpremultiplied.

    `scale` < 1 draws a reduced preview (used to measure contrast cheaply); with
    `text` off it shows what lies behind the text (plates included).
    """
    raster = Raster(scene, supersample=supersample, scale=scale)
    raster.draw_backdrop(transparent=transparent, antialias=antialias)
    raster.draw_top(text=text, antialias=antialias)
    return raster.pixels()


def to_svg(scene: Scene, *, transparent: bool = False, credits: tuple[str, ...] = ()) -> bytes:
    """A standalone SVG document of the scene, text converted to outlines; `credits`
    (the attributions of library art it uses) go in its <metadata>."""
    stream = skia.DynamicMemoryWStream()
    canvas = skia.SVGCanvas.Make(
        skia.Rect.MakeWH(scene.width, scene.height),
        stream,
        skia.SVGCanvas.kConvertTextToPaths_Flag | skia.SVGCanvas.kNoPrettyXML_Flag,
    )
    draw_scene(canvas, scene, transparent=transparent, vector=True)
    del canvas
    svg = bytes(stream.detachAsData())
    head = f'<svg viewBox="0 0 {scene.width} {scene.height}" '.encode()
    svg = svg.replace(b"<svg ", head, 1)
    if credits:
        text = escape(" | ".join(credits)).encode("utf-8")
        end = svg.index(b">", svg.index(b"<svg ")) + 1
        svg = svg[:end] + b"<metadata>" + text + b"</metadata>" + svg[end:]
    return svg
