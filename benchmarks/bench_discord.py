"""Discord end to end: interaction to callback latency through the fake gateway (tests/fakes/discord_*).

Figure: the real discord.py client of MentorBot (`mentorbot_discord.client.MentorBotClient`) connected to the
fake Discord (gateway over a loopback websocket, REST on loopback); each sample pushes a `/courses` or
`/mentor status` interaction through the gateway and times until the client's first interaction callback
arrives at the fake. Both commands are quick reads (`Pace.QUICK`, `read_only`), so that first callback is the
answer itself, with nothing recorded before it: the figure holds discord.py's command tree, the core's use-case
and the rendering. Floor, same run: a bare `discord.Client`
whose interaction handler only answers. The two are measured in alternating blocks (`BLOCKS`, each with a
client of its own, connected afresh), so a change of the machine's load during the run weighs on both alike.

Beside it: how much of the figure is the core's use-case (the `MentorBot` call, timed inside the client), and
the first callback of a busy command (``/mentor request``, deferred at once once it is recorded), each sample
started once the previous interaction was fully handled.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.report import Row, median, percentile, skipped

TARGET_RATIO = 2.0
"""Issue 18: interaction → first callback, median, at most twice the bare client's."""
BLOCKS = 10
"""The figure and the floor are measured in this many alternating blocks (a new client each), so that the load of
the shared machine, which changes within a run, weighs on both alike."""


def _adapter_missing() -> str | None:
    try:
        import discord  # noqa: F401
        import tests.fakes.discord_fake  # noqa: F401

        import mentorbot_discord.client  # noqa: F401
    except ImportError as exc:
        return f"adapter not present ({exc.name})"
    return None


async def _latencies(
    fake: Any,
    user: int,
    samples: int,
    build: Callable[[int], dict[str, Any]],
    *,
    warm_up: int = 10,
    settle: Callable[[int], Awaitable[None]] | None = None,
    spans: list[float] | None = None,
    processed: list[float] | None = None,
) -> list[float]:
    """Push `samples` interactions (`build(i)`), each timed from its push to the arrival of its first callback at
    the fake (`CallbackRecord.at`: the fake's clock once it has read the callback's request, before it works on
    it: Discord's own work on a callback is not the bot's). `processed` collects, per sample, the time until the
    fake had processed that callback and woke the benchmark (the measure of runs before session 23, which
    counts the fake's work on the callback: more for a richer message). `settle` (given the interaction id) is
    awaited after each before the next is pushed; `spans` collects, per sample, what the client timed into it
    (the core's share)."""
    out = []
    for i in range(samples + warm_up):
        payload = build(i)
        if spans is not None:
            spans.append(0.0)
        start = time.perf_counter()
        record = await fake.push_interaction(payload)
        first = await record.wait_callback(timeout=10.0)
        if i >= warm_up:
            if processed is not None:
                processed.append(time.perf_counter() - start)
            out.append(first.at)
        elif spans is not None:
            spans.pop()
        if settle is not None:
            await settle(record.id)
    return out


