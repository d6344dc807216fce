"""Typical sizes of subjects, so a scene keeps their proportions: a mouse is smaller
than a horse, a cup smaller than the chair it stands on.

Heights are rough real-world metres by library name, else by the subject's category.
`relative` compresses the ratios (a power below 1, and a floor) so a small thing
beside a large one is still seen.
"""

from __future__ import annotations

from pixmill.engines.design.subjects import library

PERSON = 1.7
"""A drawn person's height."""

HEIGHTS: dict[str, float] = {
    # animals
    "mouse": 0.1, "rat": 0.2, "hamster": 0.1, "rabbit": 0.4, "rabbit face": 0.4,
    "cat": 0.35, "cat face": 0.35, "dog": 0.6, "dog face": 0.6, "poodle": 0.5,
    "guide dog": 0.6, "fox": 0.5, "wolf": 0.8, "raccoon": 0.4, "hedgehog": 0.15,
    "squirrel": 0.2, "chipmunk": 0.2, "horse": 1.7, "horse face": 1.7, "unicorn": 1.7,
    "zebra": 1.5, "deer": 1.3, "cow": 1.5, "ox": 1.6, "water buffalo": 1.6, "pig": 0.9,
    "ewe": 0.9, "ram": 0.9, "goat": 0.8, "llama": 1.7, "camel": 2.0,
    "two-hump camel": 2.0, "elephant": 3.0, "mammoth": 3.5, "rhinoceros": 1.8,
    "hippopotamus": 1.5, "giraffe": 5.0, "bear": 1.5, "polar bear": 1.6, "panda": 1.2,
    "koala": 0.7, "tiger": 1.1, "leopard": 0.8, "lion": 1.2, "monkey": 0.6,
    "gorilla": 1.6, "orangutan": 1.4, "kangaroo": 1.5, "sloth": 0.6, "otter": 0.5,
    "beaver": 0.5, "badger": 0.4, "skunk": 0.3, "penguin": 0.7, "owl": 0.4, "bird": 0.2,
    "dove": 0.3, "eagle": 0.8, "parrot": 0.4, "flamingo": 1.2, "peacock": 1.0,
    "swan": 1.0, "duck": 0.4, "chicken": 0.4, "rooster": 0.5, "turkey": 0.9,
    "hatching chick": 0.1, "baby chick": 0.1, "frog": 0.1, "turtle": 0.3, "snail": 0.05,
    "butterfly": 0.08, "honeybee": 0.03, "lady beetle": 0.02, "ant": 0.01, "spider": 0.03,
    "snake": 0.5, "lizard": 0.2, "crocodile": 0.6, "dragon": 6.0, "t-rex": 5.0,
    "sauropod": 8.0, "whale": 8.0, "spouting whale": 8.0, "dolphin": 2.0, "shark": 3.0,
    "fish": 0.3, "tropical fish": 0.3, "blowfish": 0.3, "coral": 0.6, "octopus": 0.6,
    "crab": 0.2, "seal": 1.2,
    # people drawn by the library
    "person biking": 1.7, "person mountain biking": 1.7, "skier": 1.8, "snowboarder": 1.7,
    "person surfing": 1.9, "person rowing boat": 1.5, "horse racing": 2.3,
    "person swimming": 0.8, "person climbing": 1.7, "person golfing": 1.7,
    "astronaut": 1.8, "knight": 1.8, "robot": 1.5, "snowman": 1.7, "ghost": 1.7,
    "zombie": 1.7, "vampire": 1.7, "mage": 1.7, "fairy": 0.3, "mermaid": 1.7,
    # buildings and large things
    "house": 7.0, "house with garden": 7.0, "houses": 7.0, "hut": 3.5, "castle": 15.0,
    "japanese castle": 15.0, "lighthouse": 20.0, "treehouse": 9.0, "church": 15.0,
    "classical building": 12.0, "office building": 30.0, "tent": 2.0, "camping": 2.0,
    "statue of liberty": 46.0, "tokyo tower": 60.0, "ferris wheel": 30.0, "stadium": 20.0,
    "derelict house": 7.0, "barn": 8.0, "windmill": 12.0, "fountain": 2.5,
    # plants
    "deciduous tree": 8.0, "evergreen tree": 8.0, "palm tree": 8.0, "christmas tree": 2.5,
    "cactus": 2.0, "potted plant": 0.6, "sunflower": 1.5, "tulip": 0.4, "rose": 0.5,
    "hibiscus": 0.5, "blossom": 0.4, "cherry blossom": 0.4, "bouquet": 0.5,
    "lotus": 0.4, "herb": 0.3, "seedling": 0.2, "mushroom": 0.15, "fallen leaf": 0.1,
    # vehicles
    "automobile": 1.5, "taxi": 1.5, "racing car": 1.2, "police car": 1.5, "bus": 3.0,
    "delivery truck": 3.0, "fire engine": 3.2, "tractor": 2.8, "bicycle": 1.1,
    "motorcycle": 1.2, "motor scooter": 1.1, "kick scooter": 1.0, "skateboard": 0.15,
    "sailboat": 6.0, "canoe": 1.0, "speedboat": 2.0, "ship": 15.0, "passenger ship": 15.0,
    "rocket": 30.0, "airplane": 6.0, "helicopter": 4.0, "locomotive": 4.0, "train": 4.0,
    "hot air balloon": 18.0,
    # furniture and things
    "chair": 0.9, "couch and lamp": 1.0, "bed": 0.8, "umbrella": 1.9, "rock": 0.6,
    "wood": 0.5, "jack-o-lantern": 0.4, "hot beverage": 0.1, "teacup without handle": 0.1,
    "glass bottle": 0.3, "wine glass": 0.2, "books": 0.25, "guitar": 1.0, "backpack": 0.5,
    "luggage": 0.7, "basket": 0.3, "gift": 0.3, "balloon": 0.4, "kite": 1.0,
    "birthday cake": 0.2, "shortcake": 0.1, "croissant": 0.08, "red apple": 0.08,
    "steaming bowl": 0.12, "pizza": 0.05, "hamburger": 0.1, "brick": 0.1,
}  # fmt: skip
CATEGORY_HEIGHTS = {
    "animal": 0.8,
    "food": 0.12,
    "vehicle": 2.0,
    "building": 10.0,
    "plant": 0.8,
    "thing": 0.5,
}


def height(code: str | None) -> float:
    """A subject's typical height in metres; code None is a drawn person."""
    if code is None:
        return PERSON
    for name in library.names_of(code):
        if name in HEIGHTS:
            return HEIGHTS[name]
    return CATEGORY_HEIGHTS.get(library.category(code), 0.5)


def relative(heights: list[float], floor: float = 0.28, power: float = 0.55) -> list[float]:
    """Each height against the tallest, compressed: (h / tallest) ** power, at least
    `floor`. A mouse beside a horse is ~0.28 of it, a dog beside a person ~0.7."""
    tallest = max(heights) if heights else 1.0
    return [max(floor, (h / tallest) ** power) for h in heights]
