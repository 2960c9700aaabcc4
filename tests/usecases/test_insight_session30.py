"""Defects of the admin insight found by the session-30 hunt: skill gaps that were no gaps, the digest's chart
drawn once per admin on the event loop, lapsing mentors and decline reasons dropped without a word, a changed
digest schedule counting days twice, digest dates in UTC for admins whose zone the platform does not give, a
Swahili digest cut by Discord's description limit, and the median time to match in days where the stats say
hours."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from mentorbot import charts
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.library import Library
from mentorbot.replies import Notification, Reply
from mentorbot.storage.store import Stats, Store
from mentorbot.usecases import views
from mentorbot.usecases.insight import DIGEST_LINES
from mentorbot_discord.render import DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT, render
from mentorbot_slack.blocks import MESSAGE_BLOCKS_MAX, escape, reply_blocks
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")


def bot_with(store: Store, library: Library, clock: ManualClock, worker: str = "w1", **settings: object) -> MentorBot:
    return MentorBot(store, library, make_settings(**settings), clock, worker_id=worker)


def digests(notes: list[Notification], name: str = "admin") -> list[Reply]:
    """The digests member `name` was sent (the replies with the chart)."""
    return [n.reply for n in to(notes, name) if n.reply.attachments]


async def until(bot: MentorBot, clock: ManualClock, moment: datetime) -> list[Reply]:
    """Move the clock to `moment` and run the due timers: the digests the admin was sent."""
    clock.advance(moment - clock.now())
    return digests(await bot.run_due_jobs())


def fields_of(reply: Reply) -> dict[str, str]:
    return {f.name: f.value for f in reply.fields}


def gaps_of(reply: Reply, t: Translator) -> str:
    """The stats' skill gaps field (named for mentors before, for free places now)."""
    [gaps] = [f.value for f in reply.fields if f.name in (t("stats.gaps"), t("stats.gaps_places"))]
    return gaps


# ------------------------------------------------------------------------------------------ stats: skill gaps


async def test_skills_with_a_free_place_for_every_waiting_request_are_no_gap(bot: MentorBot, who: Who) -> None:
    """Before: "Top skill gaps" sorted every skill anyone asked for and never left one out, so three SEO mentors
    with seven free places and one request, already offered, were a "gap" (at 100k: "56 asking, 585 mentors")."""
    for name in ("m1", "m2", "m3"):
        await bot.signup(who(name), skills="seo,copywriting", capacity="3")
    await bot.request(who("amina"), skills="seo")
    await bot.request(who("baraka"), skills="copywriting")
    for lang, t in (("en", EN), ("sw", SW)):
        await bot.set_language(who("admin"), language=lang)
        reply = (await bot.admin_stats(who("admin"))).reply
        assert gaps_of(reply, t) == t("stats.gaps_none")
        assert t("stats.gaps_places") in fields_of(reply)


async def test_the_gaps_are_the_supply_charts_waiting_requests_against_free_places(bot: MentorBot, who: Who) -> None:
    """A skill is short when more requests wait for it than its mentors have free places, as the supply chart in the
    same reply counts them; one with room is left out, however many ask for it."""
    await bot.signup(who("baraka"), skills="copywriting", capacity="3")
    await bot.signup(who("chiku"), skills="seo", capacity="1")
    for name in ("amina", "daudi", "eshe"):  # Amina's is offered to Chiku, whose one place it holds
        await bot.request(who(name), skills="seo")
    await bot.request(who("faraji"), skills="paid-social")
    await bot.request(who("gakii"), skills="copywriting")  # offered to Baraka: two places still free
    await bot.set_language(who("admin"), language="en")
    reply = (await bot.admin_stats(who("admin"))).reply
    fields = fields_of(reply)
    waiting = {1: EN("stats.waiting_requests", count=1), 2: EN("stats.waiting_requests", count=2)}
    assert gaps_of(reply, EN).splitlines() == [
        EN("stats.gap_places_line", skill="SEO", waiting=waiting[2], count=0),
        EN("stats.gap_places_line", skill="Paid social", waiting=waiting[1], count=0),
    ]
    chart = fields[EN("insight.supply_title")].splitlines()
    assert "SEO: free places 0, waiting requests 2" in chart
    assert "Copywriting: free places 2, waiting requests 0" in chart


