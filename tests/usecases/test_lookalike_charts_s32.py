"""What a security hunt found (session 32), on both engines: a lookalike (homograph) course address is refused
when suggested, and one stored before the rule is never approved nor recommended; a skill label with `$` in it
no longer loses the stats reply or the weekly digest, and a chart that cannot be drawn for any reason leaves
them sent without the picture."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mentorbot import charts
from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.courses import CommunityCourse, url_key
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.replies import Outcome
from mentorbot.storage.store import Store, SuggestionStatus
from mentorbot.usecases.curation import community_catalog
from tests.usecases.conftest import COMMUNITY, make_settings

Who = Callable[..., Caller]
en = translator("en")
sw = translator("sw")
ROOT = Path(__file__).resolve().parents[2]
CYRILLIC = "https://www.c\u043eursera.org/learn/seo-fundamentals"
CYRILLIC_ASCII = "www.xn--cursera-9ig.org"


def key(out: Outcome) -> str | None:
    """The message key of a refusal (None when the use-case did what was asked)."""
    return out.error.key if out.error is not None else None


# --- lookalike addresses ----------------------------------------------------------------------------------


async def test_a_lookalike_address_is_refused_in_the_members_language_and_nothing_is_queued(
    bot: MentorBot, who: Who
) -> None:
    """Before: `https://www.cоursera.org/…` (a Cyrillic о) titled "SEO Fundamentals (Coursera)" was queued, shown
    as typed to the admin and, approved, recommended to every member with the spoofed host as its provider."""
    out = await bot.suggest_course(who("amina"), url=CYRILLIC, skills="seo", title="SEO Fundamentals (Coursera)")
    assert (key(out), out.reply.text) == (
        "curation.lookalike_host_ascii",
        en("curation.lookalike_host_ascii", url=CYRILLIC, ascii=CYRILLIC_ASCII),
    )
    await bot.set_language(who("juma"), language="sw")
    swahili = await bot.suggest_course(who("juma"), url=CYRILLIC, skills="seo", title="SEO")
    assert swahili.reply.text == sw("curation.lookalike_host_ascii", url=CYRILLIC, ascii=CYRILLIC_ASCII)
    assert await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING) == []
    typed_right = await bot.suggest_course(
        who("amina"), url=f"https://{CYRILLIC_ASCII}/learn/seo-fundamentals", skills="seo", title="SEO Fundamentals"
    )
    assert key(typed_right) is None  # the xn-- form is what everyone is then shown


async def _stored(bot: MentorBot, who: Who, url: str) -> int:
    """A suggestion of `url` stored as a release before the rule stored it."""
    await bot.suggest_course(who("amina"), url="https://example.org/first", skills="seo", title="First")
    first = await bot.store.get_suggestion(COMMUNITY, 1)
    assert first is not None and first.member_id is not None
    stored = await bot.store.suggest_course(
        COMMUNITY,
        first.member_id,
        url=url,
        url_key=url_key(url),
        title="SEO Fundamentals (Coursera)",
        skills=["seo"],
        note="",
        now=bot.clock.now(),
    )
    assert stored is not None
    return stored.id


async def test_a_lookalike_queued_before_the_rule_is_flagged_and_cannot_be_approved(bot: MentorBot, who: Who) -> None:
    number = await _stored(bot, who, CYRILLIC)
    queue = await bot.admin_courses(who("admin"))
    [field] = [f for f in queue.reply.fields if f"#{number}" in f.name]
    assert en("curation.queue_lookalike", host=CYRILLIC_ASCII) in field.value
    approved = await bot.admin_decide_suggestion(who("admin"), suggestion_id=number, approve=True)
    assert (key(approved), approved.reply.text) == (
        "curation.lookalike_not_approved",
        en("curation.lookalike_not_approved", id=number),
    )
    found = await bot.store.get_suggestion(COMMUNITY, number)
    assert found is not None and found.status is SuggestionStatus.PENDING
    rejected = await bot.admin_decide_suggestion(who("admin"), suggestion_id=number, approve=False)
    assert key(rejected) is None


async def test_a_lookalike_approved_before_the_rule_is_no_longer_recommended(
    bot: MentorBot, who: Who, caplog: pytest.LogCaptureFixture
) -> None:
    number = await _stored(bot, who, CYRILLIC)
    decided = await bot.store.decide_suggestion(
        COMMUNITY, number, approve=True, admin="U-admin", reason=None, now=bot.clock.now()
    )
    assert decided is not None and decided.status is SuggestionStatus.APPROVED
    with caplog.at_level(logging.WARNING, logger="mentorbot"):
        catalog = await community_catalog(bot.core, COMMUNITY)
    assert [c.id for c in catalog if isinstance(c, CommunityCourse)] == []
    assert any(f"#{number}" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    courses = await bot.courses(who("zawadi"), skills="seo")
    assert key(courses) is None
    assert "\u043e" not in courses.reply.plain_text and "SEO Fundamentals (Coursera)" not in courses.reply.plain_text


# --- charts: a `$` in a skill label, a drawing that fails ---------------------------------------------------

DOLLAR_LABEL = "Paid social ($ to $$$ budgets)"


def _dollar_bot(store: Store, clock: ManualClock, tmp_path: Path, **settings: object) -> MentorBot:
    skills, courses = tmp_path / "skills.toml", tmp_path / "courses.toml"
    text = (ROOT / "config" / "skills.toml").read_text(encoding="utf-8")
    assert 'en = "Paid social"' in text
    skills.write_text(text.replace('en = "Paid social"', f'en = "{DOLLAR_LABEL}"'), encoding="utf-8")
    shutil.copy(ROOT / "config" / "courses.toml", courses)
    values: dict[str, object] = {"skills_file": skills, "courses_file": courses, **settings}
    return MentorBot(store, Library(skills, courses), make_settings(**values), clock, worker_id="A")


ADMIN = Caller(COMMUNITY, "U-admin", "Admin")


async def test_stats_with_a_dollar_skill_label_has_its_chart(store: Store, clock: ManualClock, tmp_path: Path) -> None:
    """Before: the supply chart raised ValueError (mathtext) and the admin got the apology, the whole reply lost."""
    bot = _dollar_bot(store, clock, tmp_path)
    await bot.request(Caller(COMMUNITY, "U-amina", "Amina"), skills="ppc", note="need help with ads")
    out = await bot.admin_stats(ADMIN)
    assert key(out) is None
    [picture] = out.reply.attachments
    assert picture.content.startswith(b"\x89PNG")
    assert DOLLAR_LABEL in picture.description


def _failing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every drawing fail as matplotlib may (a text it cannot lay out): the names of the charts tried."""
    tried: list[str] = []

    def broken(data: charts.ChartData) -> bytes:
        tried.append(data.name)
        raise ValueError("matplotlib could not lay this out")

    monkeypatch.setattr(charts, "render_png", broken)
    return tried


