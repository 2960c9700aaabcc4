"""Identifiers and secrets shared by the fake Slack, the request builders and the tests.

The values are shaped like Slack's (``T…`` team, ``A…`` app, ``U…`` user, ``B…`` bot, ``D…`` direct
message, ``xoxb-``/``xapp-`` tokens) but are made up: nothing here is a real credential.
"""

from __future__ import annotations

TEAM_ID = "T0MENTOR01"
TEAM_DOMAIN = "mentorbot-test"
TEAM_NAME = "MentorBot Test Workspace"
APP_ID = "A0MENTOR01"
BOT_USER_ID = "U0MENTORBOT"
BOT_ID = "B0MENTORBOT"
BOT_NAME = "mentorbot"

BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-1-A0MENTOR01-test"
SIGNING_SECRET = "secret"
# Slack still puts the (deprecated) verification token into every payload; Bolt ignores it.
VERIFICATION_TOKEN = "verification-token-test"
BOT_SCOPES = "chat:write,commands,im:write,users:read"

DEFAULT_USER_ID = "U0ALICE01"
DEFAULT_USER_NAME = "alice"
DEFAULT_CHANNEL_ID = "C0GENERAL1"
DEFAULT_CHANNEL_NAME = "general"


def dm_channel_id_for(user_id: str) -> str:
    """The id of the app's direct-message channel with ``user_id`` (``U0ALICE01`` → ``D0ALICE01``).

    Real DM ids are unrelated to user ids; deriving one keeps the fake and the payload builders
    in agreement without any shared state.
    """
    return "D" + user_id[1:]
