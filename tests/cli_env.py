"""Fixtures of the tests that run ``mentorbot`` commands as an admin would from a shell (a pytest plugin: the root
conftest registers it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mentorbot.settings import ENV_PREFIX


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A shell without the service's env file: no MENTORBOT_* variable of the machine and an empty working folder
    (no stray ``.env``), which is yielded. A test file that needs it for every test marks itself
    ``pytestmark = pytest.mark.usefixtures("clean_env")``."""
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    yield work
