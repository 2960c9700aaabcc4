"""A matching round keeps live matching's promises: it never strands a request live matching would have offered
(found by a hunt: the round planned the pairs a lapse's cooldown blocks after all the others, and lost a match)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import MentorStatus, OfferStatus
from mentorbot.storage.store import Store
from mentorbot.usecases.views import WHY_LINES
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

EN = translator("en")

Who = Callable[..., Caller]


async def _set_status(bot: MentorBot, name: str, status: MentorStatus, clock: ManualClock) -> None:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    await bot.store.set_mentor_status(member.id, status, clock.now())


async def _lapsed_yara_and_xavi(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Yara (paid social) let an offer of Bea's lapse, so she is on cooldown for Bea, lifted when no one else is
    eligible; Xavi (SEO) is the only mentor of Amina's older request and Bea's first choice too. Both are paused
    while the two requests come in, so only a round or the sweep offers them."""
    await bot.signup(who("yara"), skills="paid-social", capacity=1)
    assert to(await bot.request(who("bea"), skills="paid-social"), "yara")
    clock.advance(timedelta(hours=49))
    await bot.run_due_jobs()  # the offer expires: Yara's lapse, for Bea
    await bot.cancel(who("bea"), request_id=1)
    await bot.resume(who("yara"))
    await bot.signup(who("xavi"), skills="seo", levels="expert", capacity=1)
    for name in ("xavi", "yara"):
        await _set_status(bot, name, MentorStatus.PAUSED, clock)
    await bot.request(who("amina"), skills="seo, copywriting, email-marketing")
    await bot.request(who("bea"), skills="seo, paid-social")
    for name in ("xavi", "yara"):
        await _set_status(bot, name, MentorStatus.ACTIVE, clock)


async def test_a_round_offers_as_many_as_live_matching_with_a_lapsed_cooldown_to_fall_back_on(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await _lapsed_yara_and_xavi(bot, who, clock)
    done = await bot.admin_round(who("admin", is_admin=True))
    assert done.error is None
    pending = {(o.request_id, o.mentor_id) for o in await bot.store.list_offers() if o.status is OfferStatus.PENDING}
    xavi = await bot.store.find_member(COMMUNITY, "U-xavi")
    yara = await bot.store.find_member(COMMUNITY, "U-yara")
    assert xavi is not None and yara is not None
    assert pending == {(2, xavi.id), (3, yara.id)}, "Amina's request gets Xavi, Bea's falls back on Yara"


async def test_a_round_tells_each_reason_once_with_its_count(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Requests waiting for the same reason make one line with their count, whatever order their skills were asked in
    and whatever second their cooldown ends (it was one line per request: 253 lines, 38,000 characters at 2,000)."""
    await bot.signup(who("m1"), skills="seo", capacity="2")
    for name in ("a1", "a2", "a3"):
        offered = await bot.request(who(name), skills="seo")
        clock.advance(timedelta(seconds=5))
        await bot.decline(who("m1"), offer_id=offer_id(to(offered, "m1")[0]))
    await bot.request(who("b1"), skills="paid-social, copywriting")
    await bot.request(who("b2"), skills="copywriting, paid-social")
    done = await bot.admin_round(who("admin", is_admin=True))
    lines = [line for line in done.reply.text.splitlines() if line.startswith("•")]
    assert len(lines) == len(set(lines)) == 2, lines
    assert any(line.startswith("• 3 ask for SEO") for line in lines), lines
    assert any(line.startswith("• 2 ask for") for line in lines), lines


async def test_a_rounds_report_lists_the_commonest_reasons_and_counts_the_rest(bot: MentorBot, who: Who) -> None:
    skills = [skill.slug for skill in bot.library.taxonomy][: WHY_LINES + 3]
    for n, skill in enumerate(skills):
        for k in range(2 if n == len(skills) - 1 else 1):
            await bot.request(who(f"m{n}-{k}"), skills=skill)
    done = await bot.admin_round(who("admin", is_admin=True))
    lines = [line for line in done.reply.text.splitlines() if line.startswith("•")]
    assert len(lines) == WHY_LINES + 1
    assert lines[0].startswith("• 2 ask for"), "the commonest first"
    assert lines[-1] == "• " + EN("round.why_more", count=3)


async def test_a_cohort_request_is_told_the_next_round_and_what_stands_in_its_way(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """In a cohort programme every waiting request's reason was "the next round" alone: a member asking for a skill
    no mentor offers was promised news at the next round, and the admin's waitlist said the same of everyone."""
    bot = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w")
    await bot.set_language(who("admin"), language="en")
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    told = await bot.request(who("zawadi"), skills="paid-social")
    now = EN("wait_now.no_mentor", skills="Paid social")
    assert now in told.reply.text and "2026-01-05 10:00 UTC" in told.reply.text
    await bot.request(who("amina"), skills="seo")
    await bot.request(who("daudi"), skills="seo")
    await bot.run_due_jobs()
    clock.advance(timedelta(hours=1, minutes=1))
    await bot.run_due_jobs()  # the round: Amina's request goes to Baraka; Daudi's and Zawadi's wait
    status = (await bot.status(who("zawadi"))).reply.plain_text
    assert "2026-01-12 10:00 UTC" in status and now in status
    assert EN("wait_now.all_busy", skills="SEO") in (await bot.status(who("daudi"))).reply.plain_text
    waitlist = await bot.admin_waitlist(who("admin", is_admin=True))
    shown = waitlist.reply.plain_text + "".join(str(e) for listing in waitlist.reply.listings for e in listing.entries)
    assert now in shown and EN("wait_now.all_busy", skills="SEO") in shown


async def test_a_cohort_request_with_a_free_mentor_is_told_nothing_stands_in_its_way(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Found by a review: the live wait reason assumes nobody could be offered the request, so in a cohort programme
    a member was told "every mentor for SEO is at capacity" beside a mentor with three free places. Nothing stands in
    the way then; and when that mentor pauses, what stands in the way is told afresh."""
    bot = MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w")
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    told = await bot.request(who("amina"), skills="seo")
    assert "2026-01-05 10:00 UTC" in told.reply.text
    assert "For now" not in told.reply.text, told.reply.text
    await bot.pause(who("baraka"))
    status = (await bot.status(who("amina"))).reply.plain_text
    assert EN("wait_now.all_paused", skills="SEO") in status, status
