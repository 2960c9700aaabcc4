"""How ``mentorbot run`` finds the Slack adapter: its `AdapterSpec`, registered under the entry-point group
``mentorbot.adapters``. Light on purpose: slack_bolt is imported only when the runner is."""

from __future__ import annotations

from typing import Final

from mentorbot.runners import AdapterSpec, secret_set

COMMUNITY_PREFIX: Final = "slack:"
"""The core's communities of this adapter: ``slack:<team id>``."""

ADAPTER: Final = AdapterSpec(
    "slack",
    "mentorbot_slack.runner",
    COMMUNITY_PREFIX,
    "MENTORBOT_SLACK__BOT_TOKEN",
    lambda settings: secret_set(settings.slack.bot_token),
)
