"""Free text with colons (issue 14, "Words"): in a note, bio, comment or reason only a known option name of
the command, at a word boundary, starts a new option; everything else is the value, kept as typed."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mentorbot.commands import parse
from mentorbot.commands.parsing import _QUOTES
from mentorbot.commands.table import BY_PATH
from mentorbot.errors import UserError


@pytest.mark.parametrize(
    ("line", "args"),
    [
        (
            "/mentor request skills:seo note: hello world, I need help: with ads",
            {"skills": "seo", "note": "hello world, I need help: with ads"},
        ),
        (
            "/mentor request note: time: 9am, budget: small skills:seo",
            {"skills": "seo", "note": "time: 9am, budget: small"},
        ),
        (
            "/mentor signup skills:seo bio:Ex-agency: 10 years tz:UTC+3",
            {"skills": "seo", "bio": "Ex-agency: 10 years", "timezone": "UTC+3"},
        ),
        ("/mentor decline 12 reason:busy until: March", {"offer": "12", "reason": "busy until: March"}),
        ("/mentor decline 12 too busy: sorry", {"offer": "12", "reason": "too busy: sorry"}),
        (
            "/mentor end 3 rating:5 comment:great: really=great",
            {"mentorship": "3", "rating": "5", "comment": "great: really=great"},
        ),
        ('/mentor request skills:seo note:he said "hi and left', {"skills": "seo", "note": 'he said "hi and left'}),
        ("/mentor request skills:seo note:two  spaces\tand a tab", {"skills": "seo", "note": "two  spaces\tand a tab"}),
    ],
)
def test_free_text_keeps_colons_and_words_that_look_like_options(line: str, args: dict[str, str]) -> None:
    assert dict(parse(line).args) == args


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("/mentor request skills:seo nte:hi", "commands.unknown_option"),  # outside free text: a typo is told
        ("/mentor request help:seo", "commands.unknown_option_no_suggestion"),
        ("/mentor request skills:seo note:a skills:b", "commands.duplicate_option"),  # a known option still starts
        ('/mentor request skills:"seo', "commands.unbalanced_quotes"),
    ],
)
def test_outside_free_text_options_are_still_checked(line: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(line)
    assert caught.value.key == key


def _known_option_at_a_word_boundary(command_path: tuple[str, ...]) -> re.Pattern[str]:
    command = BY_PATH[command_path]
    names = sorted({name for o in command.options for name in (o.name, *o.aliases)}, key=len, reverse=True)
    return re.compile(rf"(?:^|\s)(?:{'|'.join(map(re.escape, names))})[:=]", re.IGNORECASE)


FREE_TEXT_OPTIONS = [
    (("mentor", "request"), "note"),
    (("mentor", "signup"), "bio"),
    (("mentor", "decline"), "reason"),
    (("mentor", "end"), "comment"),
]
PREFIX = {
    ("mentor", "request"): "skills:seo",
    ("mentor", "signup"): "skills:seo",
    ("mentor", "decline"): "12",
    ("mentor", "end"): "3",
}

free_text = st.lists(
    st.one_of(
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=6),
        st.sampled_from([":", "=", " ", "  ", "\t", '"', "'", "“", "help:", "note ", "skills", "a:b", "https://x"]),
    ),
    min_size=1,
    max_size=12,
).map("".join)


@pytest.mark.parametrize(("path", "option"), FREE_TEXT_OPTIONS)
@settings(max_examples=300, deadline=None)
@given(value=free_text)
@example(value="hello world, I need help: with ads")
@example(value='he said "hi: there')
def test_any_free_text_round_trips_as_the_value(path: tuple[str, ...], option: str, value: str) -> None:
    """Property: any free text (no known option name followed by a colon at a word boundary, not opening with
    a quote, which would quote it) comes back exactly as typed, leading and trailing spaces aside."""
    value = value.strip()
    known = _known_option_at_a_word_boundary(path)
    if not value or known.search(value) or value[0] in _QUOTES or value.startswith("//"):
        return
    parsed = parse(f"/{' '.join(path)} {PREFIX[path]} {option}:{value}")
    assert parsed.args[option] == value
