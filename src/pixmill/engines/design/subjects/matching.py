"""From prompt words to library subjects: synonyms, plurals, compounds, categories.

A word (or a two- or three-word phrase) becomes a subject through, in order: this
module's synonym table, the library's exact names, a compound's head ("sea turtle"
-> turtle, "cheesecake" -> cake) and the library's head nouns. People words become
drawn people, with age, beard, expression and clothing read from the prompt. A
colour word just before a subject's word qualifies it ("a red car").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import NamedTuple

from pixmill.engines.design import prompt
from pixmill.engines.design.brief import ROLE_WORDS
from pixmill.engines.design.palette import NAMED
from pixmill.engines.design.subjects import library
from pixmill.engines.design.subjects.vocabulary import (
    AGENT_GEAR,
    CATEGORY_SUFFIXES,
    CHILD,
    CLOTHES,
    CONTAINERS,
    EXPRESSIONS,
    GENERIC,
    GENRE_PHRASES,
    GROUPS,
    OLD,
    PEOPLE,
    PEOPLE_PLURALS,
    PEOPLE_PROPS,
    STOP,
    SYNONYMS,
    VARIANTS,
    YOUNG,
)

_WORDS = re.compile(r"[a-z][a-z'-]*")
_RIDES = ("riding", "rides", "ride", "on", "atop", "astride", "mounted")
_UNCOUNTED = frozenset(
    {
        "fries",
        "noodles",
        "headphones",
        "glasses",
        "stars",
        "sweets",
        "news",
        "mountains",
        "esports",
        "books",
        "pets",
        "animals",
        "cookies",
    }
)
_COMPOUNDS = frozenset(
    "shop house bar beans bean cup mug maker break farm tree juice pie cake grove orchard "
    "garden bush bouquet petals petal sauce roastery roaster tasting bottle glass reef".split()
)
MATERIALS = frozenset(
    "brick bricks stone glass wood wooden metal paper marble concrete steel iron plastic "
    "leather crystal rock clay straw wicker tin".split()
)
"""What a thing is made of: "a brick wall" is no brick, "a stone bridge" no rock."""
_PLACES = re.compile(r"\b(?:watering hole|water hole|waterhole)s?\b")
"""Places named by compounds whose words would draw other things (a droplet, a hole)."""
_AUDIENCES = re.compile(
    r"\b(?:children|kids|women|men|girls|boys|ladies|teens|babies)(?:'s|\u2019s|'|\u2019)(?=\s)"
)
"""A plural possessive names whom a thing is for ("a children's book", "men's shoes"),
not people to draw."""
DUAL = frozenset(
    {
        "orange",
        "rose",
        "lime",
        "lemon",
        "peach",
        "plum",
        "coffee",
        "chocolate",
        "wine",
        "olive",
        "salmon",
        "honey",
        "sand",
        "sky",
        "gold",
        "coral",
    }
)


@dataclass(frozen=True)
class Subject:
    """One thing to draw: a library code, or a drawn person (code None)."""

    word: str
    code: str | None
    color: tuple[int, int, int] | None = None
    count: int = 1
    role: str = "main"
    """main; rider and mount (one on the other); prop (held or beside a person)."""
    relation: str | None = None
    """How the prompt places it against subject `to` (prompt.RELATIONS' values: on,
    under, over, beside, in front of, behind, in...)."""
    to: str | None = None
    """The `word` of the subject it relates to."""
    scale: float = 1.0
    """Its size against its kind's usual size (an animal's young: smaller)."""


@dataclass
class Person:
    old: bool = False
    child: bool = False
    beard: bool = False
    expression: str = "smile"
    clothes: tuple[int, int, int] | None = None


@dataclass
class Match:
    subjects: list[Subject] = field(default_factory=list)
    person: Person | None = None
    top_view: bool = False
    silhouette: bool = False
    supports: dict[str, str] = field(default_factory=dict)
    """What a subject stands on when the library has no picture of it: subject word ->
    the support's noun ("owl" -> "branch", "penguins" -> "iceberg")."""

    @property
    def codes(self) -> list[str]:
        return [s.code for s in self.subjects if s.code]

    @property
    def words(self) -> list[str]:
        return [s.word for s in self.subjects]


_WEATHER = {
    frozenset({"cloud", "sun"}): "sun behind cloud",
    frozenset({"cloud", "rain"}): "cloud with rain",
    frozenset({"cloud", "lightning"}): "cloud with lightning",
    frozenset({"cloud", "snow"}): "cloud with snow",
}


