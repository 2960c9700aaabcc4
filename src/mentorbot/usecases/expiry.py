"""An offer's expiry: the mentor told what became of the request (and paused after too many lapses in a row), the
request handed on. Run by its timer (`timers.Timers`); an offer is open until it runs (`offers.accept` takes an
answer that finds the offer still pending, its time up or not). Apart from both, so neither imports the other's
module."""

from __future__ import annotations

from datetime import timedelta

from mentorbot.i18n import Translator, translator
from mentorbot.models import Offer, OfferStatus
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
    The place the offer held is not handed to its mentor's waiting requests while another offer of theirs is
    overdue (`_holds_overdue`): that one's expiry, in this round or the next, may pause them and would withdraw the
    fresh offer at once; it hands their freed places on when it does not (or the sweep does)."""
    settings = core.settings
    result = await core.store.expire_offer(
        offer_id,
        core.clock.now(),
        max_expired=settings.max_expired_offers,
        late_after=timedelta(minutes=settings.late_expiry_grace_minutes),
    )
    if result is None:
        return []
    mentor = await core.store.get_member(result.offer.mentor_id)
    if mentor is None:
        return (await pass_on(core, result.offer))[0]
    t = translator(core.lang_of(mentor))
    if not result.mentor_paused:
        if await _holds_overdue(core, result.offer):
            handed, passed = await hand_on(core, result.offer)
        else:
            handed, passed = await pass_on(core, result.offer)
        notice = core.notify(mentor, Reply(expiry_notice(core, t, result, passed)), key=f"offer:{offer_id}")
        return [notice, *handed]
    # Auto-paused: this request and every other one the mentor held are passed on now, and the notice says
    # what became of each.
    handed, passed = await hand_on(core, result.offer)
    notes = [core.notify(mentor, Reply(expiry_notice(core, t, result, passed)), key=f"offer:{offer_id}")]
    withdrawn_notes, lines = await hand_on_withdrawn(core, mentor, result.withdrawn, by="lapses")
    text = t("pause.for_expiry", count=max(result.streak, core.settings.max_expired_offers))
    text += "\n" + "\n".join(f"• {line}" for line in [line_for(t, result.offer, passed), *lines])
    notes.append(core.notify(mentor, Reply(text)))
    return [*notes, *handed, *withdrawn_notes]


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


async def _holds_overdue(core: Core, offer: Offer) -> bool:
    """Whether the mentor of an offer just expired holds another pending offer whose time is up (its expiry is due:
    claimed in this round, or the next)."""
    now = core.clock.now()
    pending = await core.store.list_offers(mentor_id=offer.mentor_id, status=OfferStatus.PENDING)
    return any(other.id != offer.id and other.expires_at <= now for other in pending)
