"""Session 40: the skills file edited while members have live data (both engines).

1. A waiting request for a skill the admin removed, which no mentor offers any more, was told "No mentor offers
   social-listening yet. You'll get an offer as soon as one signs up." (nobody can sign up for a removed skill), and
   a round advised "recruit a mentor for it" while `/mentor-admin recruit` said nobody can sign up. Its reason now
   says the skill is no longer offered here and to cancel and ask for another (stored as ``wait.no_mentor`` with
   ``"removed": true``, so exports and metrics keep the code ``no_mentor``); the member is told once, when their
   request's reason becomes that (at the reload, at start-up, or when its last mentor drops it).
2. A live reload told the removed skills only to the reloading admin, for their own community, and recorded no
   notice: a later plain restart told every affected community's admins "MentorBot was restarted with a changed
   skills file (no `/mentor-admin reload`)", which was false. The reload now tells every affected community's
   admins (the start-up's keyed notice, reload wording), so a restart finds them told.
3. After a rename or merge (an alias), the waiting requests that moved kept their old reason ("No mentor offers SEO
   yet" while SEO's mentors were at capacity): the requests of the skills rows moved to are tried again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.library import Library
from mentorbot.models import RequestStatus
from mentorbot.replies import Notification
from mentorbot.storage.reports import wait_reason_code
from mentorbot.storage.store import Store
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to
from tests.usecases.test_leave_hunt import library_files, remove_skill

ADMIN = Caller(COMMUNITY, "U-admin", "Admin", is_admin=True)
OTHER = "test:other"
Who = Callable[..., Caller]


def process(store: Store, clock: ManualClock, skills: Path, courses: Path, name: str = "A", **kw: object) -> MentorBot:
    settings = make_settings(skills_file=skills, courses_file=courses, **kw)
    return MentorBot(store, Library(skills, courses), settings, clock, worker_id=name)


def elsewhere(name: str) -> Caller:
    return Caller(OTHER, f"U-{name}", name.capitalize())


def merge_into_seo(skills: Path, courses: Path, slug: str) -> None:
    """Take `slug` out of the file and make it an alias of ``seo`` (a merge)."""
    remove_skill(skills, courses, slug)
    blocks = skills.read_text(encoding="utf-8").split("[[skill]]")
    blocks = [b.replace("aliases = [", f'aliases = ["{slug}", ', 1) if 'slug = "seo"' in b else b for b in blocks]
    skills.write_text("[[skill]]".join(blocks), encoding="utf-8")


async def waiting_reason(store: Store, name: str, community: str = COMMUNITY) -> str | None:
    member = await store.find_member(community, f"U-{name}")
    assert member is not None
    [req] = await store.list_member_requests(member.id, open_only=True)
    assert req.status is RequestStatus.WAITING
    return req.wait_reason


async def outbox_for(bot: MentorBot, name: str) -> list[Notification]:
    """What the outbox holds, undelivered, for member `name` (claimed a moment later, as a timer round would)."""
    assert isinstance(bot.clock, ManualClock)
    bot.clock.advance(timedelta(seconds=1))
    claimed = await bot.undelivered()
    await bot.delivered(claimed)
    return [n for n in claimed if n.platform_user_id == f"U-{name}"]


async def status_text(bot: MentorBot, caller: Caller) -> str:
    return (await bot.status(caller)).reply.plain_text


# ----------------------------------------------------------- 1. a removed skill's waiting request: what is true


async def test_a_removed_skills_request_whose_last_mentor_drops_it_is_told_to_ask_for_another(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    """The hunter's s3: before, "No mentor offers social-listening yet. You'll get an offer as soon as one signs up."
    and the round's "recruit a mentor for it", for a skill nobody can sign up for."""
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.signup(who("m1"), skills="social-listening, seo", capacity="1")
    await bot.pause(who("m1"))
    await bot.request(who("chiku"), skills="social-listening")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    # A paused mentor still offers it: that stays true, and nothing is said yet.
    assert "paused" in await status_text(bot, who("chiku"))
    assert await outbox_for(bot, "chiku") == []
    await bot.signup(who("m1"), skills="seo")  # the last mentor of the removed skill drops it
    reason = await waiting_reason(store, "chiku")
    assert wait_reason_code(reason) == "no_mentor"  # exports and metrics: the same code
    assert json.loads(reason or "{}").get("removed") is True
    mine = await status_text(bot, who("chiku"))
    assert "no longer offers" in mine and "`/mentor cancel`" in mine and "`/mentor request`" in mine
    assert "as soon as one signs up" not in mine
    # The member is told, once, in a message of its own.
    [told] = await outbox_for(bot, "chiku")
    assert told.key is not None and told.key.startswith("request:")
    assert "#1" in told.reply.text and "`/mentor cancel`" in told.reply.text
    await bot.resume(who("m1"))
    assert await outbox_for(bot, "chiku") == []
    # The admins: no advice to recruit, for a skill nobody can sign up for.
    listed = (await bot.admin_waitlist(ADMIN)).reply.plain_text
    assert "skills file" in listed and "No mentor offers social-listening yet" not in listed
    round_ = (await bot.admin_round(ADMIN)).reply.plain_text
    assert "social-listening" in round_ and "recruit" not in round_


