"""MentorBot's console adapter."""
