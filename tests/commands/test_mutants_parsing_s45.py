"""Session 45's mutation hunt (/tmp/hunt/mut45): `_pair_in` of the levels option (a real option after the
levels, a ``;`` list) and `parse_rating` (six stars are no rating)."""

from __future__ import annotations

import pytest

from mentorbot.commands import parse
from mentorbot.errors import UserError
from mentorbot.inputs import parse_rating


def test_a_real_option_after_the_levels_is_that_option_even_with_a_level_word() -> None:
    """P7: ``bio:expert`` after the levels is the bio, not a pair of the levels."""
    args = dict(parse("/mentor signup skills:seo levels:seo:expert bio:expert").args)
    assert args == {"skills": "seo", "levels": "seo:expert", "bio": "expert"}


def test_a_pair_near_an_option_name_with_a_semicolon_list_is_a_pair() -> None:
    """P6: ``reels:expert;seo:learning`` (the levels take ``;`` as ``,``): reels is near "levels", but expert is a
    level word."""
    line = "/mentor signup skills:seo, instagram reels levels:seo:learning, reels:expert;seo:learning"
    assert dict(parse(line).args)["levels"] == "seo:learning, reels:expert;seo:learning"


def test_six_stars_are_no_rating() -> None:
    """I2: a rating is one to five; ``★★★☆☆☆`` (six stars) is refused, not 3."""
    with pytest.raises(UserError):
        parse_rating("★★★☆☆☆")
