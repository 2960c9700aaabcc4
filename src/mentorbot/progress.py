"""The command line's progress bars: on a terminal, what is running is said on a line of its own and the bar below
fits the terminal's width; elsewhere (a pipe, a file), that line alone, once.

Click's bar with a long label ("Writing 3000 mentors to the database (all of the file or none of it)…", longer in
Swahili) is wider than an 80-column terminal: each redraw wrapped, and the carriage return went back only to the
start of the wrapped line, leaving a screenful of bars."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO, TypeVar, overload

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
    return click.progressbar(iterable, length=length, width=0, file=out)
