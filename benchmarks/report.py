"""Rows of the benchmark table: each figure beside its floor, the ratio, the target and whether it is met."""

from __future__ import annotations

import cProfile
import json
import math
import platform
import pstats
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


def median(values: Sequence[float]) -> float:
    """The median (NaN for no values)."""
    return statistics.median(values) if values else math.nan


def profiled(profiler: cProfile.Profile) -> list[tuple[str, str, float, float]]:
    """What `profiler` saw, one entry per function: (its file, its name, seconds in it alone, seconds in it and what
    it called). A built-in's file is ``~`` and its name says its type (``<method 'execute' of 'sqlite3.Cursor'…>``)."""
    entries: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return [(path, name, own, cumulative) for (path, _line, name), (_cc, _nc, own, cumulative, _) in entries.items()]


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct`-th percentile by the nearest-rank method (p99 of 500 samples is the 495th smallest)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Row:
    """One line of the table.

    `ratio` is value / floor. `better` says which way is good ("lower": times, memory; "higher": rates).
    `passed` is None for a figure without a target (printed as "info") or a skipped one.
    """

    section: str
    figure: str
    value: float | None
    unit: str
    floor: float | None = None
    floor_label: str = ""
    target: str = "—"
    passed: bool | None = None
    note: str = ""
    better: str = "lower"
    skipped: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """value / floor, when both are known."""
        if self.value is None or self.floor is None or self.floor == 0:
            return None
        return self.value / self.floor

    @property
    def verdict(self) -> str:
        """pass / FAIL / info / skipped."""
        if self.skipped:
            return "skipped"
        if self.passed is None:
            return "info"
        return "pass" if self.passed else "FAIL"


def skipped(section: str, figure: str, reason: str) -> Row:
    """A row that could not be measured, saying why."""
    return Row(section, figure, None, "", skipped=reason)


def _fmt(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "ms":
        return f"{value:.3f} ms" if value < 10 else f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "x":
        return f"{value:.2f}×"
    if unit == "":
        return f"{value:g}"
    return f"{value:.4g} {unit}"


def render_table(rows: Sequence[Row]) -> str:
    """The one table: figure, value, floor, ratio, target, pass/fail (and notes below it)."""
    header = ("figure", "value", "floor (same run)", "ratio", "target", "result")
    lines: list[tuple[str, ...]] = []
    notes: list[str] = []
    for row in rows:
        if row.skipped:
            lines.append((row.figure, "—", "—", "—", row.target, "skipped"))
            notes.append(f"{row.figure}: skipped: {row.skipped}")
            continue
        floor = _fmt(row.floor, row.unit) if row.floor is not None else "—"
        if row.floor_label and row.floor is not None:
            floor = f"{floor} ({row.floor_label})"
        ratio = f"{row.ratio:.2f}×" if row.ratio is not None else "—"
        lines.append((row.figure, _fmt(row.value, row.unit), floor, ratio, row.target, row.verdict))
        if row.note:
            notes.append(f"{row.figure}: {row.note}")
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]
    out = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    section = None
    for row, line in zip(rows, lines, strict=True):
        if row.section != section:
            section = row.section
            out.append(f"[{section}]")
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
    if notes:
        out.append("")
        out.extend(f"* {n}" for n in notes)
    return "\n".join(out)


def machine() -> dict[str, Any]:
    """What the run ran on."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os
    import sqlite3

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version,
    }


def write_json(path: Path, size: str, rows: Sequence[Row], extra: dict[str, Any]) -> None:
    """The rows as JSON (with ratios and verdicts) plus the machine and run facts."""
    data = {
        "size": size,
        "machine": machine(),
        **extra,
        "rows": [{**asdict(row), "ratio": row.ratio, "verdict": row.verdict} for row in rows],
    }
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
