"""``mentorbot``: the one command line of MentorBot.

Subcommands load settings when they run (never at import), so ``mentorbot --help`` works with any
environment, and a wrong setting stops a command with one line naming it.
"""

from __future__ import annotations

import sys

import click

from mentorbot import __version__
from mentorbot.catalog_cli import catalog
from mentorbot.settings import Settings, SettingsError, load_settings, masked_settings


def settings_or_exit() -> Settings:
    """The settings, or exit with status 2 and one line naming the wrong setting."""
    try:
        return load_settings()
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@click.group()
@click.version_option(__version__, prog_name="mentorbot")
def main() -> None:
    """MentorBot: peer mentorship for social media marketing communities."""


@main.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("check")
def config_check() -> None:
    """Print the effective settings (secrets masked) and check the skills and courses files."""
    from mentorbot.errors import ConfigFileError
    from mentorbot.library import Library

    settings = settings_or_exit()
    values = masked_settings(settings)
    width = max(len(name) for name in values)
    for name, value in values.items():
        click.echo(f"{name:<{width}}  {value}")
    try:
        library = Library(settings.skills_file, settings.courses_file)
    except ConfigFileError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(library.taxonomy)} skills, {len(library.catalog)} courses")


main.add_command(catalog)


if __name__ == "__main__":  # pragma: no cover
    main()
