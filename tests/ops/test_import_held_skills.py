"""``mentorbot admin import-mentors`` follows the rule of ``/mentor signup`` for a skill an admin's reload took out
of the taxonomy: a row may name it when its mentor holds it (their stored profile), as signup may. Before, the
plan resolved skills with no knowledge of the store: after a reload dropped ``podcasting`` (which Bob teaches in
an active mentorship), the row naming it was refused as an unknown skill and the row leaving it out as in use, so
the admin could not re-import the file at all (to change a capacity, say), while Bob's own signup was taken.

A skill nobody holds, or one another member holds, is still refused with the suggestions; a file that imports
nothing still leaves no database behind. The plan and the store (`Store.mentor_skills_of`) on both engines; the
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
PODCASTING = '\n[[skill]]\nslug = "podcasting"\ncategory = "content"\nlabel = { en = "Podcasting", sw = "Podikasti" }\n'


def make_settings(**values: object) -> Settings:
    return Settings(_env_file=None, **{"rate_limit_per_minute": 1_000_000, **values})  # type: ignore[arg-type]


def skills_files(folder: Path) -> tuple[Path, str]:
    """A skills file of the shipped skills and podcasting; the shipped text (the file after the reload)."""
    shipped = Path(make_settings().skills_file).read_text(encoding="utf-8")
    skills = folder / "skills.toml"
    skills.write_text(shipped + PODCASTING, encoding="utf-8")
    return skills, shipped


async def mentoring_podcasting(bot: MentorBot, community: str, bob_id: str, amina_id: str) -> None:
    """Bob mentors SEO and podcasting (capacity 2); Amina's mentorship on podcasting is active."""
    bob = Caller(community, bob_id, "Bob")
    saved = await bot.signup(bob, skills="seo, podcasting", levels="expert", capacity=2)
    assert saved.error is None, saved.reply.text
    asked = await bot.request(Caller(community, amina_id, "Amina"), skills="podcasting")
    assert asked.error is None, asked.reply.text
    [offer] = [n for n in asked.notifications if n.platform_user_id == bob_id]
    [accept] = [b for b in offer.reply.buttons if b.action == "offer.accept"]
    accepted = await bot.accept(bob, offer_id=accept.ref)
    assert accepted.error is None, accepted.reply.text


async def profile_of(store: Store, user_id: str, community: str = C) -> MentorProfile:
    member = await store.find_member(community, user_id)
    assert member is not None
    profile = await store.get_mentor_profile(member.id)
    assert profile is not None
    return profile


async def test_the_plan_takes_a_skill_its_mentor_holds(store: Store, clock: ManualClock, tmp_path: Path) -> None:
    settings = make_settings()
    skills, shipped = skills_files(tmp_path)
    bot = MentorBot(store, Library(skills, settings.courses_file), settings, clock)
    await mentoring_podcasting(bot, C, "U-bob", "U-amina")
    await bot.signup(Caller(C, "U-chao", "Chao"), skills="copywriting")
    skills.write_text(shipped, encoding="utf-8")  # the admin's reload drops podcasting
    bot.library = Library(skills, settings.courses_file)
    assert bot.library.taxonomy.get("podcasting") is None

    # What the store holds: by user id as stored, mentors only (Amina is a member, not a mentor).
    held = await store.mentor_skills_of(C, ["U-bob", "U-chao", "U-amina", "U-nobody", "U-bob"])
    assert {user: sorted(slugs) for user, slugs in held.items()} == {
        "U-bob": ["podcasting", "seo"],
        "U-chao": ["copywriting"],
    }
    assert await store.mentor_skills_of(C, []) == {}
    many = [f"U-n{i}" for i in range(1_200)] + ["U-bob"]  # more ids than one query binds
    assert list(await store.mentor_skills_of(C, many)) == ["U-bob"]
    assert await store.mentor_skills_of("other:guild", ["U-bob"]) == {}

    text = 'user_id,name,skills,levels,capacity\nU-bob,Bob,"seo, Podcasting",,3\n'
    unheld = plan_import(text, bot, EN, community=C)  # without what Bob holds: refused as before
    assert [e.line for e in unheld.errors] == [2] and "podcasting" in unheld.errors[0].message.lower()
    assert unheld.unknown_skill == ["U-bob"]

    plan = plan_import(text, bot, EN, community=C, held=held)
    assert not plan.errors, plan.errors
    assert await store.import_mentors(C, plan.entries, clock.now()) == 1
    after = await profile_of(store, "U-bob")
    assert after.capacity == 3
    assert after.skills == {"seo": Level.EXPERT, "podcasting": Level.EXPERT}  # levels kept, as signup keeps them

    # Only the member who holds it: Chao naming podcasting, or a typo of a skill nobody has, stays refused.
    others = plan_import(
        'user_id,skills\nU-chao,"copywriting, podcasting"\nU-bob,"seo, podcastin"\n', bot, EN, community=C, held=held
    )
    assert [e.line for e in others.errors] == [2, 3]
    assert others.unknown_skill == ["U-chao", "U-bob"]
    assert "podcastin" in others.errors[1].message


def test_the_command_reimports_after_a_reload(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The hunt's reproduction through ``mentorbot admin import-mentors`` on a SQLite file, in the console (whose
    ids are stored in lower case: the file's ``Bob`` is ``bob``)."""
    for name in list(os.environ):
        if name.startswith("MENTORBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    skills, shipped = skills_files(tmp_path)
    monkeypatch.setenv("MENTORBOT_SKILLS_FILE", str(skills))
    monkeypatch.setenv("MENTORBOT_RATE_LIMIT_PER_MINUTE", "1000000")
    db = tmp_path / "held.sqlite3"
    settings = make_settings(database_url=f"sqlite:///{db}", skills_file=skills)

    async def setup() -> None:
        async with open_bot(settings) as bot:
            await mentoring_podcasting(bot, "console", "bob", "amina")

    async def bob() -> MentorProfile:
        async with open_bot(settings) as bot:
            return await profile_of(bot.store, "bob", "console")

    def run(csv: str, database: Path) -> tuple[int, str]:
        (tmp_path / "mentors.csv").write_text(csv, encoding="utf-8")
        result = CliRunner().invoke(main, ["admin", "import-mentors", "mentors.csv", "--db", str(database)])
        return result.exit_code, result.output

    asyncio.run(setup())
    skills.write_text(shipped, encoding="utf-8")  # the admin's reload drops podcasting

    # The same file again, a capacity changed: taken, podcasting kept.
    code, output = run('user_id,name,skills,levels,capacity\nBob,Bob,"seo, podcasting",expert,3\n', db)
    assert code == 0, output
    assert "podcasting" not in output.lower()
    after = asyncio.run(bob())
    assert after.capacity == 3 and after.skills == {"seo": Level.EXPERT, "podcasting": Level.EXPERT}

    # A skill Bob does not hold, that the taxonomy does not have: refused with its line, nothing applied.
    code, output = run('user_id,skills,capacity\nBob,"seo, podcasting, vlogging",4\n', db)
    assert code == 1 and "line 2" in output and "vlogging" in output, output
    assert asyncio.run(bob()).capacity == 3

    # A new database holds nobody's skills: a file naming an unknown skill is refused and leaves none behind.
    fresh = tmp_path / "fresh.sqlite3"
    code, output = run('user_id,skills\nBob,"seo, podcasting"\n', fresh)
    assert code == 1 and "line 2" in output and "podcasting" in output, output
    assert not fresh.exists()
