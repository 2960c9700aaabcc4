"""How ``mentorbot run`` finds the Slack adapter: its `AdapterSpec`, registered under the entry-point group
``mentorbot.adapters``. Light on purpose: slack_bolt is imported only when the runner is."""

from __future__ import annotations

from typing import Final

from mentorbot.runners import AdapterSpec, secret_set
from mentorbot.settings import Settings, SettingsError, SlackSettings

COMMUNITY_PREFIX: Final = "slack:"
"""The core's communities of this adapter: ``slack:<team id>``."""
BOT_TOKEN_PREFIX: Final = "xoxb-"
"""How Slack's bot tokens (Bot User OAuth Token) start."""
APP_TOKEN_PREFIX: Final = "xapp-"
"""How Slack's app-level tokens (Socket Mode) start."""
_OTHER_TOKENS: Final = {
    "xoxb-": "the bot token",
    "xapp-": "the app-level token",
    "xoxp-": "a user token",
    "xoxe": "a configuration or refresh token",
}


def _which_token(value: str) -> str:
    """What kind of Slack token `value` is, by its prefix (never the value itself), as ``" (this is …)"``."""
    for prefix, kind in _OTHER_TOKENS.items():
        if value.strip().startswith(prefix):
            return f" (this is {kind}, {prefix}…)"
    return ""


def check_settings(slack: SlackSettings) -> None:
    """Refuse to start without what the chosen mode needs, or with a token of another kind than the setting takes
    (the bot token pasted as the app-level token, or the other way round). The message names the setting, never a
    value: at most which kind of token it holds, by its prefix."""
    if not slack.bot_token or not slack.bot_token.get_secret_value():
        raise SettingsError("MENTORBOT_SLACK__BOT_TOKEN: required to run on Slack (the bot token, xoxb-…)")
    if not slack.bot_token.get_secret_value().strip().startswith(BOT_TOKEN_PREFIX):
        raise SettingsError(
            f"MENTORBOT_SLACK__BOT_TOKEN: not a bot token{_which_token(slack.bot_token.get_secret_value())}; it "
            "starts with xoxb- (OAuth & Permissions → Bot User OAuth Token)"
        )
    if slack.mode == "socket" and not (slack.app_token and slack.app_token.get_secret_value()):
        raise SettingsError(
            "MENTORBOT_SLACK__APP_TOKEN: required in socket mode (an app-level token, xapp-…, with the "
            "connections:write scope); or set MENTORBOT_SLACK__MODE=http"
        )
    if slack.mode == "socket" and slack.app_token:
        app_token = slack.app_token.get_secret_value()
        if not app_token.strip().startswith(APP_TOKEN_PREFIX):
            raise SettingsError(
                f"MENTORBOT_SLACK__APP_TOKEN: not an app-level token{_which_token(app_token)}; it starts with xapp- "
                "(Basic Information → App-Level Tokens, with the connections:write scope)"
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
