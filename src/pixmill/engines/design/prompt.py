"""Reading a prompt's grammar: part-of-speech tags, noun phrases and the role of each word.

A rule-based tagger and chunker over `lemminflect`'s English lexicon (MIT licence; the
word -> possible parts of speech table it ships). Closed classes (determiners,
prepositions, conjunctions, pronouns, numbers) are listed here; open-class words take
their candidate tags from lemminflect and are settled by their neighbours. No model is
downloaded; the lexicon loads on first use (35 MB, 0.3 s of CPU).

`parse(prompt)` gives a `Parsed`: the tokens with their tags and roles (colour,
direction/layout, quantity, genre, mood, season, weather, time of day, setting, style),
the noun phrases (head, the words modifying it, colours bound to it, the preposition or
verb relating it to an earlier phrase, and its role: a thing to draw, a part of another
thing, a layout place, a text label, the genre, the palette, the setting...), and the
prompt's quoted strings apart. Issue 25 reuses it to rewrite a prompt for another model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from pixmill.engines.design.brief import GENRES
from pixmill.engines.design.palette import NAMED
from pixmill.engines.design.subjects.vocabulary import PEOPLE

DET = frozenset(
    "a an the this that these those my your our their his her its some any each every "
    "another no".split()
)
PRON = frozenset("it they them he she we you i me him us who which what whose".split())
CCONJ = frozenset({"and", "or", "but", "nor", "&", "plus"})
AUX = frozenset("is are was were be being been has have had do does did will would can "
                "could should must may might".split())  # fmt: skip
PREP = frozenset(
    "on in at with by for from of to over under above below beside behind near into onto "
    "across through around between among against along inside outside atop astride "
    "beneath underneath past toward towards during without within upon like via about "
    "beyond amid amidst throughout under".split()
)
MULTI_PREP = {
    ("in", "front", "of"): "in front of",
    ("on", "top", "of"): "on top of",
    ("next", "to"): "next to",
    ("close", "to"): "close to",
    ("in", "the", "middle", "of"): "in the middle of",
}
MULTI_NOUN = {("northern", "lights"): "northern lights", ("southern", "lights"): "southern lights"}
NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12,
    "pair": 2, "couple": 2, "several": 3, "many": 5, "few": 3, "both": 2,
}  # fmt: skip
COLLECTIVES = {
    "couple": 2, "pair": 2, "trio": 3, "family": 3, "group": 4, "team": 4, "herd": 4,
    "pack": 4, "flock": 5, "crowd": 5, "bunch": 5, "school": 4, "swarm": 5, "gaggle": 4,
    "handful": 3, "dozen": 12,
}  # fmt: skip
"""Nouns that, before "of", count what follows ("a herd of cows": four cows)."""
PEOPLE_COLLECTIVES = frozenset({"couple", "family", "group", "crowd", "team", "trio"})
"""Collectives that, alone, name people ("a couple on a bench": two people)."""
SHADES = frozenset({"light", "dark", "pale", "deep", "bright", "pastel", "neon", "soft", "hot"})
PALETTE_NOUNS = frozenset(
    "colours colors colour color tones tone palette palettes scheme theme hues hue "
    "shades accents accent".split()
)
DIRECTIONS = frozenset(
    "left right top bottom center centre middle corner corners side sides edge edges upper "
    "lower background foreground header footer margin margins topside underside".split()
)
MOODS = frozenset(
    "happy calm cozy cosy moody dramatic peaceful serene gloomy cheerful playful romantic "
    "mysterious spooky eerie vibrant elegant bold minimal minimalist melancholic warm cold "
    "dreamy whimsical festive joyful quiet lonely epic dark bright cute friendly luxurious "
    "luxury tranquil somber sombre energetic fun".split()
)
SEASONS = {"spring": "spring", "summer": "summer", "autumn": "autumn", "fall": "autumn",
           "winter": "winter", "autumnal": "autumn", "wintry": "winter", "summery": "summer",
           "christmas": "winter", "halloween": "autumn", "easter": "spring"}  # fmt: skip
WEATHER = {
    "rain": "rain", "rainy": "rain", "raining": "rain", "drizzle": "rain",
    "storm": "storm", "stormy": "storm", "thunder": "storm", "thunderstorm": "storm",
    "lightning": "storm", "snow": "snow", "snowy": "snow", "snowing": "snow",
    "snowfall": "snow", "fog": "fog", "foggy": "fog", "mist": "fog", "misty": "fog",
    "haze": "fog", "hazy": "fog", "wind": "wind", "windy": "wind", "cloudy": "cloud",
    "overcast": "cloud", "sunny": "sun", "clear": "sun",
}  # fmt: skip
TIMES = {
    "dawn": "dawn", "sunrise": "dawn", "daybreak": "dawn", "morning": "morning",
    "noon": "day", "midday": "day", "afternoon": "day", "daytime": "day", "day": "day",
    "dusk": "dusk", "sunset": "dusk", "twilight": "dusk", "evening": "dusk",
    "night": "night", "midnight": "night", "nighttime": "night", "starry": "night",
    "moonlit": "night", "nocturnal": "night", "aurora": "night",
    "northern lights": "night", "southern lights": "night",
}  # fmt: skip
INDOORS = frozenset(
    "indoors indoor inside room kitchen bedroom bathroom office library studio cafe "
    "restaurant classroom greenhouse interior living hallway attic workshop bakery "
    "fireplace sofa couch armchair bed desk windowsill".split()
)
OUTDOORS = frozenset("outdoors outdoor outside".split())
SETTINGS = frozenset(
    "ocean sea lake coast beach forest woods jungle park garden field meadow city street "
    "road kitchen room space sky cliff desert landscape countryside town village hills "
    "hill hillside mountains valley river pond island shore harbor harbour reef underwater "
    "iceberg snowfield farm orchard vineyard greenhouse bedroom office classroom library "
    "cafe restaurant studio skyline backdrop scene world universe galaxy moon".split()
)
STYLES = frozenset(
    "watercolour watercolor painting painted oil sketch pencil ink charcoal flat vector "
    "retro vintage neon pixel isometric painterly gouache acrylic pastel lineart cartoon "
    "minimalist minimal photorealistic realistic 3d low-poly lowpoly art-deco deco "
    "poster-style".split()
)
FRAMES = frozenset(
    "head face portrait mascot logo icon illustration drawing picture image painting "
    "sketch silhouette emblem symbol character cartoon sticker photo photograph shape "
    "design artwork art graphic print outline doodle".split()
)
PARTS = frozenset(
    "cap lid beard moustache mustache hair handle label stripes stripe spots spot wings "
    "wing tail ears ear eyes eye horns horn antlers mane collar ribbon bow button buttons "
    "pocket pockets sleeves sleeve roof door doors windows wheels wheel leaves petals stem "
    "trim rim frame border outline pattern patterns dots glasses scarf buckle strap "
    "feathers fur scales whiskers paws claws teeth spout cork".split()
)
CLOTHING = frozenset(
    "coat jacket dress hat scarf boots raincoat suit hoodie sweater uniform apron shirt "
    "t-shirt skirt jeans cape gown kimono tuxedo overalls costume".split()
)
TEXT_NOUNS = frozenset(
    "note notes text words word caption headline headlines title titles tagline slogan "
    "subtitle heading subheading message saying line lines label sign lettering name "
    "date time price prices quote quotation motto phrase button cta url email phone "
    "address item items list steps step ingredients".split()
)
WORN = frozenset(
    "hat tophat cap crown helmet sunglasses glasses spectacles goggles scarf tie necktie "
    "bowtie".split()
)
"""Things worn at the head or neck: "a cat in a hat" wears it, it is not beside it."""
PLURALIA = frozenset(
    "sunglasses glasses spectacles goggles scissors jeans trousers pants shorts "
    "binoculars headphones pliers tongs".split()
)
"""Plural nouns that name one thing: "sunglasses" are one pair."""
QUOTE_INTRO = frozenset("called titled named saying reads reading says with".split())
RELATIONS = {
    "on": "on", "atop": "on", "on top of": "on", "onto": "on", "upon": "on",
    "riding": "riding", "rides": "riding", "ride": "riding", "astride": "riding",
    "mounted": "riding", "holding": "holding", "holds": "holding", "carrying": "holding",
    "carries": "holding", "hugging": "holding", "reading": "holding", "drinking": "holding",
    "eating": "holding", "playing": "holding", "wearing": "wearing", "wears": "wearing",
    "beside": "beside", "next to": "beside", "by": "beside", "near": "beside",
    "close to": "beside", "with": "with", "walking": "beside", "and": "beside",
    "in front of": "in front of", "before": "in front of", "behind": "behind",
    "under": "under", "beneath": "under", "underneath": "under", "below": "under",
    "over": "over", "above": "over", "in": "in", "inside": "in", "into": "in",
    "at": "at", "sitting": "on", "standing": "on", "perched": "on", "lying": "on",
    "sleeping": "on", "asleep": "on", "leaning": "beside", "against": "beside",
    "flying": "over", "floating": "over", "swimming": "in", "from": "in",
}  # fmt: skip
_OBJECT_GENRES = frozenset(
    # genre words that are as often things in a scene ("a woman reading a book")
    "book novel bottle jar box can package packaging patch chart steps lanyard ad "
    "store app list of top ten".split()
)

_TOKEN_RE = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,:]\d+)*%?|[&.,;:!?()]")
_QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»", "「": "」", "『": "』", "”": "”"}


@dataclass
class Token:
    """One word, number, punctuation mark or quoted string (tag QUOTE)."""

    text: str
    lower: str
    tag: str
    """DET PRON CCONJ AUX ADP NUM ADJ NOUN VERB ADV PART PUNCT QUOTE."""
    lemma: str
    roles: frozenset[str] = frozenset()
    """colour, shade, direction, quantity, genre, mood, season, weather, time, indoors,
    outdoors, setting, style, frame, part, clothing, text, palette."""


@dataclass
class Phrase:
    """A noun phrase: `tokens[start:end]`, its head and what modifies it."""

    start: int
    end: int
    head: str
    """The head noun's lemma (the thing named: "bear" in "an angry bear head")."""
    words: tuple[str, ...]
    """The phrase's nouns ending with its head, lowered ("palm", "trees")."""
    modifiers: tuple[str, ...] = ()
    """Adjectives and noun modifiers bound to the head ("angry", "vintage")."""
    colours: tuple[str, ...] = ()
    """Colour words bound to the head ("red" in "a red car")."""
    count: int = 1
    role: str = "thing"
    """thing, part (of `attach`), layout, text, genre, palette, setting, time, weather,
    season, style, mood, person."""
    frames: tuple[str, ...] = ()
    """Framing nouns after the head: "head", "mascot" in "a bear head mascot"."""
    relation: str | None = None
    """How it relates to phrase `attach`: on, riding, holding, beside, in front of..."""
    attach: int | None = None

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass
class Parsed:
    """A prompt read: its tokens, noun phrases, quotes, and the setting words found."""

    prompt: str
    tokens: list[Token]
    phrases: list[Phrase]
    quotes: list[str]
    colours: list[str] = field(default_factory=list)
    """Colour words for the palette, in order (bound ones included)."""
    palette_colours: list[str] = field(default_factory=list)
    """Colour words naming the palette rather than a thing ("orange and purple colours")."""
    directions: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    season: str | None = None
    weather: str | None = None
    time: str | None = None
    indoors: bool | None = None

    @property
    def free_colours(self) -> list[str]:
        """Colour words that qualify no thing: they colour the picture, not an object."""
        bound = {
            c for p in self.phrases if p.role in ("thing", "person", "part") for c in p.colours
        }
        return [c for c in self.colours if c not in bound]

    @property
    def things(self) -> list[Phrase]:
        """Noun phrases naming something to draw, in order."""
        return [p for p in self.phrases if p.role in ("thing", "person")]

    @property
    def subject(self) -> Phrase | None:
        """The main subject: the first thing named, a rider before its mount."""
        things = self.things
        return things[0] if things else None

    def blocked(self) -> set[int]:
        """Token indices that must never become pictures by themselves."""
        out: set[int] = set()
        in_thing: set[int] = set()
        for p in self.phrases:
            if p.role in ("thing", "person", "setting"):
                in_thing.update(range(p.start, p.end))
            elif p.role in ("genre", "time", "season", "weather", "style", "mood", "text"):
                # "a birthday card", "a jazz night": the occasion may still be drawn
                in_thing.update(
                    k for k in range(p.start, p.end - 1)
                    if self.tokens[k].tag == "NOUN" and not self.tokens[k].roles - {"genre"}
                )  # fmt: skip
        for i, t in enumerate(self.tokens):
            if t.tag == "NUM" and t.lower in COLLECTIVES:
                out.add(i)  # "a couple of dogs": a count, never a picture of people
                continue
            if i in in_thing and t.tag in ("NOUN", "NUM", "DET"):
                continue
            if i in in_thing and t.tag == "ADJ" and "colour" in t.roles:
                continue  # kept so matching binds it to its noun
            if t.tag in ("NOUN", "ADJ", "VERB", "ADV", "NUM", "QUOTE") or t.roles:
                out.add(i)
        for p in self.phrases:
            if p.role in ("thing", "person") and p.frames:
                # "a bear head": the head word frames the bear, it is no picture of its own
                for i in range(p.start, p.end):
                    if self.tokens[i].lower in p.frames:
                        out.add(i)
        return out