async def test_stats_whose_chart_cannot_be_drawn_is_sent_without_the_picture(
    bot: MentorBot, who: Who, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    tried = _failing(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="mentorbot"):
        out = await bot.admin_stats(who("admin"), chart="weekly")
    assert key(out) is None and tried == ["weekly"]
    assert out.reply.attachments == ()
    [chart] = [f for f in out.reply.fields if f.name == en("insight.weekly_title", weeks=12)]
    assert chart.value.endswith(en("insight.chart_undrawn"))
    [warning] = [r for r in caplog.records if "could not be drawn" in r.getMessage()]
    assert warning.levelno == logging.WARNING and warning.exc_info is not None
    assert re.search(r"\[[0-9a-f]{10}\]", warning.getMessage())  # its correlation id
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_the_digest_with_a_dollar_skill_label_has_its_chart(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    """Before: every digest run failed (an ERROR traceback each week) and no admin got a digest."""
    bot = _dollar_bot(store, clock, tmp_path, digest="mon 08:00")
    await bot.set_language(ADMIN, language="en")
    await bot.request(Caller(COMMUNITY, "U-amina", "Amina"), skills="ppc", note="need help with ads")
    await bot.run_due_jobs()  # schedules the digest
    clock.advance(datetime(2026, 1, 12, 8, tzinfo=UTC) - clock.now())
    [digest] = [n for n in await bot.run_due_jobs() if n.platform_user_id == "U-admin"]
    [picture] = digest.reply.attachments
    assert picture.content.startswith(b"\x89PNG") and DOLLAR_LABEL in picture.description


async def test_a_digest_whose_chart_cannot_be_drawn_is_sent_without_it_and_drawn_once(
    store: Store,
    library: Library,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    admins = ["U-a1", "U-a2"]
    bot = MentorBot(store, library, make_settings(digest="mon 08:00", admin_ids=admins), clock, worker_id="w1")
    for user, lang in zip(admins, ("en", "sw"), strict=True):
        await bot.set_language(Caller(COMMUNITY, user, user), language=lang)
    await bot.run_due_jobs()
    tried = _failing(monkeypatch)
    clock.advance(datetime(2026, 1, 12, 8, tzinfo=UTC) - clock.now())
    with caplog.at_level(logging.WARNING):
        notes = await bot.run_due_jobs()
    digests = {n.platform_user_id: n for n in notes if n.platform_user_id in admins}
    assert sorted(digests) == admins
    for user, t in (("U-a1", en), ("U-a2", sw)):
        assert digests[user].reply.attachments == ()
        assert t("insight.digest_chart_undrawn") in digests[user].reply.text
    assert tried == ["supply", "supply"]  # once per language, not again inside the timer's unit of work
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len([r for r in caplog.records if "could not be drawn" in r.getMessage()]) == 2
