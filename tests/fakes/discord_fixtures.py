"""pytest fixtures for the fake Discord.

Enable them for the whole suite by adding to ``tests/conftest.py``::

    pytest_plugins = ["tests.fakes.discord_fixtures"]
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.discord_client import point_discord_py_at
from tests.fakes.discord_fake import FakeDiscord


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    """A started :class:`FakeDiscord` with discord.py pointed at it; both undone after the test."""
    async with FakeDiscord() as fake:
        with point_discord_py_at(fake.api_url, fake.gateway_url):
            yield fake
