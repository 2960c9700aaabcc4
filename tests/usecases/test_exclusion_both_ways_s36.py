"""A mentor's decline "not this person" holds both ways (docs/matching.md rule 5, session 36).

Before: Amina (a mentor) declined Bakari's request "not this person", which kept her from every request of his; but
when Amina, a mentor too, later asked for help herself, Bakari (who mentors copywriting) could be offered her
request: live, by the sweep, in a cohort round and by an admin's match without `force:yes`. A personal conflict is
both ways: the decliner is no more offered to the member than the member to them. "Not my skill" is about the
skill, not the person: it holds one way only. When the member the decliner excluded is forgotten, the exclusion kept
of them (`forgotten_exclusions`, a hash of community and platform id) holds both ways when they come back: it is the
decliner's decision, kept for the decliner, and nothing more of the member is kept or read than before; when the
decliner is forgotten, their exclusions go, both ways."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.matching.eligibility import BlockKind, DeclineReason, PairFact, blocks_for
from mentorbot.models import OfferStatus, RequestStatus
from mentorbot.replies import Outcome
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


def offered(outcome: Outcome, name: str) -> bool:
    """Whether `outcome` sends `name` an offer."""
    return any(any(b.action == "offer.accept" for b in n.reply.buttons) for n in to(outcome, name))


async def member_id(bot: MentorBot, name: str) -> int:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


async def amina_declines_bakari(bot: MentorBot, who: Who, reason: str = "not this person") -> None:
    """Amina mentors SEO, Bakari copywriting; Bakari asks for SEO and Amina declines it with `reason`."""
    await bot.signup(who("amina"), skills="seo", levels="expert")
    await bot.signup(who("bakari"), skills="copywriting", levels="expert")
    asked = await bot.request(who("bakari"), skills="seo")
    assert offered(asked, "amina")
    declined = await bot.decline(who("amina"), offer_id=offer_id(to(asked, "amina")[0]), reason=reason)
    assert declined.error is None, declined.reply.text


async def waiting_request(bot: MentorBot, name: str) -> int:
    [request] = [
        r for r in await bot.store.list_member_requests(await member_id(bot, name)) if r.status is RequestStatus.WAITING
    ]
    return request.id


def cohort_bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    """A cohort programme over the same store: offers are made by rounds only."""
    return MentorBot(store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w")


async def pending_mentors(store: Store) -> list[int]:
    return sorted(o.mentor_id for o in await store.list_offers() if o.status is OfferStatus.PENDING)


async def test_the_decliner_is_not_offered_to_the_member_they_excluded(bot: MentorBot, who: Who) -> None:
    await amina_declines_bakari(bot, who)
    asked = await bot.request(who("amina"), skills="copywriting")
    assert not offered(asked, "bakari"), "before: Bakari was offered the request of the mentor who excluded him"
    await bot.signup(who("chao"), skills="copywriting", levels="learning")
    # Chao's signup offers the waiting request to him: Bakari, the better match, is still left out.
    assert await pending_mentors(bot.store) == [await member_id(bot, "chao")]


async def test_not_my_skill_holds_one_way_only(bot: MentorBot, who: Who) -> None:
    await amina_declines_bakari(bot, who, reason="not my skill")
    asked = await bot.request(who("amina"), skills="copywriting")
    assert offered(asked, "bakari"), '"not my skill" is about the skill: Bakari may mentor Amina'


async def test_a_decline_for_now_holds_one_way_only(bot: MentorBot, who: Who) -> None:
    await amina_declines_bakari(bot, who, reason="not now")
    asked = await bot.request(who("amina"), skills="copywriting")
    assert offered(asked, "bakari"), "a cooldown is about the mentor's time, not the member's"


async def test_the_decliner_is_told_truthfully_why_they_wait(bot: MentorBot, who: Who) -> None:
    await amina_declines_bakari(bot, who)
    asked = await bot.request(who("amina"), skills="copywriting")
    assert "you declined as not a fit" in asked.reply.text, asked.reply.text
    [request] = [r for r in await bot.store.list_member_requests(await member_id(bot, "amina"))]
    assert request.wait_reason is not None
    # Not "the mentors for copywriting have said it is not for them": Bakari said nothing; Amina declined him.
    assert json.loads(request.wait_reason)["key"] == "wait.excluded_by_member"


async def test_the_block_says_who_excluded_whom() -> None:
    """What the wait reason is told from: a block that comes only from the mentee's own decline of the mentor says
    so (`Block.by_mentee`); one the mentor made too does not."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    mine = PairFact(1, 0, (), 2, "declined", DeclineReason.NOT_THIS_PERSON.value, now, by_mentee=True)
    theirs = PairFact(1, 5, ("seo",), 2, "declined", DeclineReason.NOT_THIS_PERSON.value, now)
    skill = PairFact(1, 0, ("seo",), 3, "declined", DeclineReason.NOT_MY_SKILL.value, now, by_mentee=True)
    later = now + timedelta(minutes=5)
    only_mine = blocks_for(9, 1, ("seo",), [mine, skill], now=later, reoffer_after=timedelta(days=14))
    assert set(only_mine) == {2} and only_mine[2].kind is BlockKind.EXCLUDED and only_mine[2].by_mentee
    both = blocks_for(9, 1, ("seo",), [mine, theirs], now=later, reoffer_after=timedelta(days=14))
    assert both[2].kind is BlockKind.EXCLUDED and not both[2].by_mentee
    both = blocks_for(9, 1, ("seo",), [theirs, mine], now=later, reoffer_after=timedelta(days=14))
    assert both[2].kind is BlockKind.EXCLUDED and not both[2].by_mentee


