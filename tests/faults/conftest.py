"""Fuzzing: how many examples each property runs.

A few hundred in the normal run; the tests marked ``fuzz_heavy`` run only when ``MENTORBOT_FUZZ_EXAMPLES`` is set
(``MENTORBOT_FUZZ_EXAMPLES=10000 pytest -m fuzz_heavy tests/faults``), with that many examples each.
"""

from __future__ import annotations

import os

import pytest

HEAVY_EXAMPLES = int(os.environ.get("MENTORBOT_FUZZ_EXAMPLES") or 0)
"""Examples per property in the opt-in heavy run (0: the heavy tests are skipped)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if HEAVY_EXAMPLES > 0:
        return
    skip = pytest.mark.skip(reason="opt-in: set MENTORBOT_FUZZ_EXAMPLES (for example 10000) to run it")
    for item in items:
        if "fuzz_heavy" in item.keywords:
            item.add_marker(skip)
