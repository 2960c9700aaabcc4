"""How ``mentorbot run`` finds the Discord adapter: its `AdapterSpec`, registered under the entry-point group
``mentorbot.adapters``. Light on purpose: discord.py is imported only when the runner is."""

from __future__ import annotations

from typing import Any, Final

from mentorbot.runners import AdapterSpec, secret_set
from mentorbot.settings import DiscordSettings, Settings, SettingsError

COMMUNITY_PREFIX: Final = "discord:"
"""The core's communities of this adapter: ``discord:<guild id>``."""


def shard_options(settings: DiscordSettings) -> dict[str, Any]:
    """``shard_count``/``shard_ids`` for the client, checked; a wrong combination names the setting.

    Without SHARD_COUNT, Discord recommends the count (``GET /gateway/bot``), unless the gateway is
    overridden: then that gateway is used with one shard.
    """
    count = settings.shard_count
    ids = list(settings.shard_ids)
    if ids and count is None:
        raise SettingsError(
            "MENTORBOT_DISCORD__SHARD_IDS: needs MENTORBOT_DISCORD__SHARD_COUNT (the total number of shards)"
        )
    if count is not None and any(not 0 <= i < count for i in ids):
        raise SettingsError(f"MENTORBOT_DISCORD__SHARD_IDS: each shard id must be from 0 to {count - 1}")
    if len(set(ids)) != len(ids):
        raise SettingsError("MENTORBOT_DISCORD__SHARD_IDS: a shard id is listed twice")
    if count is None and settings.gateway_url:
        count = 1
    return {"shard_count": count, "shard_ids": ids or None}


def check(settings: Settings) -> None:
    """What the runner refuses at start (the shards: `shard_options`), for ``mentorbot config check`` and
    ``mentorbot run`` before it opens the database: a `SettingsError` naming the setting."""
    shard_options(settings.discord)


ADAPTER: Final = AdapterSpec(
    "discord",
    "mentorbot_discord.runner",
    COMMUNITY_PREFIX,
    "MENTORBOT_DISCORD__TOKEN",
    lambda settings: secret_set(settings.discord.token),
    check,
)
