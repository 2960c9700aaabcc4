"""MentorBot test suite."""
