"""Fuzzing the command parser and the use-cases' inputs (hypothesis).

* `commands.parse` / `parse_slash` on arbitrary text: nothing but a `UserError` (a localized message) escapes;
* `MentorBot` with arbitrary strings for ids, capacity, rating, until, time zone and free text (note, bio, reason,
  comment), on both engines: the outcome is a reply or a localized error, never the generic apology.

The normal run takes a few hundred examples; ``MENTORBOT_FUZZ_EXAMPLES=10000 pytest -m fuzz_heavy tests/faults``
runs the same properties with that many (see `tests/faults/conftest.py`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import COMMANDS, parse, parse_slash, run_command
from mentorbot.errors import UserError
from mentorbot.library import Library
from mentorbot.replies import Outcome
from mentorbot.settings import Settings
from mentorbot.storage.store import Store
from tests.faults.conftest import HEAVY_EXAMPLES

COMMUNITY = "fuzz:guild"
QUICK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
QUICK_BOT = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HEAVY = settings(
    max_examples=max(HEAVY_EXAMPLES, 1),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What fuzzing and probes found, kept as seeds: every strategy draws from them as well as from random text.
TRICKY = [
    "²", "①", "٣", "١٢", "#12", "##1", "2.5", "-1", "+3", "1_0", "1e3", "0", "9" * 30, "America/Argentina",
    "America", "../etc/passwd", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "99999w", "99999w" * 6,
    "2026-02-30", "\ud800", "a\udfffb", "\x00", "@everyone", "<!channel>", '"', "“", "key:", ":", "skills:",
]
SURROGATES = st.sampled_from([chr(c) for c in (0xD800, 0xDBFF, 0xDC00, 0xDFFF)])
TEXT = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=40),
    st.text(st.one_of(st.characters(), SURROGATES), max_size=20),
    st.from_regex(r"\A[#+-]?[0-9٠-٩²①.]{0,6}[wdhm]?\Z"),
)
LINE_WORDS = st.one_of(
    TEXT,
    st.sampled_from([c.usage.split()[0] for c in COMMANDS] + ["/mentor", "request", "skills:seo", "note:'x", "help"]),
)
LINES = st.lists(LINE_WORDS, max_size=6).map(" ".join)


def check_parse(line: str) -> None:
    with contextlib.suppress(UserError):  # a localized message: anything else fails the test
        parse(line)


def check_parse_slash(command: str, text: str) -> None:
    with contextlib.suppress(UserError):
        parse_slash(command, text)


@QUICK
@given(line=LINES)
def test_parse_lets_only_user_errors_escape(line: str) -> None:
    check_parse(line)


@QUICK
@given(command=st.sampled_from(["/mentor", "/mentor-admin", "/skills", "/courses", "/nope", ""]), text=LINES)
def test_parse_slash_lets_only_user_errors_escape(command: str, text: str) -> None:
    check_parse_slash(command, text)


@pytest.mark.fuzz_heavy
@HEAVY
@given(line=LINES, command=st.sampled_from(["/mentor", "/mentor-admin", "/skills", "/courses"]))
def test_parse_heavy(line: str, command: str) -> None:
    check_parse(line)
    check_parse_slash(command, line)


# ------------------------------------------------------------------------------------------------ use-cases


@pytest.fixture(scope="module")
def library() -> Library:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    return Library(settings.skills_file, settings.courses_file)


@pytest.fixture
async def bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    """A community with a mentor (seo), a mentee whose request is offered to them, and an admin."""
    values: dict[str, Any] = {"admin_ids": ["U-admin"], "rate_limit_per_minute": 1_000_000}
    bot = MentorBot(store, library, Settings(_env_file=None, **values), clock)  # type: ignore[call-arg]
    await bot.signup(caller("mentor"), skills="seo", capacity=5)
    await bot.request(caller("mentee"), skills="seo")
    return bot


def caller(name: str) -> Caller:
    return Caller(COMMUNITY, f"U-{name}", name.capitalize())


Call = Callable[[MentorBot, str, str], Awaitable[Outcome]]
CALLS: dict[str, Call] = {
    "cancel": lambda b, x, y: b.cancel(caller("mentee"), request_id=x),
    "accept": lambda b, x, y: b.accept(caller("mentor"), offer_id=x),
    "decline": lambda b, x, y: b.decline(caller("mentor"), offer_id=x, reason=y),
    "end": lambda b, x, y: b.end(caller("mentee"), mentorship_id=x, rating=y, comment=y),
    "signup": lambda b, x, y: b.signup(caller("mentor"), skills="seo", capacity=x, timezone=y, bio=y, levels=x),
    "signup_languages": lambda b, x, y: b.signup(caller("other"), skills=x, languages=y),
    "pause": lambda b, x, y: b.pause(caller("mentor"), until=x),
    "request": lambda b, x, y: b.request(caller("mentee"), skills=x, note=y),
    "note": lambda b, x, y: b.request(caller("second"), skills="copywriting", note=x + y),
    "language": lambda b, x, y: b.set_language(caller("mentee"), language=x),
    "skills": lambda b, x, y: b.skills(caller("mentee"), query=x),
    "courses": lambda b, x, y: b.courses(caller("mentee"), skills=x, level=y, format=y, free=x),
    "admin_match": lambda b, x, y: b.admin_match(caller("admin"), request_id=x, mentor=y),
    "admin_end": lambda b, x, y: b.admin_end(caller("admin"), mentorship_id=x),
    "admin_pause": lambda b, x, y: b.admin_pause(caller("admin"), mentor="U-mentor", until=x),
    "typed": lambda b, x, y: run_command(b, caller("typist"), f"/mentor {x} {y}"),
}


async def check_call(bot: MentorBot, name: str, first: str, second: str) -> None:
    outcome = await CALLS[name](bot, first, second)
    assert outcome.error is None or outcome.error.key != "common.apology", (name, first, second, outcome.reply.text)
    assert outcome.reply.text or outcome.reply.fields or outcome.duplicate, (name, first, second)


@QUICK_BOT
@given(name=st.sampled_from(sorted(CALLS)), first=TEXT, second=TEXT)
async def test_use_case_inputs_get_a_reply_or_a_localized_error(
    bot: MentorBot, name: str, first: str, second: str
) -> None:
    await check_call(bot, name, first, second)


@pytest.mark.fuzz_heavy
@HEAVY
@given(name=st.sampled_from(sorted(CALLS)), first=TEXT, second=TEXT)
async def test_use_case_inputs_heavy(bot: MentorBot, name: str, first: str, second: str) -> None:
    await check_call(bot, name, first, second)
