"""Fakes of the platforms (Discord, Slack) served on loopback for end-to-end tests."""
