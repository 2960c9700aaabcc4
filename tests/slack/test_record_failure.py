"""A slash command that cannot be recorded in the inbox (the database is down) is answered at once, in the
acknowledgement, with the database's short "try again in a minute": not a 500 (Slack would show the member its
own error), not the apology. Found by the PostgreSQL restart test (``tests/faults/test_pg_restart.py``)."""

from __future__ import annotations

import logging

import pytest

from mentorbot.storage.database import DatabaseUnavailable
from tests.slack.conftest import ALICE, COMMUNITY, EN, Workspace, unescape


async def test_a_command_that_cannot_be_recorded_is_told_to_try_again_in_the_ack(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace

    async def down(*_args: object, **_kwargs: object) -> None:
        raise DatabaseUnavailable("PostgreSQL: ConnectionRefusedError: [Errno 111] Connect call failed")

    monkeypatch.setattr(ws.bot.store, "record_event", down)
    with caplog.at_level(logging.INFO):
        response = await ws.slack.slash_command(command="/mentor", text="request skills:seo", user_id=ALICE)
    assert response.status == 200
    text = unescape(response.text)
    assert EN("common.db_unavailable", correlation_id="@").split("@")[0] in text, text
    assert "Errno" not in text and "Traceback" not in text
    assert [r for r in caplog.records if r.getMessage().startswith("database unavailable")], "one line logged"
    assert not [r for r in caplog.records if r.exc_info], "no traceback: the database failing is not a bug"
    monkeypatch.undo()
    assert await ws.bot.store.find_member(COMMUNITY, ALICE) is None, "nothing was recorded nor done"
    assert await ws.bot.store.count_unprocessed() == 0
