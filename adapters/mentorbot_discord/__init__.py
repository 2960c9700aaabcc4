"""MentorBot on Discord: slash commands, persistent offer buttons and DMs over the core (docs/discord.md)."""
