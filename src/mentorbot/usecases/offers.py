"""Offers: a mentor accepts (the pair is introduced) or declines (the request goes to the next mentor, or back to
the waitlist). An answer that comes after the offer expired is the mentor back (docs/matching.md rule 4): a late
accept offers the request to them again while it waits; a late decline is recorded as their answer."""

from __future__ import annotations

from datetime import datetime, timedelta

from mentorbot.errors import UserError
from mentorbot.formatting import places_text, zone_of
from mentorbot.i18n import Translator, translator
from mentorbot.inputs import MAX_REASON, parse_id
from mentorbot.matching.eligibility import EXCLUDING, DeclineReason, decline_reason
from mentorbot.models import (
    Member,
    Mentorship,
    MentorshipRequest,
    MentorStatus,
    Offer,
    OfferStatus,
    Places,
    RequestStatus,
)
from mentorbot.recommendations import courses_for_introduction
from mentorbot.replies import Field, Notification, Reply
from mentorbot.storage.store import AcceptResult
from mentorbot.text_safety import check_text
from mentorbot.usecases import views
from mentorbot.usecases.context import Context, Core
from mentorbot.usecases.curation import community_catalog
from mentorbot.usecases.expiry import round_date
from mentorbot.usecases.matchmaking import (
    SUPPLY_STALES,
    after_places_taken,
    hand_on,
    listed,
    pass_on,
    rematch,
    reword_stale,
)
from mentorbot.usecases.mentorships import elsewhere


async def accept(ctx: Context, *, offer_id: str | int) -> Reply:
    """Accept an offer made to the caller: both parties are introduced. Answering shows the mentor is back: a
    request they let lapse that still waits is offered to them at once when no one else can take it (rule 4).
    An offer of a member the caller mentors already (an active mentorship of the pair, made meanwhile) is not
    accepted: a second mentorship of a pair is an admin's forced match only. It is withdrawn and its request handed
    on, and the caller told why. An offer is open until its expiry runs: one whose time is up but that its timer
    has not expired yet (it runs within a timer tick of the deadline) is accepted as any other, since nothing has
    been said to anyone and no one else was offered its request. An accept of the caller's own offer that had
    expired is a late answer (`_late_accept`): the stale offer is not accepted, but the caller is back and the
    request, while it waits, is offered to them again at once. An offer withdrawn because an admin matched its request
    with the caller directly (`matched_directly`: a click on its old message, or an accept racing the match) is
    answered so, not "was withdrawn": the caller mentors that member through it. An offer of a pair excluded for good
    (rule 5: left pending by a database from before session 42, when a "not my skill" decline withdrew nothing, or
    brought under an exclusion by a skill merge) is refused by the store's locked accept too, then withdrawn and its
    request handed on (`_withdraw_excluded`): the reply says it was withdrawn, the notice under its key why.

    An answer recovered from the inbox after its process died counts from its record time (`Caller.answered`): an
    Accept sent 47 h into a 48 h offer and handled after an outage finds the offer still pending (its expiry waited
    for it: `OfferStore.expire_offer`). One whose offer another process's timer expired a moment before its record
    could be seen is still in time (`_late_accept` with `in_time`): matched at once while the request waits, else
    told truthfully what became of it."""
    core = ctx.core
    wanted = parse_id(offer_id, "offer")
    offer = await _own_offer(ctx, wanted)
    now = core.clock.now()
    result = await core.store.accept_offer(wanted, ctx.member.id, now, checkin_at=core.checkin_at(now))
    if result is None:
        current = await core.store.get_offer(wanted)
        if current is not None and current.status is OfferStatus.EXPIRED:
            return await _late_accept(ctx, current, in_time=_expired_in_time(ctx, current, ctx.caller.answered(now)))
        key = refusal(current)
        directly = await matched_directly(core, current) if key == "offer.already_withdrawn" else None
        if directly is not None:
            text = ctx.t("offer.matched_directly", id=wanted, mentorship=directly.id)
            return Reply(text, title=ctx.t("offer.title", id=offer.id))
        mentorship = await _mentorship_of_pair(core, current) if key == "offer.no_room" else None
        if mentorship is None:
            excluded = await _withdraw_excluded(core, ctx.member, current) if key == "offer.no_room" else None
            if excluded is None:
                raise UserError(key, id=wanted)
            ctx.tell(excluded)
            return Reply(ctx.t("offer.already_withdrawn", id=wanted), title=ctx.t("offer.title", id=offer.id))
        ctx.tell(await after_mentoring(core, ctx.member, mentorship))
        text = ctx.t("offer.already_mentoring", id=wanted, mentorship=mentorship.id)
        return Reply(text, title=ctx.t("offer.title", id=offer.id))
    lifted = await core.store.mark_back(
        ctx.member.id, now, lapsed_since=now - timedelta(days=core.settings.reoffer_after_days)
    )
    return await _accepted(ctx, result, offer.id, lifted=lifted)


