"""MentorBot's slack adapter."""
