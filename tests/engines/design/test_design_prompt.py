"""The prompt parser (`engines/design/prompt.py`): tags, phrases, roles, and the defect
classes it exists to prevent, checked through the subjects the engine then draws."""

from __future__ import annotations

import pytest

from pixmill.engines.design import prompt
from pixmill.engines.design.subjects import library, matching

# prompt, subject words, its modifiers, colours bound to it, palette colours, other roles
TABLE = [
    ("a red fox sitting in a snowy forest at dusk", ("fox",), ("red",), ("red",), (),
     {"setting": "forest", "time": "dusk", "weather": "snow"}),
    ("an angry bear head mascot for a hockey team", ("bear",), ("angry",), (), (), {}),
    ("a man with a grey beard fishing from a small boat", ("man",), (), (), (),
     {"part": "beard"}),
    ("a poster with palm trees, orange and purple colours", ("palm", "trees"), (), (),
     ("orange", "purple"), {"genre": "poster", "palette": "colours"}),
    ("the logo on the left and a small line at the top", ("line",), ("small",), (), (),
     {"genre": "logo", "layout": "left"}),
    ("a black and gold poster for a gala", ("gala",), (), (), ("black", "gold"),
     {"genre": "poster"}),
    ("a woman in a red coat walking a dog in autumn", ("woman",), (), (), (),
     {"part": "coat", "season": "autumn"}),
    ("a knight riding a horse across a field at sunrise", ("knight",), (), (), (),
     {"setting": "field", "time": "dawn"}),
    ("three oranges on a plate", ("oranges",), (), (), (), {}),
    ("an orange cat asleep on an armchair", ("cat",), ("orange",), ("orange",), (), {}),
    ("a glass bottle with a silver cap", None, (), (), (), {"part": "cap"}),
    ('a shop window sign with the note "Back soon"', ("shop", "window", "sign"), (), (), (),
     {"text": "note"}),
    ("a vintage red bicycle leaning against a brick wall", ("bicycle",), ("vintage", "red"),
     ("red",), (), {}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "subject", "mods", "colours", "palette", "roles"), TABLE)
def test_parser_table(text, subject, mods, colours, palette, roles):
    parsed = prompt.parse(text)
    if subject is not None:
        assert parsed.subject is not None and parsed.subject.words == subject
        assert parsed.subject.modifiers == mods
        assert parsed.subject.colours == colours
    assert parsed.palette_colours == list(palette)
    found = {p.role: p.words[-1] for p in reversed(parsed.phrases)}
    for role, word in roles.items():
        if role in ("time", "weather", "season"):
            assert getattr(parsed, role) == word
        else:
            assert found.get(role) == word, (role, parsed.phrases)


def test_relations_between_phrases():
    parsed = prompt.parse("a knight riding a horse in front of a castle")
    rel = {p.words[-1]: (p.relation, p.attach) for p in parsed.phrases}
    assert rel["horse"] == ("riding", 0)
    assert rel["castle"][0] == "in front of"
    held = prompt.parse("a mouse holding a sword")
    assert held.phrases[1].relation == "holding"


def test_setting_words():
    parsed = prompt.parse("a cat in front of a fireplace on a foggy winter night")
    assert (parsed.season, parsed.weather, parsed.time, parsed.indoors) == (
        "winter", "fog", "night", True)  # fmt: skip
    assert prompt.parse("a picnic outdoors").indoors is False


def test_tags():
    tags = [t.tag for t in prompt.parse("Create a small poster with two cats on it.").tokens]
    assert tags == ["VERB", "DET", "ADJ", "NOUN", "ADP", "NUM", "NOUN", "ADP", "PRON", "PUNCT"]


def test_quoted_strings_are_kept_apart():
    parsed = prompt.parse('a flyer "Winter Sale" with “50% off” and a cat')
    assert parsed.quotes == ["Winter Sale", "50% off"]
    assert [p.words for p in parsed.things] == [("cat",)]


def _drawn(text: str) -> list[str]:
    return [library.name_of(s.code) for s in matching.match(text).subjects if s.code]


# Each defect class the review found, through what the engine would then draw.


def test_direction_words_draw_nothing():
    assert _drawn("the logo on the left and a small line at the top") == []
    assert "backhand index pointing right" not in _drawn("an arrow in the bottom right corner")
    assert "arrow up small" not in _drawn("a thin rule at the top of the card")


def test_a_colour_word_draws_no_fruit():
    assert "tangerine" not in _drawn("a poster with palm trees, orange and purple colours")
    assert "tangerine" not in _drawn("an orange and purple poster")
    assert "lime" not in _drawn("a lime green dress")
    assert _drawn("three oranges on a plate") == ["tangerine"]


def test_a_modifier_binds_to_its_noun():
    assert _drawn("an angry bear head mascot") == ["bear"]
    found = matching.match("a man with a grey beard fishing from a small boat")
    assert [s.word for s in found.subjects] == ["man", "boat"]
    assert found.subjects[0].color is None  # the grey is the beard's, not the man's
    assert found.person is not None and found.person.beard
    woman = matching.match("a woman in a red coat walking a dog")
    assert [s.word for s in woman.subjects] == ["woman", "dog"]
    assert woman.person is not None and woman.person.clothes == (220, 38, 38)


def test_other_senses_are_not_drawn():
    assert "graduation cap" not in _drawn("a glass bottle with a silver cap")
    assert "light bulb" not in _drawn("a lamp on a desk")
    assert "musical note" not in _drawn('a shop sign with the note "q"')


def test_a_possessive_before_a_genre_names_the_audience_not_a_subject():
    parsed = prompt.parse(
        'a children\'s book cover "Pip the Brave Mouse" with a mouse holding a sword'
    )
    assert parsed.subject is not None and parsed.subject.head == "mouse"
    assert "child" not in {phrase.head for phrase in parsed.phrases}
    assert prompt.parse("the girl's kite in the sky").subject.head == "girl"
    assert [s.word for s in matching.match("a children's book cover with a mouse").subjects] == [
        "mouse"
    ]


def test_a_wave_is_the_seas_not_a_waving_hand():
    found = matching.match("a craft beer label with a whale and waves").subjects
    assert [library.name_of(s.code) for s in found if s.code][-1] == "water wave"