async def bench_discord(samples: int) -> list[Row]:
    """The Discord rows."""
    missing = _adapter_missing()
    if missing:
        return [skipped("Discord", "Discord end to end", missing)]
    import discord
    from tests.fakes.discord_client import point_discord_py_at
    from tests.fakes.discord_fake import FakeDiscord
    from tests.fakes.discord_models import MENTEE_USER_ID

    from benchmarks.generate import NOW
    from mentorbot.bot import MentorBot
    from mentorbot.clock import ManualClock
    from mentorbot.library import Library
    from mentorbot.settings import Settings
    from mentorbot.storage.sqlite_engine import SqliteDatabase
    from mentorbot.storage.store import Store
    from mentorbot_discord.client import MentorBotClient

    class BareClient(discord.Client):
        async def on_interaction(self, interaction: discord.Interaction) -> None:
            await interaction.response.send_message("ok", ephemeral=True)

    core: list[float] = []
    """Per sample of the figure, the seconds spent in the core's use-case (the `MentorBot` call)."""

    def timed(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                if core:
                    core[-1] += time.perf_counter() - start

        return run

    def quick(i: int) -> dict[str, Any]:
        if i % 2:
            return dict(fake.build.slash("courses", {"skills": "seo"}, user_id=MENTEE_USER_ID))
        return dict(fake.build.slash("mentor status", None, user_id=MENTEE_USER_ID))

    def busy(i: int) -> dict[str, Any]:
        return dict(fake.build.slash("mentor request", {"skills": "seo"}, user_id=MENTEE_USER_ID))

    figure: list[float] = []
    floor: list[float] = []
    figure_processed: list[float] = []
    floor_processed: list[float] = []
    core_of_figure: list[float] = []
    deferred: list[float] = []
    with tempfile.TemporaryDirectory(prefix="mentorbot-bench-discord-") as tmp:
        async with FakeDiscord() as fake:
            with point_discord_py_at(fake.api_url, fake.gateway_url):
                store = Store(SqliteDatabase(str(Path(tmp) / "discord.sqlite3")))
                await store.open(NOW)
                try:
                    overrides: dict[str, Any] = {
                        "rate_limit_per_minute": 1_000_000,
                        "discord": {"token": fake.token, "api_url": fake.api_url, "gateway_url": fake.gateway_url},
                    }
                    settings = Settings(_env_file=None, **overrides)  # type: ignore[call-arg]
                    bot = MentorBot(
                        store, Library(settings.skills_file, settings.courses_file), settings, ManualClock(NOW)
                    )
                    for name in ("status", "courses"):  # the slash commands call the instance's methods
                        setattr(bot, name, timed(getattr(bot, name)))
                    handled: set[int] = set()

                    async def on_mentorbot_interaction(interaction: Any, outcome: Any) -> None:
                        handled.add(interaction.id)
                        fake.signal.notify()

                    async def settle(interaction_id: int) -> None:
                        await fake.signal.wait_for(lambda: interaction_id in handled or None, 10.0, "handled")

                    per_block, extra = divmod(samples, BLOCKS)
                    for block in range(BLOCKS):
                        count = per_block + (1 if block < extra else 0)
                        warm_up = 10 if block == 0 else 2  # each block's client opens its own connections
                        for turn in (0, 1) if block % 2 == 0 else (1, 0):
                            if turn == 0:
                                async with fake.run_client(
                                    BareClient(intents=discord.Intents.default(), guild_ready_timeout=0.05)
                                ):
                                    floor += await _latencies(
                                        fake, MENTEE_USER_ID, count, quick, warm_up=warm_up, processed=floor_processed
                                    )
                                continue
                            client = MentorBotClient(bot, settings, guild_ready_timeout=0.05)
                            client.on_mentorbot_interaction = on_mentorbot_interaction  # type: ignore[attr-defined]
                            async with fake.run_client(client):
                                if block == 0:
                                    await client.tree.sync()
                                figure += await _latencies(
                                    fake,
                                    MENTEE_USER_ID,
                                    count,
                                    quick,
                                    warm_up=warm_up,
                                    spans=core,
                                    processed=figure_processed,
                                )
                                core_of_figure.extend(core)
                                core.clear()
                                await asyncio.sleep(0.05)  # the last answer's tail
                                deferred += await _latencies(
                                    fake, MENTEE_USER_ID, max(1, count // 2), busy, warm_up=1, settle=settle
                                )
                finally:
                    await store.close()
    ms = 1000.0
    ratio = median(figure) / median(floor)
    return [
        Row(
            "Discord",
            "Discord interaction → callback, median",
            median(figure) * ms,
            "ms",
            median(floor) * ms,
            "bare discord.py client",
            f"≤ {TARGET_RATIO:g}× floor",
            ratio <= TARGET_RATIO,
            note=f"{samples} quick commands (/mentor status, /courses) through the fake gateway, answered in their "
            f"first callback, timed to its arrival at the fake; figure and floor in {BLOCKS} alternating blocks",
        ),
        Row(
            "Discord",
            "Discord interaction → callback processed by the fake, median",
            median(figure_processed) * ms,
            "ms",
            median(floor_processed) * ms,
            "bare discord.py client",
            note="the same samples, timed until the fake had processed the callback (the measure of the runs "
            "before session 23): it adds the fake's work on each message, more on MentorBot's than on the floor's "
            '"ok"',
        ),
        Row(
            "Discord",
            "Discord interaction → callback, p99",
            percentile(figure, 99) * ms,
            "ms",
            percentile(floor, 99) * ms,
            "bare client p99",
        ),
        Row(
            "Discord",
            "Discord: the core's use-case inside it, median",
            median(core_of_figure) * ms,
            "ms",
            median(figure) * ms,
            "interaction → callback, median",
            note="the MentorBot call (status, courses) timed inside the client, per sample of the figure; the rest "
            "is the gateway, discord.py, the rendering and the callback (a quick read answered at once is not "
            "recorded in the inbox: docs/reliability.md)",
        ),
        Row(
            "Discord",
            "Discord busy command → first callback (deferral), median",
            median(deferred) * ms,
            "ms",
            median(floor) * ms,
            "bare discord.py client",
            note=f"{len(deferred)} /mentor request, deferred once recorded; each pushed once the previous one "
            "was answered",
        ),
    ]
