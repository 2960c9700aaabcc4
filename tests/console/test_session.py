"""The console session driven line by line: the whole lifecycle in both languages, console commands, errors."""

from __future__ import annotations

import io
import json
import re
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import pytest

from mentorbot.i18n import LANGUAGES
from mentorbot.storage.database import DatabaseFull, DatabaseUnavailable
from mentorbot.storage.sqlite_engine import SqliteDatabase
from mentorbot_console.repl import run_console
from mentorbot_console.session import ConsoleSession
from tests.console.conftest import console_settings, ok, refused
from tests.console.conftest import console_translator as translator


def label(session: ConsoleSession, slug: str, lang: str) -> str:
    return session.bot.label(slug, lang)


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_whole_lifecycle(session: ConsoleSession, lang: str, tmp_path: Path) -> None:
    t = translator(lang)
    crisis = label(session, "crisis-communications", lang)

    # Two mentors sign up.
    assert t("console.as_done", name="Wanjiru") in await ok(session, "/as Wanjiru")
    out = await ok(session, '/mentor signup skills:crisis comms, brand strategy levels:expert bio:"PR lead" tz:UTC+3')
    assert t("signup.created") in out
    await ok(session, "/as Baraka")
    assert t("signup.created") in await ok(session, "/mentor signup crisis-communications levels:practitioner")

    # A member asks; the best mentor (the expert) gets an offer in their DMs, with numbered buttons.
    await ok(session, "/as Amina")
    out = await ok(session, '/mentor request skills:"crisis communications" note:Our launch went wrong')
    assert t("request.offered", id=1, skills=crisis) in out
    assert t("console.to", name="Wanjiru") in out
    assert f"[1] {t('offer.accept')}" in out
    assert f"[2] {t('offer.decline')}" in out
    assert t("offer.text", mentee="@Amina", id=1) in out

    # The mentor declines by clicking; the next mentor gets the offer.
    await ok(session, "/as wanjiru")
    out = await ok(session, "/click 2")
    assert t("offer.declined", id=1) in out
    assert t("console.to", name="Baraka") in out
    assert t("offer.title", id=2) in out

    # The next mentor accepts: both are introduced, with courses for the shared skill.
    await ok(session, "/as baraka")
    out = await ok(session, "/click 1")
    assert t("offer.accepted", id=2) in out
    assert t("intro.text_mentee", other="@Baraka", id=1) in out
    assert t("intro.text_mentor", other="@Amina", id=1) in out
    assert t("courses.introduction_title") in out
    assert "https://" in out

    # Status shows the mentorship.
    await ok(session, "/as amina")
    out = await ok(session, "/mentor status")
    assert t("status.mentorships") in out
    assert t("status.role_mentee") in out and "@Baraka" in out

    # Time passes beyond the check-in: both are asked how it is going.
    out = await ok(session, "/clock +15d")
    assert out.count(f"== {t('checkin.title')} ==") == 2
    assert t("console.to", name="Amina") in out and t("console.to", name="Baraka") in out

    # The mentee ends it with feedback; the mentor is told.
    out = await ok(session, '/mentor end rating:5 comment:"Very helpful, thank you"')
    assert t("end.done", id=1) in out
    assert t("end.notice", id=1) in out
    feedback = await session.bot.store.list_feedback(session.community)
    assert [(f.rating, f.comment) for f in feedback] == [(5, "Very helpful, thank you")]

    # Export: the JSON file is saved and said where.
    out = await ok(session, "/mentor export")
    assert t("export.done") in out
    saved = tmp_path / "files" / "amina" / "mentorbot-export.json"
    assert str(saved) in out
    assert json.loads(saved.read_text(encoding="utf-8"))["member"]["platform_user_id"] == "amina"

    # Forget asks to confirm; clicking confirms.
    out = await ok(session, "/mentor forget")
    assert t("forget.confirm") in out
    assert "/mentor forget confirm:yes" in out
    [number] = re.findall(r"\[(\d+)\][^\n]*/mentor forget confirm:yes", out)  # after the check-in's buttons
    assert t("forget.done") in await ok(session, f"/click {number}")
    assert await session.bot.store.find_member(session.community, "amina") is None


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_parsing_errors_are_localized(session: ConsoleSession, lang: str) -> None:
    t = translator(lang)
    out = await refused(session, "/mentr status")
    assert out == t(
        "commands.unknown_command",
        command="/mentr status",
        suggestions="`/mentor status`, `/mentor pause`",  # not `/mentor-admin stats`: the guest is no admin
    )
    out = await refused(session, "/mentor request sklls:seo")
    assert out == t(
        "commands.unknown_option",
        option="sklls",
        command="/mentor request",
        suggestion="skills:",
        allowed="skills:, note:",
    )
    out = await refused(session, '/mentor request skills:"seo note:never closed')
    assert out == t("commands.unbalanced_quotes", quote='"')
    out = await refused(session, "/mentor accept")
    assert out == t(  # the option left out and the slot a member fills in, in the reader's words
        "commands.missing_argument",
        command="/mentor accept",
        option=t("commands.option.offer"),
        usage="/mentor accept <offer>" if lang == "en" else "/mentor accept <ofa>",
    )
    # An unknown skill is the core's refusal (the line ran): "did you mean" suggestions, in the language.
    out = await ok(session, "/mentor request skills:crisis comunications")
    expected = t(
        "skills.unknown",
        tag="crisis comunications",
        suggestions=f"crisis-communications ({label(session, 'crisis-communications', lang)})",
    )
    assert out == expected


