"""MentorBot's discord adapter."""
