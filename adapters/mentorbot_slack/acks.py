"""What the acknowledgement of one Slack interaction carries, decided once (`AckSlot`), and within what budget."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

log = logging.getLogger("mentorbot.slack")

ACK_BUDGET: Final = 1.0
"""The longest an acknowledgement waits for what it carries (a form's field errors, a slow command's "working on
it" line, an answer within ``MENTORBOT_SLACK__ANSWER_IN_ACK_SECONDS``). Slack allows three seconds in all,
network and proxies included; past the budget the acknowledgement goes as it is and the rest follows through
the response_url, so a slow moment (a busy database, a rate-limited users.info) never shows an error in Slack."""


class AckSlot:
    """What the acknowledgement of one interaction carries, decided once: by the work behind it, or by the budget.

    The listener `wait`s for the decision; the work `offer`s a body (True: it goes in the acknowledgement; False:
    the acknowledgement is gone, answer another way) or `release`s the acknowledgement empty.
    """

    def __init__(self) -> None:
        """An undecided acknowledgement."""
        self._body: dict[str, Any] | None = None
        self._decided = asyncio.Event()

    @classmethod
    def gone(cls) -> AckSlot:
        """An acknowledgement already sent (work started some other way answers through the response_url)."""
        slot = cls()
        slot.release()
        return slot

    def offer(self, body: dict[str, Any]) -> bool:
        """Put `body` in the acknowledgement, unless it is decided already (then False)."""
        if self._decided.is_set():
            return False
        self._body = body
        self._decided.set()
        return True

    def release(self) -> None:
        """Let the acknowledgement go as it is (empty, unless something was offered before)."""
        self._decided.set()

    async def wait(self, budget: float) -> dict[str, Any] | None:
        """The body to acknowledge with, once decided or after `budget` seconds (then None: empty)."""
        if budget <= 0:
            self._decided.set()
            return self._body
        try:
            async with asyncio.timeout(budget):
                await self._decided.wait()
        except TimeoutError:
            log.info("no answer within %.1f s: acknowledging now, answering through the response_url", budget)
        self._decided.set()
        return self._body
