"""When the adapter itself fails after acknowledging: the member gets the core's apology, only to them, with a
reference that is logged with the traceback; the exception's text is never shown."""

from __future__ import annotations

import logging
import re
from typing import Any, NoReturn

import pytest

from mentorbot.i18n import Translator
from tests.fakes.slack_ids import DEFAULT_CHANNEL_ID
from tests.slack.conftest import ALICE, BOB, EN, SW, Workspace, skills_state, unescape

SECRET = "connection string postgres://mentorbot:hunter2@db"


def boom(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise RuntimeError(SECRET)


async def async_boom(*args: Any, **kwargs: Any) -> NoReturn:
    boom(*args, **kwargs)


def apology_reference(t: Translator, text: str) -> str:
    """The correlation id in `text`, which must be exactly the apology of `t`'s catalog."""
    before, after = t("common.apology", correlation_id="\x00").split("\x00")
    match = re.fullmatch(re.escape(before) + "([0-9a-f]{10})" + re.escape(after), text)
    assert match, f"not the apology: {text!r}"
    return match[1]


def assert_logged_with_traceback(caplog: pytest.LogCaptureFixture, reference: str) -> None:
    [record] = [r for r in caplog.records if reference in r.getMessage()]
    assert record.levelno == logging.ERROR and record.name == "mentorbot.slack"
    assert record.exc_info is not None and str(record.exc_info[1]) == SECRET


def assert_nothing_leaked(ws: Workspace, user: str) -> None:
    assert all("hunter2" not in text and "RuntimeError" not in text for text in ws.texts(user))


async def test_a_failing_command_gets_the_apology_ephemerally(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace
    monkeypatch.setattr(ws.bot, "mentor_profile", async_boom)  # the signup modal reads the profile first

    with caplog.at_level(logging.ERROR, logger="mentorbot.slack"):
        response = await ws.mentor(ALICE, "signup")

    assert (response.status, response.text) == (200, ""), "acknowledged at once, the apology follows"
    [reply] = ws.seen(ALICE)
    assert reply.kind == "response_url" and reply.channel == DEFAULT_CHANNEL_ID
    assert reply.raw["response_type"] == "ephemeral"
    assert_logged_with_traceback(caplog, apology_reference(EN, unescape(reply.text or "")))
    assert_nothing_leaked(ws, ALICE)
    assert ws.fake.modals_of(ALICE) == []


async def test_a_failing_click_gets_the_apology_in_the_members_language(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace
    await ws.mentor(BOB, "signup skills:seo levels:expert")
    await ws.mentor(BOB, "language sw")
    await ws.mentor(ALICE, "request skills:seo")
    [offer] = ws.dms(BOB)
    monkeypatch.setattr(ws.bot, "accept", async_boom)

    with caplog.at_level(logging.ERROR, logger="mentorbot.slack"):
        await ws.click(BOB, offer, "offer.accept", channel_id=ws.fake.dm_channel_of(BOB))

    apology = ws.last(BOB)
    assert apology.kind == "response_url" and apology.raw["response_type"] == "ephemeral"
    assert apology.raw["replace_original"] is False, "the offer keeps its buttons: nothing was done"
    assert_logged_with_traceback(caplog, apology_reference(SW, unescape(apology.text or "")))
    assert_nothing_leaked(ws, BOB)
    assert ws.calls("chat.update") == []


async def test_a_failing_modal_submission_closes_the_modal_and_apologises_where_it_was_opened(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = workspace
    await ws.mentor(ALICE, "signup")
    [modal] = ws.fake.modals_of(ALICE)
    monkeypatch.setattr(ws.bot, "signup", async_boom)

    with caplog.at_level(logging.ERROR, logger="mentorbot.slack"):
        response = await ws.submit(ALICE, modal.view, {"skills": skills_state("seo")})

    assert (response.status, response.text) == (200, ""), "acknowledged: the modal closes"
    [reply] = ws.seen(ALICE)
    assert reply.kind == "response_url" and reply.channel == DEFAULT_CHANNEL_ID
    assert_logged_with_traceback(caplog, apology_reference(EN, unescape(reply.text or "")))
    assert_nothing_leaked(ws, ALICE)
    assert await ws.bot.store.find_member("slack:T0MENTOR01", ALICE) is None