async def test_console_commands_are_suggested(session: ConsoleSession) -> None:
    out = await refused(session, "/clik 1")
    assert "/click" in out


async def test_a_guest_who_is_no_admin_is_not_offered_admin_commands(session: ConsoleSession) -> None:
    """The console adds its own commands to the bot's suggestions; a guest who is no admin is offered neither the
    bot's `/mentor-admin` commands, nor them through the console's list; an admin is."""
    out = await refused(session, "/stats")
    assert "/mentor status" in out and "/as" in out and "/mentor-admin" not in out
    await ok(session, "/admin on")
    assert "/mentor-admin stats" in await refused(session, "/stats")


async def test_switching_members_keeps_display_names(session: ConsoleSession) -> None:
    await ok(session, "/as Wanjiru")
    await ok(session, "/mentor status")
    assert session.prompt == "Wanjiru> "
    await ok(session, "/as WANJIRU")
    assert session.user_id == "wanjiru" and session.display_name == "Wanjiru"
    t = translator("en")
    assert await refused(session, "/as") == t("console.as_usage")
    assert await refused(session, "/as two words") == t("console.bad_name", name="two words")


async def test_admin_toggle(session: ConsoleSession) -> None:
    t = translator("en")
    await ok(session, "/as Kofi")
    assert await ok(session, "/mentor-admin stats") == t("common.not_admin")
    assert await ok(session, "/admin on") == t("console.admin_on", name="Kofi")
    assert session.prompt == "Kofi [admin]> "
    assert t("stats.title") in await ok(session, "/mentor-admin stats")
    await ok(session, "/as Amina")
    assert await ok(session, "/mentor-admin waitlist") == t("common.not_admin")
    await ok(session, "/as Kofi")
    await ok(session, "/admin off")
    assert await ok(session, "/mentor-admin stats") == t("common.not_admin")
    assert await refused(session, "/admin maybe") == t("console.admin_usage")


async def test_admin_export_saves_four_csv_files(session: ConsoleSession, tmp_path: Path) -> None:
    await ok(session, "/admin on")
    await ok(session, "/mentor signup seo")
    out = await ok(session, "/mentor-admin export")
    names = sorted(p.name for p in (tmp_path / "files" / "guest").iterdir())
    assert names == ["feedback.csv", "members.csv", "mentorships.csv", "offers.csv", "requests.csv"]
    assert out.count("📎") == 5


async def test_admin_stats_saves_the_chart_and_recruit_drafts(session: ConsoleSession, tmp_path: Path) -> None:
    t = translator("en")
    await ok(session, "/admin on")
    await ok(session, "/mentor request seo")
    out = await ok(session, "/mentor-admin stats chart:weekly")
    saved = tmp_path / "files" / "guest" / "mentorbot-weekly.png"
    assert saved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert str(saved) in out and t("insight.weekly_title", weeks=12) in out
    out = await ok(session, "/mentor-admin recruit")
    assert t("recruit.draft", skills="SEO", waiting=1, count=1, command="/mentor signup skills:seo") in out