async def test_the_reload_tells_a_waiting_request_with_no_mentor_once(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.request(who("chiku"), skills="social-listening")
    assert json.loads(await waiting_reason(store, "chiku") or "{}")["key"] == "wait.no_mentor"
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    assert "no longer offers" in await status_text(bot, who("chiku"))
    [told] = await outbox_for(bot, "chiku")
    assert "social-listening" in told.reply.text and "`/mentor cancel`" in told.reply.text
    # A reload again, a restart days later: already told.
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    clock.advance(timedelta(days=3))
    await bot.run_due_jobs()
    await process(store, clock, skills, courses, "B").settle_skills_at_start()
    assert await outbox_for(bot, "chiku") == []


async def test_a_restart_with_the_skill_taken_out_tells_the_waiting_request(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    skills, courses = library_files(tmp_path / "lib")
    before = process(store, clock, skills, courses, "before")
    await before.request(who("chiku"), skills="social-listening")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(minutes=5))
    after = process(store, clock, skills, courses, "after")
    await after.settle_skills_at_start()
    assert "no longer offers" in await status_text(after, who("chiku"))
    [told] = await outbox_for(after, "chiku")
    assert "`/mentor cancel`" in told.reply.text
    clock.advance(timedelta(days=2))
    await process(store, clock, skills, courses, "again").settle_skills_at_start()
    assert await outbox_for(after, "chiku") == []


async def test_a_request_of_a_removed_skill_and_another_tells_each_its_cause(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.signup(who("m"), skills="seo", capacity="1")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "m")
    await bot.accept(who("m"), offer_id=offer_id(offer))
    await bot.request(who("chiku"), skills="social-listening, seo")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    mine = await status_text(bot, who("chiku"))
    assert "no longer offers social-listening" in mine and "SEO is at capacity" in mine
    assert wait_reason_code(await waiting_reason(store, "chiku")) == "mixed"
    [told] = await outbox_for(bot, "chiku")
    assert "social-listening" in told.reply.text


async def test_a_skill_put_back_is_told_as_before(store: Store, clock: ManualClock, tmp_path: Path, who: Who) -> None:
    skills, courses = library_files(tmp_path / "lib")
    original = skills.read_text(encoding="utf-8"), courses.read_text(encoding="utf-8")
    bot = process(store, clock, skills, courses)
    await bot.request(who("chiku"), skills="social-listening")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    assert "no longer offers" in await status_text(bot, who("chiku"))
    skills.write_text(original[0], encoding="utf-8")
    courses.write_text(original[1], encoding="utf-8")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    mine = await status_text(bot, who("chiku"))
    assert "No mentor offers Social listening yet" in mine and "no longer offers" not in mine
    assert json.loads(await waiting_reason(store, "chiku") or "{}").get("removed") is None


async def test_the_removed_skills_reason_in_swahili(store: Store, clock: ManualClock, tmp_path: Path, who: Who) -> None:
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.set_language(who("chiku"), language="sw")
    await bot.set_language(ADMIN, language="sw")
    await bot.request(who("chiku"), skills="social-listening")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    mine = await status_text(bot, who("chiku"))
    assert "`/mentor cancel`" in mine and "Bado hakuna mshauri" not in mine and "{" not in mine
    [told] = await outbox_for(bot, "chiku")
    assert "#1" in told.reply.text and "{" not in told.reply.text
    round_ = (await bot.admin_round(ADMIN)).reply.plain_text
    assert "social-listening" in round_ and "tafuta mshauri" not in round_


# ----------------------------------------------------------- 2. a reload tells every affected community's admins


async def test_a_reload_tells_the_admins_of_another_community_and_a_restart_does_not_again(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    """The hunter's s6: community B's admins were told nothing by A's reload, then "MentorBot was restarted with a
    changed skills file (no `/mentor-admin reload`)" by a plain restart."""
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.signup(elsewhere("bm"), skills="social-listening", capacity="1")
    await bot.request(elsewhere("bella"), skills="seo")
    await bot.set_language(elsewhere("admin"), language="en")  # U-admin: an admin of every community (settings)
    await bot.set_language(ADMIN, language="en")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    outcome = await bot.admin_reload(ADMIN)
    assert "social-listening" not in outcome.reply.text  # nothing of A's uses it: A's reply says nothing of it
    assert not outcome.notifications  # B's notice is for the process serving B: through the outbox
    [told] = await outbox_for(bot, "admin")
    assert told.community == OTHER
    text = told.reply.text
    assert "`/mentor-admin reload`" in text and "restarted" not in text
    assert "social-listening" in text and "1 mentor" in text
    assert told.key is not None and told.key.startswith("skills.removed:social-listening@")
    clock.advance(timedelta(minutes=10))
    assert await process(store, clock, skills, courses, "B").settle_skills_at_start() is False
    assert await outbox_for(bot, "admin") == []


async def test_a_restart_after_a_reload_tells_the_reloading_community_nothing(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    """The hunter's s8: the reloading admin was told by the reply, then again by the restart, with its false "no
    `/mentor-admin reload`". Another admin of the community is told by the reload, as the reply says it."""
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses, admin_ids=["U-admin", "U-boss"])
    await bot.signup(who("m"), skills="social-listening", capacity="1")
    await bot.set_language(who("boss"), language="en")
    await bot.set_language(ADMIN, language="en")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    outcome = await bot.admin_reload(ADMIN)
    assert "social-listening" in outcome.reply.text
    assert not to(outcome, "admin")  # the reply said it: no second message to the admin who reloaded
    await bot.delivered(outcome.notifications)
    [told] = to(outcome, "boss")
    assert "`/mentor-admin reload`" in told.reply.text and "social-listening" in told.reply.text
    assert await outbox_for(bot, "admin") == []
    clock.advance(timedelta(minutes=10))
    assert await process(store, clock, skills, courses, "B").settle_skills_at_start() is False
    assert await outbox_for(bot, "admin") == [] and await outbox_for(bot, "boss") == []


async def test_a_second_reload_does_not_tell_the_other_admins_again(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.signup(elsewhere("bm"), skills="social-listening", capacity="1")
    await bot.set_language(elsewhere("admin"), language="en")
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    assert len(await outbox_for(bot, "admin")) == 1
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    assert await outbox_for(bot, "admin") == []


# ----------------------------------------------------------- 3. a merge: the moved requests' reasons


async def test_a_merged_skills_waiting_request_is_told_why_it_waits_now(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    """The hunter's s7: before, "No mentor offers SEO yet" while SEO's one mentor was at capacity."""
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.signup(who("m"), skills="seo", capacity="1")
    [offer] = to(await bot.request(who("amina"), skills="seo"), "m")
    await bot.accept(who("m"), offer_id=offer_id(offer))
    await bot.request(who("chiku"), skills="social-listening")  # no mentor
    merge_into_seo(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    assert wait_reason_code(await waiting_reason(store, "chiku")) == "all_busy"
    mine = await status_text(bot, who("chiku"))
    assert "SEO is at capacity" in mine and "No mentor offers" not in mine


async def test_a_merge_offers_a_waiting_request_to_the_mentor_it_brings(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    """Told afresh, a waiting SEO request with a merged mentor's free place would read "at capacity": it is offered
    to them instead, as when a mentor signs up."""
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.request(who("chiku"), skills="seo")  # no mentor
    await bot.signup(who("m"), skills="social-listening", capacity="2")
    merge_into_seo(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    outcome = await bot.admin_reload(ADMIN)
    assert to(outcome, "m")  # the offer
    member = await store.find_member(COMMUNITY, "U-chiku")
    assert member is not None
    [req] = await store.list_member_requests(member.id, open_only=True)
    assert req.status is RequestStatus.OFFERED


async def test_a_restart_with_a_merge_tells_the_moved_request_afresh(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    skills, courses = library_files(tmp_path / "lib")
    before = process(store, clock, skills, courses, "before")
    await before.signup(who("m"), skills="seo", capacity="1")
    [offer] = to(await before.request(who("amina"), skills="seo"), "m")
    await before.accept(who("m"), offer_id=offer_id(offer))
    await before.request(who("chiku"), skills="social-listening")
    merge_into_seo(skills, courses, "social-listening")
    clock.advance(timedelta(minutes=5))
    await process(store, clock, skills, courses, "after").settle_skills_at_start()
    assert wait_reason_code(await waiting_reason(store, "chiku")) == "all_busy"


async def test_a_removed_skill_only_the_member_asking_mentors_is_told_so_too(
    store: Store, clock: ManualClock, tmp_path: Path, who: Who
) -> None:
    """Before: "No other mentor offers social-listening yet. You'll get an offer as soon as one signs up." """
    skills, courses = library_files(tmp_path / "lib")
    bot = process(store, clock, skills, courses)
    await bot.signup(who("chiku"), skills="social-listening, seo", capacity="1")
    await bot.request(who("chiku"), skills="social-listening")
    assert wait_reason_code(await waiting_reason(store, "chiku")) == "no_other_mentor"
    remove_skill(skills, courses, "social-listening")
    clock.advance(timedelta(seconds=1))
    await bot.admin_reload(ADMIN)
    assert wait_reason_code(await waiting_reason(store, "chiku")) == "no_other_mentor"
    mine = await status_text(bot, who("chiku"))
    assert "no longer offers" in mine and "as soon as one signs up" not in mine
    [told] = await outbox_for(bot, "chiku")
    assert "`/mentor cancel`" in told.reply.text
