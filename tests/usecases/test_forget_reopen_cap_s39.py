"""A mentor who deletes their data (`/mentor forget`) puts their mentee's matched request back on the waitlist only
when that keeps the mentee within `Settings.max_open_requests` (both engines).

Found by session 39's hunt: Amina, mentored in SEO (mentorship #1) and with 3 waiting requests (the most allowed),
had 4 open requests once her mentor forgot, one more than `/mentor request` would ever have let her make. Now the
request is put back only when she has fewer open ones (waiting or offered, as `/mentor request` counts them) than the
limit, counted in the forget's own transaction; otherwise it stays as it was and her notice says why it was not put
back and how to ask again. Under the limit it is put back as before.
"""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.i18n import translator
from mentorbot.models import RequestStatus
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")
OTHER_SKILLS = ("paid social", "copywriting", "crisis comms")
"""Skills no mentor offers in these tests: requests for them wait."""


async def mentored(bot: MentorBot, who: Who, waiting: int) -> int:
    """Baraka mentors Amina in SEO (mentorship #1, request #1); she then has `waiting` waiting requests. Her id."""
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    asked = await bot.request(who("amina"), skills="seo")
    accepted = await bot.accept(who("baraka"), offer_id=offer_id(to(asked, "baraka")[0]))
    assert accepted.error is None
    for skill in OTHER_SKILLS[:waiting]:
        made = await bot.request(who("amina"), skills=skill)
        assert made.error is None
    amina = await bot.store.find_member(COMMUNITY, "U-amina")
    assert amina is not None
    return amina.id


async def open_ids(bot: MentorBot, member_id: int) -> list[int]:
    return [r.id for r in await bot.store.list_member_requests(member_id, open_only=True)]


async def test_at_the_limit_the_request_is_not_put_back_and_the_mentee_is_told_why(bot: MentorBot, who: Who) -> None:
    amina = await mentored(bot, who, waiting=3)
    assert bot.settings.max_open_requests == 3
    gone = await bot.forget(who("baraka"), confirm=True)
    assert gone.error is None
    assert await open_ids(bot, amina) == [2, 3, 4], "still 3 open: the most allowed"
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.MATCHED, "left as it was"
    [told] = to(gone, "amina")
    lines = told.reply.text.splitlines()
    assert lines[0] == EN("end.mentor_left", id=1)
    assert lines[1] == EN("end.not_requeued_limit", request=1, skills="SEO", count=3, limit=3)
    assert lines[2] == EN("end.not_requeued_ask", count=1, slugs="seo")
    assert "3 open requests" in lines[1] and "/mentor request skills:seo" in lines[2] and "/mentor cancel" in lines[2]
    assert EN("end.requeued_waiting", request=1) not in told.reply.text
    assert EN("feedback.asked", id=1, other=EN("common.member_left")) in lines
    assert [b.action for b in told.reply.buttons] == ["feedback.open"]
    # She can ask again as the notice says, once she has a place.
    await bot.cancel(who("amina"), request_id=4)
    again = await bot.request(who("amina"), skills="seo")
    assert again.error is None
    assert len(await open_ids(bot, amina)) == 3


async def test_the_notice_is_in_the_mentees_language(bot: MentorBot, who: Who) -> None:
    await mentored(bot, who, waiting=3)
    await bot.set_language(who("amina"), language="sw")
    gone = await bot.forget(who("baraka"), confirm=True)
    [told] = to(gone, "amina")
    lines = told.reply.text.splitlines()
    assert lines[:3] == [
        SW("end.mentor_left", id=1),
        SW("end.not_requeued_limit", request=1, skills=bot.core.labels(["seo"], "sw"), count=3, limit=3),
        SW("end.not_requeued_ask", count=1, slugs="seo"),
    ]


async def test_over_a_lowered_limit_the_notice_says_how_many_to_cancel(bot: MentorBot, who: Who) -> None:
    """The limit lowered to 2 since she asked: 3 open, 2 to cancel before one more fits."""
    amina = await mentored(bot, who, waiting=3)
    bot.settings.max_open_requests = 2
    gone = await bot.forget(who("baraka"), confirm=True)
    assert await open_ids(bot, amina) == [2, 3, 4]
    [told] = to(gone, "amina")
    lines = told.reply.text.splitlines()
    assert lines[1] == EN("end.not_requeued_limit", request=1, skills="SEO", count=3, limit=2)
    assert lines[2] == EN("end.not_requeued_ask", count=2, slugs="seo")


async def test_under_the_limit_the_request_is_put_back_as_before(bot: MentorBot, who: Who) -> None:
    amina = await mentored(bot, who, waiting=2)
    gone = await bot.forget(who("baraka"), confirm=True)
    request = await bot.store.get_request(1)
    assert request is not None and request.status is RequestStatus.WAITING and request.matched_at is None
    assert await open_ids(bot, amina) == [1, 2, 3], "3 open: the most allowed, reached, not passed"
    [told] = to(gone, "amina")
    lines = told.reply.text.splitlines()
    assert lines[:2] == [EN("end.mentor_left", id=1), EN("end.requeued_waiting", request=1)]
    assert "not put back" not in told.reply.text


async def test_each_mentorship_of_the_mentor_counts_the_ones_put_back_before_it(bot: MentorBot, who: Who) -> None:
    """Baraka mentors Amina twice (SEO, #1; copywriting, #2: an admin's match, the matcher offers no member's
    request to their own mentor), and she has 2 waiting requests: #1's request is put back (3 open), #2's is not
    (3 already)."""
    await bot.signup(who("baraka"), skills="seo, copywriting", capacity=2)
    asked = await bot.request(who("amina"), skills="seo")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(to(asked, "baraka")[0]))).error is None
    assert (await bot.request(who("amina"), skills="copywriting")).error is None  # request #2, waiting
    matched = await bot.admin_match(who("admin", is_admin=True), request_id=2, mentor="baraka", force=True)
    assert matched.error is None
    for skill in ("paid social", "crisis comms"):  # requests #3 and #4
        assert (await bot.request(who("amina"), skills=skill)).error is None
    amina = await bot.store.find_member(COMMUNITY, "U-amina")
    assert amina is not None
    assert await open_ids(bot, amina.id) == [3, 4]
    gone = await bot.forget(who("baraka"), confirm=True)
    assert await open_ids(bot, amina.id) == [1, 3, 4]
    second = await bot.store.get_request(2)
    assert second is not None and second.status is RequestStatus.MATCHED
    told = {n.reply.text.splitlines()[0]: n.reply.text for n in to(gone, "amina")}
    assert EN("end.requeued_waiting", request=1) in told[EN("end.mentor_left", id=1)]
    limited = told[EN("end.mentor_left", id=2)]
    assert EN("end.not_requeued_limit", request=2, skills="Copywriting", count=3, limit=3) in limited
