"""A database password never reaches what `mentorbot run` prints or logs (session 34's mutation testing: every
line below still passed with its `mask_url_password` call removed). `mentorbot run` is a process of its own, as a
service manager runs it: with the database unreachable (its one-line refusal), and with the database reachable
(the start-up log line, before Slack refuses the app token: masked by its own call and again by the log's
secret filter, so this one guards the two together); `db upgrade`'s line when the role may not
change the schema is checked where it is made."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from mentorbot.cli_support import schema_change_denied
from mentorbot.settings import Settings
from mentorbot.storage.migrations import SchemaChangeDenied
from tests.conftest import POSTGRES_URL, require_postgres
from tests.fakes.slack_ids import BOT_TOKEN
from tests.fakes.slack_web_api import FakeSlack
from tests.slack.test_start_failures import REVOKED_APP_TOKEN, mentorbot_run

SECRET = "s3cr3t-Pw"


def with_password(url: str, user: str) -> str:
    """`url` (no user of its own) with `user` and the password `SECRET` in it."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}:{SECRET}@{parts.hostname}:{parts.port or 5432}"))


def slack_http(fake: FakeSlack, port: int) -> dict[str, str]:
    return {
        "MENTORBOT_SLACK__BOT_TOKEN": BOT_TOKEN,
        "MENTORBOT_SLACK__SIGNING_SECRET": "signsecret",
        "MENTORBOT_SLACK__MODE": "http",
        "MENTORBOT_SLACK__HOST": "127.0.0.1",
        "MENTORBOT_SLACK__PORT": str(port),
        "MENTORBOT_SLACK__API_URL": fake.api_url,
    }


@pytest.fixture
def held_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


async def test_run_with_the_database_unreachable_masks_its_password(
    slack_fake: FakeSlack, tmp_path: Path, held_port: int
) -> None:
    url = f"postgresql://bob:{SECRET}@127.0.0.1:1/mentorbot"  # nothing listens on port 1
    output, code = await mentorbot_run(tmp_path, {**slack_http(slack_fake, held_port), "MENTORBOT_DATABASE_URL": url})
    assert code == 1, output
    assert "postgresql://bob:********@127.0.0.1:1/mentorbot" in output
    assert SECRET not in output


async def test_the_start_up_log_line_masks_the_password(slack_fake: FakeSlack, tmp_path: Path, held_port: int) -> None:
    schema = await require_postgres()
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        user = await admin.fetchval("SELECT current_user")
        await admin.execute(f'CREATE SCHEMA "{schema}"')
    finally:
        await admin.close()
    try:
        url = f"{with_password(POSTGRES_URL, user)}?search_path={schema}"  # trust authentication: any password
        settings = {
            "MENTORBOT_SLACK__BOT_TOKEN": BOT_TOKEN,
            "MENTORBOT_SLACK__APP_TOKEN": REVOKED_APP_TOKEN,  # refused once the bot has started: after the line
            "MENTORBOT_SLACK__API_URL": slack_fake.api_url,
            "MENTORBOT_DATABASE_URL": url,
        }
        output, code = await mentorbot_run(tmp_path, settings)
    finally:
        admin = await asyncpg.connect(POSTGRES_URL)
        try:
            await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await admin.close()
    assert code == 2, output  # the refused app token: after the database was opened and the start-up line logged
    assert f"{user}:********@" in output, output
    assert SECRET not in output


def test_the_schema_change_refusal_masks_the_password() -> None:
    settings = Settings(database_url=f"postgresql://bob:{SECRET}@db.internal:5432/mentorbot")
    line = schema_change_denied(
        settings, SchemaChangeDenied(23, 24, ("0024_x",), "permission denied for schema public")
    )
    assert "postgresql://bob:********@db.internal:5432/mentorbot" in line
    assert SECRET not in line
