"""MentorBot's benchmark suite: `python -m benchmarks` from a source checkout (see docs/performance.md).

Every figure is printed beside a floor measured in the same run on the same machine (the plain query, the
bare framework, the bare interpreter), so that the ratios stay meaningful on a noisy, shared machine.
"""
