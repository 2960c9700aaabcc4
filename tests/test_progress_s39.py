"""The command line's progress bars fit an 80-column terminal (a CLI hunt, session 39): a 3,000-row import with
click's bar and its long label left 275 screen rows of wrapped bars in an 80x24 terminal."""

from __future__ import annotations

import io
import re

import pytest

from mentorbot.i18n import translator
from mentorbot.progress import progress_bar

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal(io.StringIO):
    """What a terminal is sent, with isatty() true."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("lang", ["en", "sw"])
def test_on_a_terminal_the_label_has_its_line_and_the_bar_fits(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    label = translator(lang)("cli.import.writing", count=3000)
    assert len(label) > 60, "the long label this is about"
    screen = Terminal()
    with progress_bar(label, length=3000, file=screen) as bar:
        for _ in range(30):
            bar.update(100)
    text = ANSI.sub("", screen.getvalue())
    first, _, rest = text.partition("\n")
    assert first == label
    drawn = [part for part in re.split(r"[\r\n]", rest) if part.strip()]
    assert drawn, "a bar was drawn"
    assert max(len(part) for part in drawn) < 80, "one column short of the edge: " + max(drawn, key=len)


def test_elsewhere_the_label_alone_once() -> None:
    piped = io.StringIO()
    with progress_bar("Checking the file", range(5), file=piped) as items:
        assert list(items) == list(range(5))
    assert piped.getvalue() == "Checking the file\n"
