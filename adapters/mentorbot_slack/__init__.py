"""MentorBot on Slack: slash commands, modals, offer buttons, App Home and DMs, over Socket Mode or HTTP.

`mentorbot_slack.adapter.SlackAdapter` wires slack_bolt's `AsyncApp` to the core; `runner.run` is what
``mentorbot run`` starts (found through `plugin.ADAPTER`); `server.create_app` is the app factory for several HTTP
worker processes. See docs/slack.md. Importing this package loads no Slack library (its message catalogs are
read from here).
"""
