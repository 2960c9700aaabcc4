"""How ``mentorbot run`` finds the Slack adapter: its `AdapterSpec`, registered under the entry-point group
``mentorbot.adapters``. Light on purpose: slack_bolt is imported only when the runner is."""

from __future__ import annotations

from typing import Final

from mentorbot.runners import AdapterSpec, secret_set
from mentorbot.settings import Settings, SettingsError, SlackSettings

COMMUNITY_PREFIX: Final = "slack:"
"""The core's communities of this adapter: ``slack:<team id>``."""


def check_settings(slack: SlackSettings) -> None:
    """Refuse to start without what the chosen mode needs (the message names the setting, never a value)."""
    if not slack.bot_token or not slack.bot_token.get_secret_value():
        raise SettingsError("MENTORBOT_SLACK__BOT_TOKEN: required to run on Slack (the bot token, xoxb-…)")
    if slack.mode == "socket" and not (slack.app_token and slack.app_token.get_secret_value()):
        raise SettingsError(
            "MENTORBOT_SLACK__APP_TOKEN: required in socket mode (an app-level token, xapp-…, with the "
            "connections:write scope); or set MENTORBOT_SLACK__MODE=http"
        )
    if slack.mode == "http" and not (slack.signing_secret and slack.signing_secret.get_secret_value()):
        raise SettingsError(
            "MENTORBOT_SLACK__SIGNING_SECRET: required in http mode (Basic Information → App Credentials)"
        )


def check(settings: Settings) -> None:
    """What the runner refuses at start (`check_settings`), for ``mentorbot config check`` and ``mentorbot run``
    before it opens the database: a `SettingsError` naming the setting."""
    check_settings(settings.slack)


ADAPTER: Final = AdapterSpec(
    "slack",
    "mentorbot_slack.runner",
    COMMUNITY_PREFIX,
    "MENTORBOT_SLACK__BOT_TOKEN",
    lambda settings: secret_set(settings.slack.bot_token),
    check,
)
