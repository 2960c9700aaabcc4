"""With ``MENTORBOT_LOG_LEVEL=DEBUG`` (the root logger at DEBUG), what discord.py writes through MentorBot's own log
handler: before, each interaction's token in clear (its callback address, ``…/interactions/<id>/<token>/callback``,
and the gateway payload's ``'token': …``)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from mentorbot.observability import LibraryDebugFilter, logging_handler
from tests.discord.helpers import Members


@pytest.fixture
def debug_log() -> Iterator[tuple[logging.Handler, io.StringIO]]:
    """MentorBot's text handler on the root logger, which is at DEBUG, writing into a buffer."""
    out = io.StringIO()
    handler = logging_handler("text")
    handler.stream = out  # type: ignore[attr-defined]
    root = logging.getLogger()
    old = root.level
    levels = {name: logging.getLogger(name).level for name in ("discord", "mentorbot")}
    for name in levels:
        logging.getLogger(name).setLevel(logging.NOTSET)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler, out
    root.removeHandler(handler)
    root.setLevel(old)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def test_no_interaction_token_reaches_the_debug_log(
    members: Members, debug_log: tuple[logging.Handler, io.StringIO]
) -> None:
    _, out = debug_log
    await members.slash("mentor status")
    text = out.getvalue()
    assert "fake-interaction-" not in text
    assert "DEBUG discord" not in text  # the library's DEBUG lines stay out


async def test_the_masking_alone_hides_the_tokens_discordpy_writes(
    members: Members, debug_log: tuple[logging.Handler, io.StringIO]
) -> None:
    """The library's DEBUG lines let through (as if a setting opted in): each token in them is masked."""
    handler, out = debug_log
    for dropping in [f for f in handler.filters if isinstance(f, LibraryDebugFilter)]:
        handler.removeFilter(dropping)
    await members.slash("mentor status")
    text = out.getvalue()
    assert "DEBUG discord" in text  # the lines that carried the tokens are there
    assert "fake-interaction-" not in text
    assert "/callback" in text and "/interactions/" in text and "/********/callback" in text
    assert "'token': '********'" in text
