"""An offer's expiry: the mentor told what became of the request (and paused after too many lapses in a row), the
request handed on. Run by its timer (`timers.Timers`); an offer is open until it runs (`offers.accept` takes an
answer that finds the offer still pending, its time up or not). Apart from both, so neither imports the other's
module."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from mentorbot.formatting import zone_of
from mentorbot.i18n import Translator, translator
from mentorbot.models import Member, MentorshipRequest, Offer, OfferStatus
from mentorbot.replies import Notification, Reply
from mentorbot.storage.offers import ExpireResult
from mentorbot.storage.outbox import pause_notice_key
from mentorbot.usecases import views
from mentorbot.usecases.context import Core
from mentorbot.usecases.matchmaking import (
    SUPPLY_STALES,
    cohort,
    hand_on,
    hand_on_withdrawn,
    line_for,
    next_round,
    refresh_wait_reasons,
    requeue_quietly,
    waiting_pages,
)


async def expire_offer(core: Core, offer_id: int) -> list[Notification]:
    """An offer's time is up: its timer's unit (`expire_offers` of that one offer)."""
    return await expire_offers(core, [offer_id])


async def expire_offers(core: Core, offer_ids: Sequence[int]) -> list[Notification]:
    """Offers whose time is up, in one unit (a timer's, or a round's offer expiries together: `timers.Timers`): each
    mentor is told (and paused after too many lapses in a row), each request goes on.

    An expiry that runs late (`Settings.late_expiry_grace_minutes` after the offer's time: the bot was down) does
    not count towards the mentor's streak, nor does one whose message never reached the mentor (still retrying or
    held in the outbox: the platform failed, or refused the bot itself); the mentor is told that one expired before
    it could reach them. The notice says what became of the request (`expiry_notice`: gone to another mentor, or
    back on the waitlist, with how to take it after all), and warns when one more lapse would pause the profile.

    Each mentor's other offers whose time is up expire in the same unit, oldest first (`_expire_overdue`): one of
    them may pause the mentor, which withdraws their other offers. Only once every expiry has run are the requests
    tried, all the places freed: the expired offers' requests and the waiting requests those places could serve,
    oldest first (`_hand_on_oldest_first`). So what a mentor and a mentee are told is what became of the request
    once the places the same round frees are counted: not "back on the waitlist" a moment before another expiry
    frees a place for it, and no request takes a freed place ahead of an older one."""
    expired: list[ExpireResult] = []
    for offer_id in offer_ids:
        result = await _expire(core, offer_id)
        if result is not None:
            expired.append(result)
            expired.extend(await _expire_overdue(core, result))
    if not expired:
        return []
    by_mentor: dict[int, list[ExpireResult]] = {}
    for result in expired:
        by_mentor.setdefault(result.offer.mentor_id, []).append(result)
    mentors = {mentor_id: await core.store.get_member(mentor_id) for mentor_id in by_mentor}
    freed = [
        mentor
        for mentor_id, results in by_mentor.items()
        if (mentor := mentors[mentor_id]) is not None and not results[-1].mentor_paused
    ]
    withdrawn = [offer for results in by_mentor.values() for offer in results[-1].withdrawn]
    handed, passed = await _hand_on_oldest_first(core, [*(r.offer for r in expired), *withdrawn], freed)
    told: list[Notification] = []
    for mentor_id, results in by_mentor.items():
        mentor = mentors[mentor_id]
        if mentor is None:
            continue
        last = results[-1]
        t = translator(core.lang_of(mentor))
        # "Take it after all" only while a place is left once the hand-on is done: the run may have given the place
        # the expiry freed to a waiting request (a late accept would then find none).
        room = await _room_left(core, mentor_id, results, passed)
        lines: list[str] = []
        for result in results:
            # Told as paused when an expiry of this unit paused them: no "take it after all", no warning.
            seen = replace(result, mentor_paused=True) if last.mentor_paused else result
            outcome = passed[result.offer.id]
            # In a cohort programme a request back on the waitlist waits for the next round: its mentor is told when.
            at = await round_date(core, result.offer.request_id, t, zone_of(mentor)) if outcome is False else None
            told.extend(await _expiry_told(core, mentor, t, seen, outcome, round_at=at, room=room))
            lines.append(line_for(t, result.offer, outcome))
        if last.mentor_paused:
            # Auto-paused: every other request the mentor held is passed on now, and the notice says what became of
            # each.
            withdrawn_notes, withdrawn_lines = await hand_on_withdrawn(
                core, mentor, last.withdrawn, by="lapses", passed=passed
            )
            text = t("pause.for_expiry", count=max(last.streak, core.settings.max_expired_offers))
            text += "\n" + "\n".join(f"• {line}" for line in [*lines, *withdrawn_lines])
            # Keyed by the offer whose lapse paused them: an answer to it recorded in time takes the pause back, and
            # supersedes this notice while it has not reached them (`storage.offers._forgive_lapse`).
            told.append(core.notify(mentor, Reply(text), key=pause_notice_key(mentor_id, last.offer.id)))
            handed.extend(withdrawn_notes)
    return [*told, *handed]


async def _room_left(
    core: Core, mentor_id: int, results: Sequence[ExpireResult], passed: dict[int, bool | None]
) -> bool:
    """Whether an expired offers' mentor has a free place once the run's hand-on is done (`_hand_on_oldest_first`
    may have given the places the expiries freed to waiting requests): read only when a notice would offer to take a
    request after all (one back on the waitlist, its mentor not paused, outside a cohort programme), one read."""
    if results[-1].mentor_paused or cohort(core) or not any(passed[r.offer.id] is False for r in results):
        return True
    profile = await core.store.get_mentor_profile(mentor_id)
    return profile is not None and profile.free_places > 0


async def _hand_on_oldest_first(
    core: Core, ended: Sequence[Offer], freed: Sequence[Member]
) -> tuple[list[Notification], dict[int, bool | None]]:
    """Try, oldest first, the requests of the `ended` offers (expired, or withdrawn by a lapse's pause: each handed
    on, `hand_on`, its mentee told when it waits) and the waiting requests of the same community asking a skill of
    the mentors in `freed` (still active, their places freed: as `rematch` tries them, told only when offered) while
    one of those mentors with a free place has a skill they ask (the ended ones are tried whatever). The
    notifications, and for each ended offer whether its request went to another mentor, is back on the waitlist or
    no longer waits (`hand_on`). The freed mentors' places are read again (one query) only after an offer was made,
    and the waitlist is read a page at a time and left as soon as no freed place is left (`waiting_pages`): an
    expiry's cost does not grow with the waitlist."""
    store = core.store
    by_request = {offer.request_id: offer for offer in ended}
    requests = [r for r in [await store.get_request(i) for i in by_request] if r is not None]
    notes: list[Notification] = []
    passed: dict[int, bool | None] = {offer.id: None for offer in ended}
    for community in sorted({r.community for r in requests} | {m.community for m in freed}):
        mine = sorted((r for r in requests if r.community == community), key=_queue_order)
        here = [mentor.id for mentor in freed if mentor.community == community]
        notes.extend(await _hand_on_in(core, community, mine, here, by_request, passed))
    return notes, passed


