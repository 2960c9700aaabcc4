"""Tests of the mentorship core (use-cases), on both storage engines."""
