"""How old a request is, where a reader needs to know it (both engines).

A request that waited months used to reach a mentor looking brand new: "Their note: Our product launch is next
week…" with nothing saying it was written 200 days ago; `/mentor status` said the request waits but not since
when, and the weekly digest said "Waiting now: 1" week after week, never how long. Now an offer for a request two
days old or more says when it was asked (a date in the mentor's zone, and how many days ago), the mentee's
status says since when their request waits, and the digest names the oldest wait.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.library import Library
from mentorbot.models import RequestStatus
from mentorbot.replies import Notification
from mentorbot.storage.store import Store
from mentorbot.usecases import insight, views
from tests.usecases.conftest import COMMUNITY, make_settings, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")
NOTE = "Our product launch is next week and I need help planning the ad budget"
LANGS = [EN, SW]


async def offer_to(bot: MentorBot, who: Who, mentor: str) -> Notification:
    """`mentor` signs up for Paid social (two places, in Honolulu) and receives the waiting request's offer."""
    outcome = await bot.signup(who(mentor), skills="paid-social", capacity=2, timezone="Pacific/Honolulu")
    [offer] = [n for n in to(outcome, mentor) if n.reply.buttons]
    return offer


@pytest.mark.parametrize("t", LANGS, ids=lambda t: t.lang)
async def test_an_offer_for_a_request_200_days_old_says_when_it_was_asked(
    bot: MentorBot, who: Who, clock: ManualClock, t: Translator
) -> None:
    await bot.set_language(who("amina"), language="sw")
    await bot.request(who("amina"), skills="paid-social", note=NOTE)  # 2026-01-05 09:00 UTC: no mentor for it
    clock.advance(timedelta(days=200))
    await bot.set_language(who("m1"), language=t.lang)

    offer = await offer_to(bot, who, "m1")

    fields = {f.name: f.value for f in offer.reply.fields}
    # 09:00 UTC on 2026-01-05 is still the 4th in Honolulu (UTC-10), where the mentor lives.
    assert fields[t("offer.asked_on")] == t("offer.asked_on_value", day="2026-01-04", count=200)
    assert (
        fields[t("offer.asked_on")]
        == {"en": "2026-01-04 (200 days ago)", "sw": "2026-01-04 (siku 200 zilizopita)"}[t.lang]
    )
    names = [f.name for f in offer.reply.fields]
    assert names.index(t("offer.asked_on")) == names.index(t("offer.note")) - 1, "read before the note"
    assert fields[t("offer.note")] == NOTE
    assert all(len(f.value) <= 1024 for f in offer.reply.fields), "within Discord's field limit"


