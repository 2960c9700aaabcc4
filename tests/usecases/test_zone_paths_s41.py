"""Session 41 (midflight hunt): a mentor's offers that have not reached them yet (held for their next command, or
pending in the outbox) are written again in their new zone whichever way the zone changed, not only by
``/mentor timezone`` (session 40, `offer_messages.rewrite_unsent_offers`).

Before: ``/mentor signup timezone:`` and Slack reporting a new zone for the member (`MemberStore.see_member`, at any
command) changed the zone, and the held offer shown with the reply, or the one the outbox was about to deliver,
still said "Answer by: … UTC" (or the old zone's time)."""

from __future__ import annotations

from collections.abc import Callable

from mentorbot.bot import Caller, MentorBot
from mentorbot.replies import reply_from_json
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]


def slack(name: str, zone: str) -> Caller:
    """A Slack caller: the platform reports the member's zone at every command."""
    return Caller(COMMUNITY, f"U-{name}", name.capitalize(), timezone=zone)


async def unsent_offer_text(bot: MentorBot, name: str) -> str:
    """The text of the member's one offer still to reach them (pending in the outbox, or held)."""
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    [(_, _, payload)] = await bot.store.unsent_keyed(member.id, "offer:")
    return reply_from_json(payload).plain_text


async def test_signup_timezone_rewrites_a_held_offer(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    assert "UTC" in offer.reply.plain_text
    await bot.hold_undelivered(offer)  # his direct messages are closed: held for his next command
    out = await bot.signup(who("baraka"), skills=None, timezone="Africa/Nairobi")
    [held] = out.held
    assert "(Africa/Nairobi)" in held.plain_text and "UTC" not in held.plain_text, held.plain_text
    assert [b.action for b in held.buttons][:1] == ["offer.accept"]


async def test_signup_timezone_rewrites_an_offer_pending_in_the_outbox(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", levels="expert")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    assert "UTC" in await unsent_offer_text(bot, "baraka")
    out = await bot.signup(who("baraka"), skills=None, timezone="Africa/Nairobi")
    assert out.held == ()
    text = await unsent_offer_text(bot, "baraka")
    assert "(Africa/Nairobi)" in text and "UTC" not in text, text
    await bot.accept(who("baraka"), offer_id=offer_id(offer))  # still the same offer, still answerable


async def test_signup_in_the_same_zone_leaves_the_offer_as_it_is(bot: MentorBot, who: Who) -> None:
    await bot.set_timezone(who("baraka"), timezone="Africa/Nairobi")
    await bot.signup(who("baraka"), skills="seo", levels="expert")
    to(await bot.request(who("amina"), skills="seo"), "baraka")
    before = await unsent_offer_text(bot, "baraka")
    await bot.signup(who("baraka"), skills=None, timezone="Africa/Nairobi", bio="Ten years of search")
    assert await unsent_offer_text(bot, "baraka") == before


async def test_a_zone_slack_reports_rewrites_a_held_offer(bot: MentorBot) -> None:
    await bot.signup(slack("baraka", "Europe/London"), skills="seo", levels="expert")
    [offer] = to(await bot.request(slack("amina", "Europe/London"), skills="seo"), "baraka")
    assert "(Europe/London)" in offer.reply.plain_text
    await bot.hold_undelivered(offer)
    out = await bot.status(slack("baraka", "Africa/Nairobi"))  # he moved, and changed his Slack profile
    [held] = out.held
    assert "(Africa/Nairobi)" in held.plain_text and "Europe/London" not in held.plain_text, held.plain_text


async def test_a_zone_slack_reports_rewrites_an_offer_pending_in_the_outbox(bot: MentorBot) -> None:
    await bot.signup(slack("baraka", "Europe/London"), skills="seo", levels="expert")
    to(await bot.request(slack("amina", "Europe/London"), skills="seo"), "baraka")
    assert "(Europe/London)" in await unsent_offer_text(bot, "baraka")
    await bot.status(slack("baraka", "Africa/Nairobi"))
    text = await unsent_offer_text(bot, "baraka")
    assert "(Africa/Nairobi)" in text and "Europe/London" not in text, text


async def test_the_same_zone_reported_again_changes_nothing(bot: MentorBot) -> None:
    await bot.signup(slack("baraka", "Europe/London"), skills="seo", levels="expert")
    [offer] = to(await bot.request(slack("amina", "Europe/London"), skills="seo"), "baraka")
    await bot.hold_undelivered(offer)
    out = await bot.status(slack("baraka", "Europe/London"))
    [held] = out.held
    assert held.plain_text == offer.reply.plain_text


async def test_see_member_says_when_the_zone_moved(bot: MentorBot) -> None:
    store, now = bot.store, bot.clock.now()
    first, moved = await store.see_member(COMMUNITY, "U-zawadi", "Zawadi", now, timezone="Europe/London")
    assert not moved  # first sight: nothing of theirs was written in another zone
    again, moved = await store.see_member(COMMUNITY, "U-zawadi", "Zawadi", now, timezone="Europe/London")
    assert not moved and again.id == first.id
    _, moved = await store.see_member(COMMUNITY, "U-zawadi", "Zawadi", now)  # a platform that reports none
    assert not moved
    member, moved = await store.see_member(COMMUNITY, "U-zawadi", "Zawadi", now, timezone="Africa/Nairobi")
    assert moved and member.timezone == "Africa/Nairobi"
    assert (await store.member_as_seen(COMMUNITY, "U-zawadi", "Zawadi", now)).timezone == "Africa/Nairobi"