@cache
def _lexicon():
    import lemminflect  # deferred: its tables load on first use

    return lemminflect


def known(word: str) -> bool:
    """Whether the English lexicon holds the word (names like "Natarajan" it does not)."""
    word = word.lower().strip(".,")
    return word in DET | PREP | CCONJ or bool(_lexicon().getAllLemmas(word))


@cache
def genre_words() -> frozenset[str]:
    """The words of the genre names (brief.GENRES), less those that are things too."""
    words = frozenset(w for _, names in GENRES for n in names for w in n.split())
    return words - _OBJECT_GENRES


def _candidates(word: str) -> dict[str, str]:
    """Possible tags -> lemma, from the closed classes and then lemminflect."""
    if word in DET:
        return {"DET": word}
    if word in CCONJ:
        return {"CCONJ": word}
    if word in PRON:
        return {"PRON": word}
    if word in AUX:
        return {"AUX": word}
    if word in NUMBERS or word[:1].isdigit():
        return {"NUM": word}
    out: dict[str, str] = {}
    if word in PREP:
        out["ADP"] = word
    lemmas = _lexicon().getAllLemmas(word)
    for tag in ("NOUN", "PROPN", "ADJ", "VERB", "ADV"):
        if tag in lemmas:  # a proper noun tags as a noun
            out.setdefault("NOUN" if tag == "PROPN" else tag, lemmas[tag][0])
    if word in NAMED or word in SHADES:
        out.setdefault("ADJ", word)
    if not out:
        if word.endswith("ly"):
            out["ADV"] = word
        elif word.endswith(("ous", "ful", "ish", "ic", "less", "y")) and len(word) > 4:
            out["ADJ"] = word
        elif word.endswith("ing"):
            out["VERB"] = word
        else:
            out["NOUN"] = _singular(word)
    return out


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _tokenize(prompt: str) -> tuple[list[Token], list[str]]:
    tokens: list[Token] = []
    quotes: list[str] = []
    i = 0
    text = prompt
    while i < len(text):
        ch = text[i]
        close = _QUOTES.get(ch)
        if close is not None:
            end = text.find(close, i + 1)
            if end > i:
                inner = text[i + 1 : end]
                quotes.append(inner)
                tokens.append(Token(inner, inner.lower(), "QUOTE", inner))
                i = end + 1
                continue
        m = _TOKEN_RE.match(text, i)
        if m is None:
            i += 1
            continue
        word = m.group(0).replace("’", "'")
        lower = word.lower()
        if lower.endswith("'s") and len(lower) > 2:
            tokens.append(Token(word[:-2], lower[:-2], "", ""))
            tokens.append(Token("'s", "'s", "PART", "'s"))
        else:
            tokens.append(Token(word, lower, "", ""))
        i = m.end()
    return tokens, quotes


