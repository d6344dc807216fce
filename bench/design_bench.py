"""Design engine benchmark: median render time per genre and quality, against PNG encoding.

    python bench/design_bench.py [--repeats 3] [--qualities low,medium,high,xhigh,max]
                                 [--layouts]

For each genre, quality and size (1024x1024 and 1024x1536) it renders one prompt
(at seed 1, or with --layouts at every seed that picks another of its named layouts)
`repeats` times and encodes the result as PNG (Pillow, default settings) as many
times, and prints both medians and their ratio (render / encode). The target is a
ratio of at most 1.0 at medium quality. Figures, not a test.
"""

from __future__ import annotations

import argparse
import io
import itertools
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.engines.design.design_prompts import make_spec

from pixmill.engines.design import DesignEngine
from pixmill.engines.design.brief import parse
from pixmill.engines.design.layouts import LAYOUTS
from timing import median_seconds

GENRES: dict[str, str] = {
    "magazine": 'magazine cover called "Urban Pulse" headlines "10 Hidden Cafés You\'ll Love in '
    'NYC" "Minimalist Apartments: Small Spaces, Big Ideas" "Exclusive Interview: Behind the '
    'Scenes" with a person in front of a city, vibrant',
    "poster": 'a poster "Blue Hour" tagline "Live every Friday" date "March 14"',
    "event": 'concert poster "ECHO DISTRICT" "World Tour 2026" "Madison Square Garden"',
    "flyer": 'a flyer "Sweet Saturday" "Cakes, cookies and pies" "Saturday at the Old Hall"',
    "book": 'a book cover titled "The Silent Harbor" by "Mara Quinn"',
    "album": 'an album cover "Neon Tides" by "The Midnight Owls"',
    "banner": 'a web banner "Brew & Co." "Fresh roasted every morning" "Order online"',
    "social": 'an instagram post "Find Your Flow" "Classes start Monday"',
    "thumbnail": 'a youtube thumbnail "I Tried Living in Tokyo for 30 Days"',
    "logo": 'a logo for "Northwind Labs" tagline "Data you can trust"',
    "sticker": 'a sticker of a cat "Stay Pawsitive"',
    "card": 'a business card "Jane Doe" "Senior Product Designer" "jane@example.com"',
    "invitation": 'a wedding invitation "Anna & Luca" "June 14, 2026"',
    "label": 'a product label "Wildflower Honey" "Raw & Unfiltered" "500 g"',
    "menu": 'a menu "Morning Menu" items "Espresso" "Cappuccino" "Croissant"',
    "quote": 'a quote card "The best way to predict the future is to invent it." "Alan Kay"',
    "infographic": 'an infographic "Better Sleep" "Keep a schedule" "Dim the lights"',
    "scene": "a landscape with mountains and a lake at sunset",
    "backdrop": "a dog wearing sunglasses against a brick wall",
    "subjects": "an astronaut riding a horse on the moon",
    "styled": "a watercolour painting of a fox in a forest",
    "painterly": "an oil painting of sunflowers in a blue vase",
    "certificate": 'a certificate "Certificate of Excellence" awarded to "Priya Raman"',
    "badge": 'a conference badge "DevSummit 2026" "Sam Ortiz" "Speaker"',
    "icon": 'an app icon for a weather app "Skye"',
    "recipe": 'a recipe card "Lemon Pasta" "200 g spaghetti" "1 lemon" "2 tbsp butter"',
    "screenshot": 'an app store screenshot "Track every habit" for a habit tracker app',
}
SIZES = ((1024, 1024), (1024, 1536))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--qualities", default="low,medium,high,xhigh,max")
    parser.add_argument("--genres", default=",".join(GENRES))
    parser.add_argument(
        "--layouts",
        action="store_true",
        help="every named layout of each genre (seeds 0..n-1) instead of seed 1 alone",
    )
    args = parser.parse_args()
    engine = DesignEngine()
    qualities = args.qualities.split(",")
    print(
        f"{'genre':12} {'layout':22} {'quality':8} {'size':10} {'render ms':>10} {'png ms':>8} "
        f"{'ratio':>6}"
    )
    ratios: dict[str, list[float]] = {q: [] for q in qualities}
    for genre in args.genres.split(","):
        prompt = GENRES[genre]
        entries = LAYOUTS.get(parse(prompt).genre, ())
        seeds = range(len(entries)) if args.layouts and entries else (1,)
        for quality, seed, (width, height) in itertools.product(qualities, seeds, SIZES):
            spec = make_spec(prompt, width, height, quality=quality, seed=seed)
            layout = engine.design(spec).layout
            engine.generate(spec)  # warm caches
            image = engine.generate(spec)[0].image
            render = median_seconds(lambda spec=spec: engine.generate(spec), args.repeats, warmup=0)
            encode = median_seconds(
                lambda image=image: image.save(io.BytesIO(), "PNG"), args.repeats, warmup=0
            )
            ratio = render / encode
            ratios[quality].append(ratio)
            print(
                f"{genre:12} {layout:22} {quality:8} {width}x{height:<5} {render * 1000:10.1f} "
                f"{encode * 1000:8.1f} {ratio:6.2f}",
                flush=True,
            )
    print()
    for quality, values in ratios.items():
        print(
            f"{quality:8} render/PNG-encode ratio: median {statistics.median(values):.2f}, "
            f"worst {max(values):.2f}"
        )


if __name__ == "__main__":
    main()
