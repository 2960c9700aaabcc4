"""Deciding a suggestion (session 30b), on both engines: `/mentor-admin reject` withdraws an approved suggestion
from the community's catalog at once (who, when and why recorded, its author told); a second decision names who
decided first and when; a suggestion none of whose skills the taxonomy still has is not approved (the refusal
names the skills and what to do)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.commands import execute, execute_button, parse
from mentorbot.formatting import when
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.replies import Outcome
from mentorbot.storage.store import Store, Suggestion, SuggestionStatus
from mentorbot.usecases.curation import community_catalog
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
en = translator("en")
sw = translator("sw")
ROOT = Path(__file__).resolve().parents[2]
URL = "https://example.org/paid-social-notes"
TITLE = "Community paid social notes"


def key(out: Outcome) -> str | None:
    """The message key of a refusal (None when the use-case did what was asked)."""
    return out.error.key if out.error is not None else None


async def row(bot: MentorBot, number: int = 1) -> Suggestion:
    found = await bot.store.get_suggestion(COMMUNITY, number)
    assert found is not None
    return found


async def approved(bot: MentorBot, who: Who) -> Suggestion:
    """Amina's suggestion for paid social (no file entry for it is both focused and free, so it ranks first),
    approved by the admin."""
    made = await bot.suggest_course(who("amina"), url=URL, skills="paid-social", title=TITLE)
    assert key(made) is None
    assert key(await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=True)) is None
    return await row(bot)


def shown(out: Outcome) -> bool:
    return TITLE in out.reply.plain_text


# --- reject withdraws an approved suggestion --------------------------------------------------------------------


async def test_reject_withdraws_an_approved_suggestion_from_courses_and_introductions(
    bot: MentorBot, who: Who, clock: ManualClock
) -> None:
    """Before: `/mentor-admin reject 1` of an approved suggestion answered "already suggested and approved", and the
    resource stayed in `/courses` and introductions for good."""
    first = await approved(bot, who)
    assert shown(await bot.courses(who("juma"), skills="paid-social"))
    clock.advance(timedelta(hours=3))
    boss = who("boss", is_admin=True)
    out = await bot.admin_decide_suggestion(
        boss, suggestion_id=1, approve=False, reason="the link is dead now", withdraw=True
    )
    assert key(out) is None
    assert first.decided_at is not None
    approver = when(first.decided_at, en)
    assert out.reply.text == en("curation.withdrawn", id=1, title=TITLE, admin="<@U-admin>", when=approver)

    gone = await row(bot)
    assert (gone.status, gone.decided_by, gone.reason) == (SuggestionStatus.REJECTED, "U-boss", "the link is dead now")
    assert gone.decided_at == clock.now()
    assert (await community_catalog(bot.core, COMMUNITY)).get("community-1") is None
    assert not shown(await bot.courses(who("juma"), skills="paid-social"))
    [told] = to(out, "amina")
    assert told.reply.text == en("curation.told_withdrawn", id=1, title=TITLE) + "\n" + en(
        "curation.told_reason", reason="the link is dead now"
    )
    assert told.key == "suggestion:1"

    await bot.signup(who("chao"), skills="paid-social", levels="expert")
    [offer] = to(await bot.request(who("juma"), skills="paid social"), "chao")
    accepted = await bot.accept(who("chao"), offer_id=offer_id(offer))
    for name in ("juma", "chao"):
        [intro] = to(accepted, name)
        assert TITLE not in intro.reply.plain_text
        assert ("vote.up", "community-1") not in [(b.action, b.ref) for b in intro.reply.buttons]
    # Withdrawn is rejected: the address may be suggested again.
    again = await bot.suggest_course(who("juma"), url=URL, skills="paid-social", title=TITLE)
    assert key(again) is None and again.reply.text.startswith("Thank you! Suggestion #2")


async def test_the_withdrawal_is_told_in_the_admins_and_the_authors_language(bot: MentorBot, who: Who) -> None:
    await bot.set_language(who("amina"), language="sw")
    boss = who("boss", is_admin=True)
    await bot.set_language(boss, language="sw")
    first = await approved(bot, who)
    out = await bot.admin_decide_suggestion(boss, suggestion_id=1, approve=False, withdraw=True)
    assert first.decided_at is not None
    approver = when(first.decided_at, sw)
    assert out.reply.text == sw("curation.withdrawn", id=1, title=TITLE, admin="<@U-admin>", when=approver)
    [told] = to(out, "amina")
    assert told.reply.text == sw("curation.told_withdrawn", id=1, title=TITLE)  # no reason given, none told


async def test_a_second_decision_names_who_decided_first_and_when(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Before: "That resource was already suggested (#1) and approved", the suggesting member's words, naming no
    one, though `decide` promised who decided first."""
    first = await approved(bot, who)
    assert first.decided_at is not None
    clock.advance(timedelta(minutes=5))
    boss = who("boss", is_admin=True)
    again = await bot.admin_decide_suggestion(boss, suggestion_id=1, approve=True)
    at = when(first.decided_at, en)
    assert again.reply.text == en("curation.decided_approved", id=1, admin="<@U-admin>", when=at)
    assert (await row(bot)).decided_by == "U-admin"  # approving again changes nothing
    assert not again.notifications
    assert (await community_catalog(bot.core, COMMUNITY)).get("community-1") is not None

    await bot.admin_decide_suggestion(boss, suggestion_id=1, approve=False, withdraw=True)
    withdrawn = await row(bot)
    assert withdrawn.decided_at is not None
    clock.advance(timedelta(minutes=5))
    for approve in (True, False):  # a withdrawn one is rejected: neither approve nor reject moves it
        late = await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=approve)
        at = when(withdrawn.decided_at, en)
        assert late.reply.text == en("curation.decided_rejected", id=1, admin="<@U-boss>", when=at)
        assert not late.notifications
    assert (await row(bot)).status is SuggestionStatus.REJECTED