def _merge_multi(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    lowers = [t.lower for t in tokens]
    while i < len(tokens):
        for seq, name in (*MULTI_PREP.items(), *MULTI_NOUN.items()):
            if tuple(lowers[i : i + len(seq)]) == seq:
                tag = "ADP" if seq in MULTI_PREP else "NOUN"
                out.append(Token(name, name, tag, name))
                i += len(seq)
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _collectives(tokens: list[Token]) -> list[Token]:
    """Read "a couple of dogs" as a count (two dogs, "of" dropped) and "a couple" alone
    as people; "a family of four" as four of the family."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        nxt = tokens[i + 1].lower if i + 1 < len(tokens) else ""
        after = tokens[i + 2] if i + 2 < len(tokens) else None
        if t.lower in COLLECTIVES and nxt == "of" and after is not None and after.tag != "QUOTE":
            if after.lower in NUMBERS or after.lower.isdigit():
                # "a family of four": the number counts the people the collective names
                out.append(Token(after.text, after.lower, "NUM", after.lower))
                out.append(Token(t.text, t.lower, "NOUN", t.lower))
                i += 3
                continue
            out.append(Token(t.text, t.lower, "NUM", t.lower))
            i += 2
            continue
        if t.lower in PEOPLE_COLLECTIVES and not t.tag and (i == 0 or tokens[i - 1].lower != "of"):
            t.tag, t.lemma = "NOUN", t.lower  # "a young couple": people, not a number
        out.append(t)
        i += 1
    return out


def _nounish(cands: dict[str, str]) -> bool:
    return "NOUN" in cands or "ADJ" in cands


def _tag(tokens: list[Token]) -> None:
    cands = [
        {"QUOTE": t.text}
        if t.tag == "QUOTE"
        else {t.tag: t.lemma}
        if t.tag
        else ({"PUNCT": t.lower} if not t.lower[0].isalnum() else _candidates(t.lower))
        for t in tokens
    ]
    prev = "START"
    for i, (t, c) in enumerate(zip(tokens, cands, strict=True)):
        nxt = cands[i + 1] if i + 1 < len(cands) else {}
        nxt_word = tokens[i + 1].lower if i + 1 < len(tokens) else ""
        tag = _choose(t.lower, c, prev, nxt, nxt_word, tokens, i)
        if tag == "VERB" and prev == "DET" and "NOUN" in nxt:
            tag = "NOUN"  # "a bake sale": a verb between an article and a noun modifies it
        t.tag = tag
        t.lemma = c.get(tag, t.lower)
        prev = tag


def _choose(
    word: str,
    c: dict[str, str],
    prev: str,
    nxt: dict[str, str],
    nxt_word: str,
    tokens: list[Token],
    i: int,
) -> str:
    """One tag among a word's candidates `c`, from the tag before it and the next
    word's candidates: a left-to-right pass, no backtracking."""
    if len(c) == 1:
        return next(iter(c))
    after_np_start = prev in ("DET", "NUM", "ADJ", "PART", "ADP", "START", "CCONJ", "PUNCT")
    if word in NAMED or word in SHADES:
        if nxt_word in PALETTE_NOUNS or (
            nxt_word in ("and", "or", ",") and _colour_list(tokens, i)
        ):
            return "ADJ"
        if (_nounish(nxt) and "VERB" not in nxt) or nxt_word in NAMED or "NOUN" in nxt:
            return "ADJ"
        if "NOUN" in c and prev in ("DET", "NUM", "ADJ"):
            return "NOUN"
        return "ADJ" if "ADJ" in c else next(iter(c))
    if "ADP" in c:
        if word in ("like",) and prev in ("PRON", "NOUN"):
            return "VERB"
        return "ADP"
    if word in DIRECTIONS:
        if prev in ("DET", "ADP") and not ("NOUN" in nxt or nxt_word in DIRECTIONS):
            return "NOUN"
        if "ADJ" in c and ("NOUN" in nxt):
            return "ADJ"
        return "NOUN" if "NOUN" in c else next(iter(c))
    if word.endswith("ing") and "VERB" in c:
        if prev in ("DET", "ADJ") and "NOUN" in nxt and "ADJ" in c:
            return "ADJ"
        if prev in ("NOUN", "PRON", "PUNCT", "ADV", "CCONJ"):
            return "VERB"
        if "NOUN" in c and after_np_start:
            return "NOUN"
        return "VERB"
    if "ADJ" in c and ("NOUN" in nxt or "ADJ" in nxt) and after_np_start and "ADP" not in nxt:
        return "ADJ"
    if "NOUN" in c and after_np_start:
        return "NOUN"
    if "VERB" in c and prev in ("NOUN", "PRON", "AUX", "ADV") and nxt_word in DET | {"to"}:
        return "VERB"
    if "VERB" in c and prev == "START" and nxt_word in DET:
        return "VERB"  # "create a poster"
    if "NOUN" in c:
        return "NOUN"
    if "ADJ" in c:
        return "ADJ"
    return next(iter(c))


def _colour_list(tokens: list[Token], i: int) -> bool:
    """A colour followed by and/or/comma and more colours: a palette or a shared
    modifier ("orange and purple colours", "a black and gold poster")."""
    j = i + 1
    while j + 1 < len(tokens) and tokens[j].lower in ("and", "or", ","):
        if tokens[j + 1].lower not in NAMED and tokens[j + 1].lower not in SHADES:
            return False
        j += 2
    return j > i + 1


def _roles(t: Token) -> frozenset[str]:
    w = t.lower
    lemma = t.lemma or w
    out = set()
    if w in NAMED:
        out.add("colour")
    if w in SHADES:
        out.add("shade")
    if w in DIRECTIONS:
        out.add("direction")
    if w in NUMBERS or t.tag == "NUM":
        out.add("quantity")
    if w in genre_words():
        out.add("genre")
    if w in MOODS:
        out.add("mood")
    if w in SEASONS:
        out.add("season")
    if w in WEATHER:
        out.add("weather")
    if w in TIMES:
        out.add("time")
    if w in INDOORS or lemma in INDOORS:
        out.add("indoors")
    if w in OUTDOORS:
        out.add("outdoors")
    if w in SETTINGS or lemma in SETTINGS:
        out.add("setting")
    if w in STYLES:
        out.add("style")
    if w in FRAMES or lemma in FRAMES:
        out.add("frame")
    if w in PARTS or lemma in PARTS:
        out.add("part")
    if w in CLOTHING or lemma in CLOTHING:
        out.add("clothing")
    if w in TEXT_NOUNS or lemma in TEXT_NOUNS:
        out.add("text")
    if w in PALETTE_NOUNS:
        out.add("palette")
    return frozenset(out)


def _count(tokens: list[Token], start: int, head: int) -> int:
    for t in tokens[start:head]:
        if t.tag == "NUM" and t.lower in COLLECTIVES:
            return COLLECTIVES[t.lower]
        if t.lower in NUMBERS:
            return NUMBERS[t.lower]
        if t.tag == "NUM" and t.lower.isdigit():
            return max(1, min(int(t.lower), 12))
    head_tok = tokens[head]
    if head_tok.lower in PLURALIA:
        return 1
    if head_tok.lemma and head_tok.lemma != head_tok.lower and head_tok.lower.endswith("s"):
        return 3
    return 1


def _chunk(tokens: list[Token]) -> list[Phrase]:
    phrases: list[Phrase] = []
    i = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        if t.tag not in ("DET", "NUM", "ADJ", "NOUN"):
            i += 1
            continue
        j = i
        while j < n and (
            tokens[j].tag in ("DET", "NUM", "ADJ", "NOUN")
            or (tokens[j].tag == "VERB" and tokens[j].lower.endswith("ed") and j + 1 < n
                and tokens[j + 1].tag in ("NOUN", "ADJ"))
            or (tokens[j].tag == "CCONJ" and j > i and tokens[j - 1].lower in NAMED
                and j + 1 < n and tokens[j + 1].lower in NAMED)
            or (tokens[j].tag == "PUNCT" and tokens[j].lower == "," and j > i
                and tokens[j - 1].lower in NAMED and j + 1 < n and tokens[j + 1].lower in NAMED)
        ):  # fmt: skip
            if j > i and tokens[j].tag == "DET":
                break
            j += 1
        nouns = [k for k in range(i, j) if tokens[k].tag == "NOUN"]
        if not nouns:
            i = max(j, i + 1)
            continue
        end = nouns[-1] + 1
        if not _possessor_of_genre(tokens, end):
            phrases.append(_phrase(tokens, i, end, nouns))
        i = end
    return phrases


def _possessor_of_genre(tokens: list[Token], end: int) -> bool:
    """A possessive before a genre noun names the audience, not a subject: "a children's
    book cover", "a women's magazine"."""
    if end + 1 >= len(tokens) or tokens[end].lower != "'s":
        return False
    for token in tokens[end + 1 : end + 4]:
        if token.tag not in ("NOUN", "ADJ"):
            return False
        if "genre" in token.roles:
            return True
    return False


def _phrase(tokens: list[Token], start: int, end: int, nouns: list[int]) -> Phrase:
    head = nouns[-1]
    frames: list[str] = []
    # "an angry bear head mascot": framing nouns after the thing they frame
    while head > start and "frame" in tokens[head].roles and tokens[head - 1].tag == "NOUN":
        frames.insert(0, tokens[head].lower)
        head -= 1
    noun_words = [tokens[k] for k in nouns if k <= head]
    # a run of nouns is a compound ending at the head; modifiers are the rest
    first_noun = head
    while first_noun - 1 >= start and tokens[first_noun - 1].tag == "NOUN":
        first_noun -= 1
    words = tuple(t.lower for t in tokens[first_noun : head + 1])
    modifiers = tuple(
        t.lower
        for t in tokens[start:first_noun]
        if t.tag == "ADJ" or (t.tag == "VERB" and t.lower.endswith("ed"))
    ) + tuple(t.lower for t in noun_words if t is not tokens[head] and tokens.index(t) < first_noun)
    colours = tuple(t.lower for t in tokens[start:head] if "colour" in t.roles and t.tag == "ADJ")
    return Phrase(
        start, end, tokens[head].lemma or tokens[head].lower, words, modifiers, colours,
        _count(tokens, start, head), frames=tuple(frames),
    )  # fmt: skip


def _assign(tokens: list[Token], phrases: list[Phrase]) -> None:
    """Each phrase's role and relation to the one before it."""

    for k, p in enumerate(phrases):
        head_roles = _head_roles(tokens, p)
        after = tokens[p.end] if p.end < len(tokens) else None
        # relation to an earlier phrase: a preposition or a verb between them
        if k > 0:
            link = [t for t in tokens[phrases[k - 1].end : p.start]]
            for t in reversed(link):
                rel = RELATIONS.get(t.lower)
                if rel and t.tag in ("ADP", "VERB", "ADJ", "CCONJ", "NOUN"):
                    p.relation = rel
                    break
            p.attach = k - 1
            # attach to the last phrase that names a thing, not a place or text
            for back in range(k - 1, -1, -1):
                if phrases[back].role in ("thing", "person"):
                    p.attach = back
                    break
        if "palette" in head_roles and p.colours:
            p.role = "palette"
        elif "direction" in head_roles and p.words[-1] in DIRECTIONS:
            p.role = "layout"
        elif after is not None and after.tag == "QUOTE" and "text" in head_roles:
            p.role = "text"  # "the note \"Back soon\"": a label for its quote
        elif (
            after is not None
            and after.lower in ("called", "titled", "named")
            and ("genre" in head_roles)
        ) or "genre" in head_roles:
            p.role = "genre"
        elif (
            "part" in head_roles
            and p.relation in ("with", "wearing")
            and p.attach is not None
            and phrases[p.attach].role in ("thing", "person", "genre")
        ) or (
            "clothing" in head_roles
            and p.relation in ("with", "wearing", "in")
            and p.attach is not None
            and phrases[p.attach].role == "person"
        ):
            p.role = "part"
        elif (
            k > 0
            and (
                phrases[k - 1].role == "part"
                or (
                    phrases[k - 1].relation in ("with", "wearing")
                    and (p.words[-1] in WORN or p.head in WORN)
                )
            )
            and ((p.words[-1] in WORN or p.head in WORN) or "clothing" in head_roles)
            and [t.lower for t in tokens[phrases[k - 1].end : p.start]] == ["and"]
        ):
            # "in a red scarf and a hat": both worn by the same wearer
            p.role, p.relation = "part", phrases[k - 1].relation
            p.attach = phrases[k - 1].attach
        elif (
            (p.words[-1] in WORN or p.head in WORN)
            and p.relation in ("with", "wearing", "in")
            and p.attach is not None
            and phrases[p.attach].role in ("thing", "person")
        ):
            p.role = "part"  # "a cat in a hat": worn on the head, not a hat beside it
        elif p.relation == "wearing" and p.attach is not None:
            p.role = "part"  # "a dog wearing sunglasses": worn, not beside
        elif p.words[-1] in SEASONS or p.head in SEASONS:
            p.role = "season"
        elif p.words[-1] in TIMES or p.head in TIMES:
            p.role = "time"
        elif p.words[-1] in WEATHER or p.head in WEATHER:
            p.role = "weather"
        elif "setting" in head_roles:
            p.role = "setting"
        elif "style" in head_roles and not (set(p.words[:-1]) - STYLES):
            p.role = "style"
        elif p.words[-1] in PEOPLE or p.head in PEOPLE:
            p.role = "person"
        elif "mood" in head_roles and len(p.words) == 1 and p.head in MOODS:
            p.role = "mood"


def _head_roles(tokens: list[Token], p: Phrase) -> frozenset[str]:
    for t in reversed(tokens[p.start : p.end]):
        if t.lower == p.words[-1]:
            return t.roles
    return frozenset()


@lru_cache(maxsize=512)
def parse(prompt: str) -> Parsed:
    """Tag, chunk and assign roles; about a millisecond for a sentence. Cached: the
    result is shared, so callers must not change it."""
    tokens, quotes = _tokenize(prompt)
    tokens = _collectives(_merge_multi(tokens))
    _tag(tokens)
    for t in tokens:
        t.roles = _roles(t)
    phrases = _chunk(tokens)
    _assign(tokens, phrases)
    out = Parsed(prompt, tokens, phrases, quotes)
    palette_words: list[str] = []
    for p in phrases:
        if p.role in ("palette", "genre", "setting", "style", "layout", "text"):
            palette_words.extend(p.colours)
    for t in tokens:
        if "colour" in t.roles and t.tag == "ADJ" and t.lower not in out.colours:
            out.colours.append(t.lower)
        if "direction" in t.roles and t.lower not in out.directions:
            out.directions.append(t.lower)
        if "mood" in t.roles and t.lower not in out.moods:
            out.moods.append(t.lower)
        if out.season is None and t.lower in SEASONS:
            out.season = SEASONS[t.lower]
        if out.weather is None and t.lower in WEATHER:
            out.weather = WEATHER[t.lower]
        if out.time is None and t.lower in TIMES:
            out.time = TIMES[t.lower]
        if out.indoors is None and "indoors" in t.roles and t.tag in ("NOUN", "ADV", "ADJ"):
            out.indoors = True
        if "outdoors" in t.roles:
            out.indoors = False
    out.palette_colours = list(dict.fromkeys(palette_words))
    return out
