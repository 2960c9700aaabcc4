"""Session 41 (platform definitions hunt): the README's command table and the commands Discord registers.

Before: the table was introduced as "the same words on every platform", but on Discord a suggestion is the
`suggest` option of `/courses` (no `/courses suggest url:…`), a vote is only the Helpful / Not helpful buttons
(no `/courses vote`), and there is no `help` subcommand. The introduction now names each difference; this test
keeps it true: every command of the table that Discord does not register (or whose named option it lacks) is
named there, and every core command Discord lacks is too."""

from __future__ import annotations

import re
from pathlib import Path

from discord import app_commands

from mentorbot.commands import COMMANDS
from mentorbot_discord.slash import command_list

README = Path(__file__).resolve().parents[2] / "README.md"


def _discord_paths() -> dict[str, set[str]]:
    """Each command Discord registers (``mentor signup``, ``courses``) with its options."""
    paths: dict[str, set[str]] = {}
    for command in command_list():
        if isinstance(command, app_commands.Group):
            for sub in command.commands:
                assert isinstance(sub, app_commands.Command)
                paths[f"{command.name} {sub.name}"] = {p.name for p in sub.parameters}
        else:
            paths[command.name] = {p.name for p in command.parameters}
    return paths


def _commands_section() -> tuple[str, str]:
    """The README's Commands section: its introduction (before the table, its lines joined) and the table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n**Long lists**", 1)[0]
    intro, _, table = section.partition("\n| command |")
    return " ".join(intro.split()), table


def _table_commands(table: str) -> list[tuple[str, list[str]]]:
    """The commands in the first column of the table (``/mentor-admin match …`` / ``end …`` is two), each with
    the option names it types (``skills:``)."""
    found = []
    for row in table.splitlines():
        cells = row.split(" | ")
        if not row.startswith("| `") or not cells:
            continue
        group = ""
        for typed in re.findall(r"`([^`]+)`", cells[0].removeprefix("| ")):
            words = typed.lstrip("/").split()
            if typed.startswith("/"):
                group = words[0]
            else:
                words = [group, *words]
            found.append((" ".join(words), re.findall(r"(?:^|[\s\[])([a-z]+):", typed)))
    return found


def _on_discord(words: str, paths: dict[str, set[str]]) -> tuple[str, set[str]] | None:
    parts = words.split()
    for n in (2, 1):
        path = " ".join(parts[:n])
        if path in paths:
            return path, paths[path]
    return None


def test_every_difference_from_discord_is_named_in_the_readmes_introduction() -> None:
    intro, table = _commands_section()
    paths = _discord_paths()
    core = {c.name.lstrip("/") for c in COMMANDS}
    missing: set[str] = set()
    for words, options in _table_commands(table):
        two = " ".join(words.split()[:2])
        name = two if two in core else words.split()[0]  # `/courses suggest …` is a command; `/skills seo` is not
        found = _on_discord(words, paths)
        if found is None or found[0] != name or not set(options) <= found[1]:
            missing.add(name)
    assert missing == {"courses suggest", "courses vote"}, missing
    assert "same words on every platform" not in intro
    assert "`suggest` option of `/courses`" in intro, intro
    assert "`/courses vote`" in intro and "Helpful" in intro, intro
    core_only = core - set(paths)
    assert core_only == {"mentor help", "mentor-admin help", "courses suggest", "courses vote"}, core_only
    assert "no `help` subcommand" in intro, intro
    assert "adapters/mentorbot_discord/slash.py" in intro
