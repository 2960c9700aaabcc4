"""How ``mentorbot run`` finds the Discord adapter: its `AdapterSpec`, registered under the entry-point group
``mentorbot.adapters``. Light on purpose: discord.py is imported only when the runner is."""

from __future__ import annotations

from typing import Final

from mentorbot.runners import AdapterSpec, secret_set

COMMUNITY_PREFIX: Final = "discord:"
"""The core's communities of this adapter: ``discord:<guild id>``."""

ADAPTER: Final = AdapterSpec(
    "discord",
    "mentorbot_discord.runner",
    COMMUNITY_PREFIX,
    "MENTORBOT_DISCORD__TOKEN",
    lambda settings: secret_set(settings.discord.token),
)