async def test_click_errors(session: ConsoleSession) -> None:
    t = translator("en")
    assert await refused(session, "/click") == t("console.click_usage")
    assert await refused(session, "/click 1") == t("console.no_actions", name="guest")
    assert await refused(session, "/click ²") == t("console.click_usage"), "a superscript is not a number"
    await ok(session, "/mentor forget")
    out = await refused(session, "/click 7")
    assert out == t("console.no_such_action", number=7, name="guest", actions=f"[1] {t('forget.confirm_button')}")


async def test_numbers_are_stable_per_member(session: ConsoleSession) -> None:
    await ok(session, "/as mentor")
    await ok(session, "/mentor signup seo capacity:3")
    await ok(session, "/as amina")
    await ok(session, "/mentor request seo")
    await ok(session, "/as zuri")
    out = await ok(session, "/mentor request seo")
    assert "[3]" in out and "[4]" in out  # the mentor's second offer gets the next numbers
    await ok(session, "/as mentor")
    status = await ok(session, "/mentor status")
    assert "[1]" in status and "[4]" in status  # the same offers keep their numbers in the status
    assert [(b.action, b.ref) for b in session.actions()] == [
        ("offer.accept", "1"),
        ("offer.decline", "1"),
        ("offer.accept", "2"),
        ("offer.decline", "2"),
    ]
    assert translator("en")("offer.accepted", id=2) in await ok(session, "/click 3")


async def test_clock_expires_offers_step_by_step(session: ConsoleSession) -> None:
    t = translator("en")
    for name in ("one", "two"):
        await ok(session, f"/as {name}")
        await ok(session, "/mentor signup seo")
    await ok(session, "/as amina")
    await ok(session, "/mentor request seo")
    before = session.clock.now()
    out = await ok(session, "/clock +5d")
    # The first offer expires after 48 h and goes to the second mentor, whose offer expires 48 h later: the first
    # mentor's lapse keeps them out for now, so the request is back on the waitlist (the second may take it after all).
    assert t("offer.expired_notice", id=1) in out
    assert t("offer.expired_waiting", id=2) + " " + t("offer.take_it_after_all", id=2) in out
    assert t("request.still_waiting", id=1) in out
    assert (session.clock.now() - before).days == 5
    assert "5d" in await ok(session, "/clock")
    assert await refused(session, "/clock backwards") == t("console.clock_usage")


async def test_help_lists_shared_and_console_commands(session: ConsoleSession) -> None:
    out = await ok(session, "/help")
    for text in ("/mentor request", "/mentor-admin round", "/courses", "/as NAME", "/click N", "/clock", "/quit"):
        assert text in out


async def test_quit_and_comments(session: ConsoleSession) -> None:
    results = await session.run_lines(["# a comment", "", "/quit", "/mentor status"])
    assert [r.output for r in results] == ["", "", translator("en")("console.bye")]
    assert session.finished


async def test_welcome(session: ConsoleSession) -> None:
    text = await session.start(database="sqlite:///x", demo_summary="demo!")
    assert "sqlite:///x" in text and text.endswith("demo!")


async def test_mentions_of_unknown_members_fall_back_to_the_id(session: ConsoleSession) -> None:
    from mentorbot_console.render import render_mentions

    assert render_mentions("hi <@amina> and <@x1>", {"amina": "Amina"}) == "hi @Amina and @x1"