async def _hand_on_in(
    core: Core,
    community: str,
    ended: list[MentorshipRequest],
    freed: list[int],
    by_request: dict[int, Offer],
    passed: dict[int, bool | None],
) -> list[Notification]:
    """`_hand_on_oldest_first` in one community: its `ended` requests (oldest first) and the mentors in it whose
    places were freed."""
    notes: list[Notification] = []
    open_skills = await core.store.open_skills(freed)
    rounds_only = cohort(core)
    # The lambda reads `open_skills` as it is when a page is read (bound late on purpose): the skills still open. In
    # a cohort programme no waiting request is offered a freed place before the next round: none is read.
    waiting = _none() if rounds_only else waiting_pages(core, community, lambda: open_skills)
    async for request in _oldest_first(ended, waiting):
        offer = by_request.get(request.id)
        if offer is not None:
            found, passed[offer.id] = await hand_on(core, offer)
            offered = passed[offer.id] is True
        elif open_skills & set(request.skills):
            found = await requeue_quietly(core, request)
            offered = bool(found)
        else:
            continue
        notes.extend(found)
        if offered:
            open_skills = await core.store.open_skills(freed)
    if rounds_only and open_skills:
        await refresh_wait_reasons(core, community, sorted(open_skills), SUPPLY_STALES)
    return notes


async def _none() -> AsyncIterator[MentorshipRequest]:
    return
    yield


def _queue_order(request: MentorshipRequest) -> tuple[datetime, int]:
    return (request.created_at, request.id)


async def _oldest_first(
    ended: list[MentorshipRequest], waiting: AsyncIterator[MentorshipRequest]
) -> AsyncIterator[MentorshipRequest]:
    """The requests of `ended` (oldest first) and of `waiting` (oldest first, read as they are used) in one queue,
    oldest first, each once: an ended offer's request waits again, so the waitlist may hold it too."""
    seen: set[int] = set()
    async for request in waiting:
        while ended and _queue_order(ended[0]) <= _queue_order(request):
            first = ended.pop(0)
            seen.add(first.id)
            yield first
        if request.id not in seen:
            seen.add(request.id)
            yield request
    for request in ended:
        if request.id not in seen:
            yield request


async def _expire(core: Core, offer_id: int, *, together_with: int | None = None) -> ExpireResult | None:
    settings = core.settings
    return await core.store.expire_offer(
        offer_id,
        core.clock.now(),
        max_expired=settings.max_expired_offers,
        late_after=timedelta(minutes=settings.late_expiry_grace_minutes),
        together_with=together_with,
    )


