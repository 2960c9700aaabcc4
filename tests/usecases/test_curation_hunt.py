"""The community's catalog stands up to what a hunt found, on both engines: a suggestion's address is checked by
the catalog file's own rule (and a stored one that fails it is left out, not the whole catalog); a malformed
address gets its refusal, not the apology; an approved suggestion outlives a skill removed or renamed; `/courses`
reads a renamed slug of an open request; a member does not vote on their own suggestion; introductions suggest
the community's approved resources too."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.courses import CommunityCourse, url_key, url_problem
from mentorbot.errors import UserError
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.replies import Outcome
from mentorbot.storage.store import Store, SuggestionStatus
from mentorbot.usecases.curation import check_url, community_catalog
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
en = translator("en")
sw = translator("sw")
ROOT = Path(__file__).resolve().parents[2]
ADMIN = Caller(COMMUNITY, "U-admin", "Admin")
AMINA = Caller(COMMUNITY, "U-amina", "Amina")


def key(out: Outcome) -> str | None:
    """The message key of a refusal (None when the use-case did what was asked)."""
    return out.error.key if out.error is not None else None


# --- one rule for an address -------------------------------------------------------------------------------


async def test_a_host_with_nothing_before_its_dot_is_refused_as_the_catalog_file_refuses_it(
    bot: MentorBot, who: Who
) -> None:
    """Before: `https://.org/guide` was queued (the suggestion's own rule took `.org` for a host with a dot)."""
    for url in ("https://.org/guide", "https://example..org/guide"):
        assert url_problem(url) is not None
        out = await bot.suggest_course(who("amina"), url=url, skills="seo", title="Guide")
        assert (key(out), out.reply.text) == ("curation.bad_url", en("curation.bad_url", url=url))
    assert await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING) == []


_PIECES = st.sampled_from(["https://", "http://", "ftp://", "[", "]", ".", "..", ":", "/", "@", "example", "org"])
_ODD = st.sampled_from(["\x00", "\x07", "\u200b", "\ud800", " ", "\uff0e", "%", "?q=1", "#"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_PIECES, _ODD, st.text(max_size=3)), max_size=8))
def test_a_suggested_address_the_catalog_rule_refuses_is_refused_as_a_bad_address(parts: list[str]) -> None:
    """Whatever is typed, checking a suggested address either accepts one the catalog file would accept too or
    raises a `UserError` (never urlsplit's ValueError); one the catalog file refuses is a bad address."""
    text = "".join(parts)
    try:
        url = check_url(text)
    except UserError as refused:
        trimmed = text.strip().strip("<>")
        if not trimmed:
            assert refused.key == "curation.url_missing"
        elif url_problem(trimmed) is not None:
            assert refused.key == "curation.bad_url"
    else:
        assert url_problem(url) is None


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://[example.org/guide", "https://[example.org/guide"),
        ("https://example.org]/guide", "https://example.org]/guide"),
        ("https://example.org/a\ud800b", "https://example.org/a\ufffdb"),
        ("https://example.org/a\x00b", "https://example.org/a\ufffdb"),
        ("https://example.org/a\x07b", "https://example.org/a\ufffdb"),
        ("https://example.org/a\u200bb", "https://example.org/a\ufffdb"),
    ],
)
async def test_a_malformed_address_gets_the_bad_address_refusal_not_the_apology(
    bot: MentorBot, who: Who, url: str, shown: str
) -> None:
    """Before: the brackets and the lone surrogate got the apology (urlsplit's ValueError; the database), and NUL
    (on SQLite), the bell and the zero-width space were queued for the admins."""
    out = await bot.suggest_course(who("amina"), url=url, skills="seo", title="Guide")
    assert (key(out), out.reply.text) == ("curation.bad_url", en("curation.bad_url", url=shown))
    await bot.set_language(who("juma"), language="sw")
    swahili = await bot.suggest_course(who("juma"), url=url, skills="seo", title="Guide")
    assert swahili.reply.text == sw("curation.bad_url", url=shown)
    assert await bot.store.list_suggestions(COMMUNITY, SuggestionStatus.PENDING) == []


