"""How ``mentorbot run`` finds the Discord adapter: its `AdapterSpec`, registered under the entry-point group
``mentorbot.adapters``. Light on purpose: discord.py is imported only when the runner is."""

from __future__ import annotations

from typing import Final

from mentorbot.runners import AdapterSpec, secret_set
from mentorbot.settings import Settings

COMMUNITY_PREFIX: Final = "discord:"
"""The core's communities of this adapter: ``discord:<guild id>``."""


def check(settings: Settings) -> None:
    """What the runner refuses at start (the shards: `mentorbot_discord.client.shard_options`), for
    ``mentorbot config check`` and ``mentorbot run`` before it opens the database: a `SettingsError` naming the
    setting."""
    from mentorbot_discord.client import shard_options  # loaded with the runner when the adapter is set

    shard_options(settings.discord)


ADAPTER: Final = AdapterSpec(
    "discord",
    "mentorbot_discord.runner",
    COMMUNITY_PREFIX,
    "MENTORBOT_DISCORD__TOKEN",
    lambda settings: secret_set(settings.discord.token),
    check,
)