async def _expire_overdue(core: Core, first: ExpireResult) -> list[ExpireResult]:
    """Expire the other pending offers of `first`'s mentor whose time is up too, oldest first (each expiry cancels
    the offer's own timer: claimed in this round already, it then ends doing nothing), until one pauses the mentor
    (the pause withdraws the rest); those that stay pending (an answer recorded and not processed yet) are left to
    their timers."""
    if first.mentor_paused:
        return []
    now = core.clock.now()
    pending = await core.store.list_offers(mentor_id=first.offer.mentor_id, status=OfferStatus.PENDING)
    overdue = sorted((o for o in pending if o.expires_at <= now), key=lambda o: (o.expires_at, o.id))
    results: list[ExpireResult] = []
    for offer in overdue:
        result = await _expire(core, offer.id, together_with=first.offer.id)
        if result is None:
            continue
        results.append(result)
        if result.mentor_paused:
            break
    return results


async def round_date(core: Core, request_id: int, t: Translator, zone: str | None) -> str | None:
    """In a cohort programme, the date of the next matching round a request back on the waitlist waits for, as a
    reader in `zone` reads it: the ``until`` its hand-on just stored (`matchmaking.next_round_reason`, what its
    mentee is told), else the schedule's next round. None outside a cohort programme (nothing read)."""
    if not cohort(core):
        return None
    request = await core.store.get_request(request_id)
    # Not expected to be missing: a cohort programme's waiting request stores its next round.
    until = views.wait_until(request.wait_reason if request is not None else None) or next_round(core)
    return None if until is None else views.when(until, t, zone)


async def _expiry_told(
    core: Core,
    mentor: Member,
    t: Translator,
    result: ExpireResult,
    passed: bool | None,
    *,
    round_at: str | None,
    room: bool = True,
) -> list[Notification]:
    """What tells `mentor` that `result`'s offer expired: the offer message's new version (`expiry_notice`, with
    `room` as it says). One that warns them of the auto-pause, where the offer was posted (the platform edits it in
    place, and an edit makes no sound), is an edit without the warning and the whole notice as a message of its own:
    the warning is there to be heard before the next lapse (as `mentorships.end_notices` tells an end)."""
    key = f"offer:{result.offer.id}"
    text = expiry_notice(core, t, result, passed, round_at=round_at, room=room)
    if (
        not warns(core, result)
        or await core.store.message_location(mentor.community, mentor.platform_user_id, key) is None
    ):
        return [core.notify(mentor, Reply(text), key=key)]
    short = expiry_notice(core, t, result, passed, round_at=round_at, warning=False, room=room)
    return [core.notify(mentor, Reply(short), key=key), core.notify(mentor, Reply(text))]


def warns(core: Core, result: ExpireResult) -> bool:
    """Whether `result`'s lapse is counted and leaves its mentor, not paused, one short of the auto-pause
    (`Settings.max_expired_offers`): its notice warns them."""
    return result.counted and not result.mentor_paused and result.streak == core.settings.max_expired_offers - 1


def expiry_notice(
    core: Core,
    t: Translator,
    result: ExpireResult,
    passed: bool | None,
    *,
    round_at: str | None = None,
    warning: bool = True,
    room: bool = True,
) -> str:
    """What an expired offer's mentor is told under the offer's key: that it expired (before it could reach them,
    when it never did), what became of its request (gone to another mentor, back on the waitlist, no longer
    waiting: `passed` as `hand_on` tells it) and, while it waits and they are not paused, that accepting it after
    all offers it to them again (`usecases.offers.accept`'s late answer; not in a cohort programme, where only the
    rounds offer; nor without `room`, a free place of theirs once the expiry's run is done: `_room_left`). In a
    cohort programme a request back on the waitlist waits for the next round, whoever has a free place (nothing is
    offered between rounds): the notice says so, and when (`round_at`, `round_date`), not that no other mentor can
    take it. An offer whose community was out of MentorBot's reach while it was open (`ExpireResult.away`: the bot
    removed from the server, the app uninstalled) says it expired meanwhile and is no lapse, with no "take it after
    all" while the community is still out; nor has one that never reached its mentor (it says so, the outage read
    for it too: `OfferStore.expire_offer`), whose accept the platform would refuse or never send while it is out.
    After a counted lapse that leaves them one short of the auto-pause (`Settings.max_expired_offers`, `warns`), a
    line warns them, unless not `warning`."""
    outcome = {True: "notice", False: "waiting", None: "closed"}[passed]
    rounds_only = cohort(core)
    if passed is False and rounds_only and round_at is not None:
        outcome = "round"
    key = f"offer.expired_{outcome}" if result.reached else f"offer.expired_unsent_{outcome}"
    if result.reached and result.away is not None:
        key = f"offer.expired_away_{outcome}"  # its community out of MentorBot's reach meanwhile: no lapse
    text = t(key, id=result.offer.id, until=round_at) if outcome == "round" else t(key, id=result.offer.id)
    # Not while its community is still out of reach (reached or not): the accept would be refused (Discord) or never
    # come (Slack).
    still_away = result.out_now or (result.away is not None and result.away.still)
    # Nor for a pair excluded for good meanwhile: the accept would be refused (`ExpireResult.excluded`).
    takeable = room and not still_away and not result.excluded
    if passed is False and not result.mentor_paused and not rounds_only and takeable:
        text += " " + t("offer.take_it_after_all", id=result.offer.id)
    if warning and warns(core, result):
        text += "\n" + t("offer.lapse_warning")
    return text