async def _accepted(ctx: Context, result: AcceptResult, shown: int, *, lifted: bool) -> Reply:
    """After an accept went through (`result`; the caller marked back, which `lifted` a lapse of theirs or not):
    introduce the pair, hand on what mentoring this member blocks, and reply that offer `shown` was accepted. An
    in-time accept that took back the pause its lapse brought (`AcceptResult.unpaused`) says the profile takes requests
    again (`_unpaused`), and the waiting requests are tried for the mentor, as a resume does."""
    core = ctx.core
    ctx.tell(await introduce(core, result))
    # The mentor mentors this member now: their offers of the member's other requests go to other mentors (a second
    # mentorship of the pair is not what those requests are for: the MENTORING block, docs/matching.md rule 1), and
    # the places those offers held go to the waiting requests, oldest first (rule 8).
    # Back (rule 4): a request they let lapse, still waiting, may now go to them at once; the waiting requests are
    # tried oldest first while they have a place. Only then: an ordinary accept reads nothing more.
    rematch_anyway = lifted or result.unpaused
    ctx.tell(await after_mentoring(core, ctx.member, result.mentorship, rematch_anyway=rematch_anyway))
    text = ctx.t("offer.accepted", id=shown) + _unpaused(ctx, result.unpaused)
    return Reply(text, title=ctx.t("offer.title", id=shown))


def _unpaused(ctx: Context, unpaused: bool) -> str:
    """The line an in-time answer's reply adds when it took back the pause its lapse brought (`_forgive_lapse`): the
    profile takes requests again, and how to pause if the mentor does not want that; nothing otherwise."""
    return "\n" + ctx.t("offer.in_time.unpaused") if unpaused else ""


async def after_mentoring(
    core: Core, mentor: Member, mentorship: Mentorship, *, rematch_anyway: bool = False
) -> list[Notification]:
    """A mentor mentors a member now (an accept, an admin's match): withdraw the mentor's pending offers of the
    member's other requests (`matching.eligibility`'s ``MENTORING`` block), tell the mentor why under each offer's
    key, hand each request on to another mentor at once, and then offer the places those offers held to the
    waiting requests, oldest first (docs/matching.md rule 8: a withdrawn offer frees a place at once). With
    `rematch_anyway` (the mentor is back after a lapse, rule 4), the waiting requests are tried for the mentor's
    places even when nothing was withdrawn. Then the member's waiting requests are told afresh why they wait
    (`_tell_afresh`): their mentor is never offered them now (before session 45, a date of the mentor's "not now"
    cooldown, or "as soon as a place frees up" of their place, stayed told). The notifications to deliver."""
    notes = await _withdraw_offers_of(
        core,
        mentor,
        mentorship.mentee_id,
        "offer.withdrawn_mentoring",
        {"mentorship": mentorship.id},
        rematch_anyway=rematch_anyway,
    )
    await _tell_afresh(core, mentor.community, mentorship.mentee_id)
    return notes


async def _tell_afresh(core: Core, community: str, *member_ids: int) -> None:
    """Work out afresh why the waiting requests of each of `member_ids` wait, offering nothing, and store it where it
    changed (`reword_stale`, every reason: `SUPPLY_STALES`): an answer about the pair (a decline, late or not, an
    accept, a match) changed what stands between those requests and that mentor, which no freed place or sweep
    tells them (an undated reason is never looked at again by the sweep). Said in the member's status, not sent."""
    for member_id in member_ids:
        own = await core.store.list_member_requests(member_id, open_only=True)
        waiting = [r for r in own if r.status is RequestStatus.WAITING]
        if waiting:
            await reword_stale(core, community, listed(waiting), SUPPLY_STALES)


