"""Admin use-cases: rights, stats, waitlist, manual match, end, pause, optimal rounds, reload, export."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import translator
from mentorbot.library import Library
from mentorbot.models import MentorshipStatus, MentorStatus, RequestStatus
from mentorbot.rounds import greedy, solve
from tests.usecases.conftest import offer_id, to

Who = Callable[..., Caller]
EN = translator("en")


async def test_admin_commands_are_refused_to_members(bot: MentorBot, who: Who) -> None:
    for call in (
        bot.admin_stats(who("amina")),
        bot.admin_waitlist(who("amina")),
        bot.admin_round(who("amina")),
        bot.admin_reload(who("amina")),
        bot.admin_export(who("amina")),
        bot.admin_match(who("amina"), request_id=1, mentor="baraka"),
        bot.admin_end(who("amina"), mentorship_id=1),
        bot.admin_pause(who("amina"), mentor="baraka"),
    ):
        assert (await call).reply.text == "Only admins can do that."


async def test_admin_rights_from_settings_or_platform(bot: MentorBot, who: Who) -> None:
    assert "Programme health" in ((await bot.admin_stats(who("admin"))).reply.title or "")
    assert "Programme health" in ((await bot.admin_stats(who("mod", is_admin=True))).reply.title or "")


async def test_waitlist_lists_reasons(bot: MentorBot, who: Who) -> None:
    await bot.request(who("amina"), skills="seo")
    listing = await bot.admin_waitlist(who("admin"))
    assert listing.reply.title == "Waitlist (1)"
    (entry,) = listing.reply.listings[0].entries
    assert "Amina: SEO" in entry and "No mentor offers SEO yet" in entry
    assert not listing.reply.attachments, "a waitlist that fits on one page comes without a CSV file"


async def test_manual_match_end_and_pause(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="copywriting", capacity=1)
    await bot.request(who("amina"), skills="seo")
    refused = await bot.admin_match(who("admin"), request_id="#1", mentor="@baraka")
    assert "Baraka offers none of SEO" in refused.reply.text and "force:yes" in refused.reply.text
    matched = await bot.admin_match(who("admin"), request_id="#1", mentor="@baraka", force=True)
    assert "matched with Baraka" in matched.reply.text and "overriding: no shared skill" in matched.reply.text
    assert to(matched, "amina") and to(matched, "baraka"), "both are introduced"
    full = await bot.request(who("chao"), skills="copywriting")
    assert "at capacity" in full.reply.text
    refused = await bot.admin_match(who("admin"), request_id=2, mentor="baraka")
    assert "has no free place" in refused.reply.text
    assert (
        "no mentor called 'nobody'" in (await bot.admin_match(who("admin"), request_id=2, mentor="nobody")).reply.text
    )
    [ms] = await bot.store.list_mentorships(community="test:guild")
    ended = await bot.admin_end(who("admin"), mentorship_id=ms.id)
    assert "has ended" in ended.reply.text
    assert any("ended by an admin" in n.reply.text for n in to(ended, "amina"))
    assert any(b.action == "offer.accept" for n in to(ended, "baraka") for b in n.reply.buttons), (
        "the freed place goes to chao's waiting request"
    )
    [held] = [n for n in to(ended, "baraka") if any(b.action == "offer.accept" for b in n.reply.buttons)]
    paused = await bot.admin_pause(who("admin"), mentor="baraka")
    assert "is paused" in paused.reply.text and to(paused, "baraka")
    # The held offer's message says who paused them (before: "withdrawn because you paused").
    [withdrawn] = [n for n in to(paused, "baraka") if n.key == held.key]
    assert withdrawn.reply.text == translator("en")("offer.withdrawn_paused_admin", id=offer_id(held))
    member = await bot.store.find_member("test:guild", "U-baraka")
    assert member is not None
    profile = await bot.store.get_mentor_profile(member.id)
    assert profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == "admin"


async def test_round_beats_first_come_greedy(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    await bot.signup(who("ace"), skills="seo, copywriting", levels="expert", capacity=1)
    await bot.signup(who("bea"), skills="seo", levels="learning", capacity=1)
    for name in ("ace", "bea"):
        member = await bot.store.find_member("test:guild", f"U-{name}")
        assert member is not None
        await bot.store.set_mentor_status(member.id, MentorStatus.PAUSED, clock.now())
    await bot.request(who("amina"), skills="seo")
    await bot.request(who("chao"), skills="copywriting")
    for name in ("ace", "bea"):
        member = await bot.store.find_member("test:guild", f"U-{name}")
        assert member is not None
        await bot.store.set_mentor_status(member.id, MentorStatus.ACTIVE, clock.now())
    outcome = await bot.admin_round(who("admin"))
    assert "2 offers sent, 0 requests still waiting" in outcome.reply.text
    [to_ace] = [n for n in to(outcome, "ace") if n.reply.buttons]
    [to_bea] = [n for n in to(outcome, "bea") if n.reply.buttons]
    assert "Copywriting" in to_ace.reply.plain_text and "SEO" in to_bea.reply.plain_text
    assert len(to(outcome, "amina")) == 1 and len(to(outcome, "chao")) == 1
    # First-come greedy gives Ace to Amina (SEO, expert), leaving Chao's copywriting nobody: its total may be
    # higher, over fewer matches. The reply says it in words (before: score totals, which misled, then jargon).
    assert outcome.reply.text.endswith(EN("round.first_come", count=1))


def test_solver_maximises_matches_then_score() -> None:
    scores = [{1: 2.0, 2: 0.5}, {1: 1.9}]
    pairs, total = solve(scores, {1: 1, 2: 1})
    assert sorted(pairs) == [(0, 2), (1, 1)] and total == 2.4
    greedy_pairs, greedy_total = greedy(scores, {1: 1, 2: 1})
    assert greedy_pairs == [(0, 1)] and greedy_total == 2.0
    assert solve([], {1: 1}) == ([], 0.0)
    assert solve([{1: 1.0}], {}) == ([], 0.0)
    capacity_pairs, _ = solve([{1: 1.0}, {1: 1.0}, {1: 1.0}], {1: 2})
    assert len(capacity_pairs) == 2


async def test_stats_show_gaps_and_acceptance(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    await bot.request(who("chao"), skills="paid-social")
    await bot.request(who("dan"), skills="paid-social, seo")
    stats = await bot.admin_stats(who("admin"))
    fields = {f.name: f.value for f in stats.reply.fields}
    assert fields["Members"] == "5", "the admin who asked is a member too"
    assert fields["Acceptance rate"] == "100%"
    assert fields["Top skill gaps (waiting requests vs free places)"].splitlines()[0] == (
        "Paid social: 1 request waiting, 0 free places"  # Dan's asks for SEO too: offered to Baraka, not waiting
    )


async def test_reload_keeps_the_old_files_when_one_is_broken(
    bot: MentorBot, who: Who, tmp_path: Path, library: Library
) -> None:
    skills = tmp_path / "skills.toml"
    courses = tmp_path / "courses.toml"
    shutil.copy(library.skills_file, skills)
    shutil.copy(library.courses_file, courses)
    bot.library = Library(skills, courses)
    ok = await bot.admin_reload(who("admin"))
    assert f"{len(bot.library.taxonomy)} skills" in ok.reply.text
    courses.write_text(courses.read_text(encoding="utf-8") + '\n[[course]]\nid = "broken"\n', encoding="utf-8")
    failed = await bot.admin_reload(who("admin"))
    assert "not reloaded" in failed.reply.text and "courses.toml" in failed.reply.text
    assert len(bot.library.catalog) == len(library.catalog)
    assert "Courses" in ((await bot.courses(who("amina"), skills="seo")).reply.title or "")


async def test_admin_export_is_csv(bot: MentorBot, who: Who) -> None:
    await bot.request(who("amina"), skills="seo", note='comma, and "quotes"')
    outcome = await bot.admin_export(who("admin"))
    # With a BOM, so that a spreadsheet reads the names as UTF-8 (before: "CafÃ©" for "Café" in Excel).
    assert all(a.content.startswith("\ufeff".encode()) for a in outcome.reply.attachments)
    files = {a.filename: a.content.decode("utf-8-sig") for a in outcome.reply.attachments}
    assert sorted(files) == ["feedback.csv", "members.csv", "mentorships.csv", "offers.csv", "requests.csv"]
    [request] = list(csv.DictReader(io.StringIO(files["requests.csv"])))
    assert request["id"] == "1", "the first column's name is read without the BOM"
    assert request["skills"] == "seo"
    assert request["note"] == 'comma, and "quotes"' and request["status"] == "waiting"


async def test_export_and_forget_own_data(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo", note="my note")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    await bot.end(who("amina"), rating=4, comment="thanks")
    exported = await bot.export(who("amina"))
    [attachment] = exported.reply.attachments
    data = json.loads(attachment.content)
    assert data["member"]["platform_user_id"] == "U-amina" and data["requests"][0]["note"] == "my note"
    asked = await bot.forget(who("amina"))
    assert [b.action for b in asked.reply.buttons] == ["forget.confirm"]
    assert await bot.store.find_member("test:guild", "U-amina") is not None, "nothing deleted before confirming"
    done = await bot.forget(who("amina"), confirm=True)
    assert "deleted" in done.reply.text
    member = await bot.store.find_member("test:guild", "U-amina")
    assert member is None or member.display_name == "Amina"
    requests = await bot.store.list_requests("test:guild", list(RequestStatus))
    assert all(r.note != "my note" for r in requests)
    [feedback] = await bot.store.list_feedback("test:guild")
    assert feedback.author_id is None and feedback.comment is None and feedback.rating == 4
    [ms] = await bot.store.list_mentorships(community="test:guild")
    assert ms.status is MentorshipStatus.ENDED and ms.mentee_id == 0


async def test_forget_withdraws_a_held_offer_with_notice_and_hands_the_place_on(bot: MentorBot, who: Who) -> None:
    """Forgetting a mentee whose request a mentor holds an offer of: in the forget's own outcome, the offer's
    message becomes the withdrawn notice and the freed place goes to the oldest waiting request, as an offer of
    a new id (so a message of its own, not an edit of the withdrawn one)."""
    await bot.signup(who("chao"), skills="seo", capacity=1)
    first = await bot.request(who("dan"), skills="seo")
    old = offer_id(to(first, "chao")[0])
    waiting = await bot.request(who("eve"), skills="seo")
    assert "at capacity" in waiting.reply.text
    gone = await bot.forget(who("dan"), confirm=True)
    assert "deleted" in gone.reply.text
    withdrawn, offered = to(gone, "chao")
    assert withdrawn.key == f"offer:{old}" and withdrawn.reply.buttons == ()
    assert withdrawn.reply.text == translator("en")("offer.withdrawn", id=old)
    new = offer_id(offered)
    assert new != old and offered.key == f"offer:{new}"
    assert [n.key for n in to(gone, "eve")] == ["request:2:offer:2"]  # one notice per event (s33)
    chao = await bot.store.find_member("test:guild", "U-chao")
    assert chao is not None
    [pending] = [o for o in await bot.store.list_offers(mentor_id=chao.id) if o.status.value == "pending"]
    assert pending.id == new and await bot.store.list_requests("test:guild", [RequestStatus.WAITING]) == []
    stale = await bot.accept(who("chao"), offer_id=old)
    assert stale.error is not None and not await bot.store.list_mentorships(community="test:guild")
    accepted = await bot.accept(who("chao"), offer_id=new)
    assert accepted.error is None and "eve" in to(accepted, "chao")[0].reply.text.lower()


async def test_admins_act_only_in_their_own_community(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    [ms] = await bot.store.list_mentorships(community="test:guild")
    outsider = Caller("other:guild", "U-admin", "Admin")
    assert "not an active mentorship" in (await bot.admin_end(outsider, mentorship_id=ms.id)).reply.text
    elsewhere = await bot.admin_match(outsider, request_id=1, mentor="baraka")
    assert "no request #1 in this community" in elsewhere.reply.text
    assert "no mentor called 'baraka'" in (await bot.admin_pause(outsider, mentor="baraka")).reply.text
    [still] = await bot.store.list_mentorships(community="test:guild")
    assert still.status is MentorshipStatus.ACTIVE


async def test_stats_show_feedback_only_in_aggregate(bot: MentorBot, who: Who) -> None:
    for mentee, rating in (("amina", 5), ("chao", 4)):
        await bot.signup(who(f"m-{mentee}"), skills="seo")
        offered = await bot.request(who(mentee), skills="seo")
        await bot.accept(who(f"m-{mentee}"), offer_id=offer_id(to(offered, f"m-{mentee}")[0]))
        await bot.end(who(mentee), rating=rating, comment="secret words" if mentee == "amina" else None)
    stats = await bot.admin_stats(who("admin"))
    fields = {f.name: f.value for f in stats.reply.fields}
    assert fields["Feedback"] == "2 ratings, average 4.5 / 5; 1 comment"
    assert "secret words" not in stats.reply.plain_text and "Amina" not in stats.reply.plain_text


async def test_stats_count_a_comment_given_before_any_rating(bot: MentorBot, who: Who) -> None:
    """Before: a comment left on ending, with no rating yet, showed as "Feedback: —"."""
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    await bot.end(who("amina"), mentorship_id=1, comment="great help")
    stats = (await bot.admin_stats(who("admin"))).reply
    [feedback] = [f.value for f in stats.fields if f.name == EN("stats.feedback")]
    assert feedback == EN("stats.feedback_unrated", comments=EN("stats.comments_count", count=1))
    assert "great help" not in stats.plain_text


async def test_an_offer_id_is_never_given_again_once_its_offer_is_forgotten(bot: MentorBot, who: Who) -> None:
    # Forgetting Dan deletes the newest offer. SQLite gave the next offer that id again (and with it the message
    # key offer:<id>, so Chao's old message would have been edited into the new offer instead of a new one).
    await bot.signup(who("chao"), skills="seo", capacity=1)
    first = await bot.request(who("dan"), skills="seo")
    old = offer_id(to(first, "chao")[0])
    await bot.forget(who("dan"), confirm=True)
    second = await bot.request(who("eve"), skills="seo")
    [offer] = to(second, "chao")
    assert offer_id(offer) > old and offer.key == f"offer:{offer_id(offer)}"


async def test_a_partner_who_deleted_their_data_is_named_as_one_who_left(bot: MentorBot, who: Who) -> None:
    """Before: the other party was told "Mentorship #1 with — has ended" when their mentor deleted their data."""
    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(who("amina"), skills="seo")
    await bot.accept(who("baraka"), offer_id=offer_id(to(offered, "baraka")[0]))
    await bot.set_language(who("amina"), language="sw")
    gone = await bot.forget(who("baraka"), confirm=True)
    [asked] = to(gone, "amina")
    sw = translator("sw")
    assert sw("feedback.asked", id=1, other=sw("common.member_left")) in asked.reply.text.splitlines()
    assert "—" not in asked.reply.text


async def test_a_pause_tells_afresh_why_the_other_requests_wait(bot: MentorBot, who: Who) -> None:
    """Before: a request told "every mentor for SEO is at capacity" kept saying so in the waitlist and the
    member's status after the only SEO mentor paused (the reason was stored once, when it began to wait)."""
    await bot.signup(who("baraka"), skills="seo", capacity=1)
    await bot.request(who("amina"), skills="seo")  # offered to Baraka: his place is held
    waiting = await bot.request(who("chao"), skills="seo")
    assert "at capacity" in waiting.reply.text
    await bot.pause(who("baraka"))
    requests = await bot.store.list_requests("test:guild", [RequestStatus.WAITING])
    assert len(requests) == 2
    assert all(json.loads(r.wait_reason or "{}")["key"] == "wait.all_paused" for r in requests)
    shown = (await bot.admin_waitlist(who("admin"))).reply.plain_text
    assert "at capacity" not in shown and shown.count("paused") >= 2
    status = (await bot.status(who("chao"))).reply.plain_text
    assert "at capacity" not in status


