"""A `MentorBot` over a fresh store on each engine, with a manual clock and the shipped skills and courses."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.replies import Notification, Outcome
from mentorbot.settings import Settings
from mentorbot.storage.store import Store

COMMUNITY = "test:guild"


@pytest.fixture(scope="session")
def library() -> Library:
    """The shipped skills and courses."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Library(settings.skills_file, settings.courses_file)


def make_settings(**overrides: object) -> Settings:
    """Default settings, isolated from the machine's environment and .env."""
    values: dict[str, object] = {"admin_ids": ["U-admin"], "rate_limit_per_minute": 10_000}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings() -> Settings:
    """Settings for the core tests."""
    return make_settings()


@pytest.fixture
def bot(store: Store, library: Library, settings: Settings, clock: ManualClock) -> MentorBot:
    """The core under test."""
    return MentorBot(store, library, settings, clock, worker_id="test-worker")


@pytest.fixture
def who() -> Callable[..., Caller]:
    """Build a caller by name: who("amina"), who("admin", is_admin=True)."""

    def make(name: str, **kwargs: object) -> Caller:
        return Caller(COMMUNITY, f"U-{name}", name.capitalize(), **kwargs)  # type: ignore[arg-type]

    return make


def to(outcome: Outcome | list[Notification], name: str) -> list[Notification]:
    """The notifications of an outcome addressed to member `name`."""
    notes = outcome.notifications if isinstance(outcome, Outcome) else outcome
    return [n for n in notes if n.platform_user_id == f"U-{name}"]


def offer_id(note: Notification) -> int:
    """The offer id carried by an offer notification's Accept button."""
    [accept] = [b for b in note.reply.buttons if b.action == "offer.accept"]
    return int(accept.ref)
