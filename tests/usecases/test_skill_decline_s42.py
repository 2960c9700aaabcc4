"""A "not my skill" decline withdraws the decliner's pending offers of the member's other requests that share a
declined skill, in its own unit (docs/matching.md rule 5, session 42).

Before: m mentors SEO and copywriting and holds offers of two of b's requests, one for SEO and one for SEO and
copywriting. m declines the first "not my skill" and is told "You won't be offered this member's requests for SEO
again", yet the second offer stayed live: accepted, it made a mentorship covering SEO (and closed the first request as
covered by it); left unanswered, it counted as a lapse toward the auto-pause. Only a "not this person" decline withdrew
the decliner's other offers of the member. Now the exclusion's own rule (`eligibility.blocks_for`: the member's
requests sharing a skill with the declined one) decides which of the decliner's pending offers go, as a late or in-time
decline "not my skill" does too; a request sharing none keeps its offer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.models import OfferStatus, RequestStatus
from mentorbot.replies import Notification, Outcome
from tests.usecases.conftest import COMMUNITY, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")
TTL = timedelta(hours=48)


async def member_id(bot: MentorBot, name: str) -> int:
    member = await bot.store.find_member(COMMUNITY, f"U-{name}")
    assert member is not None
    return member.id


def offers_to(outcome: Outcome | list[Notification], name: str) -> list[int]:
    """The offers (by id) `outcome` sends `name`."""
    return [offer_id(n) for n in to(outcome, name) if any(b.action == "offer.accept" for b in n.reply.buttons)]


def told(outcome: Outcome, name: str, offer: int) -> list[str]:
    """The texts `outcome` sends `name` under the key of `offer`."""
    return [n.reply.text for n in to(outcome, name) if n.key == f"offer:{offer}"]


async def status(bot: MentorBot, offer: int) -> OfferStatus:
    found = await bot.store.get_offer(offer)
    assert found is not None
    return found.status


async def lapses(bot: MentorBot) -> set[int]:
    """The offers counted as lapses (rows of ``offer_lapses``)."""
    async with bot.store.read() as conn:
        return {int(r["offer_id"]) for r in await conn.fetch_all("SELECT offer_id FROM offer_lapses")}


async def two_offers(bot: MentorBot, who: Who, second: str = "seo, copywriting") -> tuple[int, int]:
    """m (SEO, copywriting, three places) holds offers of two of b's requests: SEO, then `second`."""
    await bot.signup(who("m"), skills="seo, copywriting", levels="expert", capacity="3")
    [first] = offers_to(await bot.request(who("b"), skills="seo"), "m")
    [other] = offers_to(await bot.request(who("b"), skills=second), "m")
    return first, other


