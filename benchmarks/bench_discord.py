"""Discord end to end: interaction to callback latency through the fake gateway (tests/fakes/discord_*).

Figure: the real discord.py client of MentorBot (`mentorbot_discord.client.MentorBotClient`) connected to the
fake Discord (gateway over a loopback websocket, REST on loopback); each sample pushes a `/courses` or
`/mentor status` interaction through the gateway and times until the fake receives the client's first
interaction callback. Floor, same run: a bare `discord.Client` whose interaction handler only answers.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.report import Row, median, percentile, skipped


def _adapter_missing() -> str | None:
    try:
        import discord  # noqa: F401
        import tests.fakes.discord_fake  # noqa: F401

        import mentorbot_discord.client  # noqa: F401
    except ImportError as exc:
        return f"adapter not present ({exc.name})"
    return None


async def _latencies(fake: Any, user: int, samples: int) -> list[float]:
    out = []
    for i in range(samples + 10):
        if i % 2:
            payload = fake.build.slash("courses", {"skills": "seo"}, user_id=user)
        else:
            payload = fake.build.slash("mentor status", None, user_id=user)
        start = time.perf_counter()
        record = await fake.push_interaction(payload)
        await record.wait_callback(timeout=10.0)
        if i >= 10:  # the first ten warm up
            out.append(time.perf_counter() - start)
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
                    async with fake.run_client(MentorBotClient(bot, settings, guild_ready_timeout=0.05)) as client:
                        await client.tree.sync()
                        figure = await _latencies(fake, MENTEE_USER_ID, samples)
                    async with fake.run_client(BareClient(intents=discord.Intents.default())):
                        floor = await _latencies(fake, MENTEE_USER_ID, samples)
                finally:
                    await store.close()
    ms = 1000.0
    return [
        Row(
            "Discord",
            "Discord interaction → callback, median",
            median(figure) * ms,
            "ms",
            median(floor) * ms,
            "bare discord.py client",
            note=f"{samples} interactions through the fake gateway",
        ),
        Row(
            "Discord",
            "Discord interaction → callback, p99",
            percentile(figure, 99) * ms,
            "ms",
            percentile(floor, 99) * ms,
            "bare client p99",
        ),
    ]
