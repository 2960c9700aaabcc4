"""An option typed with a space after its colon (``mentorship: 1``): the word after it is its value, as before
session 43. Session 43's passing on of bare words after a ``key:value`` option (`parsing._passed_on`) took that
word for the next positional option, so ``/mentor end mentorship: 1`` ended the only mentorship with a 1-star
rating nobody gave (review of session 43's change, session 44)."""

from __future__ import annotations

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import parse
from tests.commands.test_parsing_parity_s43 import BOB, _ok

ALICE = Caller("test:guild", "U-alice", "Alice")


@pytest.mark.parametrize(
    ("line", "args"),
    [
        ("/mentor end mentorship: 1", {"mentorship": "1"}),
        ("/mentor end mentorship: 1 5", {"mentorship": "1", "rating": "5"}),
        ("/mentor feedback mentorship: 1 rating: 5", {"mentorship": "1", "rating": "5"}),
        ("/mentor decline offer: 4", {"offer": "4"}),
        ("/mentor-admin pause mentor: Bob", {"mentor": "Bob"}),
        ("/mentor-admin reject suggestion: 4", {"suggestion": "4"}),
        # Unchanged: with its value typed against the colon, the words after it are passed on (session 43).
        ("/mentor end mentorship:1 5", {"mentorship": "1", "rating": "5"}),
        ("/mentor checkin mentorship:2 ok", {"mentorship": "2", "answer": "ok"}),
    ],
)
def test_the_word_after_a_bare_colon_is_the_options_value(line: str, args: dict[str, str]) -> None:
    assert dict(parse(line).args) == args


async def test_ending_with_a_spaced_option_records_no_rating_and_feedback_keeps_its_own(bot: MentorBot) -> None:
    await _ok(bot, BOB, "/mentor", "signup skills:seo")
    await _ok(bot, ALICE, "/mentor", "request skills:seo")
    [offer] = await bot.store.list_offers()
    await _ok(bot, BOB, "/mentor", f"accept {offer.id}")
    alice = await bot.store.find_member(ALICE.community, ALICE.user_id)
    assert alice is not None
    [mentorship] = await bot.store.list_mentorships(member_id=alice.id, active_only=True)
    await _ok(bot, ALICE, "/mentor", f"end mentorship: {mentorship.id}")
    assert [f for f in await bot.store.list_feedback() if f.mentorship_id == mentorship.id] == []
    await _ok(bot, BOB, "/mentor", f"feedback mentorship: {mentorship.id} rating: 5")
    given = [(f.rating, f.comment) for f in await bot.store.list_feedback() if f.mentorship_id == mentorship.id]
    assert given == [(5, None)]


# ----------------------------------------------------------------- a model: one space after a colon changes nothing

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mentorbot.commands.table import COMMANDS  # noqa: E402
from mentorbot.errors import UserError  # noqa: E402

_WORDS = st.sampled_from(["1", "5", "12", "ok", "help", "Bob", "seo", "3d", "later", "great"])


@st.composite
def _lines(draw: st.DrawFn) -> tuple[str, list[tuple[str | None, str]]]:
    """A command's path and a few words: options named with one-word values (not free text) and bare words."""
    command = draw(st.sampled_from([c for c in COMMANDS if c.options]))
    named = [o.name for o in command.options if not o.free_text]
    words = draw(
        st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(named)) if named else st.none(), _WORDS), max_size=4)
    )
    return "/" + " ".join(command.path), words


def _parsed(line: str) -> tuple[str, object]:
    try:
        return "ok", dict(parse(line, allow_missing=True).args)
    except UserError as error:
        return "refused", error.key


@given(_lines())
def test_a_space_after_an_options_colon_parses_as_without_it(case: tuple[str, list[tuple[str | None, str]]]) -> None:
    """``key:value`` and ``key: value`` are the same line, whatever words are around them (session 43's passing on
    of words took the value of ``key: value`` for the next option's)."""
    path, words = case
    tight = " ".join(f"{key}:{word}" if key else word for key, word in words)
    spaced = " ".join(f"{key}: {word}" if key else word for key, word in words)
    assert _parsed(f"{path} {spaced}") == _parsed(f"{path} {tight}")