async def test_a_stored_suggestion_that_cannot_be_an_entry_is_left_out_not_the_whole_catalog(
    bot: MentorBot, who: Who, caplog: pytest.LogCaptureFixture
) -> None:
    """A row stored before the rule (`https://.org/guide`, approved): before, `/courses`, votes, the admins'
    queue and stats got the apology for everyone in the community, every time."""
    await bot.suggest_course(who("amina"), url="https://example.org/good-seo", skills="seo", title="Good SEO notes")
    first = await bot.store.get_suggestion(COMMUNITY, 1)
    assert first is not None and first.member_id is not None
    bad = "https://.org/guide"
    stored = await bot.store.suggest_course(
        COMMUNITY,
        first.member_id,
        url=bad,
        url_key=url_key(bad),
        title="Bad",
        skills=["seo"],
        note="",
        now=bot.clock.now(),
    )
    assert stored is not None and stored.id == 2
    for number in (1, 2):
        assert key(await bot.admin_decide_suggestion(who("admin"), suggestion_id=number, approve=True)) is None

    with caplog.at_level(logging.WARNING, logger="mentorbot"):
        catalog = await community_catalog(bot.core, COMMUNITY)
    assert [c.id for c in catalog if isinstance(c, CommunityCourse)] == ["community-1"]
    assert any("#2" in record.getMessage() for record in caplog.records if record.levelno == logging.WARNING)

    courses = await bot.courses(who("juma"), skills="seo")
    assert key(courses) is None and "Good SEO notes" in courses.reply.plain_text
    voted = await bot.vote_course(who("juma"), resource="hubspot-seo", helpful=True)
    assert key(voted) is None
    assert key(await bot.vote_course(who("juma"), resource="community-2", helpful=True)) == "curation.no_resource"
    assert key(await bot.admin_courses(who("admin"))) is None
    assert key(await bot.admin_stats(who("admin"))) is None


# --- votes --------------------------------------------------------------------------------------------------


async def test_a_member_does_not_vote_on_their_own_suggestion(bot: MentorBot, who: Who) -> None:
    """Before: the member who suggested a resource could count it helpful themselves."""
    await bot.suggest_course(who("amina"), url="https://example.org/guide", skills="seo", title="My SEO guide")
    await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=True)
    own = await bot.vote_course(who("amina"), resource="community-1", helpful=True)
    assert (key(own), own.reply.text) == (
        "curation.own_suggestion",
        en("curation.own_suggestion", title="My SEO guide"),
    )
    assert await bot.store.vote_tallies(COMMUNITY) == {}
    await bot.set_language(who("amina"), language="sw")
    again = await bot.vote_course(who("amina"), resource="community-1", helpful=False)
    assert again.reply.text == sw("curation.own_suggestion", title="My SEO guide")
    other = await bot.vote_course(who("juma"), resource="community-1", helpful=True)
    assert other.reply.text == en("curation.voted_helpful", title="My SEO guide")
    assert (await bot.store.vote_tallies(COMMUNITY))["community-1"].helpful == 1


# --- introductions --------------------------------------------------------------------------------------------


async def test_an_introduction_suggests_the_communitys_approved_resources(bot: MentorBot, who: Who) -> None:
    """Before: introductions read the file catalog only; `/courses` showed the approved suggestion, the
    introduction never did. No file entry for paid social is both focused on it and free, so it comes first."""
    title = "Community paid social notes"
    await bot.suggest_course(who("zed"), url="https://example.org/paid-social-notes", skills="paid-social", title=title)
    await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=True)
    await bot.signup(who("chao"), skills="paid-social", levels="expert")
    [offer] = to(await bot.request(who("amina"), skills="paid social"), "chao")
    accepted = await bot.accept(who("chao"), offer_id=offer_id(offer))
    for name in ("amina", "chao"):
        [intro] = to(accepted, name)
        assert f"1. {title} — example.org (suggested by the community)" in intro.reply.plain_text
        assert ("vote.up", "community-1") in [(b.action, b.ref) for b in intro.reply.buttons]
    elsewhere = await community_catalog(bot.core, "other:guild")
    assert elsewhere.get("community-1") is None  # only this community's introductions


