"""An admin export's files agree on what they name (session 34's docs hunt): the export is read in pages, table
after table, while members' commands go on (`Store.export_pages`), so a request made between the reads of
``requests.csv`` and ``offers.csv`` had its offer in ``offers.csv`` and no row in ``requests.csv`` (its member
missing from ``members.csv`` too). Rows written after the export began are now in no file (`Store.export_bounds`)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from mentorbot.bot import Caller, MentorBot

Who = Callable[..., Caller]


def ids(files: dict[str, str], name: str, column: str) -> set[str]:
    return {row[column] for row in csv.DictReader(io.StringIO(files[name])) if row[column]}


@pytest.mark.parametrize("between", ["requests", "offers", "mentorships", "feedback"])
async def test_a_command_between_two_files_names_nothing_missing(
    bot: MentorBot, who: Who, monkeypatch: pytest.MonkeyPatch, between: str
) -> None:
    admin = who("admin")
    assert (await bot.signup(who("mentor"), skills="seo", levels="expert")).error is None
    real = bot.store.export_pages
    done: list[str] = []

    async def interleaved(table: str, community: str | None = None, **options: Any) -> AsyncIterator[Any]:
        if table == between and not done:
            done.append(table)  # another member's command, committed between two files
            assert (await bot.request(who("amina"), skills="seo")).error is None
        async for page in real(table, community, **options):
            yield page

    monkeypatch.setattr(bot.store, "export_pages", interleaved)
    outcome = await bot.admin_export(admin)
    assert outcome.error is None and done
    files = {a.filename: a.content.decode("utf-8-sig") for a in outcome.reply.attachments}
    members = ids(files, "members.csv", "id")
    requests = ids(files, "requests.csv", "id")
    assert ids(files, "requests.csv", "member_id") <= members
    assert ids(files, "offers.csv", "request_id") <= requests
    assert ids(files, "offers.csv", "mentor_id") <= members
    assert ids(files, "mentorships.csv", "mentee_id") <= members
    assert "amina" not in files["members.csv"].lower(), "she joined after the export began"