async def test_the_offer_of_the_other_request_sharing_the_skill_is_withdrawn_and_handed_on(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """The hunter's scenario, with another mentor for both skills: the second offer is withdrawn in the decline's unit,
    m told why under its key, its request handed on to o at once; it cannot be accepted and is no lapse of m's."""
    first, second = await two_offers(bot, who)
    await bot.signup(who("o"), skills="seo, copywriting", levels="expert", capacity="3")

    out = await bot.decline(who("m"), offer_id=first, reason="not my skill")
    assert out.error is None, out.reply.text
    assert EN("offer.excluded_skill", skills="SEO") in out.reply.text
    assert await status(bot, second) is OfferStatus.WITHDRAWN
    assert told(out, "m", second) == [EN("offer.withdrawn_declined_skill", id=second, skills="SEO")]
    # Both requests went to o, the first as the decline's hand-on, the second as the withdrawal's.
    assert len(offers_to(out, "o")) == 2
    o = await member_id(bot, "o")
    for request_id in (1, 2):
        [pending] = await bot.store.list_offers(request_id=request_id, status=OfferStatus.PENDING)
        assert pending.mentor_id == o
    profile = await bot.store.get_mentor_profile(await member_id(bot, "m"))
    assert profile is not None and profile.pending_offers == 0

    accepted = await bot.accept(who("m"), offer_id=second)
    assert accepted.error is not None
    assert await bot.store.list_mentorships(member_id=await member_id(bot, "m")) == []

    # No lapse: the withdrawn offer never expires, and m's streak stays empty.
    clock.advance(TTL + timedelta(minutes=5))
    await bot.run_due_jobs()
    assert await status(bot, second) is OfferStatus.WITHDRAWN
    assert second not in await lapses(bot)
    profile = await bot.store.get_mentor_profile(await member_id(bot, "m"))
    assert profile is not None and profile.expired_streak == 0


async def test_with_no_other_mentor_the_request_waits_and_is_not_offered_to_the_decliner_again(
    bot: MentorBot, who: Who
) -> None:
    """The hunter's own scenario: m is the only mentor, so both requests wait (neither goes back to m), and the
    mentor, a Swahili speaker, is told in Swahili."""
    first, second = await two_offers(bot, who)
    assert (await bot.set_language(who("m"), language="sw")).error is None

    out = await bot.decline(who("m"), offer_id=first, reason="not my skill")
    assert out.error is None, out.reply.text
    assert await status(bot, second) is OfferStatus.WITHDRAWN
    seo = bot.core.labels(["seo"], "sw")
    assert told(out, "m", second) == [SW("offer.withdrawn_declined_skill", id=second, skills=seo)]
    assert SW("offer.excluded_skill", skills=seo) in out.reply.text
    assert offers_to(out, "m") == []
    for request_id in (1, 2):
        request = await bot.store.get_request(request_id)
        assert request is not None and request.status is RequestStatus.WAITING
    assert (await bot.accept(who("m"), offer_id=second)).error is not None
    assert await bot.store.list_mentorships() == []


async def test_the_texts_name_the_shared_skills_in_both_languages() -> None:
    for t in (EN, SW):
        text = t("offer.withdrawn_declined_skill", id=7, skills="SEO")
        assert "#7" in text and "SEO" in text


async def test_a_request_sharing_no_declined_skill_keeps_its_offer(bot: MentorBot, who: Who) -> None:
    """b's second request asks for copywriting only: "not my skill" for SEO does not cover it, so its offer stays
    pending with m, who can accept it."""
    first, second = await two_offers(bot, who, second="copywriting")
    out = await bot.decline(who("m"), offer_id=first, reason="not my skill")
    assert out.error is None, out.reply.text
    assert told(out, "m", second) == []
    assert await status(bot, second) is OfferStatus.PENDING
    accepted = await bot.accept(who("m"), offer_id=second)
    assert accepted.error is None, accepted.reply.text
    assert await status(bot, second) is OfferStatus.ACCEPTED


async def test_not_this_person_still_withdraws_every_other_offer_of_the_member(bot: MentorBot, who: Who) -> None:
    """Unchanged: "not this person" covers every request of the member, sharing a skill or not, and says so."""
    first, second = await two_offers(bot, who, second="copywriting")
    out = await bot.decline(who("m"), offer_id=first, reason="not this person")
    assert out.error is None, out.reply.text
    assert told(out, "m", second) == [EN("offer.withdrawn_declined_person", id=second)]
    assert await status(bot, second) is OfferStatus.WITHDRAWN


async def test_a_late_not_my_skill_decline_withdraws_the_offer_sharing_the_skill(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """m lets the SEO offer expire, then declines it "not my skill" (a late answer, recorded as their decline): the
    exclusion holds from then, so their still pending offer of b's SEO and copywriting request is withdrawn too."""
    await bot.signup(who("m"), skills="seo, copywriting", levels="expert", capacity="3")
    [first] = offers_to(await bot.request(who("b"), skills="seo"), "m")
    clock.advance(TTL / 2)
    [second] = offers_to(await bot.request(who("b"), skills="seo, copywriting"), "m")
    clock.advance(TTL / 2 + timedelta(minutes=5))
    await bot.run_due_jobs()
    assert await status(bot, first) is OfferStatus.EXPIRED
    assert await status(bot, second) is OfferStatus.PENDING

    out = await bot.decline(who("m"), offer_id=first, reason="not my skill")
    assert out.error is None, out.reply.text
    assert await status(bot, first) is OfferStatus.DECLINED
    assert await status(bot, second) is OfferStatus.WITHDRAWN
    assert told(out, "m", second) == [EN("offer.withdrawn_declined_skill", id=second, skills="SEO")]
    assert (await bot.accept(who("m"), offer_id=second)).error is not None


async def test_the_exclusion_is_read_as_the_rule_reads_it_both_requests_sharing_one_skill(
    bot: MentorBot, who: Who
) -> None:
    """The declined request asked for SEO and copywriting; the other asks for copywriting alone: they share a skill,
    so the exclusion covers it (`blocks_for`) and its offer goes, the text naming the skill shared."""
    await bot.signup(who("m"), skills="seo, copywriting", levels="expert", capacity="3")
    [first] = offers_to(await bot.request(who("b"), skills="seo, copywriting"), "m")
    [second] = offers_to(await bot.request(who("b"), skills="copywriting"), "m")
    out = await bot.decline(who("m"), offer_id=first, reason="not my skill")
    copywriting = bot.core.labels(["copywriting"], "en")
    assert told(out, "m", second) == [EN("offer.withdrawn_declined_skill", id=second, skills=copywriting)]
    assert await status(bot, second) is OfferStatus.WITHDRAWN


# ------------------------------------------------------------------- the locked accept refuses an excluded pair


async def _set(bot: MentorBot, sql: str, *args: object) -> None:
    async with bot.store.transaction() as conn:
        await conn.execute(sql, *args)


async def _refused_and_withdrawn(bot: MentorBot, who: Who, second: int, key: str, **params: object) -> None:
    accepted = await bot.accept(who("m"), offer_id=second)
    assert accepted.error is None, accepted.reply.text
    assert accepted.reply.text == EN("offer.already_withdrawn", id=second)
    assert told(accepted, "m", second) == [EN(key, id=second, **params)]
    assert await status(bot, second) is OfferStatus.WITHDRAWN
    assert await bot.store.list_mentorships() == []
    profile = await bot.store.get_mentor_profile(await member_id(bot, "m"))
    assert profile is not None and profile.pending_offers == 0 and profile.active_count == 0
    request = await bot.store.get_request(2)
    assert request is not None and request.status is RequestStatus.WAITING


async def test_the_accept_refuses_an_offer_left_pending_by_a_not_my_skill_decline_before_the_fix(
    bot: MentorBot, who: Who
) -> None:
    """A database from before session 42: the SEO request declined "not my skill", the offer of the other SEO
    request still pending. The store's locked accept refuses the pair (as `create_offer` would refuse to make it);
    the offer is withdrawn, its request handed on, and the mentor told why."""
    first, second = await two_offers(bot, who)
    await bot.decline(who("m"), offer_id=first, reason="busy")  # not now: nothing else is withdrawn
    assert await status(bot, second) is OfferStatus.PENDING
    await _set(bot, "UPDATE offers SET reason_kind = ? WHERE id = ?", "not_my_skill", first)
    await _refused_and_withdrawn(bot, who, second, "offer.withdrawn_declined_skill", skills="SEO")


async def test_the_accept_refuses_an_offer_left_pending_by_a_not_this_person_decline(bot: MentorBot, who: Who) -> None:
    first, second = await two_offers(bot, who, second="copywriting")
    await bot.decline(who("m"), offer_id=first, reason="busy")
    await _set(bot, "UPDATE offers SET reason_kind = ? WHERE id = ?", "not_this_person", first)
    await _refused_and_withdrawn(bot, who, second, "offer.withdrawn_declined_person")


async def test_the_accept_refuses_a_pair_the_member_excluded_both_ways(bot: MentorBot, who: Who) -> None:
    """b, a mentor too, declined m's own request "not this person" (made pending-era data by hand): m's offer of b's
    request can no longer be accepted."""
    await bot.signup(who("m"), skills="seo", levels="expert", capacity="3")
    await bot.signup(who("b"), skills="copywriting", levels="expert", capacity="3")
    [mine] = offers_to(await bot.request(who("m"), skills="copywriting"), "b")
    await bot.decline(who("b"), offer_id=mine, reason="busy")
    [second] = offers_to(await bot.request(who("b"), skills="seo"), "m")
    assert second == 2
    await _set(bot, "UPDATE offers SET reason_kind = ? WHERE id = ?", "not_this_person", mine)
    await _refused_and_withdrawn(bot, who, second, "offer.withdrawn_not_a_fit")


async def test_a_not_now_decline_does_not_block_the_accept(bot: MentorBot, who: Who) -> None:
    first, second = await two_offers(bot, who)
    await bot.decline(who("m"), offer_id=first, reason="busy")
    accepted = await bot.accept(who("m"), offer_id=second)
    assert accepted.error is None and accepted.reply.text == EN("offer.accepted", id=second)
