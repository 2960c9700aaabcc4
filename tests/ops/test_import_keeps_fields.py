"""``mentorbot admin import-mentors`` updates an existing mentor under the rule of ``/mentor signup``: a column left
out, or a cell left empty, keeps what the mentor has (capacity, levels, bio, time zone, languages, and their
display name); a skill kept with no level given keeps its level. Before, a re-import of ``user_id,skills`` reset
all of that to the defaults and renamed the mentor to their user id. A new mentor still gets the defaults.

On both engines: the plan (`mentor_import.plan_import`) and the store's write (`Store.import_mentors`), then the
command itself on a SQLite file."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot.app import open_bot
from mentorbot.bot import Caller, MentorBot
from mentorbot.cli import main
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.mentor_import import plan_import
from mentorbot.models import Level, MentorProfile
from mentorbot.settings import Settings
from mentorbot.storage.store import Store

C = "test:guild"
EN = translator("en")
WANJIRU = Caller(C, "U-wanjiru", "Wanjiru K")


def make_settings(**values: object) -> Settings:
    return Settings(_env_file=None, **{"rate_limit_per_minute": 1_000_000, **values})  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def library() -> Library:
    settings = make_settings()
    return Library(settings.skills_file, settings.courses_file)


@pytest.fixture
def bot(store: Store, library: Library, clock: ManualClock) -> MentorBot:
    return MentorBot(store, library, make_settings(default_capacity=2, default_language="en"), clock)


async def signed_up(bot: MentorBot) -> MentorProfile:
    """Wanjiru's own profile, every field set by her."""
    await bot.signup(
        WANJIRU,
        skills="seo, copywriting",
        levels="expert, learning",
        capacity=1,
        bio="PR lead at a Nairobi agency",
        timezone="Africa/Nairobi",
        languages="sw",
    )
    member = await bot.store.find_member(C, "U-wanjiru")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and profile.capacity == 1 and profile.languages == ("sw",)
    return profile


async def imported(bot: MentorBot, text: str) -> tuple[str, MentorProfile]:
    """Import `text` into `C`; Wanjiru's display name and profile after it."""
    plan = plan_import(text, bot, EN, community=C)
    assert not plan.errors, plan.errors
    await bot.store.import_mentors(C, plan.entries, bot.clock.now())
    member = await bot.store.find_member(C, "U-wanjiru")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None
    return member.display_name, profile


def fields(profile: MentorProfile) -> tuple[object, ...]:
    """What a mentor edits of their profile."""
    return profile.skills, profile.capacity, profile.bio, profile.timezone, profile.languages


@pytest.mark.parametrize(
    "text",
    [
        'user_id,skills\nU-wanjiru,"seo, copywriting"\n',
        'user_id,name,skills,levels,capacity,bio,timezone,languages\nU-wanjiru,,"seo, copywriting",,,,,\n',
    ],
    ids=["columns left out", "cells left empty"],
)
async def test_a_reimport_keeps_what_it_leaves_out(bot: MentorBot, text: str) -> None:
    before = await signed_up(bot)
    name, after = await imported(bot, text)
    assert name == "Wanjiru K"
    assert fields(after) == fields(before)
    assert after.skills == {"seo": Level.EXPERT, "copywriting": Level.LEARNING}


async def test_levels_given_apply_on_top_of_the_kept_ones(bot: MentorBot) -> None:
    await signed_up(bot)
    # SEO named: its level; copywriting kept and not named: keeps "learning"; paid social is new: the default.
    _, after = await imported(bot, 'user_id,skills,levels\nU-wanjiru,"seo, copywriting, paid-social",seo:learning\n')
    assert after.skills == {"seo": Level.LEARNING, "copywriting": Level.LEARNING, "paid-social": Level.PRACTITIONER}
    # One level for all sets every skill, as /mentor signup does.
    _, after = await imported(bot, 'user_id,skills,levels\nU-wanjiru,"seo, copywriting",expert\n')
    assert after.skills == {"seo": Level.EXPERT, "copywriting": Level.EXPERT}
    assert after.capacity == 1 and after.bio == "PR lead at a Nairobi agency"


async def test_what_a_row_gives_replaces_the_value(bot: MentorBot) -> None:
    await signed_up(bot)
    text = (
        "user_id,name,skills,levels,capacity,bio,timezone,languages\n"
        "U-wanjiru,Wanjiru Kamau,seo,learning,3,Freelance now,Europe/London,en\n"
    )
    name, after = await imported(bot, text)
    assert name == "Wanjiru Kamau"
    assert fields(after) == (
        {"seo": Level.LEARNING},
        3,
        "Freelance now",
        "Europe/London",
        ("en",),
    )


async def test_a_new_mentor_gets_the_defaults(bot: MentorBot) -> None:
    # An existing member who is not a mentor keeps their name too; a new one is named by their user id.
    await bot.store.ensure_member(C, "U-baraka", "Baraka O", bot.clock.now())
    plan = plan_import("user_id,name,skills\nU-baraka,,seo\nU-chao,,copywriting\n", bot, EN, community=C)
    assert await bot.store.import_mentors(C, plan.entries, bot.clock.now()) == 2
    mentors = {m.platform_user_id: (m.display_name, p) for m, p in await bot.store.list_mentors(C)}
    assert mentors["U-baraka"][0] == "Baraka O" and mentors["U-chao"][0] == "U-chao"
    for _, profile in mentors.values():
        assert (profile.capacity, profile.bio, profile.timezone, profile.languages) == (2, "", "UTC", ("en",))
        assert set(profile.skills.values()) == {Level.PRACTITIONER}


def test_the_command_keeps_them(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The hunt's reproduction: a console mentor's own profile, then ``admin import-mentors`` of a file with the
    optional columns empty."""
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    db = tmp_path / "re.sqlite3"
    settings = make_settings(database_url=f"sqlite:///{db}")
    caller = Caller("console", "wanjiru_k", "Wanjiru_K")

    async def sign_up() -> None:
        async with open_bot(settings) as bot:
            await bot.signup(
                caller, skills="seo", levels="expert", capacity=1, bio="PR lead", timezone="Africa/Nairobi",
                languages="sw",
            )  # fmt: skip

    async def read() -> tuple[str, MentorProfile]:
        async with open_bot(settings) as bot:
            [(member, profile)] = await bot.store.list_mentors("console")
            return member.display_name, profile

    asyncio.run(sign_up())
    (tmp_path / "reimport.csv").write_text(
        "user_id,name,skills,levels,capacity,bio,timezone,languages\nwanjiru_k,,seo,,,,,\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["admin", "import-mentors", "reimport.csv", "--db", str(db)])
    assert result.exit_code == 0, result.output
    name, profile = asyncio.run(read())
    assert name == "Wanjiru_K"
    assert fields(profile) == (
        {"seo": Level.EXPERT},
        1,
        "PR lead",
        "Africa/Nairobi",
        ("sw",),
    )
