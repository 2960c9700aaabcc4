"""Issue 16: the stats' charts, the scheduled round (due, missed while down, two processes), cohort matching,
the weekly digest and the recruitment helper, through the core with the injectable clock."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.image import imread

from mentorbot import charts
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import RequestStatus
from mentorbot.replies import Notification, Outcome, Reply
from mentorbot.storage.store import Store
from tests.conftest import store_on_same_database
from tests.usecases.conftest import COMMUNITY, make_settings, to

Who = Callable[..., Caller]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
EN = translator("en")
SW = translator("sw")


def bot_with(store: Store, library: Library, clock: ManualClock, worker: str = "w1", **settings: object) -> MentorBot:
    return MentorBot(store, library, make_settings(**settings), clock, worker_id=worker)


async def programme(bot: MentorBot, who: Who) -> None:
    """Mentors and requests: SEO is scarce (two waiting, no place), copywriting has room."""
    await bot.signup(who("baraka"), skills="copywriting", capacity="3")
    await bot.signup(who("chiku"), skills="seo", capacity="1")
    await bot.request(who("amina"), skills="seo")  # offered to Chiku: her place is held
    await bot.request(who("daudi"), skills="seo")
    await bot.request(who("eshe"), skills="seo,paid-social")
    await bot.request(who("faraji"), skills="copywriting")  # offered to Baraka


def numbers_of(reply: Reply, title: str) -> dict[str, list[int]]:
    """The chart's field of a stats reply: category → the numbers said for it, in order."""
    [field] = [f for f in reply.fields if f.name == title]
    out: dict[str, list[int]] = {}
    for line in field.value.splitlines():
        category, _, values = line.rpartition(": ")
        out[category] = [int(n) for n in re.findall(r"\d+", values)]
    return out


def bars_of(data: charts.ChartData) -> dict[str, list[int]]:
    """What the drawn chart shows: category → each series' bar length (read back from the figure)."""
    figure = charts.draw(data)
    [axes] = figure.axes
    lengths = [p.get_width() if data.name == "supply" else p.get_height() for p in axes.patches]
    per_series = len(data.categories)
    out: dict[str, list[int]] = {c: [] for c in data.categories}
    for s in range(len(data.series)):
        for i, category in enumerate(data.categories):
            out[category].append(round(lengths[s * per_series + i]))
    return out


