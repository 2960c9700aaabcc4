"""Defects found by a hunt of the admin insight figures: a late rating in the digest of its week, the weeks a
late digest missed, a recruitment message for a blank skill, wait reasons of requests that no longer wait, and
a chart title that ran off the picture."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.text import Text

from mentorbot import charts
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.replies import Notification, Reply
from mentorbot.storage.insight import Insight, SkillBalance, WeekCount
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


def bot_with(store: Store, library: Library, clock: ManualClock, **settings: object) -> MentorBot:
    return MentorBot(store, library, make_settings(**settings), clock, worker_id="w1")


def digests(notes: list[Notification]) -> list[Reply]:
    """The digests the admin was sent (the replies with the chart)."""
    return [n.reply for n in to(notes, "admin") if n.reply.attachments]


async def until(bot: MentorBot, clock: ManualClock, moment: datetime) -> list[Reply]:
    """Move the clock to `moment` and run the due timers: the digests sent."""
    clock.advance(moment - clock.now())
    return digests(await bot.run_due_jobs())


# --------------------------------------------------------------------------------------- digest: late rating


async def test_a_rating_given_after_a_comment_only_end_is_in_the_digest_of_its_week(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    # The clock starts on Monday 2026-01-05 09:00 UTC; the digest is on Mondays at 08:00.
    bot = bot_with(store, library, clock, digest="mon 08:00")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    asked = await bot.request(who("amina"), skills="seo")
    [offer] = to(asked, "baraka")
    assert (await bot.accept(who("baraka"), offer_id=offer_id(offer))).error is None
    clock.advance(timedelta(days=2))
    ended = await bot.end(who("amina"), mentorship_id=1, comment="thanks a lot")  # a comment, no rating
    assert ended.error is None
    [first] = await until(bot, clock, datetime(2026, 1, 12, 8, tzinfo=UTC))
    assert EN("digest.rating", rating=EN("stats.none")) in first.text
    clock.advance(timedelta(days=1))  # Tuesday 13th: the rating, in the digest's next week
    assert (await bot.feedback(who("amina"), mentorship_id=1, rating="1")).error is None
    assert (await bot.feedback(who("baraka"), mentorship_id=1, rating="5")).error is None
    [second] = await until(bot, clock, datetime(2026, 1, 19, 8, tzinfo=UTC))
    both = EN("digest.rating_value", average="3.0", ratings=2, count=2)
    assert EN("digest.rating", rating=both) in second.text
    [commented, _] = await bot.store.list_feedback(COMMUNITY)
    assert commented.comment == "thanks a lot" and commented.rating == 1  # the comment kept


# ----------------------------------------------------------------------------------- digest: a long outage


async def test_a_digest_run_after_an_outage_covers_every_missed_week_once(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = bot_with(store, library, clock, digest="mon 08:00")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    await bot.signup(who("baraka"), skills="seo", capacity="3")
    await bot.request(who("amina"), skills="seo")  # Monday 5th: in the first digest
    [first] = await until(bot, clock, datetime(2026, 1, 12, 8, tzinfo=UTC))
    none = EN("stats.none")
    assert first.title == EN("digest.title", since="2026-01-05", until="2026-01-12")
    # No timer runs from here to Wednesday 28th noon, two digests missed; requests on the 14th, 21st and 27th.
    for day, name in ((14, "daudi"), (21, "eshe"), (27, "faraji")):
        clock.advance(datetime(2026, 1, day, 10, tzinfo=UTC) - clock.now())
        assert (await bot.request(who(name), skills="paid-social")).error is None
    [late] = await until(bot, clock, datetime(2026, 1, 28, 12, tzinfo=UTC))
    assert late.title == EN("digest.title_weeks", since="2026-01-12", until="2026-01-26", count=2)
    assert EN("digest.activity", requests=2, matches=0, median=none) in late.text
    clock.advance(timedelta(hours=1))
    assert digests(await bot.run_due_jobs()) == []  # once
    # The next digest starts where the late one ended: a request on Tuesday 27th is in it, and only in it.
    [following] = await until(bot, clock, datetime(2026, 2, 2, 8, tzinfo=UTC))
    assert following.title == EN("digest.title", since="2026-01-26", until="2026-02-02")
    assert EN("digest.activity", requests=1, matches=0, median=none) in following.text


async def test_a_digest_run_late_within_its_week_covers_its_week(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = bot_with(store, library, clock, digest="mon 08:00")
    await bot.set_language(who("admin"), language="en")
    await bot.run_due_jobs()
    [digest] = await until(bot, clock, datetime(2026, 1, 18, 23, tzinfo=UTC))  # Sunday: late, not a week late
    assert digest.title == EN("digest.title", since="2026-01-05", until="2026-01-12")


# ------------------------------------------------------------------------------------------ recruit: blank


@pytest.mark.parametrize("blank", [",", ";", " , ;"])
async def test_recruit_with_no_tag_in_the_skill_drafts_for_the_scarcest_skills(
    bot: MentorBot, who: Who, blank: str
) -> None:
    await bot.request(who("amina"), skills="seo")
    reply = (await bot.admin_recruit(who("admin"), skill=blank)).reply
    scarcest = (await bot.admin_recruit(who("admin"))).reply
    assert reply.text == scarcest.text
    command = "/mentor signup skills:seo"
    assert EN("recruit.draft", skills="SEO", waiting=1, count=1, command=command) in reply.text


# ------------------------------------------------------------------------------------ exports: wait reason


async def test_exports_give_a_wait_reason_only_to_the_requests_that_wait(bot: MentorBot, who: Who) -> None:
    await bot.request(who("amina"), skills="seo")  # waits: no mentor offers SEO
    await bot.request(who("daudi"), skills="paid-social")  # waits, then cancelled
    assert (await bot.cancel(who("daudi"))).error is None
    await bot.request(who("eshe"), skills="copywriting")  # waits, then matched by an admin
    await bot.signup(who("baraka"), skills="crisis-comms", capacity="2")
    matched = await bot.admin_match(who("admin"), request_id=3, mentor="Baraka", force=True)
    assert matched.error is None
    exported = await bot.admin_export(who("admin"))
    [requests] = [a for a in exported.reply.attachments if a.filename == "requests.csv"]
    reasons = {
        row["status"]: row["wait_reason"] for row in csv.DictReader(io.StringIO(requests.content.decode("utf-8-sig")))
    }
    assert reasons == {"waiting": "no_mentor", "cancelled": "", "matched": ""}
    for name, expected in (("amina", "no_mentor"), ("daudi", None), ("eshe", None)):
        mine = json.loads((await bot.export(who(name))).reply.attachments[0].content)
        [request] = mine["requests"]
        assert request["wait_reason"] == expected, name


# ------------------------------------------------------------------------------------------- chart: title


def _longest_labels(library: Library, lang: str) -> Insight:
    """Every chart's data with the skills of the longest labels in `lang`."""
    skills = sorted(library.taxonomy.skills, key=lambda s: (-len(s.label(lang)), s.slug))[: charts.SKILLS_SHOWN]
    week = WeekCount(datetime(2026, 1, 5, tzinfo=UTC), 3, 2)
    return Insight(tuple(SkillBalance(s.slug, 1, 2) for s in skills), (week,) * charts.WEEKS_SHOWN, (1,) * 7)


