"""An offer's expiry: the mentor told what became of the request (and paused after too many lapses in a row), the
request handed on. Run by its timer (`timers.Timers`); an offer is open until it runs (`offers.accept` takes an
answer that finds the offer still pending, its time up or not). Apart from both, so neither imports the other's
module."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from mentorbot.i18n import Translator, translator
from mentorbot.models import OfferStatus
from mentorbot.replies import Notification, Reply
from mentorbot.storage.offers import ExpireResult
from mentorbot.usecases.context import Core
from mentorbot.usecases.matchmaking import cohort, hand_on, hand_on_withdrawn, line_for, pass_on


async def expire_offer(core: Core, offer_id: int) -> list[Notification]:
    """An offer's time is up: the mentor is told (and paused after too many in a row), the request goes on.
    An expiry that runs late (`Settings.late_expiry_grace_minutes` after the offer's time: the bot was down) does
    not count towards the mentor's streak, nor does one whose message never reached the mentor (still retrying or
    held in the outbox: the platform failed, or refused the bot itself); the mentor is told that one expired before
    it could reach them. The notice says what became of the request (`expiry_notice`: gone to another mentor, or
    back on the waitlist, with how to take it after all), and warns when one more lapse would pause the profile.

    The mentor's other offers whose time is up expire in the same unit, oldest first (`_expire_overdue`): one of
    them may pause the mentor, which withdraws their other offers, so the places these expiries free are handed to
    the waiting requests, oldest first, only once all of them have run and the mentor is still active. No place
    is kept for a later expiry, so none can be taken meanwhile by a request another expiry hands on."""
    settings = core.settings
    result = await _expire(core, offer_id)
    if result is None:
        return []
    mentor = await core.store.get_member(result.offer.mentor_id)
    if mentor is None:
        return (await pass_on(core, result.offer))[0]
    results = [result, *await _expire_overdue(core, result)]
    last = results[-1]
    t = translator(core.lang_of(mentor))
    told: list[Notification] = []
    handed: list[Notification] = []
    lines: list[str] = []
    # Their requests are handed on oldest first (the lower id: asked earlier); the places freed go to the waiting
    # requests after the last one (`pass_on`), unless an expiry paused the mentor.
    in_order = sorted(results, key=lambda expired: expired.offer.request_id)
    for index, expired in enumerate(in_order):
        hand = pass_on if index == len(in_order) - 1 and not last.mentor_paused else hand_on
        notes, passed = await hand(core, expired.offer)
        # Told as paused when an expiry of this unit paused them: no "take it after all", no warning.
        seen = replace(expired, mentor_paused=True) if last.mentor_paused else expired
        told.append(core.notify(mentor, Reply(expiry_notice(core, t, seen, passed)), key=f"offer:{expired.offer.id}"))
        handed.extend(notes)
        lines.append(line_for(t, expired.offer, passed))
    if not last.mentor_paused:
        return [*told, *handed]
    # Auto-paused: every other request the mentor held is passed on now, and the notice says what became of each.
    withdrawn_notes, withdrawn_lines = await hand_on_withdrawn(core, mentor, last.withdrawn, by="lapses")
    text = t("pause.for_expiry", count=max(last.streak, settings.max_expired_offers))
    text += "\n" + "\n".join(f"• {line}" for line in [*lines, *withdrawn_lines])
    told.append(core.notify(mentor, Reply(text)))
    return [*told, *handed, *withdrawn_notes]


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


def expiry_notice(core: Core, t: Translator, result: ExpireResult, passed: bool | None) -> str:
    """What an expired offer's mentor is told under the offer's key: that it expired (before it could reach them,
    when it never did), what became of its request (gone to another mentor, back on the waitlist, no longer
    waiting: `passed` as `hand_on` tells it) and, while it waits and they are not paused, that accepting it after
    all offers it to them again (`usecases.offers.accept`'s late answer; not in a cohort programme, where only the
    rounds offer). After a counted lapse that leaves them one short of the auto-pause (`Settings.max_expired_offers`),
    a line warns them."""
    outcome = {True: "notice", False: "waiting", None: "closed"}[passed]
    key = f"offer.expired_{outcome}" if result.reached else f"offer.expired_unsent_{outcome}"
    text = t(key, id=result.offer.id)
    if passed is False and not result.mentor_paused and not cohort(core):
        text += " " + t("offer.take_it_after_all", id=result.offer.id)
    warn = result.counted and not result.mentor_paused and result.streak == core.settings.max_expired_offers - 1
    if warn:
        text += "\n" + t("offer.lapse_warning")
    return text
