"""Session 42: `/mentor checkin` takes its mentorship number optionally, and a first word that is one of the
answers (`Option.words`: ``ok``, ``help`` and the other words `/mentor checkin` takes) is the answer, not the
mentorship (before, `/mentor checkin help` was "needs its answer"). Any other first word is still the mentorship's,
so a mistyped number is still told as one."""

from __future__ import annotations

import pytest

from mentorbot.commands import parse
from mentorbot.commands.table import COMMANDS, find_command
from mentorbot.errors import UserError
from mentorbot.usecases.feedback import CHECKIN_ANSWERS


@pytest.mark.parametrize(
    ("typed", "args"),
    [
        ("help", {"answer": "help"}),
        ("ok", {"answer": "ok"}),
        ("OK", {"answer": "OK"}),
        ("sawa", {"answer": "sawa"}),
        ("msaada", {"answer": "msaada"}),
        ("going-well", {"answer": "going-well"}),
        ("3 ok", {"mentorship": "3", "answer": "ok"}),
        ("#3 help", {"mentorship": "#3", "answer": "help"}),
        ("mentorship:3 answer:help", {"mentorship": "3", "answer": "help"}),
        ("help mentorship:3", {"mentorship": "3", "answer": "help"}),
        ("answer:help", {"answer": "help"}),
        ("three ok", {"mentorship": "three", "answer": "ok"}),  # still the mentorship's: told as a bad number
    ],
)
def test_checkin_words(typed: str, args: dict[str, str]) -> None:
    assert dict(parse(f"/mentor checkin {typed}").args) == args


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("/mentor checkin", "commands.missing_argument"),
        ("/mentor checkin 3", "commands.missing_argument"),
        ("/mentor checkin help ok", "commands.too_many_arguments"),
        ("/mentor checkin help answer:ok", "commands.duplicate_option"),
    ],
)
def test_checkin_still_refuses(line: str, key: str) -> None:
    with pytest.raises(UserError) as caught:
        parse(line)
    assert caught.value.key == key


def test_the_checkin_row() -> None:
    command = find_command("mentor checkin")
    assert command is not None
    assert command.required == ("answer",)
    assert command.usage == "/mentor checkin [mentorship:<number>] <ok|help>"
    [answer] = [o for o in command.options if o.name == "answer"]
    assert set(answer.words) == set(CHECKIN_ANSWERS)
    worded = {(" ".join(c.path), o.name) for c in COMMANDS for o in c.options if o.words}
    assert worded == {("mentor checkin", "answer")}


@pytest.mark.parametrize(
    ("typed", "args"),
    [
        ("/mentor checkin mentorship:2 ok", {"mentorship": "2", "answer": "ok"}),  # the usage's own order
        ("/mentor checkin id:2 sawa", {"mentorship": "2", "answer": "sawa"}),
        ("/mentor checkin ok 2", {"answer": "ok", "mentorship": "2"}),  # Discord's order, typed
        ("/mentor checkin help #3", {"answer": "help", "mentorship": "#3"}),
    ],
)
def test_the_typed_forms_the_review_found_refused(typed: str, args: dict[str, str]) -> None:
    """The day's review: the usage ``[mentorship:<number>] <ok|help>`` typed as shown read "2 ok" as the mentorship,
    and ``ok 2`` was too many arguments."""
    assert parse(typed).args == args


def test_a_word_after_the_answer_is_still_too_many() -> None:
    with pytest.raises(UserError) as refused:
        parse("/mentor checkin ok two")
    assert refused.value.key == "commands.too_many_arguments"
