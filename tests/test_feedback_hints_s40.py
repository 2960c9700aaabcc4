"""Session 40 (examples hunt): the feedback hints a member is shown work when typed as shown.

After every mentorship that ends, in check-ins and when Slack's form cannot open, members were told to type
``/mentor feedback 1 rating:<1-5> [comment]`` (Swahili: ``[maoni]``, with no ``comment:`` at all). Typed so,
``/mentor feedback 1 rating:4 great mentor`` was refused ("A rating is a whole number from 1 to 5 (you gave '4 great
mentor')"): words after ``rating:4`` are the rating's. Each hint now writes the comment as ``/mentor help`` does,
``[comment:<text>]`` (``[comment:<maoni>]``), and typed with it filled in, it records the rating and the comment."""

from __future__ import annotations

import re

import pytest

import mentorbot_slack  # noqa: F401  (its catalog: the form's fallback)
from mentorbot.commands import parse
from mentorbot.i18n import LANGUAGES, load_catalog

COMMAND = re.compile(r"`(/mentor (?:feedback|end) [^`]*rating:[^`]*)`")


def hints(lang: str) -> list[tuple[str, str]]:
    return [(key, found) for key, text in load_catalog(lang).items() for found in COMMAND.findall(text)]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_feedback_hint_types_as_shown(lang: str) -> None:
    found = hints(lang)
    assert len(found) >= 7, found
    for key, hint in found:
        assert not re.search(r"rating:\S+ \[(?!comment:)", hint), (key, hint)  # a bare slot after the rating
        slot = re.search(r"\[?comment:<[^>]+>\]?", hint)
        typed = re.sub(r"\[?comment:<[^>]+>\]?", "comment:great mentor", hint)
        typed = typed.replace("{id}", "1").replace("{example}", "1").replace("<1-5>", "4")
        parsed = parse(typed)
        assert parsed.args.get("rating") == "4", (key, typed, parsed.args)
        assert parsed.args.get("comment") == ("great mentor" if slot else None), (key, typed, parsed.args)
