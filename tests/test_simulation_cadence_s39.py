"""The simulation runs every timer when it falls due (session 39, the year-long hunt).

`Simulation.run` ran the timers only at events and on each simulated hour, so an offer made at an event's minute
expired up to 59 minutes after its deadline. `OfferStore.expire_offer` does not count an expiry run more than
``late_expiry_grace_minutes`` (10) late in its mentor's streak (the bot was down: the answer could not arrive), so
more than half the simulated lapses were not counted, and mentors who let offers expire on six to ten days in a row
were never paused, where a deployment (timers every 15 s) pauses them at the third. The loop now also runs the
timers at each moment one falls due between events and hours (`Store.next_job_due`).

The check reads the store's plain records: every expiry ran within the grace of its deadline, and a mentor whose
lapses (one per `LAPSE_WINDOW`, none answered in between) reach ``max_expired_offers`` is paused then. The
community has no mentor who pauses by hand and none resumes after an automatic pause: a resume restarts the
streak, and neither leaves a record to replay it from."""

from __future__ import annotations

from datetime import datetime, timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import Offer, OfferStatus
from mentorbot.settings import Settings
from mentorbot.simulation import COMMUNITY, START, Behaviour, SimulationSpec, Style, simulate
from mentorbot.storage.offers import LAPSE_WINDOW
from mentorbot.storage.store import Store

LAPSING = Behaviour(
    requests_per_member_day=0.03,
    styles=((Style.PROMPT, 0.4), (Style.SLOW, 0.2), (Style.SILENT, 0.3), (Style.PICKY, 0.1)),
    pauser_share=0.0,
    resume_after_auto_pause=0.0,
)
SPEC = SimulationSpec(days=21, members=120, mentors=14, seed=3, behaviour=LAPSING)


def _late_by(offer: Offer) -> timedelta:
    """How long after its time the offer's expiry ran."""
    assert offer.decided_at is not None
    return offer.decided_at - offer.expires_at


def _lapsed(offer: Offer) -> bool:
    """Whether the offer expired unanswered: still expired, or declined after its time (an answer that came after
    the expiry ran: `OfferStore.decline_expired` keeps the lapse)."""
    if offer.status is OfferStatus.EXPIRED:
        return True
    return offer.status is OfferStatus.DECLINED and offer.decided_at is not None and offer.decided_at > offer.expires_at


def _pause_moments(offers: list[Offer], max_expired: int) -> list[datetime]:
    """When the spec's rule pauses this mentor, replayed from their offers: an answer ends the streak, an expiry
    is a lapse unless it expired within `LAPSE_WINDOW` of the last counted one (a withdrawal is neither)."""
    ended = [(o.expires_at if _lapsed(o) else o.decided_at, o.id, o) for o in offers if o.decided_at is not None]
    streak, last_lapse, paused = 0, None, []
    for moment, _, offer in sorted(ended):
        if _lapsed(offer):
            if last_lapse is None or offer.expires_at >= last_lapse + LAPSE_WINDOW:
                last_lapse, streak = offer.expires_at, streak + 1
                if streak == max_expired:
                    paused.append(moment)
        elif offer.status in (OfferStatus.ACCEPTED, OfferStatus.DECLINED):
            streak = 0
    return paused


async def test_every_expiry_runs_within_the_grace_and_lapses_on_three_days_pause_the_mentor(store: Store) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    clock = ManualClock(START)
    bot = MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, clock)
    result = await simulate(bot, clock, SPEC)
    assert result.mentors_over_capacity == 0

    offers = await store.list_offers()
    expired = [o for o in offers if o.status is OfferStatus.EXPIRED]
    assert len(expired) >= 10, "the community lets offers expire"
    grace = timedelta(minutes=settings.late_expiry_grace_minutes)
    late = [(o.id, _late_by(o)) for o in expired if _late_by(o) > grace]
    assert late == [], "every expiry runs within the grace of its deadline, as a deployment's timers run it"

    pauses = 0
    for member, profile in await store.list_mentors(COMMUNITY):
        mine = [o for o in offers if o.mentor_id == member.id]
        moments = _pause_moments(mine, settings.max_expired_offers)
        assert len(moments) <= 1, "nobody resumes: a paused mentor is offered nothing more"
        if moments:
            pauses += 1
            assert (profile.status.value, profile.pause_reason) == ("paused", "expired_offers"), member.platform_user_id
            assert not [o for o in mine if o.created_at > moments[0]], "no offer after the pause"
        else:
            assert profile.pause_reason != "expired_offers", member.platform_user_id
    assert pauses >= 1 and result.auto_pauses == pauses