async def _withdraw_offers_of(
    core: Core,
    mentor: Member,
    mentee_id: int,
    key: str,
    params: dict[str, object] | None = None,
    *,
    rematch_anyway: bool = False,
    sharing: MentorshipRequest | None = None,
) -> list[Notification]:
    """Withdraw `mentor`'s pending offers of `mentee_id`'s requests (`OfferStore.withdraw_for_mentee`; with `sharing`,
    a request of theirs the mentor declined "not my skill", only those of requests sharing a skill with it), tell the
    mentor under each offer's key (the message `key`, with the offer's id and `params`; with `sharing`, the skills
    shared as ``skills``), hand each request on at once, and offer the places freed to the waiting requests, oldest
    first (rule 8; with `rematch_anyway`, even when nothing was withdrawn). The notifications to deliver."""
    withdrawn = await core.store.withdraw_for_mentee(
        mentor.id, mentee_id, core.clock.now(), sharing_skills_with=None if sharing is None else sharing.id
    )
    t = translator(core.lang_of(mentor))
    notes: list[Notification] = []
    for other in withdrawn:
        values = dict(params or {})
        if sharing is not None:
            request = await core.store.get_request(other.request_id)
            shared = [slug for slug in (request.skills if request else ()) if slug in sharing.skills]
            values["skills"] = core.labels(shared or sharing.skills, t.lang)
        notice = Reply(t(key, id=other.id, **values))
        notes.append(core.notify(mentor, notice, key=f"offer:{other.id}"))
        notes.extend((await hand_on(core, other))[0])
    if withdrawn or rematch_anyway:
        notes.extend(await rematch(core, mentor.community, None, mentor_id=mentor.id))
    return notes


async def _withdraw_both_ways(core: Core, declined: Offer) -> list[Notification]:
    """A "not this person" decline holds both ways (docs/matching.md rule 5), from the moment it is made: in the same
    unit, the decliner's own pending offers of that member's other requests are withdrawn (the exclusion covers every
    request of the member), and so are the pending offers of the decliner's own requests held by the member they
    declined (a mentor too; told as any withdrawal, not who asked nor why). Each is told under its offer's key, each
    request handed on at once, and the places freed offered to the waiting requests, oldest first (rule 8). The
    decline locked both members' rows at its start, in id order (`OfferStore.decline_offer`): each withdrawal's lock
    of the mentee's row takes a row already held, never "the other member, then me", which deadlocked two members
    declining each other at once. Then each one's waiting requests are told afresh why they wait (one may have waited
    on the other). The notifications to deliver."""
    store = core.store
    request = await store.get_request(declined.request_id)
    member = None if request is None else await store.get_member(request.member_id)
    decliner = await store.get_member(declined.mentor_id)
    if member is None or decliner is None:
        return []
    notes = await _withdraw_offers_of(core, decliner, member.id, "offer.withdrawn_declined_person")
    notes += await _withdraw_offers_of(core, member, decliner.id, "offer.withdrawn_not_a_fit")
    # Each one's waiting requests can no longer go to the other: why they wait may have changed ("at capacity" of
    # the one now excluded is "you declined them" for the decliner's own, rule 5).
    await _tell_afresh(core, decliner.community, decliner.id, member.id)
    return notes


async def _withdraw_sharing_skills(core: Core, declined: Offer) -> list[Notification]:
    """A "not my skill" decline excludes the decliner from that member's requests sharing a skill with the declined
    one (docs/matching.md rule 5; `matching.eligibility.blocks_for` decides what shares a skill), from the moment it
    is made: in the same unit, the decliner's own pending offers of those requests are withdrawn (one way only: the
    member's offers of the decliner's requests stay), each told under its offer's key with the skills shared
    (``offer.withdrawn_declined_skill``), its request handed on at once, and the places freed offered to the waiting
    requests, oldest first (rule 8). Before session 42 they stayed live: accepted, one made a mentorship in a skill the
    mentor had just said was not theirs; left unanswered, it counted as a lapse. The decline locked the mentee's row
    at its start (`OfferStore.decline_offer`), which the withdrawal takes again. Then the member's waiting requests
    are told afresh why they wait (`_tell_afresh`): "as soon as a place frees up" or "as soon as one is back" of the
    decliner, said before (a late decline: of the lapse), is no longer true (session 45). The notifications to
    deliver."""
    store = core.store
    request = await store.get_request(declined.request_id)
    decliner = await store.get_member(declined.mentor_id)
    if request is None or decliner is None:
        return []
    notes = await _withdraw_offers_of(
        core, decliner, request.member_id, "offer.withdrawn_declined_skill", sharing=request
    )
    await _tell_afresh(core, request.community, request.member_id)
    return notes


