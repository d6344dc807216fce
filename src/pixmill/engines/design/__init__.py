"""The built-in `design` engine: procedural layout, typography and vector illustration.

Modules, one concern each:

- `brief`: reads the prompt (quoted strings and their roles, genre, style words),
- `palette`: colours from colour and mood words, WCAG contrast,
- `fonts`: the bundled faces, loaded once, with per-character fallback,
- `typeset`: fits paragraphs to boxes (size, line breaks),
- `scene`: the vector scene as plain data,
- `layouts/`: one module per genre, mapping a frame to slots and art,
- `subjects/`: drawn subjects (sky, city, people...), the vector subject library
  (`library`, Twemoji) and the prompt-to-subject matcher (`matching`, `vocabulary`),
- `styles`: style words (watercolour, sketch, pixel art...) as post-processes,
- `contrast`: recolours text or adds plates until contrast is at least 4.5:1,
- `compose`: ties the above into a Scene,
- `render`: draws a Scene with skia to pixels or to SVG,
- `engine`: the `DesignEngine` the registry builds.
"""

from pixmill.engines.design.engine import DesignEngine

__all__ = ["DesignEngine"]