def combined(subjects: list[Subject]) -> Subject | None:
    """One drawing for two weather subjects where a glyph has room for one ("a cloud and
    a sun": the sun behind a cloud)."""
    words = {singular(subject.word) for subject in subjects}
    for pair, name in _WEATHER.items():
        code = library.lookup(name) if pair <= words else None
        if code:
            return Subject(name, code)
    return None


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "xes", "sses", "oes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _resolve(phrase: str, strict: bool = False) -> str | None:
    """The code a phrase names, or None; `strict` takes synonyms and exact names only
    (for words read from quotes, where "Ball" is no rice ball)."""
    if phrase in STOP or phrase in ROLE_WORDS:
        return None
    for candidate in dict.fromkeys((phrase, singular(phrase), phrase.replace("-", " "))):
        if candidate in STOP:  # "lights" is no light bulb
            continue
        if candidate in SYNONYMS:
            return library.lookup(SYNONYMS[candidate])
        code = library.index().get(candidate)
        if code:
            return code
    one = singular(phrase)
    if strict or " " in phrase or one in STOP or one in ROLE_WORDS:
        return None
    for suffix, name in CATEGORY_SUFFIXES:
        if one.endswith(suffix) and len(one) > len(suffix) + 2:
            return library.lookup(name)
    if len(one) >= 3:
        return library.heads().get(one)
    return None


def _is_colour_use(words: list[str], i: int) -> bool:
    """A dual word ("orange", "rose") is a colour when a word that is not a joiner follows,
    or when it ends a list of colours ("purple and orange")."""
    before = words[i - 2] if i >= 2 and words[i - 1] in ("and", "or") else ""
    if before in NAMED and before not in DUAL:
        return True
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if nxt in _COMPOUNDS:  # "coffee shop", "orange juice", "rose garden": a noun
        return False
    return bool(nxt) and nxt not in ("and", "or", "with", "on", "in", "at")


def match(text: str, *, limit: int = 4, strict: bool = False) -> Match:
    """The subjects a prompt's (unquoted, lowercased) text names, in order."""
    text = _AUDIENCES.sub(" ", _PLACES.sub(" ", text.lower()))
    read = _words(text)
    words, blocked, counts, loose = read.words, read.blocked, read.counts, read.loose
    out = Match(
        top_view=bool(re.search(r"top view|from above|overhead|flat ?lay|bird's-eye", text)),
        silhouette="silhouette" in words,
    )
    used: set[int] = set()
    spans: dict[str, tuple[int, int]] = {}
    i = 0
    while i < len(words) and len(out.subjects) < limit:
        word = words[i]
        lone = i not in blocked  # a blocked word may still open a phrase ("hot air balloon")
        after_subject = bool(used) and max(used) == i - 1
        who = _people_word(word)
        if lone and who and after_subject:
            # "robot barista", "cat chef": the subject has the job; the job adds its prop
            prop = PEOPLE_PROPS.get(who)
            if prop:
                out.subjects.append(Subject(prop, library.lookup(prop), role="prop"))
            i += 1
            continue
        if lone and who:
            out.person = out.person or _person(words)
            prop = PEOPLE_PROPS.get(who)
            if not any(s.code is None for s in out.subjects):
                # "two women", "a couple", "children": that many figures
                many = GROUPS.get(word) or (3 if who != word else 1)
                count = min(5, counts.get(i) or many)
                out.subjects.append(Subject(word, None, _colour_before(words, i), count))
                spans[word] = (i, i + 1)
            if prop:
                out.subjects.append(Subject(prop, library.lookup(prop), role="prop"))
            i += 1
            continue
        nxt = words[i + 2] if i + 2 < len(words) and words[i + 1] == "of" else ""
        if word in CONTAINERS and nxt and (_resolve(nxt) or _resolve(" ".join(words[i + 2 :][:2]))):
            i += 2  # "a cup of tea": the tea (a teacup), not a cup beside it
            continue
        last = out.subjects[-1] if out.subjects else None
        if (
            word in YOUNG
            and last is not None
            and last.code
            and last.word not in YOUNG
            and library.category(last.code) == "animal"
        ):
            # "an elephant and her calf": a smaller one of the animal before
            out.subjects.append(Subject(word, last.code, last.color, scale=0.55))
            spans[word] = (i, i + 1)
            i += 1
            continue
        found = None
        for n in (3, 2, 1):
            if i + n > len(words) or (n == 1 and not lone) or (i + n - 1) in blocked:
                continue  # a phrase may start on a modifier ("hot air balloon"), not end on one
            if "," in words[i : i + n]:
                continue
            phrase = " ".join(words[i : i + n])
            if words[i] in NAMED and (n > 1 or word not in DUAL or _is_colour_use(words, i)):
                continue
            if n == 1 and word in MATERIALS and i in read.modifies:
                continue  # a material modifying its noun draws nothing by itself
            if n == 1 and i in read.modifies and _resolve(words[read.modifies[i]], True):
                kind = _resolve(word)  # "pine tree": the modifier names a kind of the head
                head = read.modifies[i]
                if kind and singular(words[head]) in (library.name_of(kind) or ""):
                    found = (" ".join(words[i : head + 1]), kind, head - i + 1)
                    break
                continue
            code = _resolve(phrase, strict or (n == 1 and i in loose))
            if code:
                found = (phrase, code, n)
                break
        if found is None:
            i += 1
            continue
        phrase, code, n = found
        if code not in {s.code for s in out.subjects}:
            last = words[i + n - 1]
            plural = n == 1 and singular(last) != last and last not in _UNCOUNTED
            count = counts.get(i + n - 1) or (3 if plural else 1)
            out.subjects.append(Subject(phrase, code, _colour_before(words, i), min(count, 5)))
            used.update(range(i, i + n))
            spans[phrase] = (i, i + n)
        i += n
    _agents(out)
    _place(out, read, spans)
    _relate(out, words)
    _hold(out, words)
    return out


