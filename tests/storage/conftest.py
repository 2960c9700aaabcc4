"""Fixtures shared by the storage tests (the engines' `store` fixtures are the suite's own: tests/conftest.py)."""

from __future__ import annotations

import pytest

from mentorbot.library import Library
from mentorbot.settings import Settings


@pytest.fixture(scope="session")
def library() -> Library:
    """The shipped skills and courses."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Library(settings.skills_file, settings.courses_file)