async def test_the_sweep_leaves_the_excluded_member_out(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await amina_declines_bakari(bot, who)
    await bot.request(who("amina"), skills="copywriting")
    clock.advance(timedelta(minutes=bot.settings.sweep_minutes + 1))
    swept = await bot.run_due_jobs(sweep=True)
    assert not any(n.platform_user_id == "U-bakari" for n in swept)
    assert await pending_mentors(bot.store) == []


async def test_a_round_leaves_the_excluded_member_out(
    store: Store, library: Library, clock: ManualClock, bot: MentorBot, who: Who
) -> None:
    await amina_declines_bakari(bot, who)
    await bot.signup(who("chao"), skills="copywriting", levels="learning")
    cohort = MentorBot(
        store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w"
    )
    await cohort.request(who("amina"), skills="copywriting")
    done = await cohort.admin_round(who("admin", is_admin=True))
    assert done.error is None
    assert await pending_mentors(store) == [await member_id(bot, "chao")], "before: Bakari, the better match"


async def test_a_round_alone_with_the_excluded_member_offers_nothing(
    store: Store, library: Library, clock: ManualClock, bot: MentorBot, who: Who
) -> None:
    await amina_declines_bakari(bot, who)
    cohort = MentorBot(
        store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w"
    )
    await cohort.request(who("amina"), skills="copywriting")
    assert (await cohort.admin_round(who("admin", is_admin=True))).error is None
    assert await pending_mentors(store) == []


@pytest.mark.parametrize("force", [False, True])
async def test_an_admin_match_over_the_members_own_exclusion_needs_force(bot: MentorBot, who: Who, force: bool) -> None:
    await amina_declines_bakari(bot, who)
    await bot.request(who("amina"), skills="copywriting")
    wanted = await waiting_request(bot, "amina")
    matched = await bot.admin_match(who("admin", is_admin=True), request_id=wanted, mentor="@bakari", force=force)
    assert (matched.error is None) is force, matched.reply.text
    if not force:
        # The reason is the true one: Amina declined Bakari, not the other way round.
        assert "this member, as a mentor, declined a request of Bakari's as not for them" in matched.reply.text, (
            matched.reply.text
        )
        return
    [mentorship] = await bot.store.list_mentorships(active_only=True)
    assert mentorship.mentee_id == await member_id(bot, "amina") and "excluded" in mentorship.forced
    assert "this member's own decline of the mentor" in matched.reply.text, matched.reply.text


async def test_the_store_refuses_the_pair_under_its_locks(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """An offer made from a plan read before the decline is refused when written (`check_pairs`, as rounds do)."""
    await amina_declines_bakari(bot, who)
    await bot.request(who("amina"), skills="copywriting")
    wanted = await waiting_request(bot, "amina")
    now = clock.now()
    made = await bot.store.create_offer(wanted, await member_id(bot, "bakari"), 1.0, "", now, now + timedelta(days=2))
    assert made is None


async def test_a_forgotten_and_returning_member_is_not_offered_the_decliners_request(bot: MentorBot, who: Who) -> None:
    await amina_declines_bakari(bot, who)
    assert (await bot.forget(who("bakari"), confirm=True)).error is None
    # Bakari comes back with the same account and mentors copywriting again; Amina asks for it.
    await bot.signup(who("bakari"), skills="copywriting", levels="expert")
    asked = await bot.request(who("amina"), skills="copywriting")
    assert not offered(asked, "bakari"), "the decliner's exclusion, kept for them, holds both ways"
    await bot.signup(who("chao"), skills="copywriting", levels="learning")
    assert await pending_mentors(bot.store) == [await member_id(bot, "chao")]
    # Another account in the community is not blocked.
    await bot.cancel(who("amina"))
    await bot.signup(who("eli"), skills="copywriting", levels="expert")
    again = await bot.request(who("amina"), skills="copywriting")
    assert offered(again, "eli")


async def test_a_round_reads_the_forgotten_members_exclusion_both_ways(
    store: Store, library: Library, clock: ManualClock, bot: MentorBot, who: Who
) -> None:
    await amina_declines_bakari(bot, who)
    assert (await bot.forget(who("bakari"), confirm=True)).error is None
    await bot.signup(who("bakari"), skills="copywriting", levels="expert")
    await bot.signup(who("chao"), skills="copywriting", levels="learning")
    cohort = MentorBot(
        store, library, make_settings(matching="rounds", round_schedule="mon 10:00"), clock, worker_id="w"
    )
    await cohort.request(who("amina"), skills="copywriting")
    assert (await cohort.admin_round(who("admin", is_admin=True))).error is None
    assert await pending_mentors(store) == [await member_id(bot, "chao")]


async def test_forgetting_the_decliner_removes_their_exclusion_both_ways(bot: MentorBot, who: Who) -> None:
    await amina_declines_bakari(bot, who)
    assert (await bot.forget(who("amina"), confirm=True)).error is None
    # Amina comes back: nothing of her earlier decisions is kept, so nothing blocks either of them.
    asked = await bot.request(who("amina"), skills="copywriting")
    assert offered(asked, "bakari")


async def test_an_offer_of_the_decliners_request_the_member_holds_is_withdrawn_at_the_decline(
    bot: MentorBot, who: Who
) -> None:
    """Bakari already holds an offer of Amina's own request when she declines his as "not this person": that offer
    is withdrawn in the same unit (he is told it can no longer go to him, not who asked nor why) and cannot be
    accepted; Amina is told it holds both ways."""
    await bot.signup(who("amina"), skills="seo", levels="expert")
    await bot.signup(who("bakari"), skills="copywriting", levels="expert")
    asked = await bot.request(who("bakari"), skills="seo")
    mine = await bot.request(who("amina"), skills="copywriting")
    assert offered(mine, "bakari")
    his = offer_id(to(mine, "bakari")[0])
    declined = await bot.decline(who("amina"), offer_id=offer_id(to(asked, "amina")[0]), reason="not this person")
    assert EN("offer.excluded_person") in declined.reply.text
    [told] = [n for n in to(declined, "bakari") if n.key == f"offer:{his}"]
    assert told.reply.text == EN("offer.withdrawn_not_a_fit", id=his)
    assert "amina" not in told.reply.text.lower()
    withdrawn = await bot.store.get_offer(his)
    assert withdrawn is not None and withdrawn.status is OfferStatus.WITHDRAWN
    accepted = await bot.accept(who("bakari"), offer_id=his)
    assert accepted.error is not None
    [request] = await bot.store.list_member_requests(await member_id(bot, "amina"))
    assert request.status is RequestStatus.WAITING
    assert json.loads(request.wait_reason or "{}")["key"] == "wait.excluded_by_member"


async def test_the_decliners_own_offer_of_the_members_other_request_is_withdrawn_at_the_decline(
    bot: MentorBot, who: Who
) -> None:
    """Session 36's review: Amina holds offers of two of Bakari's requests and declines one "not this person". The
    exclusion covers every request of his, so her other pending offer is withdrawn in the same unit (she is told why,
    under its key) and cannot be accepted; before, it stayed live and its accept made the mentorship."""
    await bot.signup(who("amina"), skills="seo, copywriting", levels="expert, expert", capacity="3")
    await bot.signup(who("bakari"), skills="brand-strategy", levels="expert")
    one = await bot.request(who("bakari"), skills="seo")
    two = await bot.request(who("bakari"), skills="copywriting")
    [first] = [n for n in to(one, "amina") if n.reply.buttons]
    [second] = [n for n in to(two, "amina") if n.reply.buttons]
    declined = await bot.decline(who("amina"), offer_id=offer_id(first), reason="not this person")
    [told] = [n for n in to(declined, "amina") if n.key == f"offer:{offer_id(second)}"]
    assert told.reply.text == EN("offer.withdrawn_declined_person", id=offer_id(second))
    other = await bot.store.get_offer(offer_id(second))
    assert other is not None and other.status is OfferStatus.WITHDRAWN
    accepted = await bot.accept(who("amina"), offer_id=offer_id(second))
    assert accepted.error is not None
    assert await bot.store.list_mentorships(member_id=await member_id(bot, "amina")) == []