async def test_a_decision_by_an_admin_who_has_left_says_so(bot: MentorBot, who: Who) -> None:
    boss = who("boss", is_admin=True)
    await bot.suggest_course(who("amina"), url=URL, skills="paid-social", title=TITLE)
    await bot.admin_decide_suggestion(boss, suggestion_id=1, approve=True)
    assert key(await bot.forget(boss, confirm=True)) is None
    first = await row(bot)
    assert first.decided_by is None and first.decided_at is not None
    again = await bot.admin_decide_suggestion(who("admin"), suggestion_id=1, approve=True)
    left = en("common.member_left")
    assert again.reply.text == en("curation.decided_approved", id=1, admin=left, when=when(first.decided_at, en))


async def test_the_store_withdraws_an_approved_suggestion_once(store: Store, clock: ManualClock) -> None:
    """A compare-and-set on `approved`: not a pending one, not another community's, not twice."""
    member = await store.ensure_member(COMMUNITY, "U-amina", "Amina", clock.now())
    made = await store.suggest_course(
        COMMUNITY, member.id, url=URL, url_key="k", title=TITLE, skills=["seo"], note="", now=clock.now()
    )
    assert made is not None
    assert await store.withdraw_suggestion(COMMUNITY, made.id, admin="U-a", reason=None, now=clock.now()) is None
    assert (await store.get_suggestion(COMMUNITY, made.id)).status is SuggestionStatus.PENDING  # type: ignore[union-attr]
    await store.decide_suggestion(COMMUNITY, made.id, approve=True, admin="U-a", reason=None, now=clock.now())
    assert await store.withdraw_suggestion("other:guild", made.id, admin="U-b", reason=None, now=clock.now()) is None
    clock.advance(timedelta(hours=1))
    out = await store.withdraw_suggestion(COMMUNITY, made.id, admin="U-b", reason="old", now=clock.now())
    assert out is not None
    assert (out.status, out.decided_by, out.reason, out.decided_at) == (
        SuggestionStatus.REJECTED,
        "U-b",
        "old",
        clock.now(),
    )
    assert await store.withdraw_suggestion(COMMUNITY, made.id, admin="U-c", reason=None, now=clock.now()) is None
    assert await store.list_suggestions(COMMUNITY, SuggestionStatus.APPROVED) == []


# --- approving a suggestion none of whose skills is left ---------------------------------------------------------

PODCASTING = '\n[[skill]]\nslug = "podcasting"\ncategory = "content"\nlabel = { en = "Podcasting", sw = "Podikasti" }\n'
ADMIN = Caller(COMMUNITY, "U-admin", "Admin")
AMINA = Caller(COMMUNITY, "U-amina", "Amina")


def _bot(store: Store, clock: ManualClock, tmp_path: Path) -> tuple[MentorBot, Path, str]:
    skills, courses = tmp_path / "skills.toml", tmp_path / "courses.toml"
    shutil.copy(ROOT / "config" / "skills.toml", skills)
    shutil.copy(ROOT / "config" / "courses.toml", courses)
    original = skills.read_text(encoding="utf-8")
    skills.write_text(original + PODCASTING, encoding="utf-8")
    settings = make_settings(skills_file=skills, courses_file=courses)
    return MentorBot(store, Library(skills, courses), settings, clock, worker_id="A"), skills, original