def _people_word(word: str) -> str | None:
    """The people word a word is, plurals included ("women" -> "woman"), or None."""
    if word in PEOPLE:
        return word
    base = PEOPLE_PLURALS.get(word) or singular(word)
    return base if base in PEOPLE else None


def variants(subject: Subject) -> tuple[str, ...]:
    """The codes a subject may be drawn as: its own, and for a generic word ("a car",
    "flowers") the library's other drawings of that kind (`VARIANTS`)."""
    if subject.code is None:
        return ()
    if subject.word.split()[-1] not in GENERIC:
        return (subject.code,)
    names = VARIANTS.get(library.name_of(subject.code), ())
    codes = [library.lookup(name) for name in names]
    return tuple(dict.fromkeys([subject.code, *(c for c in codes if c)]))


def gear_of(codes) -> set[str]:
    """Library names that agents among `codes` draw with them ("bicycle" for a cyclist)."""
    return {g for c in codes for g in AGENT_GEAR.get(library.name_of(c), ())}


def _agents(out: Match) -> None:
    """An agent's drawing holds its gear: "a cyclist riding a bicycle" draws no second bike."""
    gear = {g for s in out.subjects if s.code for g in AGENT_GEAR.get(library.name_of(s.code), ())}
    if gear:
        out.subjects = [s for s in out.subjects if not (s.code and library.name_of(s.code) in gear)]


def _place(out: Match, read: _Words, spans: dict[str, tuple[int, int]]) -> None:
    """Each subject's relation to another, from the parser's phrases ("a cup on a
    table", "a dragon flying over a castle"); a named place one stands on ("on the
    moon") is the setting, not a subject."""
    phrases = read.parsed.phrases if read.parsed else []

    def phrase_of(word: str) -> int | None:
        span = spans.get(word)
        if span is None:
            return None
        toks = {read.token_of[k] for k in range(*span) if k < len(read.token_of)}
        for k, p in enumerate(phrases):
            if any(p.start <= t < p.end for t in toks):
                return k
        return None

    owner: dict[int, str] = {}
    for s in out.subjects:
        k = phrase_of(s.word)
        if k is not None:
            owner.setdefault(k, s.word)
    kept: list[Subject] = []
    # the parser hangs a relation on the later phrase ("a cup on a table": the table's
    # relation is "on", attached to the cup); a subject reads it as "the cup is on the table"
    relation: dict[str, tuple[str, str]] = {}
    for s in out.subjects:
        k = phrase_of(s.word)
        p = phrases[k] if k is not None else None
        if p is not None and p.role == "setting" and p.relation in ("on", "in", "at") and kept:
            continue  # "an astronaut on the moon": the moon is the ground
        kept.append(s)
        if p is None or p.relation is None or p.attach is None:
            continue
        first = owner.get(p.attach)
        if first is not None and first != s.word and first not in relation:
            relation[first] = (p.relation, s.word)
    for k, p in enumerate(phrases):
        first = owner.get(p.attach) if p.attach is not None else None
        if p.relation in ("on", "in") and k not in owner and first is not None:
            out.supports.setdefault(first, " ".join((*p.colours, *p.words)))
    out.subjects = [
        replace(s, relation=relation[s.word][0], to=relation[s.word][1])
        if s.word in relation and s.role == "main"
        else s
        for s in kept
    ]


