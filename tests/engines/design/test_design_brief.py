"""Reading prompts: quotes, roles, genre."""

from __future__ import annotations

from pixmill.engines.design.brief import clean_text, parse


def test_seed_prompt(seed_prompt, seed_quotes):
    brief = parse(seed_prompt)
    assert brief.genre == "magazine"
    assert [q.text for q in brief.quotes] == list(seed_quotes)
    assert [q.role for q in brief.quotes] == ["title", "headline", "headline", "headline"]


def test_curly_quotes_and_guillemets():
    brief = parse("a poster “Hello World” and «Bonjour» then „Hallo“")
    assert [q.text for q in brief.quotes] == ["Hello World", "Bonjour", "Hallo"]


def test_empty_and_duplicate_quotes_are_dropped():
    brief = parse('poster "" "A" "  " "A" "B')
    assert [q.text for q in brief.quotes] == ["A"]


def test_a_title_keeps_its_punctuation():
    assert parse('a logo called "Yahoo!"').quotes[0].text == "Yahoo!"
    assert parse('a cover called "Urban Pulse."').quotes[0].text == "Urban Pulse."


def test_roles_from_hints():
    brief = parse('poster titled "Summer Fest" with the tagline "Sun and sound" date "July 4"')
    assert [(q.text, q.role) for q in brief.quotes] == [
        ("Summer Fest", "title"),
        ("Sun and sound", "tagline"),
        ("July 4", "info"),
    ]


def test_genres():
    assert parse("a youtube thumbnail").genre == "thumbnail"
    assert parse("book cover for a thriller").genre == "book"
    assert parse("a cat on a sofa").genre == "scene"
    assert parse('just "words"').genre == "poster"


def test_clean_text():
    assert clean_text("a\x00b\u200bc\n\td  e") == "abc d e"
    assert clean_text("Cafe\u0301") == "Café"