async def test_approving_a_suggestion_whose_skills_are_all_gone_is_refused(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    """Before: "Approved: it is now in the community's catalog", to the admin and the member, and it was shown
    nowhere (`community_catalog` leaves out a suggestion none of whose skills is left)."""
    bot, skills, original = _bot(store, clock, tmp_path)
    await bot.suggest_course(AMINA, url="https://example.org/pods", skills="podcasting", title="Pods")
    skills.write_text(original, encoding="utf-8")
    assert key(await bot.admin_reload(ADMIN)) is None
    assert bot.library.taxonomy.get("podcasting") is None

    out = await bot.admin_decide_suggestion(ADMIN, suggestion_id=1, approve=True)
    assert key(out) == "curation.skills_gone"
    assert out.reply.text == en("curation.skills_gone", id=1, skills="`podcasting`")
    assert not out.notifications
    assert (await row(bot)).status is SuggestionStatus.PENDING
    assert (await community_catalog(bot.core, COMMUNITY)).get("community-1") is None

    # What the refusal says to do works: the skill back, then approving it puts it in the catalog.
    skills.write_text(original + PODCASTING, encoding="utf-8")
    assert key(await bot.admin_reload(ADMIN)) is None
    ok = await bot.admin_decide_suggestion(ADMIN, suggestion_id=1, approve=True)
    assert ok.reply.text == en("curation.approved", id=1, title="Pods")
    assert (await community_catalog(bot.core, COMMUNITY)).get("community-1") is not None


async def test_a_suggestion_with_all_skills_gone_can_still_be_rejected_and_one_with_some_left_approved(
    store: Store, clock: ManualClock, tmp_path: Path
) -> None:
    bot, skills, original = _bot(store, clock, tmp_path)
    await bot.suggest_course(AMINA, url="https://example.org/pods", skills="podcasting", title="Pods")
    await bot.suggest_course(AMINA, url="https://example.org/pod-seo", skills="seo, podcasting", title="Pod SEO")
    skills.write_text(original, encoding="utf-8")
    await bot.admin_reload(ADMIN)
    rejected = await bot.admin_decide_suggestion(ADMIN, suggestion_id=1, approve=False)
    assert rejected.reply.text == en("curation.rejected", id=1, title="Pods")
    kept = await bot.admin_decide_suggestion(ADMIN, suggestion_id=2, approve=True)
    assert kept.reply.text == en("curation.approved", id=2, title="Pod SEO")
    added = (await community_catalog(bot.core, COMMUNITY)).get("community-2")
    assert added is not None and added.skills == ("seo",)


async def test_the_refusal_is_in_the_admins_language(store: Store, clock: ManualClock, tmp_path: Path) -> None:
    bot, skills, original = _bot(store, clock, tmp_path)
    vlogging = (
        PODCASTING.replace("podcasting", "vlogging").replace("Podcasting", "Vlogging").replace("Podikasti", "Vlogu")
    )
    skills.write_text(original + PODCASTING + vlogging, encoding="utf-8")
    assert key(await bot.admin_reload(ADMIN)) is None
    assert bot.library.taxonomy.get("vlogging") is not None
    made = await bot.suggest_course(AMINA, url="https://example.org/pods", skills="podcasting, vlogging", title="Pods")
    assert key(made) is None, made.reply.text
    skills.write_text(original, encoding="utf-8")
    assert key(await bot.admin_reload(ADMIN)) is None
    await bot.set_language(ADMIN, language="sw")
    out = await bot.admin_decide_suggestion(ADMIN, suggestion_id=1, approve=True)
    assert out.reply.text == sw("curation.skills_gone", id=1, skills=sw.join(["`podcasting`", "`vlogging`"]))


async def test_a_stale_reject_button_does_not_withdraw_what_another_admin_approved(bot: MentorBot, who: Who) -> None:
    """A review queue shown to two admins: one approves; the other's Reject button, clicked later, is told who
    approved it, and the resource stays in the catalog. Only a typed `/mentor-admin reject <n>` withdraws."""
    first = await approved(bot, who)
    assert first.decided_at is not None
    boss = who("boss", is_admin=True)
    late = await execute_button(bot, boss, "suggestion.reject", "1")
    assert late.reply.text == en("curation.decided_approved", id=1, admin="<@U-admin>", when=when(first.decided_at, en))
    assert (await row(bot)).status is SuggestionStatus.APPROVED
    assert (await community_catalog(bot.core, COMMUNITY)).get("community-1") is not None
    typed = await execute(bot, boss, parse("/mentor-admin reject 1"))
    assert typed.reply.text == en(
        "curation.withdrawn", id=1, title=TITLE, admin="<@U-admin>", when=when(first.decided_at, en)
    )
    assert (await row(bot)).status is SuggestionStatus.REJECTED