# --- the taxonomy changes under approved suggestions and open requests -------------------------------------


def _files(tmp_path: Path) -> tuple[Path, Path]:
    skills, courses = tmp_path / "skills.toml", tmp_path / "courses.toml"
    shutil.copy(ROOT / "config" / "skills.toml", skills)
    shutil.copy(ROOT / "config" / "courses.toml", courses)
    return skills, courses


def _bot(store: Store, clock: ManualClock, skills: Path, courses: Path) -> MentorBot:
    settings = make_settings(skills_file=skills, courses_file=courses)
    return MentorBot(store, Library(skills, courses), settings, clock, worker_id="A")


PODCASTING = '\n[[skill]]\nslug = "podcasting"\ncategory = "content"\nlabel = { en = "Podcasting", sw = "Podikasti" }\n'


async def test_an_approved_suggestion_outlives_one_of_its_skills_removed(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    """Before: removing podcasting made the suggestion for SEO and podcasting vanish, SEO included."""
    skills, courses = _files(tmp_path)
    original = skills.read_text(encoding="utf-8")
    skills.write_text(original + PODCASTING, encoding="utf-8")
    bot = _bot(store, clock, skills, courses)
    await bot.suggest_course(AMINA, url="https://example.org/pod-seo", skills="seo, podcasting", title="Pod SEO")
    await bot.admin_decide_suggestion(ADMIN, suggestion_id=1, approve=True)

    skills.write_text(original, encoding="utf-8")
    assert key(await bot.admin_reload(ADMIN)) is None
    catalog = await community_catalog(bot.core, COMMUNITY)
    added = catalog.get("community-1")
    assert added is not None and added.skills == ("seo",)
    assert "Pod SEO" in (await bot.courses(AMINA, skills="seo")).reply.plain_text


async def test_an_approved_suggestion_with_none_of_its_skills_left_is_not_shown(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    skills, courses = _files(tmp_path)
    original = skills.read_text(encoding="utf-8")
    skills.write_text(original + PODCASTING, encoding="utf-8")
    bot = _bot(store, clock, skills, courses)
    await bot.suggest_course(AMINA, url="https://example.org/pods", skills="podcasting", title="Pods")
    await bot.admin_decide_suggestion(ADMIN, suggestion_id=1, approve=True)
    skills.write_text(original, encoding="utf-8")
    await bot.admin_reload(ADMIN)
    assert (await community_catalog(bot.core, COMMUNITY)).get("community-1") is None


async def test_courses_without_skills_and_approved_suggestions_follow_a_renamed_slug(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    """The admins rename `seo` to `search-engine-optimisation` (its label SEO still names it). Before: `/courses`
    with no skills ignored the open request for `seo` and said how to ask."""
    skills, courses = _files(tmp_path)
    bot = _bot(store, clock, skills, courses)
    await bot.request(AMINA, skills="seo")
    await bot.suggest_course(AMINA, url="https://example.org/seo-notes", skills="seo", title="SEO notes")
    await bot.admin_decide_suggestion(ADMIN, suggestion_id=1, approve=True)

    renamed = skills.read_text(encoding="utf-8").replace('slug = "seo"', 'slug = "search-engine-optimisation"')
    skills.write_text(renamed, encoding="utf-8")
    courses.write_text(courses.read_text(encoding="utf-8").replace('"seo"', '"search-engine-optimisation"'))
    assert key(await bot.admin_reload(ADMIN)) is None
    assert bot.library.taxonomy.get("seo") is None

    reply = (await bot.courses(AMINA)).reply
    assert reply.text.startswith(en("courses.from_requests", skills="SEO"))
    assert reply.fields
    added = (await community_catalog(bot.core, COMMUNITY)).get("community-1")
    assert added is not None and added.skills == ("search-engine-optimisation",)