class _Words(NamedTuple):
    words: list[str]
    blocked: set[int]
    """Words that name no thing to draw by their grammar (directions, palette colours,
    text labels, parts, verbs, moods...)."""
    counts: dict[int, int]
    """The count a number gives the head noun at an index ("two penguins")."""
    loose: set[int]
    """Heads of noun compounds: exact names only ("lily pad" is no notepad)."""
    modifies: dict[int, int]
    """A compound's noun modifier -> its head ("fire" -> "truck"): drawn only when the
    head is not ("fire truck" is no flame beside a truck)."""
    token_of: list[int]
    """Each word's token index in `parsed`."""
    parsed: prompt.Parsed | None = None


def _words(text: str) -> _Words:
    """The prompt's words, read by the parser."""
    parsed = prompt.parse(GENRE_PHRASES.sub(" , ", text))
    out = _Words([], set(), {}, set(), {}, [], parsed)
    stopped = parsed.blocked()
    heads = {p.end - 1 - len(p.frames): p.count for p in parsed.phrases if p.count > 1}
    compound_of: dict[int, int] = {}
    for p in parsed.phrases:
        head = p.end - 1 - len(p.frames)
        if len(p.words) > 1 and p.role in ("thing", "person"):
            for k in range(head - len(p.words) + 1, head):
                compound_of[k] = head
    at: dict[int, int] = {}
    for k, token in enumerate(parsed.tokens):
        if token.tag == "PART" or (not token.lower[:1].isalpha() and token.tag != "QUOTE"):
            if token.tag == "PUNCT":
                out.blocked.add(len(out.words))
                out.words.append(",")
                out.token_of.append(k)
            continue
        for piece in _WORDS.findall(token.lower) or [token.lower]:
            i = at[k] = len(out.words)
            if k in stopped or token.tag == "QUOTE":
                out.blocked.add(i)
            if k in heads:
                out.counts[i] = heads[k]
            if k in compound_of.values():
                out.loose.add(i)
            out.words.append(piece)
            out.token_of.append(k)
    for k, head in compound_of.items():
        if k in at and head in at:
            out.modifies[at[k]] = at[head]
    return out


def _colour_before(words: list[str], i: int) -> tuple[int, int, int] | None:
    for j in (i - 1, i - 2):
        if j >= 0 and words[j] in NAMED:
            return NAMED[words[j]]
        if j >= 0 and words[j] not in ("dark", "light", "bright", "pale", "deep", "-"):
            break
    return None


_HOLDING = frozenset({"reading", "holding", "carrying", "drinking", "eating", "playing", "hugging"})


def _hold(out: Match, words: list[str]) -> None:
    """'a woman reading a book': what a person holds is a prop in their hands."""
    if out.person is None:
        return
    for k, subject in enumerate(out.subjects):
        if subject.code is None or subject.role != "main":
            continue
        first = subject.word.split()[0]
        at = words.index(first) if first in words else -1
        if at > 0 and any(w in _HOLDING for w in words[max(0, at - 3) : at]):
            out.subjects[k] = Subject(subject.word, subject.code, subject.color, 1, "prop")


def _relate(out: Match, words: list[str]) -> None:
    """'X riding a Y', 'X on a Y' with a mount: X becomes the rider, Y the mount."""
    mounts = {
        "horse",
        "unicorn",
        "dragon",
        "camel",
        "elephant",
        "bicycle",
        "motorcycle",
        "zebra",
        "pony",
        "donkey",
        "scooter",
        "skateboard",
        "whale",
        "dinosaur",
        "t-rex",
    }
    text = " ".join(words)
    for k, first in enumerate(out.subjects):
        for second in out.subjects[k + 1 :]:
            name = library.name_of(second.code) if second.code else ""
            if second.word not in mounts and name not in mounts:
                continue
            pattern = rf"{re.escape(first.word)}\w* (?:{'|'.join(_RIDES)}) (?:a |an |the )?"
            if re.search(pattern + re.escape(second.word), text):
                idx = out.subjects.index(first)
                out.subjects[idx] = Subject(first.word, first.code, first.color, 1, "rider")
                idx = out.subjects.index(second)
                out.subjects[idx] = Subject(second.word, second.code, second.color, 1, "mount")
                return


def _person(words: list[str]) -> Person:
    person = Person()
    person.old = any(w in OLD for w in words)
    person.child = not person.old and any(w in CHILD for w in words)
    person.beard = any(w in ("bearded", "beard", "fisherman", "viking") for w in words)
    greying = ("grey", "gray", "white", "silver")
    if any(w in greying and nxt in ("beard", "hair", "haired") for w, nxt in pairwise(words)):
        person.old = True  # "a man with a grey beard": grey hair, not a grey man
    for w in words:
        if w in EXPRESSIONS:
            person.expression = EXPRESSIONS[w]
            break
    for i, w in enumerate(words):
        if w in CLOTHES:
            colour = _colour_before(words, i) or CLOTHES[w]
            if colour is not None:
                person.clothes = colour
                break
    return person