async def test_an_attachment_that_cannot_be_saved_is_reported(session: ConsoleSession, tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file, not a folder", encoding="utf-8")
    session.files_dir = tmp_path / "blocker"
    out = await ok(session, "/mentor export")
    assert "mentorbot-export.json" in out
    path = tmp_path / "blocker" / "guest" / "mentorbot-export.json"
    expected = translator("en")("console.cannot_save", file="mentorbot-export.json", path=str(path), reason="")
    assert out.splitlines()[-1].strip().startswith(expected)
    assert "Traceback" not in out


async def test_held_notices_are_shown_with_the_next_reply(session: ConsoleSession) -> None:
    from mentorbot.replies import Button, Notification, Reply

    await ok(session, "/as amina")
    await ok(session, "/mentor status")
    member = await session.bot.store.find_member(session.community, "amina")
    assert member is not None
    held = Reply("a notice that missed you", buttons=(Button("offer.accept", "9", "Accept"),))
    note = Notification(member.id, "amina", held, community=session.community, language="en")
    await session.bot.hold_undelivered(note)
    out = await ok(session, "/skills seo")
    assert "a notice that missed you" in out
    assert "[1] Accept" in out


# ------------------------------------------------------------------------------------- database failures


async def test_a_database_failure_mid_session_is_the_localized_line(
    session: ConsoleSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database goes away mid-session: reads outside the core's handler (names, the language, timers) and
    use-cases alike give the short "try again in a minute", never a traceback; then the session goes on."""
    await ok(session, "/mentor request skills:seo")
    store = session.bot.store

    async def unreachable(*args: object, **kwargs: object) -> None:
        raise DatabaseUnavailable("connection refused")

    for method in ("find_member", "next_job_due", "ensure_member"):
        monkeypatch.setattr(store, method, unreachable)
    for line in ("/mentor status", "/as amina", "/clock +1h"):
        result = await session.run_line(line)
        output = result.output
        assert output.startswith("The database cannot be reached right now"), output
        assert "Traceback" not in output
        assert "connection refused" not in output
    monkeypatch.undo()
    assert "seo" in (await ok(session, "/mentor status")).lower()


def test_the_console_prints_no_traceback_when_the_database_fails(tmp_path: Path) -> None:
    """The whole REPL on a script: a database that fails mid-session is a line per command, never a traceback,
    and the exit status says lines were not run."""
    settings = console_settings(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    script = io.StringIO("/mentor status\n/mentor request skills:seo\n/mentor status\n")
    original = SqliteDatabase.transaction
    started = {"done": False}

    def failing(self: SqliteDatabase) -> AbstractAsyncContextManager[Any]:
        if started["done"]:
            raise DatabaseFull("database or disk is full")
        return original(self)

    async def welcome(self: ConsoleSession, **kwargs: Any) -> str:
        started["done"] = True  # the database was opened and migrated; from now on the disk is full
        return "welcome"

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SqliteDatabase, "transaction", failing)
        patch.setattr(ConsoleSession, "start", welcome)
        status = run_console(settings, stdin=script, stdout=out, stderr=err, interactive=False)
    assert status == 1  # the lines were not run, and a script says so
    assert "Traceback" not in out.getvalue() + err.getvalue()
    assert out.getvalue().count("The database is full, so nothing was saved") == 3


async def test_feedback_and_checkins_in_the_console(session: ConsoleSession) -> None:
    """Issue 13 rule 4 in the console: the other side is asked, its button says what to type, `/mentor feedback`
    records it once; the check-in's buttons show the commands that do the same."""
    t = translator("en")
    await ok(session, "/as baraka")
    await ok(session, "/mentor signup seo")
    await ok(session, "/as amina")
    await ok(session, "/mentor request seo")
    await ok(session, "/as baraka")
    await ok(session, "/mentor accept 1")
    out = await ok(session, "/clock +15d")
    assert "/mentor checkin 1 ok" in out and "/mentor checkin 1 help" in out and "/mentor end 1" in out
    await ok(session, "/as amina")
    out = await ok(session, "/mentor end 1 rating:5")
    assert t("end.done", id=1) in out and "How did mentorship #1 with" in out
    [number] = re.findall(r"\[(\d+)\][^\n]*/mentor feedback 1", out)
    await ok(session, "/as baraka")
    assert t("feedback.form", id=1) in await ok(session, f"/click {number}")
    assert t("feedback.thanks", id=1) in await ok(session, '/mentor feedback 1 rating:4 comment:"good work"')
    assert t("feedback.already", id=1) in await ok(session, "/mentor feedback 1 rating:3")
