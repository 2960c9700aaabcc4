"""Session 44's time-words hunt: a member past the suggestion limit is told when they can suggest again.

The limit counts a rolling 24 hours (`curation.RATE_WINDOW`), but the refusal said "Please try again tomorrow":
five suggestions made at 23:00-23:04 UTC refused a sixth at 08:00 the next morning with "tomorrow", and took one at
23:05 that same day. The refusal now names the instant the window lets one more in (the suggestion that many from
the newest leaves it, shown from the next whole minute: one made at 23:00:00 counts until 23:00:00 the next day
inclusive), in the member's time zone and language (`formatting.when`). On both engines.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.formatting import when
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.storage.store import Store
from tests.usecases.conftest import make_settings

Who = Callable[..., Caller]
en = translator("en")
sw = translator("sw")


async def _suggest(bot: MentorBot, caller: Caller, n: object) -> str:
    outcome = await bot.suggest_course(
        caller, url=f"https://example.org/{caller.user_id}/{n}", skills="whatsapp", title=f"Guide {n}"
    )
    return outcome.reply.text


async def _fill(bot: MentorBot, caller: Caller, clock: ManualClock, start: datetime, count: int) -> None:
    """`count` suggestions one minute apart from `start`, each taken."""
    clock.current = start
    for n in range(count):
        assert (await _suggest(bot, caller, f"{start:%H%M}-{n}")).startswith(("Thank you!", "Asante!"))
        clock.advance(timedelta(minutes=1))


async def test_the_refusal_names_the_minute_the_next_suggestion_is_taken(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    limit = bot.settings.suggestions_per_day
    await _fill(bot, who("amina"), clock, datetime(2026, 1, 5, 23, 0, tzinfo=UTC), limit)
    clock.current = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)  # the next morning
    refused = await _suggest(bot, who("amina"), "x")
    again = datetime(2026, 1, 6, 23, 1, tzinfo=UTC)  # the 23:00:00 one counts until 23:00:00 inclusive
    assert refused == en("curation.rate_limited", count=limit, at=when(again, en))
    assert "2026-01-06 23:01 UTC" in refused
    assert "tomorrow" not in refused
    # Still refused the moment the oldest turns 24 hours old, in the same words; taken at the minute told.
    clock.current = datetime(2026, 1, 6, 23, 0, tzinfo=UTC)
    assert await _suggest(bot, who("amina"), "y") == refused
    clock.current = again
    assert (await _suggest(bot, who("amina"), "z")).startswith("Thank you!")
    # Full again: now the 23:01 suggestion of the 5th is the one to leave.
    refused = await _suggest(bot, who("amina"), "w")
    assert refused == en("curation.rate_limited", count=limit, at=when(datetime(2026, 1, 6, 23, 2, tzinfo=UTC), en))


async def test_a_suggestion_made_within_a_minute_is_told_the_minute_after(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    limit = bot.settings.suggestions_per_day
    await _fill(bot, who("amina"), clock, datetime(2026, 1, 5, 9, 0, 30, tzinfo=UTC), limit)
    clock.current = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    refused = await _suggest(bot, who("amina"), "x")
    assert "2026-01-06 09:01 UTC" in refused  # 09:00:30 + 24 h: taken from 09:01 on, not at 09:00
    clock.current = datetime(2026, 1, 6, 9, 1, tzinfo=UTC)
    assert (await _suggest(bot, who("amina"), "y")).startswith("Thank you!")


async def test_the_time_is_told_in_the_members_zone_and_language(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    limit = bot.settings.suggestions_per_day
    nairobi = who("amina", timezone="Africa/Nairobi")
    await _fill(bot, nairobi, clock, datetime(2026, 1, 5, 23, 0, tzinfo=UTC), limit)
    again = datetime(2026, 1, 6, 23, 1, tzinfo=UTC)
    refused = await _suggest(bot, nairobi, "x")
    assert refused == en("curation.rate_limited", count=limit, at=when(again, en, "Africa/Nairobi"))
    assert "2026-01-07 02:01 (Africa/Nairobi)" in refused
    # A Swahili member whose platform reports no zone, but who gave one with /mentor timezone.
    await bot.set_language(who("baraka"), language="sw")
    await bot.set_timezone(who("baraka"), timezone="Africa/Dar_es_Salaam")
    await _fill(bot, who("baraka"), clock, datetime(2026, 1, 5, 23, 0, tzinfo=UTC), limit)
    clock.current = datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    kataa = await _suggest(bot, who("baraka"), "x")
    assert kataa == sw("curation.rate_limited", count=limit, at=when(again, sw, "Africa/Dar_es_Salaam"))
    assert "2026-01-07 02:01 (saa za Africa/Dar_es_Salaam)" in kataa
    assert "kesho" not in kataa


async def test_the_time_in_a_repeated_hour_names_its_offset(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Clocks go back in London on 2026-10-25 at 02:00 BST: the minute told is the first 01:31."""
    limit = bot.settings.suggestions_per_day
    london = who("amina", timezone="Europe/London")
    await _fill(bot, london, clock, datetime(2026, 10, 24, 0, 30, tzinfo=UTC), limit)
    refused = await _suggest(bot, london, "x")
    assert "2026-10-25 01:31 UTC+01:00 (Europe/London)" in refused


async def test_a_lowered_limit_waits_for_enough_to_leave(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Five suggestions made under a limit of 5, then the limit lowered to 2: one more is taken once only one of
    them is left in the window, when the fourth leaves it."""
    before = MentorBot(store, library, make_settings(suggestions_per_day=5), clock, worker_id="w")
    await _fill(before, who("amina"), clock, datetime(2026, 1, 5, 10, 0, tzinfo=UTC), 5)
    after = MentorBot(store, library, make_settings(suggestions_per_day=2), clock, worker_id="w")
    clock.current = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
    refused = await _suggest(after, who("amina"), "x")
    again = datetime(2026, 1, 6, 10, 4, tzinfo=UTC)  # the 10:03 one has left; the 10:04 one is the only one left
    assert refused == en("curation.rate_limited", count=2, at=when(again, en))
    clock.current = again - timedelta(minutes=1)
    assert await _suggest(after, who("amina"), "y") == refused
    clock.current = again
    assert (await _suggest(after, who("amina"), "z")).startswith("Thank you!")


async def test_another_members_suggestions_do_not_count(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    limit = bot.settings.suggestions_per_day
    await _fill(bot, who("juma"), clock, datetime(2026, 1, 5, 8, 0, tzinfo=UTC), 2)
    await _fill(bot, who("amina"), clock, datetime(2026, 1, 5, 9, 0, tzinfo=UTC), limit)
    refused = await _suggest(bot, who("amina"), "x")
    assert "2026-01-06 09:01 UTC" in refused
