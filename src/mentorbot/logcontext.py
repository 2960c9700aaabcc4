"""What every log line written during one command carries (its community, command and correlation id).

A module of its own, importing nothing of MentorBot's, so that `mentorbot.errors` can read the correlation id
without importing the metrics (`mentorbot.observability`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

CONTEXT: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("mentorbot_log_context", default={})  # noqa: B039
"""The values added to the log lines of the command being run."""


@contextmanager
def log_context(**values: str | None) -> Iterator[None]:
    """Add `values` (``community``, ``command``, ``correlation_id``) to every log line written inside."""
    token = CONTEXT.set({**CONTEXT.get(), **{k: v for k, v in values.items() if v is not None}})
    try:
        yield
    finally:
        CONTEXT.reset(token)


def correlation_id() -> str | None:
    """The correlation id of the use-case being run, if any (`errors.unexpected` reuses it)."""
    return CONTEXT.get().get("correlation_id")