async def _withdraw_excluded(core: Core, mentor: Member, offer: Offer | None) -> list[Notification] | None:
    """Why the store's locked accept refused a pending offer, when it is an exclusion for good of the pair (rule 5,
    `OfferStore.exclusion_of`, read with the accept's own condition): the mentor's decline "not this person" of one of
    the mentee's requests, or "not my skill" of one sharing a skill with the offer's, or the mentee's own decline "not
    this person" of a request of the mentor's. Then the offers the exclusion covers are withdrawn as the decline
    withdraws them (each told under its key, its request handed on, the places freed offered to the waiting requests)
    and the notifications returned; None when the pair is not excluded (another refusal). Read only on this refusal."""
    store = core.store
    exclusion = None if offer is None else await store.exclusion_of(offer.id)
    request = None if offer is None or exclusion is None else await store.get_request(offer.request_id)
    if exclusion is None or request is None:
        return None
    mentee_id = request.member_id
    if exclusion.by_mentee:
        return await _withdraw_offers_of(core, mentor, mentee_id, "offer.withdrawn_not_a_fit")
    if exclusion.declined.reason_kind == DeclineReason.NOT_THIS_PERSON.value:
        return await _withdraw_offers_of(core, mentor, mentee_id, "offer.withdrawn_declined_person")
    sharing = await store.get_request(exclusion.declined.request_id)
    if sharing is None:
        return None
    return await _withdraw_offers_of(core, mentor, mentee_id, "offer.withdrawn_declined_skill", sharing=sharing)


async def matched_directly(core: Core, offer: Offer | None) -> Mentorship | None:
    """The active mentorship an admin made of a withdrawn offer's request with that offer's own mentor, if any: the
    offer was withdrawn because its mentor was matched with the member directly (`introduce`), which an answer to
    it says, not that it was withdrawn."""
    if offer is None or offer.status is not OfferStatus.WITHDRAWN:
        return None
    for mentorship in await core.store.list_mentorships(member_id=offer.mentor_id, active_only=True):
        if mentorship.by_admin and (mentorship.request_id, mentorship.mentor_id) == (offer.request_id, offer.mentor_id):
            return mentorship
    return None


async def _mentorship_of_pair(core: Core, offer: Offer | None) -> Mentorship | None:
    """The active mentorship (the oldest) of a pending offer's mentor and its request's mentee, if any: why the
    store's accept refused an offer that is still pending and unexpired."""
    if offer is None:
        return None
    request = await core.store.get_request(offer.request_id)
    if request is None:
        return None
    for mentorship in await core.store.list_mentorships(member_id=offer.mentor_id, active_only=True):
        if mentorship.mentor_id == offer.mentor_id and mentorship.mentee_id == request.member_id:
            return mentorship
    return None


async def decline(ctx: Context, *, offer_id: str | int, reason: str | None = None) -> Reply:
    """Decline an offer made to the caller; the request goes to the next mentor, or back to the waitlist when no
    one else can take it, and the reply says which (in a cohort programme, that it waits for the next round, and
    when: nothing is offered between rounds, `expiry.round_date`). A reason meaning "not my skill" or "not this person"
    (`matching.eligibility.decline_reason`) leaves the mentor out of this member's requests for those skills, or of
    all their requests, for good (the reply says which), and withdraws the caller's pending offers that exclusion
    covers (`_withdraw_sharing_skills`, `_withdraw_both_ways`); any other puts the pair on cooldown for
    `Settings.reoffer_after_days`. A decline of the caller's own offer that had expired is a late answer
    (`_late_decline`): recorded as their decline, never offered again for it; one made before the deadline
    (`Caller.answered`: recovered from the inbox) and handled after another process's timer expired the offer is
    recorded so too, its reply saying it came in time. One an admin withdrew by matching its request with the caller
    directly (`matched_directly`) is refused saying so, and how to end that mentorship."""
    core = ctx.core
    wanted = parse_id(offer_id, "offer")
    await _own_offer(ctx, wanted)
    text = check_text(reason, field="reason", max_length=MAX_REASON)
    kind = decline_reason(text)
    declined = await core.store.decline_offer(wanted, ctx.member.id, text or None, core.clock.now(), kind=kind.value)
    if declined is None:
        current = await core.store.get_offer(wanted)
        at = ctx.caller.answered(core.clock.now())
        if current is not None and current.status is OfferStatus.EXPIRED:
            return await _late_decline(ctx, current, text or None, kind, in_time=_expired_in_time(ctx, current, at))
        directly = await matched_directly(core, current)
        if directly is not None:
            raise UserError("offer.matched_directly_decline", id=wanted, mentorship=directly.id)
        raise UserError(refusal(current), id=wanted)
    await core.store.mark_back(ctx.member.id, core.clock.now())
    notes, passed = await pass_on(core, declined)
    ctx.tell(notes)
    if kind is DeclineReason.NOT_THIS_PERSON:
        ctx.tell(await _withdraw_both_ways(core, declined))
    elif kind is DeclineReason.NOT_MY_SKILL:
        ctx.tell(await _withdraw_sharing_skills(core, declined))
    # In a cohort programme a request back on the waitlist waits for the next round, whoever has a free place
    # (nothing is offered between rounds): the mentor is told so, and when, not that no other mentor can take it.
    round_at = await round_date(core, declined.request_id, ctx.t, zone_of(ctx.member)) if passed is False else None
    if kind.value in EXCLUDING:
        then = {True: "offer.then_passed", False: "offer.then_waiting", None: "offer.then_closed"}[passed]
        then_text = ctx.t("offer.then_round", until=round_at) if round_at is not None else ctx.t(then)
        excluded = await _excluded(core, ctx.t, declined, kind)
        return Reply(" ".join([ctx.t("offer.declined_for_good", id=wanted), then_text, excluded]))
    if round_at is not None:
        return Reply(ctx.t("offer.declined_round", id=wanted, until=round_at))
    key = {True: "offer.declined", False: "offer.declined_waiting", None: "offer.declined_closed"}[passed]
    return Reply(ctx.t(key, id=wanted))


