"""Tests of the Discord adapter: the real discord.py client against the fake Discord."""
