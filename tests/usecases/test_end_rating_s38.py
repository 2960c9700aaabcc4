"""`/mentor end rating:4` with no number, by a member whose partner has already ended their mentorship (session 38).

Before: nothing active, so "You have no active mentorship to end.", and the rating was dropped without a word, while
`/mentor end 1 rating:4` recorded it (`mentorships._ended_already`) and `/mentor feedback rating:4` took the caller's
only ended mentorship still waiting for their rating. Now `/mentor end` with no number, nothing active and a rating
or comment chooses as `/mentor feedback` does: the only one is rated (or "already given"), several are listed to
choose from; with none the answer says the feedback was not recorded. An active mentorship in another server is
still named first (a rating cannot be taken back), and the answer says the feedback was not recorded there either.
Without a rating or comment, the answers are as before. On both engines.
"""

from __future__ import annotations

from mentorbot.bot import MentorBot
from mentorbot.i18n import translator
from mentorbot.models import MentorshipStatus
from mentorbot.storage.store import Store
from tests.usecases.conftest import offer_id, to
from tests.usecases.test_departures_s32 import Who
from tests.usecases.test_other_community2_s33 import (
    ANOTHER_SERVER,
    THIS_SERVER,
    A,
    B,
    baraka,
    mentee,
    mentoring_in,
)

EN = translator("en")
SW = translator("sw")


async def mentorship_ended_by_amina(bot: MentorBot, who: Who, mentee_name: str = "amina") -> int:
    """Baraka mentors `mentee_name`, who ends it with her rating: the mentorship's number."""
    if await bot.mentor_profile("test:guild", "U-baraka") is None:
        await bot.signup(who("baraka"), skills="seo", capacity=3)
    asked = await bot.request(who(mentee_name), skills="seo")
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(to(asked, "baraka")[0]))
    assert accepted.error is None
    taker = await bot.store.find_member("test:guild", f"U-{mentee_name}")
    assert taker is not None
    [mentorship] = await bot.store.list_mentorships(member_id=taker.id, active_only=True)
    assert (await bot.end(who(mentee_name), mentorship_id=mentorship.id, rating=5)).error is None
    return mentorship.id


async def baraka_id(store: Store) -> int:
    member = await store.find_member("test:guild", "U-baraka")
    assert member is not None
    return member.id


async def test_end_with_no_number_rates_the_only_mentorship_the_partner_ended(
    bot: MentorBot, who: Who, store: Store
) -> None:
    ended = await mentorship_ended_by_amina(bot, who)
    out = await bot.end(who("baraka"), rating=4, comment="a good mentee")
    assert out.error is None
    assert out.reply.text == EN("feedback.thanks", id=ended)
    [given] = [f for f in await store.list_feedback() if f.author_id == await baraka_id(store)]
    assert (given.mentorship_id, given.rating, given.comment) == (ended, 4, "a good mentee")
    # Again: none waits for his rating now; said, the first rating kept.
    again = await bot.end(who("baraka"), rating=3)
    assert again.reply.text == EN("end.nothing_to_rate")
    assert again.error is not None
    [given] = [f for f in await store.list_feedback() if f.author_id == await baraka_id(store)]
    assert given.rating == 4


async def test_a_comment_alone_is_kept_and_the_rating_asked_for(bot: MentorBot, who: Who, store: Store) -> None:
    ended = await mentorship_ended_by_amina(bot, who)
    out = await bot.end(who("baraka"), comment="thanks")
    assert out.reply.text == EN("end.comment_kept", id=ended)
    assert not await store.has_given_feedback(ended, await baraka_id(store))
    rated = await bot.end(who("baraka"), rating=4)
    assert rated.reply.text == EN("feedback.thanks", id=ended)
    [given] = [f for f in await store.list_feedback() if f.author_id == await baraka_id(store)]
    assert (given.rating, given.comment) == (4, "thanks")


async def test_several_ended_ones_are_listed_and_nothing_is_recorded(bot: MentorBot, who: Who, store: Store) -> None:
    first = await mentorship_ended_by_amina(bot, who)
    second = await mentorship_ended_by_amina(bot, who, "juma")
    out = await bot.end(who("baraka"), rating=4)
    assert out.error is not None and out.error.key == "feedback.which"
    assert f"#{first} with" in out.reply.text and f"#{second} with" in out.reply.text
    assert f"/mentor feedback {second} rating:" in out.reply.text
    assert [f for f in await store.list_feedback() if f.author_id == await baraka_id(store)] == []


async def test_with_none_to_rate_it_says_the_feedback_was_not_recorded(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    out = await bot.end(who("baraka"), rating=4)
    assert out.error is not None
    assert out.reply.text == EN("end.nothing_to_rate")
    assert "not recorded" in out.reply.text
    await bot.set_language(who("baraka"), language="sw")
    assert (await bot.end(who("baraka"), comment="asante")).reply.text == SW("end.nothing_to_rate")


async def test_without_a_rating_or_comment_the_answers_are_as_before(bot: MentorBot, who: Who, store: Store) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    assert (await bot.end(who("baraka"))).reply.text == EN("end.nothing_active")
    await mentorship_ended_by_amina(bot, who)
    assert (await bot.end(who("baraka"))).reply.text == EN("end.nothing_active")
    assert [f for f in await store.list_feedback() if f.author_id == await baraka_id(store)] == []


async def test_with_one_active_it_is_ended_as_before(bot: MentorBot, who: Who) -> None:
    await mentorship_ended_by_amina(bot, who)
    asked = await bot.request(who("juma"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(asked, "baraka")[0]))
    [active] = await bot.store.list_mentorships(active_only=True)
    assert (await bot.end(who("baraka"), rating=4)).reply.text == EN("end.done", id=active.id)


async def test_an_active_one_in_another_server_is_named_first_and_nothing_recorded(
    bot: MentorBot, store: Store
) -> None:
    there = await mentoring_in(bot, A)
    here = await mentoring_in(bot, B)
    assert (await bot.end(mentee(B), mentorship_id=here.id, rating=5)).error is None
    refusal = EN("elsewhere.end_nothing_here", count=1, ids=f"#{there.id}", here=THIS_SERVER, where=ANOTHER_SERVER)
    # No rating: word for word as before.
    assert (await bot.end(baraka(B))).reply.text == refusal
    # A rating: the same, and that it was not recorded; B's ended one waits for it (`/mentor feedback`).
    out = await bot.end(baraka(B), rating=4)
    assert out.error is not None
    assert out.reply.text == EN("end.not_recorded_here", refusal=refusal, here=THIS_SERVER)
    assert out.reply.text.startswith(refusal)
    assert "/mentor feedback" in out.reply.text
    me = await store.find_member(B, "111")
    assert me is not None and not await store.has_given_feedback(here.id, me.id)
    # Rated here: the pointer to `/mentor feedback` goes.
    assert (await bot.feedback(baraka(B), mentorship_id=None, rating=4)).error is None
    out = await bot.end(baraka(B), rating=4)
    assert out.reply.text == EN("end.not_recorded", refusal=refusal)
    active = await store.get_mentorship(there.id)
    assert active is not None and active.status is MentorshipStatus.ACTIVE
