"""Session 46's mutation hunt (/tmp/hunt/mut): an option mistyped in ``/mentor signup``. After the levels, a
``word:value`` that is no option may be a ``skill:level`` pair of them (`parsing._pair_in`); one close to an option
name, or to one of its aliases, is that option mistyped, and the error suggests the option by its own name."""

from __future__ import annotations

import pytest

from mentorbot.commands import parse
from mentorbot.errors import UserError


def _refused(line: str) -> UserError:
    with pytest.raises(UserError) as refused:
        parse(line)
    return refused.value


def test_a_mistyped_timezone_after_the_levels_is_an_unknown_option() -> None:
    """T1: ``tzz`` is near the alias ``tz`` (not "timezone"): it is no pair of the levels, and it is told
    ``timezone:``."""
    error = _refused("/mentor signup skills:seo levels:seo:expert tzz:Africa/Nairobi")
    assert error.key == "commands.unknown_option"
    assert (error.params["option"], error.params["suggestion"]) == ("tzz", "timezone:")


def test_a_mistyped_skills_after_the_levels_is_an_unknown_option() -> None:
    """T2: ``skil:copywriting`` (a word, not a level) after the levels is ``skills:`` mistyped, not a pair."""
    error = _refused("/mentor signup skills:seo levels:seo:expert skil:copywriting")
    assert error.key == "commands.unknown_option"
    assert (error.params["option"], error.params["suggestion"]) == ("skil", "skills:")


@pytest.mark.parametrize(
    ("line", "typed"),
    [
        ("/mentor signup skills:seo lang:sw", "lang"),
        ("/mentor signup skills:seo levels:seo:expert languag:sw", "languag"),
    ],
)
def test_the_option_suggested_is_named_by_its_own_name_not_an_alias(line: str, typed: str) -> None:
    """T3: ``lang`` is nearest the alias ``langs``; the option suggested is ``languages:``."""
    error = _refused(line)
    assert error.key == "commands.unknown_option"
    assert (error.params["option"], error.params["suggestion"]) == (typed, "languages:")


def test_an_alias_is_still_its_option() -> None:
    assert dict(parse("/mentor signup skills:seo langs:sw tz:Africa/Nairobi").args) == {
        "skills": "seo",
        "languages": "sw",
        "timezone": "Africa/Nairobi",
    }
