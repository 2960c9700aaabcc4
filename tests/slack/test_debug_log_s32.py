"""With ``MENTORBOT_LOG_LEVEL=DEBUG`` (the root logger at DEBUG), what slack_sdk writes through MentorBot's own log
handler: before, every response_url it posted to (``Sending a request - url: …``), which lets anyone answer in the
member's conversation for half an hour."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from mentorbot.observability import logging_handler
from tests.slack.conftest import ALICE, BOB, Workspace


@contextmanager
def debug_log() -> Iterator[io.StringIO]:
    """The root logger at DEBUG (``MENTORBOT_LOG_LEVEL=DEBUG``) through MentorBot's own handler, into the text
    yielded."""
    out = io.StringIO()
    handler = logging_handler("text")
    handler.stream = out  # type: ignore[attr-defined]
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


async def test_no_response_url_reaches_the_debug_log(workspace: Workspace) -> None:
    with debug_log() as out:
        await workspace.command(ALICE, "/skills")
    text = out.getvalue()
    [post] = workspace.fake.response_posts
    assert post.hook_id
    assert "/response/" not in text and post.hook_id not in text
    assert "xoxb-test" not in text


async def test_no_reply_in_the_acknowledgement_reaches_the_debug_log(workspace: Workspace) -> None:
    """Session 40 (long-run hunt): Bolt's own logger was ``mentorbot.slack.bolt``, under none of the libraries whose
    DEBUG lines are dropped, so at DEBUG it wrote each acknowledgement's body: the member's whole reply, sent in the
    acknowledgement by default ("Responding with status: 200 body: {"text": "alice's MentorBot status … offered to
    bob …"}"), though the log keeps no message text. Bolt's logger is now under ``slack_bolt``; aiosqlite's lines
    (two per statement run off the event loop) are dropped too."""
    workspace.adapter.answer_budget = 1.0  # the default MENTORBOT_SLACK__ANSWER_IN_ACK_SECONDS
    await workspace.mentor(BOB, "signup skills:seo levels:expert")
    with debug_log() as out:
        await workspace.mentor(ALICE, "request skills:seo note:call me about my divorce")
        await workspace.mentor(ALICE, "status")
    text = out.getvalue()
    assert "divorce" not in text
    assert "Responding with status" not in text and "MentorBot status" not in text
    assert "aiosqlite" not in text
