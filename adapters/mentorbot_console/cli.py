"""``mentorbot console``: the console adapter's command, added to the ``mentorbot`` group by its entry point
(``[project.entry-points."mentorbot.cli"]``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Final

import click

from mentorbot.i18n import LANGUAGES

CONSOLE_RATE_LIMIT: Final = 1_000_000
"""The console is one person at a keyboard (or a script): the per-member rate limit is lifted there."""


@click.command("console")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file to use instead of MENTORBOT_DATABASE_URL (created if missing).",
)
@click.option("--as", "as_name", default="guest", metavar="NAME", show_default=True, help="Member to act as.")
@click.option("--demo", is_flag=True, help="Seed a sample community first (idempotent).")
@click.option("--lang", type=click.Choice(LANGUAGES), help="Community default language for this session.")
@click.option("--files", "files_dir", type=click.Path(file_okay=False, path_type=Path), help="Where exports are saved.")
def console(db: Path | None, as_name: str, demo: bool, lang: str | None, files_dir: Path | None) -> None:
    """The whole bot in this terminal, on a local database: no token, no network.

    Type the same commands as on Slack (/mentor request skills:seo, /courses, /skills, /mentor-admin stats)
    plus /as NAME, /admin on|off, /click N, /clock +48h, /help and /quit. With a script on stdin
    (mentorbot console < script.txt) every line is run; the exit status is 1 if a line could not be run or
    the files it gave (an export) could not be saved.
    """
    from mentorbot.cli_support import db_override, settings_or_exit
    from mentorbot_console.session import valid_name

    if not valid_name(as_name):
        raise click.BadParameter("letters, digits, '.', '-' or '_' (one word, at most 32)", param_hint="--as")
    overrides: dict[str, Any] = {**db_override(db), "rate_limit_per_minute": CONSOLE_RATE_LIMIT}
    if lang:
        overrides["default_language"] = lang
    settings = settings_or_exit(**overrides)

    from mentorbot_console.repl import run_console

    sys.exit(run_console(settings, name=as_name, demo=demo, files_dir=files_dir))