async def _excluded(core: Core, t: Translator, offer: Offer, kind: DeclineReason) -> str:
    """What a decline for good excludes, in the mentor's words: "not this person" every request of the member;
    "not my skill" the member's requests sharing a skill with the declined one (`matching.eligibility.blocks_for`)."""
    if kind is DeclineReason.NOT_THIS_PERSON:
        return t("offer.excluded_person")
    request = await core.store.get_request(offer.request_id)
    return t("offer.excluded_skill", skills=core.labels(request.skills if request else (), t.lang))


def _expired_in_time(ctx: Context, offer: Offer, at: datetime) -> bool:
    """Whether an offer expired although the caller's answer, recovered from the inbox, was recorded before its
    deadline (`at`, `Caller.answered_at`): the expiry timer of another process ran a moment before that record could
    be seen. A live answer is judged when it is handled, as always (a late one: `_late_accept`)."""
    return ctx.caller.answered_at is not None and offer.status is OfferStatus.EXPIRED and at < offer.expires_at


async def _late_accept(ctx: Context, offer: Offer, *, in_time: bool = False) -> Reply:
    """An accept of the caller's own offer that had expired: the stale offer is not accepted, but the answer shows the
    mentor is back (docs/matching.md rule 4), in this unit of work. As after any sign of being back, the waiting
    requests are tried for the mentor's places, oldest first (`rematch`, the one offer path: the store's conditional
    offer and the one pending offer per request keep two processes from offering it twice); the lapse's cooldown being
    lifted, the request goes to them again when no one else can take it. The reply says what became of it: offered to
    them again (the new offer), gone to another mentor, matched or cancelled, or still waiting and why not for them
    (paused, no free place).

    With `in_time` (the answer was made before the deadline; the offer expired before it could be handled), a request
    that still waits is matched with the caller at once (`_match_in_time`), as the accept would have done, and the reply
    is an ordinary accept's; otherwise the reply says, in the ``offer.in_time`` words, what became of it. Either way
    its lapse is taken back, and with it the pause that lapse brought (`OfferStore.forgive_lapse`, `accept_in_time`):
    the reply then adds that the profile takes requests again, and how to pause (``offer.in_time.unpaused``), and the
    waiting requests are tried for the mentor at once, as a resume does."""

    core, store, me = ctx.core, ctx.core.store, ctx.member
    now = core.clock.now()
    lifted = await store.mark_back(me.id, now, lapsed_since=now - timedelta(days=core.settings.reoffer_after_days))
    request = await store.get_request(offer.request_id)
    if in_time and request is not None and request.status is RequestStatus.WAITING:
        result = await _match_in_time(ctx, offer)
        if result is not None:
            reply = await _accepted(ctx, result, offer.id, lifted=lifted)
            # The offer's message says it expired (the expiry's notice, perhaps still in a batch): its newest version
            # says it was accepted, and supersedes that notice wherever it is (`OutboxStore.still_to_send`).
            ctx.tell([core.notify(me, reply, key=f"offer:{offer.id}")])
            return reply
        request = await store.get_request(offer.request_id)
    unpaused = False
    if in_time:  # answered in time, though it could not be applied: no lapse of theirs, nor the pause it brought
        forgiven = await store.forgive_lapse(offer.id, me.id, ctx.caller.answered(now))
        unpaused = forgiven is not None and forgiven.unpaused
    # Taking requests again (a pause taken back): the waiting requests are tried for them, as a resume does.
    if unpaused or (request is not None and (request.status is RequestStatus.WAITING or lifted)):
        ctx.tell(await rematch(core, me.community, None, mentor_id=me.id))
        request = await store.get_request(offer.request_id)
    key, params = await _late_outcome(ctx, offer, request)
    if in_time:
        key = key.replace("offer.late.", "offer.in_time.", 1)
    text = ctx.t(key, id=offer.id, request=offer.request_id, **params) + _unpaused(ctx, unpaused)
    return Reply(text, title=ctx.t("offer.title", id=offer.id))