async def test_stats_replies_with_a_valid_png_whose_bars_are_the_numbers_said(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    await programme(bot, who)
    clock.advance(timedelta(days=1))
    outcome = await bot.admin_stats(who("admin"))
    [picture] = outcome.reply.attachments
    assert picture.filename == "mentorbot-supply.png" and picture.mime_type == "image/png"
    assert picture.content.startswith(PNG_SIGNATURE)
    pixels = imread(io.BytesIO(picture.content), format="png")
    assert pixels.shape[0] >= 400 and pixels.shape[1] >= 700
    said = numbers_of(outcome.reply, EN("insight.supply_title"))
    # SEO: no free place (Chiku's is held), two requests waiting; copywriting: 2 of Baraka's 3 places free.
    assert said["SEO"] == [0, 2]
    assert said["Copywriting"] == [2, 0]
    assert said["Paid social"] == [0, 1]
    assert next(iter(said)) == "SEO"  # scarcest first
    insight = await bot.store.insight(COMMUNITY, [])
    data = charts.chart_data("supply", insight, EN, bot.core.library.taxonomy)
    assert bars_of(data) == said
    assert picture.description is not None and picture.description.startswith("Bar chart.")
    assert "SEO: free places 0, waiting requests 2" in picture.description


@pytest.mark.parametrize("name", ["weekly", "days"])
async def test_each_chart_shows_the_numbers_of_the_reply(
    bot: MentorBot, who: Who, clock: ManualClock, name: str
) -> None:
    await programme(bot, who)
    offers = await bot.store.list_offers(mentor_id=(await bot.store.find_member(COMMUNITY, "U-baraka")).id)  # type: ignore[union-attr]
    clock.advance(timedelta(days=1, hours=3))
    accepted = await bot.accept(who("baraka"), offer_id=offers[0].id)
    assert accepted.error is None
    outcome = await bot.admin_stats(who("admin"), chart=name)
    [picture] = outcome.reply.attachments
    assert picture.filename == f"mentorbot-{name}.png" and picture.content.startswith(PNG_SIGNATURE)
    data = charts.chart_data(name, await bot.core.store.insight(COMMUNITY, _weeks(bot)), EN, bot.core.library.taxonomy)
    said = numbers_of(outcome.reply, data.title)
    assert bars_of(data) == said
    if name == "days":
        assert said["1–2"] == [1] and sum(v[0] for v in said.values()) == 1
    else:
        assert sum(v[0] for v in said.values()) == 4 and sum(v[1] for v in said.values()) == 1


def _weeks(bot: MentorBot) -> list:  # type: ignore[type-arg]
    from mentorbot.usecases.insight import week_bounds

    return week_bounds(bot.core.clock.now(), "UTC")[:-1]  # the starts of the weeks shown


async def test_chart_labels_are_in_the_admins_language(bot: MentorBot, who: Who) -> None:
    await programme(bot, who)
    await bot.set_language(who("admin"), language="sw")
    outcome = await bot.admin_stats(who("admin"), chart="supply")
    assert [f for f in outcome.reply.fields if f.name == SW("insight.supply_title")]
    data = charts.chart_data("supply", await bot.store.insight(COMMUNITY, []), SW, bot.core.library.taxonomy)
    figure = charts.draw(data)
    [axes] = figure.axes
    assert figure.get_suptitle() == SW("insight.supply_title")
    assert [t.get_text() for t in axes.get_legend().get_texts()] == [SW("insight.free_places"), SW("insight.waiting")]
    assert outcome.reply.attachments[0].description.startswith("Chati ya nguzo.")  # type: ignore[union-attr]


async def test_weekly_chart_labels_each_week_by_its_monday_in_the_programme_zone(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    # Monday 00:00 in Nairobi is Sunday 21:00 UTC: the week is still labelled with its Monday.
    bot = bot_with(store, library, clock, programme_timezone="Africa/Nairobi")
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    await bot.request(who("amina"), skills="seo")  # Monday 2026-01-05, 12:00 in Nairobi
    outcome = await bot.admin_stats(who("admin"), chart="weekly")
    said = numbers_of(outcome.reply, EN("insight.weekly_title", weeks=charts.WEEKS_SHOWN))
    assert list(said)[-1] == "2026-01-05" and said["2026-01-05"] == [1, 0]
    assert next(iter(said)) == "2025-10-20"


async def test_weekly_chart_counts_a_request_in_one_week_across_a_dst_change(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    # Berlin's week of 23 March 2026 is 167 hours (clocks go forward on the 29th): it ends at Monday 30 March
    # 00:00 CEST (22:00 UTC), not 168 hours after it began.
    bot = bot_with(store, library, clock, programme_timezone="Europe/Berlin")
    clock.advance(datetime(2026, 3, 29, 22, 30, tzinfo=UTC) - clock.now())  # Monday 30 March 00:30 CEST
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    await bot.request(who("amina"), skills="seo")
    clock.advance(timedelta(days=1))
    outcome = await bot.admin_stats(who("admin"), chart="weekly")
    said = numbers_of(outcome.reply, EN("insight.weekly_title", weeks=charts.WEEKS_SHOWN))
    assert said["2026-03-30"] == [1, 0] and said["2026-03-23"] == [0, 0]
    assert sum(v[0] for v in said.values()) == 1


async def test_an_unknown_chart_is_named_and_the_choices_given(bot: MentorBot, who: Who) -> None:
    outcome = await bot.admin_stats(who("admin"), chart="pie")
    assert outcome.reply.text == EN("insight.unknown_chart", chart="pie", charts="supply, weekly, days")


async def test_an_empty_programme_still_draws_each_chart(bot: MentorBot, who: Who) -> None:
    for name in charts.CHARTS:
        outcome = await bot.admin_stats(who("admin"), chart=name)
        assert outcome.reply.attachments[0].content.startswith(PNG_SIGNATURE)


# ---------------------------------------------------------------------------------------------- schedule


def round_notices(notes: Outcome | list[Notification]) -> list[Notification]:
    return [n for n in to(notes, "admin") if n.reply.title == EN("schedule.round_title")]


async def test_the_scheduled_round_runs_when_due_and_tells_the_admins(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    # 2026-01-05 09:00 UTC is a Monday; the round is at 10:00.
    bot = bot_with(store, library, clock, round_schedule="mon 10:00", matching="rounds")
    await bot.set_language(who("admin"), language="en")  # the admin is a member of the community
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    asked = await bot.request(who("amina"), skills="seo")
    assert EN("wait.next_round", skills="SEO", until="2026-01-05 10:00 UTC") in asked.reply.text
    assert round_notices(await bot.run_due_jobs()) == []  # not due yet
    clock.advance(timedelta(minutes=59))
    assert round_notices(await bot.run_due_jobs()) == []
    clock.advance(timedelta(minutes=1))
    notes = await bot.run_due_jobs()
    [notice] = round_notices(notes)
    assert "1 offer sent, 0 requests still waiting" in notice.reply.text
    assert EN("schedule.next_round", at="2026-01-12 10:00 UTC") in notice.reply.text
    assert to(notes, "baraka") and to(notes, "amina")  # the offer, and its requester told
    assert round_notices(await bot.run_due_jobs()) == []  # once


async def test_a_round_missed_while_down_runs_once_on_return(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = bot_with(store, library, clock, round_schedule="mon 10:00")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()  # the timer is planned for 10:00 today
    clock.advance(timedelta(weeks=3, hours=5))  # the bot was down for three rounds
    restarted = bot_with(store, library, clock, worker="w2", round_schedule="mon 10:00")
    assert len(round_notices(await restarted.run_due_jobs())) == 1
    assert round_notices(await restarted.run_due_jobs()) == []
    [job] = await _round_jobs(store)
    assert job == "2026-02-02 10:00:00+00:00"  # the next one, not a missed one


async def _round_jobs(store: Store) -> list[str]:
    async with store.read() as conn:
        found = await conn.fetch_all("SELECT due_at FROM jobs WHERE kind = 'round' AND status = 'pending'")
    from mentorbot.storage import rows

    return [str(rows.ts(r["due_at"])) for r in found]


async def test_a_changed_schedule_moves_the_pending_round(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    await bot_with(store, library, clock, round_schedule="mon 10:00").set_language(who("admin"), language="en")
    await bot_with(store, library, clock, round_schedule="mon 10:00").run_due_jobs()
    assert await _round_jobs(store) == ["2026-01-05 10:00:00+00:00"]
    moved = bot_with(store, library, clock, round_schedule="wed 07:30", programme_timezone="Africa/Nairobi")
    await moved.run_due_jobs()
    assert await _round_jobs(store) == ["2026-01-07 04:30:00+00:00"]


async def test_two_processes_claim_the_scheduled_round_once(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    other = store_on_same_database(store)
    await other.open(clock.now())
    try:
        bots = [
            bot_with(s, library, clock, worker=f"p{i}", round_schedule="mon 10:00")
            for i, s in enumerate((store, other))
        ]
        await bots[0].set_language(who("admin"), language="en")
        await bots[0].signup(who("baraka"), skills="seo", capacity="2")
        await asyncio.gather(*(b.run_due_jobs() for b in bots))
        clock.advance(timedelta(hours=1))
        results = await asyncio.gather(*(b.run_due_jobs() for b in bots), *(b.run_due_jobs() for b in bots))
        assert sum(len(round_notices(r)) for r in results) == 1
    finally:
        await other.close()


# ------------------------------------------------------------------------------------------ digest, recruit


async def test_the_weekly_digest_says_the_week_in_a_few_lines_with_the_chart(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = bot_with(store, library, clock, digest="mon 08:00", offer_ttl_hours=24.0)
    await programme(bot, who)
    chiku = await bot.store.find_member(COMMUNITY, "U-chiku")
    assert chiku is not None
    [offer] = await bot.store.list_offers(mentor_id=chiku.id)
    await bot.set_language(who("admin"), language="sw")
    clock.advance(timedelta(hours=24, minutes=5))
    await bot.run_due_jobs()  # Chiku's offer lapses
    clock.advance(timedelta(days=5, hours=23, minutes=25))  # Monday 2026-01-12 08:30: the digest is due
    notes = [n for n in to(await bot.run_due_jobs(), "admin") if n.reply.attachments]
    [digest] = notes
    assert digest.language == "sw"
    assert digest.reply.title == SW("digest.title", since="2026-01-05", until="2026-01-12")
    text = digest.reply.text
    assert SW("digest.activity", requests=4, matches=0, median=SW("stats.none")) in text
    lapsed = "\n".join(SW("digest.count_of", name=f"<@{user}>", count=1) for user in ("U-baraka", "U-chiku"))
    assert {f.name: f.value for f in digest.reply.fields}[SW("digest.lapses_title")] == lapsed
    waiting = await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    assert SW("digest.waiting", count=len(waiting)) in text
    [picture] = digest.reply.attachments
    assert picture.content.startswith(PNG_SIGNATURE) and picture.description
    assert offer.id  # the digest's file survives the outbox: it is read back from there
    again = await bot.store.claim_undelivered(clock.now() + timedelta(hours=1), "w9", lease=timedelta(minutes=1))
    assert any(n.reply.attachments and n.reply.attachments[0].content == picture.content for n in again)


async def test_the_digest_names_two_mentors_who_share_a_name_apart(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = bot_with(store, library, clock, digest="mon 08:00", offer_ttl_hours=24.0)
    await bot.set_language(who("admin"), language="en")
    await bot.signup(Caller(COMMUNITY, "U-john1", "John"), skills="seo", capacity="1")
    await bot.signup(Caller(COMMUNITY, "U-john2", "John"), skills="copywriting", capacity="1")
    await bot.request(who("amina"), skills="seo")
    await bot.request(who("daudi"), skills="copywriting")
    clock.advance(timedelta(hours=24, minutes=5))
    await bot.run_due_jobs()  # each John lets his one offer lapse
    clock.advance(timedelta(days=5, hours=23, minutes=25))  # Monday 2026-01-12 08:30: the digest is due
    [digest] = [n for n in to(await bot.run_due_jobs(), "admin") if n.reply.attachments]
    johns = "\n".join(EN("digest.count_of", name=f"<@{user}>", count=1) for user in ("U-john1", "U-john2"))
    assert {f.name: f.value for f in digest.reply.fields}[EN("digest.lapses_title")] == johns


async def test_a_request_is_in_one_digest_across_a_dst_change(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    # Monday 08:00 in Berlin: 07:00 UTC on 23 March 2026, 06:00 UTC on 30 March (CEST). The second digest's week
    # starts at the first one's time, not 168 hours before its own.
    clock.advance(datetime(2026, 3, 22, 12, tzinfo=UTC) - clock.now())
    bot = bot_with(store, library, clock, digest="mon 08:00", programme_timezone="Europe/Berlin")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    clock.advance(datetime(2026, 3, 23, 6, 30, tzinfo=UTC) - clock.now())  # Monday 07:30 CET, before the digest
    await bot.request(who("amina"), skills="seo")
    digests = []
    for due in (datetime(2026, 3, 23, 7, tzinfo=UTC), datetime(2026, 3, 30, 6, tzinfo=UTC)):
        clock.advance(due + timedelta(minutes=5) - clock.now())
        digests += [n.reply for n in to(await bot.run_due_jobs(), "admin") if n.reply.attachments]
    first, second = digests
    none = EN("stats.none")
    assert EN("digest.activity", requests=1, matches=0, median=none) in first.text
    assert EN("digest.activity", requests=0, matches=0, median=none) in second.text
    assert second.title == EN("digest.title", since="2026-03-23", until="2026-03-30")


async def test_recruit_names_the_scarcest_skills_and_the_command(bot: MentorBot, who: Who) -> None:
    await programme(bot, who)
    reply = (await bot.admin_recruit(who("admin"))).reply
    assert reply.title == EN("recruit.title")
    command = "/mentor signup skills:seo,paid-social"
    # Daudi's and Eshe's requests wait: two, though Eshe's names both skills (each request is counted once).
    assert EN("recruit.draft", skills="SEO and Paid social", waiting=2, count=2, command=command) in reply.text
    # Faraji's copywriting request holds an offer: none waits, and the draft does not announce "0 requests".
    one = (await bot.admin_recruit(who("admin"), skill="copy writing")).reply
    assert EN("recruit.draft_no_wait", skills="Copywriting", command="/mentor signup skills:copywriting") in one.text
    several = (await bot.admin_recruit(who("admin"), skill="seo, paid social")).reply
    assert EN("recruit.draft", skills="SEO and Paid social", waiting=2, count=2, command=command) in several.text
    # More skills than a draft names are refused, not silently dropped.
    four = await bot.admin_recruit(who("admin"), skill="seo, paid social, copywriting, crisis comms")
    assert four.reply.text == EN("recruit.too_many", count=4, max=3)
    assert (await bot.admin_recruit(who("amina"))).reply.text == "Only admins can do that."


async def test_recruit_with_nothing_scarce_says_so(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    assert (await bot.admin_recruit(who("admin"))).reply.text == EN("recruit.none_scarce")


async def test_live_matching_is_unchanged_without_rounds(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo", capacity="2")
    await bot.request(who("amina"), skills="seo")
    [request] = await bot.store.list_requests(COMMUNITY, [RequestStatus.OFFERED])
    assert request.skills == ("seo",)
