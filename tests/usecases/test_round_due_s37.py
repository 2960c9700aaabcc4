"""An offer whose expiry falls due in the same timer look as the next scheduled round (a week's offer in a weekly
cohort programme, or the bot down at the round's time): its mentor and its mentee are told the request waits for that
round, which runs next, not for the round a week after it (found by the cohort hunt: both were told the 19th, and
the round offered the request to another mentor a moment later)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import OfferStatus
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to


async def test_an_expiry_due_with_the_round_names_that_round(
    store: Store, library: Library, clock: ManualClock, who: Callable[..., Caller]
) -> None:
    settings = make_settings(matching="rounds", round_schedule="mon 10:00", offer_ttl_hours=168)
    bot = MentorBot(store, library, settings, clock, worker_id="w")
    await bot.signup(who("baraka"), skills="seo", capacity="1")
    await bot.request(who("amina"), skills="seo")
    await bot.run_due_jobs()
    clock.advance(timedelta(hours=1, minutes=1))  # the round offers Amina's request to Baraka
    [offer] = [n for n in await bot.run_due_jobs() if n.reply.buttons]
    round_day = clock.now().date()
    await bot.signup(who("chao"), skills="seo", capacity="1")  # a free place for the next round
    clock.advance(timedelta(days=7, minutes=1))  # the expiry and the next round, in one look
    notes = await bot.run_due_jobs()
    next_round = (round_day + timedelta(days=7)).isoformat()
    week_after = (round_day + timedelta(days=14)).isoformat()
    told = [n.reply.text for n in to(notes, "baraka") if n.key == f"offer:{offer_id(offer)}"]
    assert told and next_round in told[0] and week_after not in told[0], told
    waiting = [n.reply.text for n in to(notes, "amina") if "waiting" in n.reply.text.lower()]
    assert all(week_after not in text for text in waiting), waiting
    # The round ran next, in the same look: the request is offered to Chao.
    chao = await store.find_member(COMMUNITY, "U-chao")
    [pending] = [o for o in await store.list_offers() if o.status is OfferStatus.PENDING]
    assert chao is not None and pending.mentor_id == chao.id
