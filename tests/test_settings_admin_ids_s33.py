"""Session 33: ``MENTORBOT_ADMIN_IDS`` entries may name the community they count in (``discord:<guild id>:<user
id>``, ``slack:<team id>:<user id>``, ``console:<name>``). A plain entry still counts everywhere. An entry that looks
scoped but names no community MentorBot has (a missing guild id, an unknown platform, a Discord user id that is no
number) would make nobody an admin: it is refused at start-up, naming the setting and the entry's place, never its
value."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.cli import main
from mentorbot.settings import ENV_PREFIX, SettingsError, load_settings

EXPECTED = (
    "expected a user id, or <community>:<user id> for an admin of that community only: console:<name>, "
    "discord:<server id>:<user id> (digits, as discord:123456789012345678:234567890123456789) or "
    "slack:<workspace id>:<user id> (as slack:T0123ABC:U0456DEF)"
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No MENTORBOT_* variable of the machine, and an empty working directory (no stray ``.env``)."""
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def _refusal(monkeypatch: pytest.MonkeyPatch, value: str) -> str:
    monkeypatch.setenv("MENTORBOT_ADMIN_IDS", value)
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None)
    return str(info.value)


def test_scoped_and_plain_entries_are_read_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "MENTORBOT_ADMIN_IDS", " discord:123456789012345678:111 , slack:T0123ABC:U0456DEF,console:Amina, 222,U9"
    )
    assert load_settings(env_file=None).admin_ids == [
        "discord:123456789012345678:111",
        "slack:T0123ABC:U0456DEF",
        "console:Amina",
        "222",
        "U9",
    ]


def test_scoped_entries_are_read_from_a_json_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_ADMIN_IDS", '["discord:1:2", "slack:E0123:W0456", 333]')
    assert load_settings(env_file=None).admin_ids == ["discord:1:2", "slack:E0123:W0456", "333"]


@pytest.mark.parametrize(
    ("value", "place"),
    [
        ("discord:111", 1),  # the server forgotten: "discord" is no community
        ("222,discord:abc:111", 2),  # a server id is digits
        ("discord:123:U0456DEF", 1),  # a Discord user id is digits
        ("discord:123:", 1),  # no user
        ("slack:t0123abc:U1", 1),  # Slack's ids are upper case
        ("slack:T0123ABC:u1", 1),
        ("slack:T1", 1),
        ("teams:T1:U2", 1),  # no such platform
        (":111", 1),
        ("111,222,alice:bob", 3),
        ("console:", 1),
        ("discord:1:2:3", 1),
    ],
)
def test_an_entry_naming_no_community_is_refused_with_its_place(
    monkeypatch: pytest.MonkeyPatch, value: str, place: int
) -> None:
    message = _refusal(monkeypatch, value)
    assert message == f"MENTORBOT_ADMIN_IDS: entry {place}: {EXPECTED}"
    for part in value.split(","):
        if part not in EXPECTED:
            assert part not in message, "the value is not echoed"


def test_the_earlier_refusals_stay_as_they_were(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _refusal(monkeypatch, "discord:1:2 discord:1:3").startswith(
        "MENTORBOT_ADMIN_IDS: expected user ids separated by commas"
    )


def test_config_check_shows_the_scoped_entries(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    (clean_env / ".env").write_text("MENTORBOT_ADMIN_IDS=discord:123:111,222\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["config", "check"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith("MENTORBOT_ADMIN_IDS")]
    assert line.split()[-1] == "discord:123:111,222"


def test_config_check_refuses_a_malformed_entry(monkeypatch: pytest.MonkeyPatch, clean_env: Path) -> None:
    (clean_env / ".env").write_text("MENTORBOT_ADMIN_IDS=discord:111\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["config", "check"])
    assert result.exit_code == 2, result.output
    assert f"MENTORBOT_ADMIN_IDS: entry 1: {EXPECTED}" in result.output
