"""Pausing Python's cyclic garbage collector around a batch job that allocates many objects at once.

A matching round reads thousands of requests and mentors into objects, scores them and writes thousands of offers.
Each of those objects survives a few young collections, so the collector keeps promoting them and runs full
collections over the whole heap while the round runs: measured on the 5,000 × 2,000 round, a quarter of its wall
time (1.06 s with the collector, 0.79 s without it; docs/performance.md). Nearly everything the round allocates is
freed by reference counting the moment it is done with; the few cycles it leaves are collected once the collector
runs again, after the round.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_depth = 0
"""How many `collection_paused` blocks are open (they may nest, or overlap in two tasks of one event loop)."""


@contextmanager
def collection_paused() -> Iterator[None]:
    """While inside, the cyclic garbage collector does not run; it runs again when the last open block ends. A
    collector that was already disabled (by the embedding program) is left as it is. Only for work of bounded
    length: every task of the process runs without cyclic collection meanwhile."""
    global _depth
    if _depth == 0 and not gc.isenabled():
        yield
        return
    _depth += 1
    gc.disable()
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            gc.enable()