def _title_within_figure(data: charts.ChartData) -> None:
    figure = charts.draw(data)
    figure.canvas.draw()
    titles = [t for t in figure.findobj(Text) if t.get_text().replace("\n", " ") == data.title]
    assert len(titles) == 1, "the title is drawn once"
    extent = titles[0].get_window_extent(figure.canvas.get_renderer())  # type: ignore[attr-defined]
    assert figure.bbox.x0 <= extent.x0 and extent.x1 <= figure.bbox.x1, (data.title, extent, figure.bbox)
    assert figure.bbox.y0 <= extent.y0 and extent.y1 <= figure.bbox.y1, (data.title, extent, figure.bbox)


@pytest.mark.parametrize("lang", ["en", "sw"])
@pytest.mark.parametrize("name", charts.CHARTS)
def test_each_charts_title_lies_within_the_picture(library: Library, lang: str, name: str) -> None:
    t = translator(lang)
    _title_within_figure(charts.chart_data(name, _longest_labels(library, lang), t, library.taxonomy))


def test_a_very_long_title_is_wrapped_within_the_picture(library: Library) -> None:
    data = charts.chart_data("supply", _longest_labels(library, "sw"), translator("sw"), library.taxonomy)
    long = charts.ChartData(
        data.name, " ".join([data.title] * 4), data.x_label, data.y_label, data.categories, data.series, ""
    )
    _title_within_figure(long)
