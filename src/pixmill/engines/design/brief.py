"""Reading a prompt: its quoted strings and their roles, genre, colour and style words,
how an edit arranges its further pictures (a grid, a collage, product tiles), and
whether it cuts its main picture out (a cut-out, a sticker).

Quoted strings are found between straight double quotes, curly double quotes,
guillemets and CJK corner brackets. Each string is normalised (NFC, control and
format characters removed, whitespace collapsed) and set exactly once; duplicates
and empty quotes are dropped.

Roles come from the words just before a quote ("called", "headlines", "tagline",
"date"...); a quote with only punctuation or "and" between it and the previous one
keeps the previous role. The first quote without a hint is the title.

Every quote is set exactly, its punctuation included: ``called "Urban Pulse."``
sets "Urban Pulse.", as asked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

_OPENERS = {'"': '"', "“": "”", "„": "“", "«": "»", "「": "」", "『": "』", "”": "”"}
_WORD_RE = re.compile(r"[a-z]+(?:-[a-z]+)?")

GENRES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("certificate", ("certificate", "diploma")),
    (
        "badge",
        (
            "conference name badge",
            "conference name tag",
            "event name badge",
            "conference badge",
            "name badge",
            "event badge",
            "speaker badge",
            "attendee badge",
            "visitor badge",
            "staff badge",
            "name tag",
            "lanyard",
            "id badge",
        ),
    ),
    ("recipe", ("recipe card", "recipe")),
    ("screenshot", ("app store screenshot", "app screenshot", "screenshot", "app store")),
    ("thumbnail", ("youtube thumbnail", "video thumbnail", "thumbnail", "youtube")),
    ("magazine", ("magazine cover", "magazine", "zine", "cover story")),
    ("album", ("album cover", "album art", "record sleeve", "ep cover", "mixtape", "album")),
    ("book", ("book cover", "novel cover", "novel", "ebook", "book")),
    (
        "event",
        (
            "concert poster",
            "event poster",
            "gig poster",
            "festival poster",
            "concert",
            "festival",
            "gig",
            "live music",
            "conference",
            "meetup",
        ),
    ),
    ("menu", ("restaurant menu", "cafe menu", "menu")),
    ("card", ("business card", "name card", "visiting card")),
    (
        "invitation",
        (
            "invitation",
            "invite",
            "greeting card",
            "birthday card",
            "wedding",
            "thank you card",
            "holiday card",
            "save the date",
            "card",
        ),
    ),
    ("logo", ("wordmark", "logotype", "logo", "monogram")),
    ("icon", ("app icon", "application icon", "ios icon", "android icon", "launcher icon")),
    ("sticker", ("sticker", "icon", "badge", "emblem", "embroidered patch", "iron-on patch")),
    (
        "label",
        (
            "product label",
            "packaging",
            "package",
            "label",
            "bottle",
            "can design",
            "box design",
            "jar",
        ),
    ),
    ("quote", ("quote card", "quote", "quotation", "inspirational")),
    ("infographic", ("infographic", "checklist", "list of", "steps", "top 10", "top ten", "chart")),
    (
        "banner",
        (
            "web banner",
            "website header",
            "banner",
            "header",
            "hero image",
            "cover photo",
            "ad banner",
            "billboard",
        ),
    ),
    (
        "social",
        (
            "instagram",
            "social media",
            "social post",
            "tweet",
            "facebook post",
            "linkedin",
            "story post",
            "pinterest",
        ),
    ),
    ("flyer", ("flyer", "flier", "leaflet", "handout", "brochure")),
    ("poster", ("poster", "placard", "announcement", "advert", "advertisement", "ad")),
)
DESIGN_GENRES = tuple(name for name, _ in GENRES)
_LABEL_WORDS = r"\b(label|labels|packaging|package|brand|branding|can design|box design)\b"
"""Words that make a bottle or a jar a label design rather than a thing in a scene."""

ARRANGEMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # How an edit lays out its further images; the first entry whose words the prompt
    # has wins, and "grid" is the default. Product tiles also follow from a product genre.
    (
        "collage",
        ("collage", "moodboard", "mood board", "mood-board", "scrapbook", "polaroid",
         "polaroids", "photo wall", "memories"),
    ),
    (
        "tiles",
        ("products", "product", "catalog", "catalogue", "shop", "store", "product range",
         "range of", "lineup", "line-up", "line up", "merch", "merchandise", "for sale",
         "sale", "ad", "ads", "advert", "advertisement", "advertising", "promo"),
    ),
)  # fmt: skip
ARRANGEMENT_GENRES = {"label": "tiles"}
"""Genres that choose an arrangement by themselves: a product label's pictures are products."""

CUTOUTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # Whether an edit cuts its main picture's subject out and sets it on the engine's own
    # backdrop, and with what edge; the first entry whose words the prompt has wins.
    ("sticker", ("sticker", "stickers", "die-cut", "die cut")),
    (
        "cutout",
        ("cut out", "cutout", "cutouts", "cut-out", "cut-outs", "isolated",
         "background removed", "remove the background", "without the background",
         "without its background"),
    ),
)  # fmt: skip

_ROLE_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "headline",
        (
            "headline",
            "headlines",
            "cover line",
            "cover lines",
            "article",
            "articles",
            "feature",
            "features",
            "story",
            "stories",
            "items",
            "item",
            "bullet",
            "bullets",
            "points",
            "dishes",
            "list",
            "steps",
            "tips",
            "ingredients",
        ),
    ),
    (
        "tagline",
        (
            "tagline",
            "slogan",
            "subtitle",
            "subheading",
            "sub-heading",
            "motto",
            "strapline",
            "caption",
            "subhead",
            "byline",
            "author",
            "by",
        ),
    ),
    (
        "info",
        (
            "date",
            "dates",
            "issue",
            "edition",
            "volume",
            "time",
            "venue",
            "location",
            "address",
            "when",
            "where",
            "price",
            "phone",
            "email",
            "website",
            "url",
            "contact",
            "details",
            "on",
            "at",
        ),
    ),
    (
        "body",
        (
            "body",
            "text",
            "description",
            "paragraph",
            "copy",
            "message",
            "reading",
            "saying",
            "says",
            "quote",
            "that",
        ),
    ),
    (
        "title",
        (
            "called",
            "named",
            "titled",
            "title",
            "name",
            "masthead",
            "brand",
            "logo",
            "wordmark",
            "heading",
            "headline:",
            "for",
        ),
    ),
)

ROLE_WORDS = frozenset(w for _, hints in _ROLE_HINTS for w in hints)
"""Words that name a text's role ("date", "tagline"): never a picture's subject."""