@pytest.mark.parametrize("how", ["forget", "drop the skill"])
async def test_a_mentor_leaving_a_skill_tells_afresh_why_its_requests_wait(bot: MentorBot, who: Who, how: str) -> None:
    """Before: after the only SEO mentor deleted their data (or signed up again without SEO), Chao's request
    still said "every mentor for SEO is at capacity… as soon as a place frees up" in the waitlist and his status,
    sweep after sweep: no mentor offers SEO any more."""
    await bot.signup(who("baraka"), skills="seo, copywriting", capacity=1)
    await bot.request(who("amina"), skills="copywriting")  # offered to Baraka: his one place is held
    waiting = await bot.request(who("chao"), skills="seo")
    assert "at capacity" in waiting.reply.text
    if how == "forget":
        await bot.forget(who("baraka"), confirm=True)
    else:
        await bot.signup(who("baraka"), skills="copywriting")
    await bot.run_due_jobs()
    [chao] = [r for r in await bot.store.list_requests("test:guild", [RequestStatus.WAITING]) if r.skills == ("seo",)]
    assert json.loads(chao.wait_reason or "{}")["key"] == "wait.no_mentor"
    status = (await bot.status(who("chao"))).reply.plain_text
    assert "at capacity" not in status


async def test_a_pause_tells_afresh_only_the_oldest_requests_within_its_unit(bot: MentorBot, who: Who) -> None:
    """The pause's unit of work is kept short: it looks at most at the `REFRESH_AFTER_PAUSE` oldest waiting
    requests whose reason it can have made untrue; the newer ones are told afresh when next tried."""
    from mentorbot.usecases.matchmaking import REFRESH_AFTER_PAUSE

    await bot.signup(who("baraka"), skills="seo", capacity=1)
    await bot.request(who("amina"), skills="seo")  # holds Baraka's place
    for n in range(REFRESH_AFTER_PAUSE + 3):
        await bot.request(who(f"m{n}"), skills="seo")
    await bot.pause(who("baraka"))
    waiting = await bot.store.list_requests("test:guild", [RequestStatus.WAITING])
    keys = [json.loads(r.wait_reason or "{}")["key"] for r in waiting]
    assert keys.count("wait.all_busy") == 3 and keys[-3:] == ["wait.all_busy"] * 3