async def _match_in_time(ctx: Context, offer: Offer) -> AcceptResult | None:
    """Accept, for the caller, an offer of theirs that expired although their answer came before its deadline, its
    request still waiting: the offer itself is accepted, decided when the answer was recorded, and its expiry taken
    back (no lapse of theirs: `OfferStore.accept_in_time`), in one transaction under the mentee's lock, each step a
    compare-and-set (the request still waiting, the caller active with a free place, the pair not excluded nor
    mentoring already), so a concurrent offer of the request to someone else, or a second process's same answer,
    makes one of them fail and change nothing. None when it cannot be (paused, no free place, excluded): the caller
    is told why. Before session 41 the request was offered afresh and that second offer accepted: the first stayed
    expired, a lapse in the digest and an expiry in the acceptance rate, and the offers counted two."""
    core, me = ctx.core, ctx.member
    now = core.clock.now()
    result = await core.store.accept_in_time(
        offer.id, me.id, ctx.caller.answered(now), now, checkin_at=core.checkin_at(now)
    )
    if result is not None:
        await after_places_taken(core, [me])  # the place its expiry freed is taken again
    return result


async def _late_outcome(ctx: Context, offer: Offer, request: MentorshipRequest | None) -> tuple[str, dict[str, object]]:
    """What a late accept did with the request: the reply's key and its parameters besides the offer's and the
    request's ids (the new offer's id when it was offered to the caller again; the pending offers that hold their
    places when they have none free: `_held_places`)."""
    store, me = ctx.core.store, ctx.member
    for pending in await store.list_offers(request_id=offer.request_id, status=OfferStatus.PENDING):
        if pending.mentor_id == me.id:
            return "offer.late.reoffered", {"offer": pending.id}
    if request is None or request.status not in (RequestStatus.WAITING, RequestStatus.OFFERED):
        return "offer.late.gone", {}
    if request.status is RequestStatus.OFFERED:
        return "offer.late.gone_other", {}
    profile = await store.get_mentor_profile(me.id)
    if profile is not None and profile.status is not MentorStatus.ACTIVE:
        return "offer.late.paused", {}
    if profile is not None and profile.free_places <= 0:
        return await _held_places(ctx, profile.places)
    return "offer.late.blocked", {}


async def _held_places(ctx: Context, places: Places) -> tuple[str, dict[str, object]]:
    """Why a late accept's caller has no free place, `places` full: their mentorships alone (``offer.late.full``:
    end one, or raise the capacity), or pending offers of theirs holding some (``offer.late.held``, with
    ``held_taken`` when mentorships take the others): those offers are named, since answering one is what frees
    the place (a decline) or takes it (an accept), and there may be no mentorship to end. Read only on this
    refusal."""
    if not places.held or places.taken >= places.capacity:
        return "offer.late.full", {}
    held = sorted(o.id for o in await ctx.core.store.list_offers(mentor_id=ctx.member.id, status=OfferStatus.PENDING))
    if not held:  # answered meanwhile: the mentorships' words, as the places now stand
        return "offer.late.full", {}
    key = "offer.late.held_taken" if places.taken else "offer.late.held"
    offers = ctx.t.join([f"#{i}" for i in held])
    return key, {"count": len(held), "offers": offers, "first": held[0], "places": places_text(places, ctx.t)}


