"""mentorbot.errors.unexpected: the one way a bug becomes an apology with a logged correlation id."""

from __future__ import annotations

import logging

import pytest

from mentorbot.errors import unexpected
from mentorbot.i18n import translator


def test_unexpected_logs_the_traceback_with_the_id_it_returns(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("mentorbot.test")
    with caplog.at_level(logging.ERROR, logger="mentorbot.test"):
        try:
            raise RuntimeError("secret detail")
        except RuntimeError:
            error = unexpected(log, "in interaction %s", 42)
    assert error.key == "common.apology"
    correlation_id = str(error.params["correlation_id"])
    assert len(correlation_id) == 10
    [record] = caplog.records
    assert record.getMessage() == f"unexpected error [{correlation_id}] in interaction 42"
    assert record.exc_info is not None and record.exc_info[0] is RuntimeError
    shown = translator("en")(error.key, **error.params)
    assert correlation_id in shown and "secret detail" not in shown


def test_unexpected_takes_the_exception_outside_an_except_block(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("mentorbot.test")
    failure = ValueError("boom")
    with caplog.at_level(logging.ERROR, logger="mentorbot.test"):
        first = unexpected(log, "in a job", exc_info=failure)
        second = unexpected(log, "in a job", exc_info=failure)
    assert first.params["correlation_id"] != second.params["correlation_id"]
    assert all(record.exc_info is not None and record.exc_info[1] is failure for record in caplog.records)
