"""Design prompts across the genres, and a spec builder: shared by the design engine's
tests, the gallery (scripts/gallery.py) and the benchmark (bench/design_bench.py).

Each genre entry: (genre expected, prompt). Quoted words are plain dictionary words
where OCR reads them back.
"""

from __future__ import annotations

from pixmill.request import RenderSpec

# Checked by the tests but not in the gallery: its pictures are numbered and seeded
# by position, so adding these would renumber and redraw the ones after them.
_GALLERY_OPENING = 'an elegant poster "Gallery Opening" "Modern Portraits" "Friday evening"'
_ORBIT = 'a futuristic magazine cover "Orbit" "Life on Mars" "The Next Rocket Age"'

GENRE_PROMPTS: list[tuple[str, str]] = [
    (
        "magazine",
        'a magazine cover called "Nordic Living." with the headlines "Cabins by the '
        'Fjord" "Slow Mornings at Home" "The New Hygge: Twelve Ideas"',
    ),
    (
        "poster",
        'A vibrant poster for a jazz night called "Blue Hour" with the tagline "Live '
        'every Friday" date "March 14, 9 PM"',
    ),
    ("event", 'concert poster "ECHO DISTRICT" "World Tour 2026" "Madison Square Garden"'),
    (
        "flyer",
        'a retro flyer for a bake sale "Sweet Saturday" "Cakes, cookies and pies" '
        '"Saturday at the Old Hall"',
    ),
    ("book", 'a book cover for a thriller novel titled "The Silent Harbor" by "Mara Quinn"'),
    ("album", 'an album cover for "Neon Tides" by "The Midnight Owls"'),
    (
        "banner",
        'a web banner for a coffee shop "Brew & Co." "Fresh roasted every morning" "Order online"',
    ),
    ("social", 'an instagram post for a yoga studio "Find Your Flow" "Classes start Monday"'),
    ("thumbnail", 'a youtube thumbnail "I Tried Living in Tokyo for 30 Days"'),
    ("logo", 'a minimalist logo for "Northwind Labs" tagline "Data you can trust"'),
    ("sticker", 'a playful sticker of a cat "Stay Pawsitive"'),
    ("card", 'a business card for "Jane Doe" "Senior Product Designer" "jane@example.com"'),
    (
        "invitation",
        'a wedding invitation "Anna & Luca" "request the pleasure of your company" '
        '"June 14, 2026 Villa Rosa"',
    ),
    ("label", 'a vintage product label for honey "Wildflower Honey" "Raw & Unfiltered" "500 g"'),
    (
        "menu",
        'a cafe menu "Morning Menu" items "Espresso" "Cappuccino" "Croissant" "Avocado Toast"',
    ),
    ("quote", 'a quote card "The best way to predict the future is to invent it." "Alan Kay"'),
    (
        "infographic",
        'an infographic "Tips for Better Sleep" "Keep a schedule" "Cut caffeine '
        'after noon" "Dim the lights" "No screens in bed"',
    ),
    ("poster", 'a dark neon poster "NIGHT DRIVE" "Synthwave all night" "Saturday at The Garage"'),
    (
        "poster",
        'a pastel poster "Spring Market" "Fresh flowers, local bread" "Sundays, Old Town Square"',
    ),
    ("poster", _GALLERY_OPENING),
    ("banner", 'a corporate website header "Cloud Security Made Simple" "Start your free trial"'),
    ("magazine", _ORBIT),
]

SCENE_PROMPTS: list[str] = [
    "a landscape with mountains at sunset",
    "a city at night",
    "a cat on a sofa",
    "a beach with a dog",
    "a forest with a house",
    "a red car in the countryside",
    "a cup of coffee",
    "a rocket in space",
    "something utterly indescribable",
]

GALLERY_PROMPTS: list[str] = [
    prompt for _, prompt in GENRE_PROMPTS if prompt not in (_GALLERY_OPENING, _ORBIT)
] + SCENE_PROMPTS
"""The gallery's prompts in its order: the genre prompts, then the scenes."""


def make_spec(prompt: str, width: int = 512, height: int = 512, **overrides) -> RenderSpec:
    """A RenderSpec for the design engine: one PNG at medium quality, opaque, seed 7,
    unless `overrides` (any RenderSpec field) say otherwise."""
    values = dict(
        prompt=prompt,
        model="design",
        n=1,
        width=width,
        height=height,
        quality="medium",
        background="opaque",
        output_format="png",
        output_compression=100,
        seed=7,
    )
    values.update(overrides)
    return RenderSpec(**values)
