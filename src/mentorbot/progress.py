"""The command line's progress bars: on a terminal, what is running is said on a line of its own and the bar below
fits the terminal's width, one column short of it; elsewhere (a pipe, a file), that line alone, once.

Click's bar with a long label ("Writing 3000 mentors to the database (all of the file or none of it)…", longer in
Swahili) is wider than an 80-column terminal: each redraw wrapped, and the carriage return went back only to the
start of the wrapped line, leaving a screenful of bars."""

from __future__ import annotations

import io
import os
import shutil
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final, TextIO, TypeVar, overload

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

V = TypeVar("V")


@overload
def progress_bar(label: str, iterable: Iterable[V], *, file: TextIO | None = None) -> ProgressBar[V]: ...


@overload
def progress_bar(label: str, *, length: int, file: TextIO | None = None) -> ProgressBar[int]: ...


def progress_bar(
    label: str, iterable: Iterable[Any] | None = None, *, length: int | None = None, file: TextIO | None = None
) -> ProgressBar[Any]:
    """A progress bar over `iterable` (or `length` steps, moved by its ``update``) on stderr (or `file`), said by
    `label` as this module's docstring describes."""
    out = sys.stderr if file is None else file
    if not out.isatty():
        return click.progressbar(iterable, length=length, label=label, file=out)
    click.echo(label, file=out)
    return click.progressbar(iterable, length=length, width=bar_width(out), file=out)


CLUTTER: Final = len("  [") + len("]  ") + len("100%") + len("  ") + len("1d 00:00:00")
"""What a bar's line holds beside the bar itself, at most: its brackets, the percentage and the time left."""


def bar_width(out: TextIO) -> int:
    """The bar's width on the terminal `out` writes to (its own size: stdout may be redirected while stderr is a
    narrow terminal), one column short of the edge: a console that wraps as soon as the last column is written
    would start a new line at each redraw."""
    try:
        columns = os.get_terminal_size(out.fileno()).columns
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        columns = shutil.get_terminal_size().columns
    return max(columns - 1 - CLUTTER, 10)
