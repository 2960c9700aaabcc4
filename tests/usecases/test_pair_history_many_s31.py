"""A round reads the pair history of every waiting mentee at once (`CandidateStore.pair_history`). Migration 0022's
third part made that statement name each mentee three times, and on PostgreSQL the placeholders were numbered up
to 9,999 only: a round over 3,334 waiting members failed with the generic apology (5,000 before; found by the
review of session 31). Past a few hundred ids they are now one parameter, on both engines."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.storage.postgres_engine import to_numbered
from tests.usecases.conftest import COMMUNITY

Who = Callable[..., Caller]


async def test_the_pair_history_of_thousands_of_mentees_is_read(bot: MentorBot, who: Who) -> None:
    store = bot.store
    assert await store.pair_history(range(1, 7_001)) == []  # before, on PostgreSQL: StopIteration
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    await bot.request(who("amina"), skills="seo")
    mentor = await store.find_member(COMMUNITY, "U-baraka")
    mentee = await store.find_member(COMMUNITY, "U-amina")
    assert mentor is not None and mentee is not None
    many = [mentee.id, *range(100_000, 107_000)]
    [fact] = await store.pair_history(many)
    assert (fact.mentee_id, fact.mentor_id, tuple(fact.request_skills)) == (mentee.id, mentor.id, ("seo",))
    [same] = await store.pair_history([mentee.id])
    assert same == fact


def test_placeholders_are_numbered_past_ten_thousand() -> None:
    assert to_numbered(", ".join("?" * 12_000)).endswith("$12000")
