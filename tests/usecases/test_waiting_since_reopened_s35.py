"""A request back on the waitlist after its mentorship ended says so in its "since" date (session 35, a
mentee-over-months hunt). On both engines.

Before: Amina's request #1 was matched on day 0; 120 days later her mentor deleted his data and the request waited
again. Her `/mentor status` said "Waiting since <day 0>", and so did the admins' waitlist (and its CSV), while the
admins' figures count the wait from the day it reopened (`storage.insight.WAITING_SINCE`). Now each says the day it
went back on the waitlist; its place in the queue is still its asking time (oldest first).
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.storage.store import Store
from mentorbot.usecases.admin import waitlist_csv
from tests.usecases.test_answered_in_time_s34 import offers_in
from tests.usecases.test_departures_s32 import Who
from tests.usecases.test_request_age_s33 import digest_bot, weeks


async def reopened_after_months(bot: MentorBot, who: Who, clock: ManualClock) -> tuple[str, str]:
    """Amina's request matched with Bob; 120 days on, Bob forgets himself: the day asked, the day reopened."""
    await bot.signup(who("bob"), skills="seo", levels="expert")
    asked = await bot.request(who("amina"), skills="seo")
    asked_day = clock.now().strftime("%Y-%m-%d")
    [offer] = offers_in(asked.notifications, "bob")
    assert (await bot.accept(who("bob"), offer_id=offer)).error is None
    clock.advance(timedelta(days=120))
    await bot.run_due_jobs()
    assert (await bot.forget(who("bob"), confirm=True)).error is None
    request = await bot.store.get_request(1)
    assert request is not None and request.status.value == "waiting"
    return asked_day, clock.now().strftime("%Y-%m-%d")


async def test_the_mentees_status_dates_the_wait_from_the_reopening(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    asked_day, reopened_day = await reopened_after_months(bot, who, clock)
    shown = await bot.status(who("amina"))
    lines = [entry for listing in shown.reply.listings for entry in listing.entries]
    [line] = [entry for entry in lines if entry.startswith("#1")]
    assert f"Waiting since {reopened_day}" in line and asked_day not in line, line


async def test_the_admins_waitlist_and_its_csv_date_it_so_too(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    asked_day, reopened_day = await reopened_after_months(bot, who, clock)
    shown = await bot.admin_waitlist(who("admin"))
    [line] = [entry for listing in shown.reply.listings for entry in listing.entries]
    assert reopened_day in line and asked_day not in line, line
    request = await bot.store.get_request(1)
    assert request is not None
    reopened = await bot.store.reopened_at([1])
    table = waitlist_csv([(request, None)], translator("en"), bot.library.taxonomy, None, reopened)
    rows = list(csv.reader(io.StringIO(table.decode("utf-8-sig"))))
    assert rows[1][3] == reopened_day


async def test_a_request_never_reopened_is_dated_from_its_asking(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    asked = await bot.request(who("amina"), skills="seo")
    assert asked.error is None
    day = clock.now().strftime("%Y-%m-%d")
    clock.advance(timedelta(days=3))
    shown = await bot.status(who("amina"))
    [line] = [entry for listing in shown.reply.listings for entry in listing.entries if entry.startswith("#1")]
    assert f"Waiting since {day}" in line
    assert await bot.store.reopened_at([1]) == {}


async def test_the_digests_oldest_wait_counts_from_the_reopening(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """The digest's "it has waited N days" reads the waitlist's own dates (a review of session 35 found it still
    counting from the asking: 126 days where the waitlist said since 6 days ago)."""
    bot = digest_bot(store, library, clock)
    await bot.set_language(who("admin", is_admin=True), language="en")
    await reopened_after_months(bot, who, clock)
    digests = await weeks(bot, clock, 1)
    lines = [line for d in digests for line in d.reply.text.splitlines() if line.startswith("Waiting now")]
    assert lines and all("120" not in line and "12" not in line.split("waited")[-1] for line in lines), lines