async def test_a_fresh_request_s_offer_does_not_say_when_it_was_asked(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.request(who("amina"), skills="paid-social", note=NOTE)
    # Asked at 23:00 on the 4th in Honolulu, where the mentor lives; offered at 23:59 on the 5th there: yesterday, as
    # the mentor counts days (session 38: calendar days in their zone, not 24-hour periods).
    clock.advance(timedelta(days=1, minutes=59))

    offer = await offer_to(bot, who, "m1")

    names = [f.name for f in offer.reply.fields]
    assert names == [EN("offer.skills"), EN("offer.note"), EN("offer.why"), EN("offer.expires")]


async def test_an_offer_two_days_after_the_request_says_so(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.request(who("amina"), skills="paid-social", note=NOTE)
    clock.advance(timedelta(days=2))

    offer = await offer_to(bot, who, "m1")

    fields = {f.name: f.value for f in offer.reply.fields}
    assert fields[EN("offer.asked_on")] == "2026-01-04 (2 days ago)"


@pytest.mark.parametrize("t", LANGS, ids=lambda t: t.lang)
async def test_the_status_says_since_when_a_request_waits(
    bot: MentorBot, who: Who, clock: ManualClock, t: Translator
) -> None:
    await bot.set_language(who("amina"), language=t.lang)
    await bot.set_timezone(who("amina"), timezone="Asia/Tokyo")
    clock.advance(timedelta(hours=7))  # 2026-01-05 16:00 UTC: already 01:00 on the 6th in Tokyo
    await bot.request(who("amina"), skills="paid-social", note=NOTE)
    clock.advance(timedelta(days=200))

    status = await bot.status(who("amina"))

    [requests] = [x for x in status.reply.listings if x.name == t("status.requests")]
    [line] = requests.entries
    label = views.skill_label(bot.core.library.taxonomy, "paid-social", t.lang)
    reason = t("wait.no_mentor", skills=label)
    assert line == t("status.request_waiting_since", id=1, skills=label, since="2026-01-06", reason=reason)
    assert line.endswith({"en": "Waiting since 2026-01-06.", "sw": "Linasubiri tangu 2026-01-06."}[t.lang])


async def test_the_status_dates_a_waiting_request_in_the_mentee_s_zone(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await bot.set_timezone(who("amina"), timezone="Pacific/Honolulu")
    await bot.request(who("amina"), skills="paid-social")  # 2026-01-05 09:00 UTC: the 4th in Honolulu

    status = await bot.status(who("amina"))

    [requests] = [x for x in status.reply.listings if x.name == EN("status.requests")]
    assert requests.entries[0].startswith("#1 Paid social: waiting. "), "read as before"
    assert requests.entries[0].endswith(" Waiting since 2026-01-04.")


def digest_bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    """A bot whose admin gets the weekly digest on Mondays at 08:00 UTC."""
    return MentorBot(store, library, make_settings(digest="mon 08:00"), clock, worker_id="test-worker")


async def weeks(bot: MentorBot, clock: ManualClock, count: int) -> list[Notification]:
    """`count` weeks pass, the timers running every six hours; the digests the admin got."""
    got: list[Notification] = []
    for _ in range(count * 28):
        clock.advance(timedelta(hours=6))
        got += to(await bot.run_due_jobs(), "admin")
    return [n for n in got if n.reply.attachments or n.reply.title]


@pytest.mark.parametrize("t", LANGS, ids=lambda t: t.lang)
async def test_the_digest_names_the_oldest_wait(
    store: Store, library: Library, clock: ManualClock, who: Who, t: Translator
) -> None:
    bot = digest_bot(store, library, clock)
    await bot.set_language(who("admin", is_admin=True), language=t.lang)
    await bot.request(who("amina"), skills="paid-social", note=NOTE)  # Monday 2026-01-05 09:00

    [first] = await weeks(bot, clock, 1)  # due Monday 2026-01-12 08:00, run by the 09:00 timers: 7 days
    assert t("digest.waiting_for", waiting=1, count=7) in first.reply.text.splitlines()

    await bot.request(who("baraka"), skills="paid-social")
    [second] = await weeks(bot, clock, 1)  # 2026-01-19: Amina's has waited 14 days, Baraka's 7
    assert t("digest.waiting_oldest", waiting=2, count=14) in second.reply.text.splitlines()
    assert t("digest.waiting", count=2) in second.reply.text, "the count reads as before"


async def test_the_digest_names_no_wait_when_nothing_waits(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = digest_bot(store, library, clock)
    await bot.status(who("admin", is_admin=True))
    [digest] = await weeks(bot, clock, 1)
    assert EN("digest.waiting", count=0) in digest.reply.text.splitlines()
    assert await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING]) == []


def test_the_digest_line_counts_whole_days_in_each_language() -> None:
    assert insight.waiting_line(1, timedelta(days=1, hours=5), EN) == "Waiting now: 1 · it has waited 1 day"
    assert insight.waiting_line(3, timedelta(days=200), EN) == "Waiting now: 3 · the oldest has waited 200 days"
    assert insight.waiting_line(3, timedelta(hours=23), EN) == EN("digest.waiting", count=3), "under a day: no age"
    assert insight.waiting_line(0, None, SW) == SW("digest.waiting", count=0)
    assert (
        insight.waiting_line(2, timedelta(days=1), SW)
        == "Yanayosubiri sasa: 2 · ombi la zamani zaidi limesubiri siku 1"
    )
