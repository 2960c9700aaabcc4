"""Fuzzing: how many examples each property runs; the crash tests: how hard they push.

A few hundred in the normal run; the tests marked ``fuzz_heavy`` run only when ``MENTORBOT_FUZZ_EXAMPLES`` is set
(``MENTORBOT_FUZZ_EXAMPLES=10000 pytest -m fuzz_heavy tests/faults``), with that many examples each. The tests
marked ``faults_heavy`` run only with ``MENTORBOT_FAULTS_HEAVY=1`` (``pytest -m faults_heavy tests/faults``).
"""

from __future__ import annotations

import os

import pytest

HEAVY_EXAMPLES = int(os.environ.get("MENTORBOT_FUZZ_EXAMPLES") or 0)
"""Examples per property in the opt-in heavy run (0: the heavy tests are skipped)."""


HEAVY_FAULTS = os.environ.get("MENTORBOT_FAULTS_HEAVY") == "1"
"""Whether the opt-in heavy crash tests run."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    skip_fuzz = pytest.mark.skip(reason="opt-in: set MENTORBOT_FUZZ_EXAMPLES (for example 10000) to run it")
    skip_faults = pytest.mark.skip(reason="opt-in: set MENTORBOT_FAULTS_HEAVY=1 to run it")
    for item in items:
        if "fuzz_heavy" in item.keywords and HEAVY_EXAMPLES <= 0:
            item.add_marker(skip_fuzz)
        if "faults_heavy" in item.keywords and not HEAVY_FAULTS:
            item.add_marker(skip_faults)
