"""MentorBot: peer mentorship for social media marketing communities (platform-agnostic core)."""

__version__ = "0.1.0"
