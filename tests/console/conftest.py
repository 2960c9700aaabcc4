"""A console session over a fresh SQLite file, with a clock that moves only when the test (or /clock) moves it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mentorbot.app import open_bot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator
from mentorbot.settings import Settings
from mentorbot_console.clock import OffsetClock
from mentorbot_console.session import ConsoleSession, LineResult, plain_text


class ConsoleTranslator(Translator):
    """A message as the console prints it (inline code without its backticks: `session.plain_text`)."""

    def __call__(self, key: str, /, **params: object) -> str:
        return plain_text(super().__call__(key, **params))


def console_translator(lang: str | None) -> Translator:
    """What the console prints for a catalog message in `lang` (English when unknown)."""
    return ConsoleTranslator(lang if lang in ("en", "sw") else "en")


def console_settings(tmp_path: Path, lang: str = "en", **overrides: object) -> Settings:
    """Settings of a console on `tmp_path`, isolated from the machine's environment and .env."""
    values: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path / 'console.sqlite3'}",
        "default_language": lang,
        "rate_limit_per_minute": 1_000_000,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def lang() -> str:
    """The community default language (tests parametrize it)."""
    return "en"


@pytest.fixture
async def session(tmp_path: Path, lang: str) -> AsyncIterator[ConsoleSession]:
    """A console session acting as "guest"."""
    clock = OffsetClock(ManualClock())
    async with open_bot(console_settings(tmp_path, lang), clock=clock) as bot:
        yield ConsoleSession(bot, clock, files_dir=tmp_path / "files")


def checked(result: LineResult) -> str:
    """The output of a line that must have run, and never shows a traceback."""
    assert "Traceback" not in result.output
    assert result.ok, result.output
    return result.output


async def ok(session: ConsoleSession, line: str) -> str:
    """Run a line that must succeed; its output."""
    return checked(await session.run_line(line))


async def refused(session: ConsoleSession, line: str) -> str:
    """Run a line that must fail to parse (or be refused by the console); its output."""
    result = await session.run_line(line)
    assert "Traceback" not in result.output
    assert not result.ok, result.output
    return result.output


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Run CLI commands in an empty folder, with no MENTORBOT_* variable and no .env."""
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path