async def test_forgetting_leaves_nothing_of_the_member_elsewhere(bot: MentorBot, who: Who, clock: ManualClock) -> None:
    """Before: a command recorded and not yet processed came back after the forget and made the member again,
    with their note; their course suggestion kept its note; a mentor's offer quoting their note waited in the
    outbox. And the export left out their suggestions and votes."""
    await bot.signup(who("baraka"), skills="seo")
    await bot.request(who("zawadi"), skills="seo", note="NOTE-private-struggle")
    await bot.suggest_course(who("zawadi"), url="https://example.org/zawadi-notes", skills="seo", note="SUGG-NOTE")
    await bot.vote_course(who("zawadi"), resource=bot.library.catalog.courses[0].id, helpful="yes")
    exported = json.loads((await bot.export(who("zawadi"))).reply.attachments[0].content)
    assert [s["note"] for s in exported["course_suggestions"]] == ["SUGG-NOTE"]
    assert [v["helpful"] for v in exported["resource_votes"]] == [True]
    # A command another process recorded and never processed (it died), with what she typed.
    payload = json.dumps({"text": "/mentor request skills:seo note:NOTE-private-again", "user_name": "Zawadi"})
    await bot.record_event("evt-zawadi-1", "test:guild", "U-zawadi", payload)
    await bot.forget(who("zawadi"), confirm=True)
    clock.advance(timedelta(minutes=10))  # past the lease of the recorded event
    assert [e.event_id for e in await bot.unprocessed_events()] == []
    dump = []
    for table in ("inbox", "outbox", "course_suggestions", "requests", "members"):
        async with bot.store.db.read() as conn:
            dump += [
                json.dumps({k: str(v) for k, v in r.items()}) for r in await conn.fetch_all(f"SELECT * FROM {table}")
            ]
    everything = "\n".join(dump)
    for trace in ("U-zawadi", "NOTE-private", "SUGG-NOTE", "zawadi-notes"):
        assert trace not in everything, trace


