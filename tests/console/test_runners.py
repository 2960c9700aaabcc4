"""``mentorbot run``'s registry and dispatcher: adapters found by name, notifications routed by community."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from mentorbot.app import Deliver, open_bot, run_timers
from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.replies import Notification, Reply
from mentorbot.runners import (
    AdapterSpec,
    AdapterUnavailable,
    Dispatcher,
    adapters,
    check_runners,
    configured_adapters,
    load_runner,
    run_adapters,
    takes_dispatcher,
)
from mentorbot.settings import DiscordSettings, Settings, SlackSettings
from tests.console.conftest import console_settings


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[MentorBot]:
    async with open_bot(console_settings(tmp_path), clock=ManualClock()) as opened:
        yield opened


def test_configured_adapters_follow_the_tokens(tmp_path: Path) -> None:
    assert configured_adapters(console_settings(tmp_path)) == []
    both = console_settings(
        tmp_path,
        discord=DiscordSettings(token=SecretStr("d")),
        slack=SlackSettings(bot_token=SecretStr("s")),
    )
    assert [a.name for a in configured_adapters(both)] == ["discord", "slack"]
    empty = console_settings(tmp_path, discord=DiscordSettings(token=SecretStr("")))
    assert configured_adapters(empty) == []


def test_the_installed_adapters_are_found_through_their_entry_points() -> None:
    assert {(a.name, a.module, a.community_prefix) for a in adapters()} == {
        ("discord", "mentorbot_discord.runner", "discord:"),
        ("slack", "mentorbot_slack.runner", "slack:"),
    }


def test_missing_runner_module_is_reported() -> None:
    spec = AdapterSpec("x", "mentorbot_nowhere.runner", "x:", "MENTORBOT_X", lambda s: True)
    with pytest.raises(AdapterUnavailable) as caught:
        load_runner(spec)
    assert "mentorbot_nowhere" in caught.value.reason
    no_run = AdapterSpec("x", "mentorbot.demo", "x:", "MENTORBOT_X", lambda s: True)
    with pytest.raises(AdapterUnavailable):
        load_runner(no_run)


async def note_for(bot: MentorBot, community: str, user: str) -> Notification:
    member = await bot.store.ensure_member(community, user, user, bot.clock.now())
    return Notification(member.id, user, Reply(f"hello {user}"), community=community, language="en")


async def test_dispatcher_routes_by_community_and_leaves_an_unready_adapters_notes_in_the_outbox(
    bot: MentorBot,
) -> None:
    got: dict[str, list[str]] = {"discord:": [], "slack:": []}

    def collector(prefix: str) -> Deliver:
        async def deliver(notes: Sequence[Notification]) -> None:
            got[prefix].extend(n.platform_user_id for n in notes)
            await bot.delivered(notes)

        return deliver

    dispatcher = Dispatcher(bot, ["discord:", "slack:"])
    await dispatcher.register("discord:", collector("discord:"))
    written = [
        await note_for(bot, "discord:1", "d1"),
        await note_for(bot, "slack:T1", "s1"),
        await note_for(bot, "console", "c1"),
        await note_for(bot, "discord:2", "d2"),
    ]
    notes = await bot.store.enqueue(written, bot.clock.now(), bot.worker_id, lease=timedelta(minutes=2))
    await dispatcher.deliver(notes)
    await bot.delivered(notes)  # as the timer loop does after a round: never marks what is not delivered
    assert got == {"discord:": ["d1", "d2"], "slack:": []}
    assert await bot.store.count_undelivered() == 1  # Slack's, not ready yet (no adapter serves the console's: dropped)

    # The process dies before the Slack adapter registers: nothing is lost. Any process (this one, once Slack
    # is ready) claims the note again after its retry time and delivers it.
    await dispatcher.register("slack:", collector("slack:"))
    assert isinstance(bot.clock, ManualClock)
    bot.clock.advance(timedelta(hours=1))
    await dispatcher.deliver(await bot.undelivered())
    assert got["slack:"] == ["s1"]


async def test_a_failing_delivery_does_not_stop_the_others(bot: MentorBot) -> None:
    delivered: list[str] = []

    async def broken(notes: Sequence[Notification]) -> None:
        raise RuntimeError("platform down")

    async def working(notes: Sequence[Notification]) -> None:
        delivered.extend(n.platform_user_id for n in notes)

    dispatcher = Dispatcher(bot)
    await dispatcher.register("discord:", broken)
    await dispatcher.register("slack:", working)
    with pytest.raises(RuntimeError, match="platform down"):  # raised after the others were delivered
        await dispatcher.deliver([await note_for(bot, "discord:1", "d1"), await note_for(bot, "slack:T1", "s1")])
    assert delivered == ["s1"]


async def test_what_the_timer_loop_failed_to_deliver_stays_in_the_outbox(bot: MentorBot) -> None:
    """Found by the PostgreSQL restart test (tests/faults/test_pg_restart.py): the adapter's delivery failed
    (the database went away while it recorded where the message went), the dispatcher logged it and returned,
    and the timer loop marked the whole batch delivered: a notification of a committed change was lost."""
    member = await bot.store.ensure_member("slack:T1", "U1", "U1", bot.clock.now())
    note = Notification(member.id, "U1", Reply("hello"), community="slack:T1", language="en", key="offer:1")
    await bot.store.enqueue([note], bot.clock.now(), "dead-worker", lease=timedelta(seconds=-1))

    async def broken(notes: Sequence[Notification]) -> None:
        raise RuntimeError("the database went away mid-delivery")

    dispatcher = Dispatcher(bot)
    await dispatcher.register("slack:", broken)
    loop = asyncio.create_task(run_timers(bot, dispatcher.deliver, interval=0.01, communities=("slack:",)))
    await asyncio.sleep(0.1)
    loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await loop
    assert await bot.store.count_undelivered() == 1, "still in the outbox, to be claimed again"


async def test_run_adapters_gives_runners_the_dispatcher(bot: MentorBot) -> None:
    started: list[str] = []

    async def runner(bot: MentorBot, settings: Settings, *, dispatcher: Dispatcher | None = None) -> None:
        async def deliver(notes: Sequence[Notification]) -> None:
            return None

        assert dispatcher is not None
        await dispatcher.register("discord:", deliver)
        started.append("discord")
        raise RuntimeError("stop the test")

    spec = AdapterSpec("discord", "n/a", "discord:", "MENTORBOT_DISCORD__TOKEN", lambda s: True)
    with pytest.raises(ExceptionGroup):
        await asyncio.wait_for(run_adapters(bot, bot.settings, [(spec, runner)], timer_interval=0.01), timeout=10)
    assert started == ["discord"]


async def test_a_lone_runner_without_dispatcher_runs_on_its_own(bot: MentorBot) -> None:
    calls: list[tuple[object, ...]] = []

    async def runner(bot: MentorBot, settings: Settings, *, timers: bool = True) -> None:
        calls.append((bot, settings, timers))

    spec = AdapterSpec("slack", "n/a", "slack:", "MENTORBOT_SLACK__BOT_TOKEN", lambda s: True)
    await run_adapters(bot, bot.settings, [(spec, runner)])
    assert calls == [(bot, bot.settings, True)]


def test_two_adapters_must_both_take_the_dispatcher() -> None:
    async def modern(bot: MentorBot, settings: Settings, *, dispatcher: Dispatcher | None = None) -> None:
        return None

    async def legacy(bot: MentorBot, settings: Settings) -> None:
        return None

    discord = AdapterSpec("discord", "d.runner", "discord:", "MENTORBOT_DISCORD__TOKEN", lambda s: True)
    slack = AdapterSpec("slack", "s.runner", "slack:", "MENTORBOT_SLACK__BOT_TOKEN", lambda s: True)
    assert takes_dispatcher(modern) and not takes_dispatcher(legacy)
    check_runners([(discord, modern), (slack, modern)])
    check_runners([(slack, legacy)])
    with pytest.raises(AdapterUnavailable) as caught:
        check_runners([(discord, modern), (slack, legacy)])
    assert caught.value.spec is slack
