"""How ``mentorbot run`` finds the Slack adapter: its `AdapterSpec`, registered under the entry-point group
``mentorbot.adapters``. Light on purpose: slack_bolt is imported only when the runner is."""

from __future__ import annotations

from typing import Final

from mentorbot.runners import AdapterSpec, secret_set
from mentorbot.settings import Settings

COMMUNITY_PREFIX: Final = "slack:"
"""The core's communities of this adapter: ``slack:<team id>``."""


def check(settings: Settings) -> None:
    """What the runner refuses at start (`mentorbot_slack.runner.check_settings`), for ``mentorbot config check``
    and ``mentorbot run`` before it opens the database: a `SettingsError` naming the setting."""
    from mentorbot_slack.runner import check_settings  # the runner is loaded already when the adapter is set

    check_settings(settings.slack)


ADAPTER: Final = AdapterSpec(
    "slack",
    "mentorbot_slack.runner",
    COMMUNITY_PREFIX,
    "MENTORBOT_SLACK__BOT_TOKEN",
    lambda settings: secret_set(settings.slack.bot_token),
    check,
)
