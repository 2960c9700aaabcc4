"""`mentorbot admin forget` with no answer to its question (the input ended: a script, ``< /dev/null``) keeps the
member and says so in the command's own words (a CLI hunt, session 39: click's untranslated "Aborted!")."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.cli import main
from tests.test_cli_forget_s33 import COMMUNITY, cli_env, matched, state

__all__ = ["cli_env"]  # the fixture, used by name


@pytest.mark.parametrize("lang", ["en", "sw"])
def test_no_answer_keeps_the_member_in_the_admins_words(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    monkeypatch.setenv("MENTORBOT_DEFAULT_LANGUAGE", lang)
    db = cli_env / "bot.sqlite3"
    url = f"sqlite:///{db}"
    asyncio.run(matched(url))
    result = CliRunner().invoke(
        main, ["admin", "forget", "U-amina", "--community", COMMUNITY, "--db", str(db)], input=""
    )
    assert result.exit_code == 1, result.output
    assert "Aborted" not in result.output
    kept = {
        "en": "Nothing was forgotten: Amina (U-amina) is kept.",
        "sw": "Hakuna kilichosahaulika: Amina (U-amina) amebaki.",
    }[lang]
    assert kept in result.output
    assert asyncio.run(state(url))[0], "the member is kept"
