"""The bot the typed-command tests run lines through: default settings, one admin (``U-admin``), no rate limit."""

from __future__ import annotations

import pytest

from mentorbot.bot import MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.settings import Settings
from mentorbot.storage.store import Store


@pytest.fixture
def bot(store: Store, clock: ManualClock) -> MentorBot:
    settings = Settings(_env_file=None, admin_ids=["U-admin"], rate_limit_per_minute=10_000)  # type: ignore[call-arg]
    return MentorBot(store, Library(settings.skills_file, settings.courses_file), settings, clock, worker_id="t")
