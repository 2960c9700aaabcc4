"""The digest's chart is drawn before the timer's unit of work opens. Before, it was drawn inside it: at 100k
members 2.5–3.6 s during which SQLite's write lock was held, so every command of the community waited for a
picture (and on PostgreSQL a connection of the pool was held in a transaction)."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime

import pytest

from mentorbot import charts
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.storage.store import Store
from mentorbot.storage.units import Transactions
from mentorbot.usecases import insight
from tests.usecases.conftest import COMMUNITY, make_settings


async def test_the_digest_chart_is_drawn_before_the_timers_unit_of_work_and_no_command_waits_for_it(
    store: Store, library: Library, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    admins = ["U-a1", "U-a2"]
    bot = MentorBot(store, library, make_settings(digest="mon 08:00", admin_ids=admins), clock, worker_id="w1")
    for user, lang in zip(admins, ("en", "sw"), strict=True):
        await bot.set_language(Caller(COMMUNITY, user, user), language=lang)
    await bot.run_due_jobs()  # schedules the digest
    inside: list[bool] = []
    drawing = threading.Event()
    real = charts.render_png

    def slow(data: charts.ChartData) -> bytes:
        inside.append(Transactions.in_unit_of_work())
        drawing.set()
        time.sleep(0.3)  # a large community's chart
        return real(data)

    monkeypatch.setattr(charts, "render_png", slow)
    clock.advance(datetime(2026, 1, 12, 8, tzinfo=UTC) - clock.now())
    timers = asyncio.create_task(bot.run_due_jobs())
    assert await asyncio.to_thread(drawing.wait, 10)
    started = time.monotonic()
    signed = await bot.signup(Caller(COMMUNITY, "U-new", "New"), skills="seo", capacity="1")
    waited = time.monotonic() - started
    notes = await timers
    assert inside == [False, False], "each language's chart drawn outside any unit of work"
    assert waited < 0.25, f"a command waited {waited:.2f} s for the digest's chart"
    assert signed.reply.text and not timers.exception()
    digests = [n for n in notes if n.reply.attachments]
    assert sorted(n.platform_user_id for n in digests) == admins


async def test_an_admin_whose_language_changed_after_the_drawing_still_gets_a_chart_in_it(
    store: Store, library: Library, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pictures are drawn for the languages the admins had before the unit opened; a language changed in
    between is drawn inside the unit, so nobody gets a chart in a language they no longer read."""
    bot = MentorBot(store, library, make_settings(digest="mon 08:00", admin_ids=["U-a1"]), clock, worker_id="w1")
    await bot.set_language(Caller(COMMUNITY, "U-a1", "A1"), language="en")
    await bot.run_due_jobs()
    real = insight.digest_pictures

    async def then_switch(core: object, job: object) -> dict[str, object]:
        pictures = await real(core, job)  # type: ignore[arg-type]
        assert list(pictures) == ["en"]
        await bot.set_language(Caller(COMMUNITY, "U-a1", "A1"), language="sw")
        return pictures  # type: ignore[return-value]

    monkeypatch.setattr(insight, "digest_pictures", then_switch)
    clock.advance(datetime(2026, 1, 12, 8, tzinfo=UTC) - clock.now())
    [digest] = [n for n in await bot.run_due_jobs() if n.reply.attachments]
    assert digest.language == "sw"
    sw = insight.translator("sw")
    sw_chart = charts.chart_data("supply", await insight.insight_of(bot.core, COMMUNITY), sw, library.taxonomy, "UTC")
    assert digest.reply.attachments[0].description == charts.alt_text(sw_chart, sw)
