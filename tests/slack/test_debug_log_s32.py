"""With ``MENTORBOT_LOG_LEVEL=DEBUG`` (the root logger at DEBUG), what slack_sdk writes through MentorBot's own log
handler: before, every response_url it posted to (``Sending a request - url: …``), which lets anyone answer in the
member's conversation for half an hour."""

from __future__ import annotations

import io
import logging

from mentorbot.observability import logging_handler
from tests.slack.conftest import ALICE, Workspace


async def test_no_response_url_reaches_the_debug_log(workspace: Workspace) -> None:
    out = io.StringIO()
    handler = logging_handler("text")
    handler.stream = out  # type: ignore[attr-defined]
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        await workspace.command(ALICE, "/skills")
    finally:
        root.removeHandler(handler)
        root.setLevel(old)
    text = out.getvalue()
    [post] = workspace.fake.response_posts
    assert post.hook_id
    assert "/response/" not in text and post.hook_id not in text
    assert "xoxb-test" not in text