async def _late_decline(
    ctx: Context, offer: Offer, reason: str | None, kind: DeclineReason, *, in_time: bool = False
) -> Reply:
    """A decline of the caller's own offer that had expired: there is nothing left to decline (its request was
    handed on at the expiry, and nothing is handed on again), but the answer is kept: the offer is recorded as
    declined, with its reason (`OfferStore.decline_expired`), so the pair's history holds a decline's cooldown, or a
    "not this person" / "not my skill" exclusion for good, instead of a lapse that being back lifts (which would
    bring this very request back to them). The answer shows they are back (rule 4): a lapse of theirs on another
    request that still waits is lifted, and those requests are tried for their places at once, oldest first.
    Answered once: a second late decline is refused as already declined. With `in_time` (made before the deadline,
    handled after the expiry), the reply says it came in time; when its lapse had paused them, that pause is taken
    back with it (`LateDecline.unpaused`): the reply says the profile takes requests again, and the waiting requests
    are tried for them, as a resume does. Then the member's waiting requests are told afresh why they wait
    (`_tell_afresh`; a "not this person" decline both members', `_withdraw_both_ways`): before session 45 they kept
    what the lapse had made them, "paused… as soon as one is back" or "as soon as a place frees up" of a mentor now on
    a decline's cooldown or excluded for good, and the sweep never looks at an undated reason again."""
    core, store, me = ctx.core, ctx.core.store, ctx.member
    now = core.clock.now()
    answered = ctx.caller.answered(now) if in_time else None
    late = await store.decline_expired(offer.id, me.id, reason, now, kind=kind.value, in_time=answered)
    if late is None:
        raise UserError(refusal(await store.get_offer(offer.id)), id=offer.id)
    declined = late.offer
    lifted = await store.mark_back(me.id, now, lapsed_since=now - timedelta(days=core.settings.reoffer_after_days))
    if lifted or late.unpaused:
        ctx.tell(await rematch(core, me.community, None, mentor_id=me.id))
    if kind is DeclineReason.NOT_THIS_PERSON:
        ctx.tell(await _withdraw_both_ways(core, declined))
    elif kind is DeclineReason.NOT_MY_SKILL:
        ctx.tell(await _withdraw_sharing_skills(core, declined))
    else:
        # A decline's cooldown where a lapse was: their return no longer lifts it ("paused… as soon as one is back"
        # is no longer true), and it runs from now. The member's waiting requests are told afresh.
        request = await store.get_request(declined.request_id)
        if request is not None:
            await _tell_afresh(core, request.community, request.member_id)
    words = "offer.in_time" if in_time else "offer.late"
    unpaused = _unpaused(ctx, late.unpaused)
    if kind.value in EXCLUDING:
        excluded = await _excluded(core, ctx.t, declined, kind)
        return Reply(ctx.t(f"{words}.declined_for_good", id=offer.id) + " " + excluded + unpaused)
    return Reply(ctx.t(f"{words}.declined", id=offer.id, request=offer.request_id) + unpaused)


def refusal(offer: Offer | None) -> str:
    """The message key that says why an offer can no longer be accepted or declined: gone, decided already, or,
    still pending, no free place for it (an accept's other compare-and-sets)."""
    if offer is None:
        return "offer.not_found"
    if offer.status is OfferStatus.PENDING:
        return "offer.no_room"
    return f"offer.already_{offer.status.value}"


async def _own_offer(ctx: Context, offer_id: int) -> Offer:
    offer = await ctx.core.store.get_offer(offer_id)
    if offer is None:
        raise UserError("offer.not_found", id=offer_id)
    if offer.mentor_id != ctx.member.id:
        raise await _not_yours(ctx, offer)
    return offer


async def _not_yours(ctx: Context, offer: Offer) -> UserError:
    """Why an offer made to another member cannot be answered: one made to the caller's platform user in another
    community of the deployment (its message names none: the same DM channel) is theirs there, to answer there;
    any other was made to someone else. The other community is read only on this refusal."""
    if await ctx.core.store.same_user_among(ctx.member, [offer.mentor_id]) is not None:
        return UserError("elsewhere.offer", id=offer.id, where=elsewhere(ctx.t, ctx.member.community))
    return UserError("offer.not_yours", id=offer.id)


async def _uncovered(core: Core, result: AcceptResult, mentee: Member) -> list[str]:
    """The skills the matched request asked for that its mentorship does not cover (the mentor lacks them), in the
    request's order, less those the mentee still asks for in another open request or is mentored in already: no
    one looks for a mentor for these any more, as the request closed with the mentorship."""
    covered = set(result.mentorship.skills)
    wanted = [slug for slug in result.request.skills if slug not in covered]
    if not wanted:
        return []
    for other in await core.store.list_member_requests(mentee.id, open_only=True):
        covered.update(other.skills)
    for mentorship in await core.store.list_mentorships(member_id=mentee.id, active_only=True):
        if mentorship.mentee_id == mentee.id:
            covered.update(mentorship.skills)
    return [slug for slug in wanted if slug not in covered]