_CONTROL_RE = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """NFC, no control or format characters, single spaces, trimmed."""
    text = unicodedata.normalize("NFC", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            kept.append(" " if char in "\t\n\r\x0b\x0c\u2028\u2029" else "")
        else:
            kept.append(char)
    return _CONTROL_RE.sub(" ", "".join(kept)).strip()


@dataclass
class Quote:
    text: str
    role: str
    position: int


@dataclass
class Brief:
    prompt: str
    quotes: list[Quote] = field(default_factory=list)
    genre: str = "scene"
    words: frozenset[str] = frozenset()
    lowered: str = ""
    arrangement: str = "grid"
    """How an edit lays out its further images: "grid", "collage" or "tiles" (products)."""
    cutout: str | None = None
    """Whether an edit cuts its main picture's subject out: "cutout" (a soft shadow),
    "sticker" (a white die-cut edge too), or None (the photo as it is)."""
    marked: str = ""
    """`lowered` with each quoted string left as the mark \"q\": a noun just before a
    quote is its label ("the note \"Back soon\""), never a picture."""

    def has(self, *words: str) -> bool:
        return any(w in self.words for w in words)

    def by_role(self, role: str) -> list[Quote]:
        return [q for q in self.quotes if q.role == role]

    @property
    def is_design(self) -> bool:
        return self.genre != "scene"


def _find_quotes(prompt: str) -> list[tuple[int, int, str]]:
    found = []
    i, n = 0, len(prompt)
    while i < n:
        closer = _OPENERS.get(prompt[i])
        if closer is None:
            i += 1
            continue
        closers = {closer, '"', "”"} if prompt[i] != '"' else {'"', "”"}
        j = i + 1
        while j < n and prompt[j] not in closers:
            j += 1
        if j >= n:
            break
        found.append((i, j, prompt[i + 1 : j]))
        i = j + 1
    return found


def _hint(context: str) -> str | None:
    words = _WORD_RE.findall(context.lower())[-6:]
    for word in reversed(words):
        for role, hints in _ROLE_HINTS:
            if word in hints:
                return role
    return None


def _genre(lowered: str, words: frozenset[str]) -> str | None:
    best: tuple[int, str] | None = None
    for name, phrases in GENRES:
        for phrase in phrases:
            if " " in phrase:
                pos = lowered.find(phrase)
            else:
                pos = -1 if phrase not in words else _word_pos(lowered, phrase)
            if pos >= 0 and (best is None or pos < best[0]):
                best = (pos, name)
            if pos >= 0:
                break
    return best[1] if best else None


def _named(
    table: tuple[tuple[str, tuple[str, ...]], ...], lowered: str, words: frozenset[str]
) -> str | None:
    """The first entry of `table` whose words or phrases the prompt has."""
    for name, phrases in table:
        for phrase in phrases:
            found = _word_pos(lowered, phrase) >= 0 if " " in phrase else phrase in words
            if found:
                return name
    return None


def _word_pos(lowered: str, word: str) -> int:
    match = re.search(rf"\b{re.escape(word)}\b", lowered)
    return match.start() if match else -1


def parse(prompt: str) -> Brief:
    """Read the prompt; never raises."""
    prompt = prompt if isinstance(prompt, str) else str(prompt)
    prompt = prompt.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    spans = _find_quotes(prompt)
    unquoted = marked = prompt
    for start, end, _ in reversed(spans):
        unquoted = unquoted[:start] + " " + unquoted[end + 1 :]
        marked = marked[:start] + ' "q" ' + marked[end + 1 :]
    lowered = clean_text(unquoted).lower()
    words = frozenset(_WORD_RE.findall(lowered)) | frozenset(re.findall(r"[a-z]+", lowered))

    quotes: list[Quote] = []
    seen: set[str] = set()
    previous_end = 0
    previous_role: str | None = None
    for start, end, raw in spans:
        context = prompt[previous_end:start]
        hint = _hint(context)
        if hint is None and previous_role and not re.search(r"[A-Za-z]{4,}", context):
            hint = previous_role
        if hint is None:
            hint = "title" if not any(q.role == "title" for q in quotes) else "headline"
        # Exact, its punctuation included: "Urban Pulse." keeps its full stop.
        text = clean_text(raw)
        previous_end, previous_role = end + 1, hint
        if not text or text in seen:
            continue
        seen.add(text)
        quotes.append(Quote(text, hint, start))
    # A brief has at most one title: later "title" hints become headlines.
    titles = [q for q in quotes if q.role == "title"]
    for extra in titles[1:]:
        extra.role = "headline"
    genre = _genre(lowered, words)
    if genre == "book" and not spans and not re.search(r"\b(book cover|novel|ebook)\b", lowered):
        genre = None  # "a woman reading a book" is a scene, not a cover
    if genre == "label" and not spans and not re.search(_LABEL_WORDS, lowered):
        genre = None  # "a glass bottle on a table" is a still life, not a product label
    if genre is None:
        genre = "poster" if quotes else "scene"
    arrangement = _named(ARRANGEMENTS, lowered, words) or ARRANGEMENT_GENRES.get(genre, "grid")
    cutout = _named(CUTOUTS, lowered, words)
    marked = clean_text(marked).lower()
    return Brief(prompt, quotes, genre, words, lowered, arrangement, cutout, marked)
