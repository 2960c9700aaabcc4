"""MentorBot on Slack: slash commands, modals, offer buttons, App Home and DMs, over Socket Mode or HTTP.

`SlackAdapter` wires slack_bolt's `AsyncApp` to the core; `runner.run` is what ``mentorbot run`` starts;
`server.create_app` is the app factory for several HTTP worker processes. See docs/slack.md.
"""

from mentorbot_slack.adapter import SlackAdapter

__all__ = ["SlackAdapter"]