def test_without_the_charts_numbers_a_skill_with_more_mentors_than_requests_is_no_gap(library: Library) -> None:
    """The gaps of `views.stats` alone (no supply chart at hand) count mentors; there too a
    skill with more mentors than open requests is left out, and none short says "—"."""
    stats = Stats(
        members=9,
        mentors_active=4,
        mentors_paused=0,
        requests_open=3,
        requests_waiting=1,
        mentorships_active=0,
        median_time_to_match=None,
        acceptance_rate=None,
        skill_demand={"seo": 1, "paid-social": 2},
        skill_supply={"seo": 3, "paid-social": 1},
    )
    reply = views.stats(stats, EN, library.taxonomy)
    assert gaps_of(reply, EN).splitlines() == [
        EN("stats.gap_line", skill="Paid social", demand=EN("stats.asking", count=2), count=1)
    ]
    roomy = views.stats(replace(stats, skill_demand={"seo": 1}), EN, library.taxonomy)
    assert gaps_of(roomy, EN) == EN("stats.none")


# ------------------------------------------------------------------------------ the chart, off the event loop


async def test_the_digest_draws_its_chart_once_per_language_off_the_event_loop(
    store: Store, library: Library, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: one PNG per admin, each drawn on the event loop (five admins: a second in which no other coroutine
    ran, no Slack ack, no Discord heartbeat). Now one per language, in a worker thread, while the loop runs on."""
    admins = ["U-a1", "U-a2", "U-a3"]
    bot = bot_with(store, library, clock, digest="mon 08:00", admin_ids=admins)
    for user, lang in zip(admins, ("en", "sw", "en"), strict=True):
        await bot.set_language(Caller(COMMUNITY, user, user), language=lang)
    await bot.run_due_jobs()
    drawn: list[int] = []
    real = charts.render_png

    def slow(data: charts.ChartData) -> bytes:
        drawn.append(threading.get_ident())
        time.sleep(0.2)  # a chart of a large community
        return real(data)

    monkeypatch.setattr(charts, "render_png", slow)
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    clock.advance(datetime(2026, 1, 12, 8, tzinfo=UTC) - clock.now())
    notes = await bot.run_due_jobs()
    stop.set()
    await task
    sent = [n for n in notes if n.reply.attachments]
    assert len(sent) == 3
    assert len(drawn) == 2, "one chart per language, not per admin"
    assert threading.get_ident() not in drawn, "drawn in a worker thread"
    assert ticks >= 10, "the event loop ran on while the charts were drawn"
    by_lang = {n.language: n.reply.attachments[0].content for n in sent}
    assert len(by_lang) == 2 and all(n.reply.attachments[0].content == by_lang[n.language] for n in sent)


async def test_the_stats_chart_is_drawn_off_the_event_loop(
    bot: MentorBot, who: Who, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[int] = []
    real = charts.render_png

    def recording(data: charts.ChartData) -> bytes:
        drawn.append(threading.get_ident())
        return real(data)

    monkeypatch.setattr(charts, "render_png", recording)
    reply = (await bot.admin_stats(who("admin"), chart="weekly")).reply
    assert reply.attachments and len(drawn) == 1 and drawn[0] != threading.get_ident()


# ----------------------------------------------------------------------------------- the digest's long lists


async def test_the_digest_counts_the_lapsing_mentors_and_decline_reasons_it_does_not_name(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Before: seven mentors who let offers lapse and seven decline reasons were five of each, the other two of
    each dropped without a word. Now the rest are counted in one line, as the waiting reasons' are."""
    bot = bot_with(store, library, clock, digest="mon 08:00", offer_ttl_hours=24.0, reoffer_after_days=30)
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    mentors = ["wanjiru", "baraka", "chiku", "daudi", "eshe", "faraji", "gakii"]
    for name in mentors:
        await bot.signup(who(name), skills="seo", capacity="1")
    for i in range(len(mentors)):
        await bot.request(who(f"r{i}"), skills="seo")
    clock.advance(timedelta(hours=24, minutes=5))
    await bot.run_due_jobs()  # every offer lapses
    await bot.signup(who("decliner"), skills="copywriting", capacity="1")
    for i in range(7):
        [offer] = to(await bot.request(who(f"c{i}"), skills="copywriting"), "decliner")
        declined = await bot.decline(who("decliner"), offer_id=offer_id(offer), reason=f"reason number {i}")
        assert declined.error is None
    [digest] = await until(bot, clock, datetime(2026, 1, 12, 8, tzinfo=UTC))
    said = [*digest.text.splitlines(), *(line for f in digest.fields for line in f.value.splitlines())]
    assert EN("digest.lapses_more", count=len(mentors) - DIGEST_LINES) in said
    assert EN("digest.declines_more", count=7 - DIGEST_LINES) in said
    fields = fields_of(digest)
    lapses = fields[EN("digest.lapses_title")].splitlines()
    assert len(lapses) == DIGEST_LINES + 1
    assert lapses[-1] == EN("digest.lapses_more", count=len(mentors) - DIGEST_LINES)
    declines = fields[EN("digest.declines_title")].splitlines()
    assert declines[:DIGEST_LINES] == [
        EN("digest.count_of", name=f"reason number {i}", count=1) for i in range(DIGEST_LINES)
    ]
    assert declines[DIGEST_LINES:] == [EN("digest.declines_more", count=7 - DIGEST_LINES)]


async def test_a_busy_swahili_digest_is_whole_on_discord_and_slack(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Before: twelve reasons to wait for requests of five skills and five long decline reasons made a Swahili
    digest of 4,647 characters in one description: Discord's 4,096 cut the decline reasons off. Now the lists
    are fields, which the renderers split at line ends."""
    bot = bot_with(store, library, clock, digest="mon 08:00", programme_timezone="UTC")
    await bot.set_language(who("admin"), language="sw")
    await bot.run_due_jobs()
    slugs = sorted(s.slug for s in library.taxonomy if s.slug != "crisis-communications")
    for i, skills in enumerate(itertools.islice(itertools.combinations(slugs[:8], 5), 15)):
        assert (await bot.request(who(f"r{i}"), skills=",".join(skills))).error is None
    await bot.signup(who("mentor"), skills="crisis-communications", capacity="1")
    reason = "I am travelling for work and cannot commit the time this needs. " * 6
    for i in range(5):
        [offer] = to(await bot.request(who(f"d{i}"), skills="crisis-communications"), "mentor")
        declined = await bot.decline(who("mentor"), offer_id=offer_id(offer), reason=f"Reason {i}: {reason}"[:300])
        assert declined.error is None
    [digest] = await until(bot, clock, datetime(2026, 1, 12, 8, tzinfo=UTC))
    lines = [*digest.text.splitlines(), *(line for f in digest.fields for line in f.value.splitlines())]
    assert sum(len(line) for line in lines) > DESCRIPTION_LIMIT, "more than one description holds"
    shown = []
    for message in render(digest):
        for embed in message.embeds:
            data = embed.to_dict()
            assert len(data.get("description", "")) <= DESCRIPTION_LIMIT
            assert len(embed) <= EMBED_TOTAL_LIMIT
            shown += [data.get("description", ""), *(f["value"] for f in data.get("fields", []))]
    said = "\n".join(shown)
    assert [line for line in lines if line not in said] == []
    blocks = reply_blocks(digest)
    assert len(blocks) <= MESSAGE_BLOCKS_MAX
    on_slack = "\n".join(block["text"]["text"] for block in blocks if "text" in block)
    assert [line for line in lines if escape(line) not in on_slack] == []


# ------------------------------------------------------------------------------------ a changed digest schedule


async def test_a_changed_digest_schedule_counts_each_day_in_one_digest(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Before: moved from Monday 08:00 to Friday 17:00, the first Friday digest started on the Friday before, and
    the weekend already in Monday's digest was counted again. Now the digest planned on the old schedule still runs
    and ends where the new schedule's first digest begins."""
    bot = bot_with(store, library, clock, digest="mon 08:00", programme_timezone="UTC")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    sent: list[Reply] = []
    clock.advance(datetime(2026, 1, 10, 12, tzinfo=UTC) - clock.now())  # Saturday
    await bot.request(who("amina"), skills="seo")
    sent += await until(bot, clock, datetime(2026, 1, 12, 8, tzinfo=UTC))
    clock.advance(datetime(2026, 1, 13, 9, tzinfo=UTC) - clock.now())  # the process restarts on the new schedule
    moved = bot_with(store, library, clock, worker="w2", digest="fri 17:00", programme_timezone="UTC")
    await moved.run_due_jobs()
    clock.advance(datetime(2026, 1, 14, 10, tzinfo=UTC) - clock.now())  # Wednesday
    await moved.request(who("baraka"), skills="seo")
    sent += await until(moved, clock, datetime(2026, 1, 17, 10, tzinfo=UTC))  # Saturday
    await moved.request(who("chiku"), skills="seo")
    for moment in (datetime(2026, 1, 19, 8, tzinfo=UTC), datetime(2026, 1, 23, 17, tzinfo=UTC)):
        sent += await until(moved, clock, moment)
    none = EN("stats.none")
    assert [(r.title, r.text.splitlines()[0]) for r in sent] == [
        (
            EN("digest.title", since="2026-01-05", until="2026-01-12"),
            EN("digest.activity", requests=1, matches=0, median=none),
        ),
        (
            EN("digest.title", since="2026-01-12", until="2026-01-16"),
            EN("digest.activity", requests=1, matches=0, median=none),
        ),
        (
            EN("digest.title", since="2026-01-16", until="2026-01-23"),
            EN("digest.activity", requests=1, matches=0, median=none),
        ),
    ]


# --------------------------------------------------------------------------------------- the digest's dates


async def test_digest_dates_are_in_the_programme_zone_for_an_admin_with_none(
    store: Store, library: Library, clock: ManualClock
) -> None:
    """Before: a Discord admin (no zone from the platform) read a Nairobi Monday 01:00 digest's week as Sunday to
    Sunday, in UTC. Now the programme's zone; an admin whose zone is known still reads their own."""
    bot = bot_with(
        store, library, clock, digest="mon 01:00", programme_timezone="Africa/Nairobi", admin_ids=["U-a1", "U-a2"]
    )
    await bot.set_language(Caller(COMMUNITY, "U-a1", "Asha"), language="en")
    await bot.set_language(Caller(COMMUNITY, "U-a2", "Bakari"), language="en")
    await bot.set_timezone(Caller(COMMUNITY, "U-a2", "Bakari"), timezone="America/New_York")
    await bot.run_due_jobs()
    clock.advance(datetime(2026, 1, 11, 22, tzinfo=UTC) - clock.now())  # Monday 12th 01:00 in Nairobi
    notes = await bot.run_due_jobs()
    [nairobi] = digests(notes, "a1")
    [new_york] = digests(notes, "a2")
    assert nairobi.title == EN("digest.title", since="2026-01-05", until="2026-01-12")
    assert new_york.title == EN("digest.title", since="2026-01-04", until="2026-01-11")


# ------------------------------------------------------------------------------------ median time to match


async def test_the_digest_says_the_median_time_to_match_as_the_stats_do(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """Before: a one-hour median was "0.0 days" in the digest and "1.0 h" in the stats."""
    bot = bot_with(store, library, clock, digest="mon 08:00")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "baraka")
    clock.advance(timedelta(hours=1))
    assert (await bot.accept(who("baraka"), offer_id=offer_id(offer))).error is None
    median = fields_of((await bot.admin_stats(who("admin"))).reply)[EN("stats.median_match")]
    assert median == EN("stats.hours", hours="1.0")
    [digest] = await until(bot, clock, datetime(2026, 1, 12, 8, tzinfo=UTC))
    assert EN("digest.activity", requests=1, matches=1, median=median) in digest.text