async def introduce(core: Core, result: AcceptResult) -> list[Notification]:
    """After a match (an accepted offer or an admin's): introduce the pair, tell the mentee which of their
    other requests closed, and tell mentors whose offers were withdrawn (then offer them other requests).
    An admin's match to the very mentor who held the request's offer replaces that offer's message (its
    buttons go) with a note that the admin matched them directly: nothing was withdrawn from them, and their
    place was not freed. The mentor's own offer of another request of the member's, closed as the mentorship covers
    it, is said withdrawn for that (``offer.withdrawn_covered``), not "matched elsewhere". The store scheduled the
    check-in in the match's own transaction. The courses suggested come from the community's catalog (the file's
    and its approved suggestions), ranked with the community's helpful votes, as ``/courses`` reads it.
    A pair an admin matched with ``force:yes`` over a missing shared skill shares none: the mentorship's skills
    (the request's) are then shown as plain "Skills", and its courses as "Courses for <those skills>". A request
    for skills the mentor lacks closes with the mentorship all the same: the mentee's introduction names those
    skills (`_uncovered`) and gives the command that asks for a mentor for them."""
    from dataclasses import replace

    store = core.store
    mentorship = result.mentorship
    mentor = await store.get_member(mentorship.mentor_id)
    mentee = await store.get_member(mentorship.mentee_id)
    if mentor is None or mentee is None:
        return []
    mentor_profile = await store.get_mentor_profile(mentor.id)
    catalog = await community_catalog(core, mentorship.community)
    tallies = await store.vote_tallies(mentorship.community)  # ranked with the community's votes, as /courses is
    uncovered = await _uncovered(core, result, mentee)
    notes: list[Notification] = []
    for me, other, role in ((mentee, mentor, "mentee"), (mentor, mentee, "mentor")):
        lang = core.lang_of(me)
        courses = courses_for_introduction(catalog, list(mentorship.skills), lang=lang, votes=tallies)
        t = translator(lang)
        reply = views.introduction(
            mentorship,
            role=role,
            other=other,
            mentor_bio=mentor_profile.bio if mentor_profile else "",
            note=result.request.note,
            courses=courses,
            t=t,
            taxonomy=core.library.taxonomy,
        )
        if "skill" in mentorship.forced:  # no skill in common: the skills are the request's, not "shared"
            skills = views.skill_labels(core.library.taxonomy, mentorship.skills, lang)
            relabel = {
                t("intro.skills"): t("offer.skills"),
                t("courses.introduction_title"): t("courses.title", skills=skills),
            }
            fields = tuple(replace(item, name=relabel.get(item.name, item.name)) for item in reply.fields)
            reply = replace(reply, fields=fields)
        if role == "mentee" and uncovered:
            # Right after the skills in common: those the request also asked for, which nobody looks for now.
            told = Field(
                t("intro.not_covered"),
                t(
                    "intro.not_covered_text",
                    request=result.request.id,
                    skills=core.labels(uncovered, lang),
                    slugs=", ".join(uncovered),
                ),
            )
            reply = replace(reply, fields=(*reply.fields[:1], told, *reply.fields[1:]))
        notes.append(core.notify(me, reply, key=f"mentorship:{mentorship.id}"))
    for closed in result.closed_requests:
        t = translator(core.lang_of(mentee))
        notes.append(core.notify(mentee, Reply(t("request.closed_overlap", id=closed.id, mentorship=mentorship.id))))
    for withdrawn in result.withdrawn_offers:
        holder = mentor if withdrawn.mentor_id == mentor.id else await store.get_member(withdrawn.mentor_id)
        if holder is None:
            continue
        t = translator(core.lang_of(holder))
        if holder is mentor and withdrawn.request_id == result.request.id:
            text = t("offer.matched_directly", id=withdrawn.id, mentorship=mentorship.id)
            notes.append(core.notify(mentor, Reply(text), key=f"offer:{withdrawn.id}"))
            continue
        if holder is mentor:  # their offer of a request this mentorship closed as covered: nothing went elsewhere
            text = t("offer.withdrawn_covered", id=withdrawn.id, mentorship=mentorship.id)
        else:
            text = t("offer.withdrawn", id=withdrawn.id)
        notes.append(core.notify(holder, Reply(text), key=f"offer:{withdrawn.id}"))
        notes.extend(await rematch(core, mentorship.community, None, mentor_id=withdrawn.mentor_id))
    return notes