async def test_a_mentor_who_gave_no_zone_is_not_said_to_be_hours_away(bot: MentorBot, who: Who) -> None:
    """A mentor who typed no zone is stored with UTC. Before, matching read that as their zone: a mentee in
    Auckland was told the mentor was "11 h apart", and the mentor ranked near the bottom. Now it is unknown:
    half the time zone bonus, and no distance claimed."""
    from mentorbot.matching.score import TIMEZONE_BONUS, timezone_bonus

    await bot.signup(who("baraka"), skills="seo")
    offered = await bot.request(Caller("test:guild", "U-aroha", "Aroha", timezone="Pacific/Auckland"), skills="seo")
    [offer] = to(offered, "baraka")
    assert " h apart" not in offer.reply.plain_text
    assert timezone_bonus("UTC", "Pacific/Auckland", bot.clock.now()) == TIMEZONE_BONUS / 2


async def test_an_admin_match_to_the_mentor_holding_the_offer_names_what_else_blocks_the_pair(
    bot: MentorBot, who: Who
) -> None:
    """Found by a review: Mosi holds the offer of Eli's request #1 and declined Eli's request #2 "not now". The
    admin's check saw only the pending offer (it outranks a cooldown), the store's check (the offer withdrawn) the
    cooldown: the match was refused as "no free place", even with force. Now the cooldown is named, and force
    overrides it and records it."""
    await bot.signup(who("mosi"), skills="seo, paid-social", capacity="3")
    assert to(await bot.request(who("eli"), skills="seo"), "mosi")
    [note] = to(await bot.request(who("eli"), skills="paid-social"), "mosi")
    assert (await bot.decline(who("mosi"), offer_id=offer_id(note), reason="not now")).error is None
    refused = await bot.admin_match(who("admin", is_admin=True), request_id=1, mentor="Mosi")
    assert refused.error is not None and refused.error.key == "admin.refused", refused.reply.text
    assert "cooldown" in refused.reply.text or "asked" in refused.reply.text, refused.reply.text
    forced = await bot.admin_match(who("admin", is_admin=True), request_id=1, mentor="Mosi", force=True)
    assert forced.error is None, forced.reply.text
    assert EN("admin.forced_cooldown") in forced.reply.text
