"""Session 31: why a request of several skills waits is told per skill, and a cohort programme's digest does not
hide what an admin can act on behind identical "waits for the next round" lines.

Before, the reason of a request of several skills was worked out across all its skills at once and named every
skill with one cause: "[SEO full, nobody offers Paid social]: Every mentor for SEO and Paid social is at capacity
right now", and the admins were told to raise a capacity where a mentor was missing (docs/matching.md rule 14: the
reason told is the true one). And a cohort programme's digest printed "1 waits for the next round (…)" once per
set of skills asked, twelve times, and folded "no mentor offers Employee advocacy" into "…and 2 more"."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorbot.bot import Caller, MentorBot
from mentorbot.clock import ManualClock
from mentorbot.i18n import Translator, translator
from mentorbot.library import Library
from mentorbot.matching.eligibility import Block, BlockKind
from mentorbot.models import MentorshipRequest, RequestStatus
from mentorbot.replies import Notification, Reply
from mentorbot.storage.candidates import SkillMentor
from mentorbot.storage.store import Store
from mentorbot.usecases import matchmaking, views
from mentorbot.usecases.admin import waitlist_csv
from tests.usecases.conftest import COMMUNITY, make_settings, offer_id, to

Who = Callable[..., Caller]
EN = translator("en")
SW = translator("sw")
ADMIN_NAME = "admin"


def causes(stored: str | None) -> dict[str, str]:
    """Each skill of a stored wait reason → the code of the cause it is told with (a reason of one cause names
    all its skills with it; one of several, each part its own)."""
    data = json.loads(stored or "{}")
    parts = data.get("parts") or [data]
    return {skill: str(part["key"]).rpartition(".")[2] for part in parts for skill in part["skills"]}


def label(bot: MentorBot, slugs: Sequence[str], t: Translator) -> str:
    return views.skill_labels(bot.library.taxonomy, list(slugs), t.lang)


def clause(bot: MentorBot, code: str, slugs: Sequence[str], t: Translator, *, admin: bool = False) -> str:
    """The clause a reason of several causes tells one of them with (the admin's wording with `admin`)."""
    key = f"wait_part_admin.{code}" if admin and t.has(f"wait_part_admin.{code}") else f"wait_part.{code}"
    return t(key, skills=label(bot, slugs, t))


async def waiting_request(bot: MentorBot, request_id: int) -> MentorshipRequest:
    request = await bot.store.get_request(request_id)
    assert request is not None and request.status is RequestStatus.WAITING
    return request


# ------------------------------------------------------------------------------------ the hunt's three cases


async def _hunt(bot: MentorBot, who: Who) -> dict[str, Reply]:
    """The hunt's script: SEO full and nobody for Paid social; Analytics paused and nobody for Paid social;
    Copywriting full and Email marketing paused."""
    told: dict[str, Reply] = {}
    await bot.signup(who("m1"), skills="seo", capacity="1")
    await bot.request(who("a0"), skills="seo")  # takes m1's place
    told["seo+paid"] = (await bot.request(who("a1"), skills="seo, paid social")).reply
    await bot.signup(who("m2"), skills="analytics", capacity="1")
    await bot.pause(who("m2"))
    told["analytics+paid"] = (await bot.request(who("a2"), skills="analytics, paid social")).reply
    await bot.signup(who("m3"), skills="copywriting", capacity="1")
    await bot.request(who("a3"), skills="copywriting")
    await bot.signup(who("m4"), skills="email marketing", capacity="1")
    await bot.pause(who("m4"))
    told["copy+email"] = (await bot.request(who("a4"), skills="copywriting, email marketing")).reply
    return told


async def test_each_skill_of_a_request_is_told_its_own_reason(bot: MentorBot, who: Who) -> None:
    """Before: "Every mentor for SEO and Paid social is at capacity right now", and "Every mentor for Copywriting
    and Email marketing is at capacity" with the Email marketing mentor paused."""
    told = await _hunt(bot, who)
    assert causes((await waiting_request(bot, 2)).wait_reason) == {"seo": "all_busy", "paid-social": "no_mentor"}
    assert causes((await waiting_request(bot, 3)).wait_reason) == {
        "analytics-reporting": "all_paused",
        "paid-social": "no_mentor",
    }
    assert causes((await waiting_request(bot, 5)).wait_reason) == {
        "copywriting": "all_busy",
        "email-marketing": "all_paused",
    }
    text = told["seo+paid"].text
    assert EN("wait.all_busy", skills="SEO and Paid social") not in text
    assert clause(bot, "all_busy", ["seo"], EN) in text
    assert clause(bot, "no_mentor", ["paid-social"], EN) in text
    text = told["copy+email"].text
    assert "Copywriting and Email marketing is at capacity" not in text
    assert clause(bot, "all_busy", ["copywriting"], EN) in text
    assert clause(bot, "all_paused", ["email-marketing"], EN) in text
    text = told["analytics+paid"].text
    assert clause(bot, "all_paused", ["analytics-reporting"], EN) in text
    assert clause(bot, "no_mentor", ["paid-social"], EN) in text


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
async def test_the_waitlist_its_csv_and_the_member_tell_each_skill_its_reason(
    bot: MentorBot, who: Who, t: Translator
) -> None:
    await _hunt(bot, who)
    admin = who(ADMIN_NAME, is_admin=True)
    await bot.set_language(admin, language=t.lang)
    await bot.set_language(who("a4"), language=t.lang)
    entries = "\n".join(str(e) for listing in (await bot.admin_waitlist(admin)).reply.listings for e in listing.entries)
    wrong = t("wait_admin.all_busy", skills=label(bot, ["copywriting", "email-marketing"], t))
    assert wrong not in entries
    assert clause(bot, "all_busy", ["copywriting"], t, admin=True) in entries
    assert clause(bot, "all_paused", ["email-marketing"], t, admin=True) in entries
    assert clause(bot, "no_mentor", ["paid-social"], t, admin=True) in entries
    waiting = await bot.store.list_requests(COMMUNITY, [RequestStatus.WAITING])
    rows = list(
        csv.reader(
            io.StringIO(waitlist_csv([(r, None) for r in waiting], t, bot.library.taxonomy, None).decode("utf-8-sig"))
        )
    )
    [copy_row] = [row for row in rows if row[0] == "5"]
    assert clause(bot, "all_busy", ["copywriting"], t, admin=True) in copy_row[-1]
    assert clause(bot, "all_paused", ["email-marketing"], t, admin=True) in copy_row[-1]
    status = "\n".join(str(e) for listing in (await bot.status(who("a4"))).reply.listings for e in listing.entries)
    assert clause(bot, "all_busy", ["copywriting"], t) in status
    assert clause(bot, "all_paused", ["email-marketing"], t) in status


async def test_the_rounds_reasons_name_each_skill_with_its_own_fix(bot: MentorBot, who: Who) -> None:
    """Before: "1 asks for SEO and Paid social, whose mentors have no free places: raise a capacity…"."""
    await _hunt(bot, who)
    done = await bot.admin_round(who(ADMIN_NAME, is_admin=True))
    lines = [line for line in done.reply.text.splitlines() if line.startswith("•")]
    assert not any("SEO and Paid social, whose mentors have no free places" in line for line in lines), lines
    [seo] = [line for line in lines if "Paid social and SEO" in line]  # grouped: sorted
    assert EN("round_why_part.all_busy", skills="SEO") in seo
    assert EN("round_why_part.no_mentor", skills="Paid social") in seo
    [copy] = [line for line in lines if "Copywriting and Email marketing" in line]
    assert EN("round_why_part.all_paused", skills="Email marketing") in copy


async def test_the_digest_names_each_skill_with_its_own_reason(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    bot = MentorBot(store, library, make_settings(digest="tue 08:00"), clock, worker_id="w")
    await bot.set_language(who(ADMIN_NAME), language="en")
    await bot.run_due_jobs()
    await _hunt(bot, who)
    clock.advance(datetime(2026, 1, 6, 8, tzinfo=UTC) - clock.now())
    [digest] = [n.reply for n in to(await bot.run_due_jobs(), ADMIN_NAME) if n.reply.attachments]
    [why] = [f.value for f in digest.fields if f.name == EN("digest.why_title")]
    [seo] = [line for line in why.splitlines() if "Paid social and SEO" in line]
    assert EN("round_why_part.all_busy", skills="SEO") in seo
    assert EN("round_why_part.no_mentor", skills="Paid social") in seo


# ------------------------------------------------------------------------------------ what stays as it was


async def test_a_single_skill_request_is_told_as_before(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo", capacity="1")
    await bot.request(who("a0"), skills="seo")
    told = await bot.request(who("a1"), skills="seo")
    assert json.loads((await waiting_request(bot, 2)).wait_reason or "") == {"key": "wait.all_busy", "skills": ["seo"]}
    assert told.reply.text.endswith("\n" + EN("wait.all_busy", skills="SEO"))
    nobody = await bot.request(who("a2"), skills="paid social")
    assert nobody.reply.text.endswith("\n" + EN("wait.no_mentor", skills="Paid social"))


async def test_skills_waiting_for_the_same_reason_are_told_in_one_sentence(bot: MentorBot, who: Who) -> None:
    await bot.signup(who("m1"), skills="seo, copywriting", capacity="1")
    await bot.request(who("a0"), skills="seo")
    told = await bot.request(who("a1"), skills="copywriting, seo")
    stored = json.loads((await waiting_request(bot, 2)).wait_reason or "")
    assert stored == {"key": "wait.all_busy", "skills": ["copywriting", "seo"]}
    assert told.reply.text.endswith("\n" + EN("wait.all_busy", skills="Copywriting and SEO"))


@pytest.mark.parametrize("t", [EN, SW], ids=["en", "sw"])
def test_reasons_stored_before_still_render(library: Library, t: Translator) -> None:
    taxonomy = library.taxonomy
    old = json.dumps({"key": "wait.all_busy", "skills": ["seo", "paid-social"]})
    labels = views.skill_labels(taxonomy, ["seo", "paid-social"], t.lang)
    assert views.wait_reason_text(old, t, taxonomy) == t("wait.all_busy", skills=labels)
    assert views.wait_reason_text(old, t, taxonomy, admin=True) == t("wait_admin.all_busy", skills=labels)
    grouped = views.skill_labels(taxonomy, ["paid-social", "seo"], t.lang)  # the round report's order: sorted
    assert views.round_why(views.reason_group(old), 2, t, taxonomy) == t("round_why.all_busy", count=2, skills=grouped)
    broken = json.dumps({"key": "wait.mixed", "skills": ["seo"], "parts": "nonsense"})
    assert views.wait_reason_text(broken, t, taxonomy) == t("wait.unknown")


# ---------------------------------------------------------------------------------- a property: true causes

SITUATIONS = ("none", "paused", "full", "cooldown", "excluded", "own_mentor")
EXPECTED = {
    "none": "no_mentor",
    "paused": "all_paused",
    "full": "all_busy",
    "cooldown": "all_cooldown",
    "excluded": "all_excluded",
    "own_mentor": "own_mentor",
}


async def _situation(bot: MentorBot, caller: Callable[[str], Caller], slug: str, spare: str, what: str) -> None:
    """Set up `what` for skill `slug` and the mentee "amina" (`spare`: a skill no one else uses, for the
    mentorship that makes a mentor her own)."""
    mentor, mentee = caller(f"m-{slug}"), caller("amina")
    if what == "none":
        return
    if what == "paused":
        await bot.signup(mentor, skills=slug, capacity="1")
        await bot.pause(mentor)
    elif what == "full":
        await bot.signup(mentor, skills=slug, capacity="1")
        assert to(await bot.request(caller(f"x-{slug}"), skills=slug), f"m-{slug}") != []
    elif what in ("cooldown", "excluded"):
        await bot.signup(mentor, skills=slug, capacity="2")
        asked = await bot.request(mentee, skills=slug)
        [offer] = [n for n in asked.notifications if n.platform_user_id == mentor.user_id]
        reason = "not this person" if what == "excluded" else "too busy"
        await bot.decline(mentor, offer_id=offer_id(offer), reason=reason)
        await bot.cancel(mentee)
    elif what == "own_mentor":
        await bot.signup(mentor, skills=f"{slug}, {spare}", capacity="3")
        asked = await bot.request(mentee, skills=spare)
        [offer] = [n for n in asked.notifications if n.platform_user_id == mentor.user_id]
        assert (await bot.accept(mentor, offer_id=offer_id(offer))).error is None


@given(
    situations=st.lists(st.sampled_from(SITUATIONS), min_size=2, max_size=3),
    lang=st.sampled_from(["en", "sw"]),
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_every_skill_told_is_told_with_its_own_true_cause(
    store: Store, library: Library, clock: ManualClock, situations: list[str], lang: str
) -> None:
    """For random per-skill situations of a request of several skills (nobody offers it, its mentors are paused,
    full, on cooldown for the member, have excluded them, or are the member's own mentor), the stored reason names
    each skill with its own cause, and the member, the waitlist and the round's reasons tell each cause with
    exactly its skills."""
    community = f"s31:{uuid.uuid4().hex[:8]}"

    def caller(name: str, **kwargs: object) -> Caller:
        return Caller(community, f"U-{name}", name.capitalize(), **kwargs)  # type: ignore[arg-type]

    bot = MentorBot(store, library, make_settings(admin_ids=["U-admin"]), clock, worker_id="w")
    slugs = [s.slug for s in library.taxonomy][: 2 * len(situations)]
    asked, spares = slugs[: len(situations)], slugs[len(situations) :]
    for slug, spare, what in zip(asked, spares, situations, strict=True):
        await _situation(bot, caller, slug, spare, what)
    await bot.set_language(caller("amina"), language=lang)
    told = await bot.request(caller("amina"), skills=", ".join(asked))
    t = translator(lang)
    [request] = [r for r in await store.list_requests(community, [RequestStatus.WAITING]) if r.skills == tuple(asked)]
    expected = {slug: EXPECTED[what] for slug, what in zip(asked, situations, strict=True)}
    assert causes(request.wait_reason) == expected
    data = json.loads(request.wait_reason or "")
    groups: dict[str, list[str]] = {}
    for slug in asked:
        groups.setdefault(expected[slug], []).append(slug)
    text = told.reply.text
    if len(groups) == 1:
        assert "parts" not in data
        return
    assert data["key"] == "wait.mixed"
    for code, group in groups.items():
        args: dict[str, str] = {}
        if code == "all_cooldown":
            [part] = [p for p in data["parts"] if p["key"] == "wait.all_cooldown"]
            args["until"] = views.when(datetime.fromisoformat(part["until"]), t)
        assert t(f"wait_part.{code}", skills=label(bot, group, t), **args) in text, (code, group, text)
        admin_text = views.wait_reason_text(request.wait_reason, t, library.taxonomy, admin=True)
        admin_key = f"wait_part_admin.{code}" if t.has(f"wait_part_admin.{code}") else f"wait_part.{code}"
        assert t(admin_key, skills=label(bot, group, t), **args) in admin_text
        why = views.round_why(views.reason_group(request.wait_reason or ""), 1, t, library.taxonomy)
        assert t(f"round_why_part.{code}", skills=label(bot, sorted(group), t), **args) in why


# --------------------------------------------------------------------------- a pure property of the reasons

KINDS = st.sampled_from(["active", "paused"])
BLOCKS = st.sampled_from(["none", "cooldown", "lapse", "excluded", "mentoring"])
NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _block(kind: str, days: int) -> Block | None:
    until = NOW + timedelta(days=days)
    return {
        "none": None,
        "cooldown": Block(BlockKind.COOLDOWN, until),
        "lapse": Block(BlockKind.COOLDOWN, until, lifts_when_alone=True, lapse=True),
        "excluded": Block(BlockKind.EXCLUDED),
        "mentoring": Block(BlockKind.MENTORING, mentoring=True),
    }[kind]


@given(
    mentors=st.lists(
        st.tuples(
            st.sets(st.sampled_from(["seo", "copywriting", "paid-social"]), min_size=1),
            KINDS,
            st.integers(0, 2),
            BLOCKS,
            st.integers(1, 9),
        ),
        max_size=6,
    ),
    skills=st.lists(
        st.sampled_from(["seo", "copywriting", "paid-social", "email-marketing"]), min_size=2, max_size=4, unique=True
    ),
)
@settings(max_examples=300, deadline=None)
def test_the_part_told_of_each_skill_is_what_a_request_of_that_skill_alone_is_told(
    mentors: list[tuple[set[str], str, int, str, int]], skills: list[str]
) -> None:
    """The cause each skill is told with is the one a request of that skill alone would be told (the single-skill
    rule, as it was); skills told with the same cause (and date) are told together, in the order asked, and a
    reason of several causes carries the first date among them for the sweep (`views.wait_until`)."""
    by_skill: dict[str, list[SkillMentor]] = {s: [] for s in skills}
    blocks: dict[int, Block] = {}
    for n, (offered, kind, free, block_kind, days) in enumerate(mentors, start=1):
        mentor = SkillMentor(n, kind == "active", free)
        for skill in offered & set(skills):
            by_skill[skill].append(mentor)
        if (block := _block(block_kind, days)) is not None:
            blocks[n] = block

    def request(of: Sequence[str]) -> MentorshipRequest:
        return MentorshipRequest(1, 1, COMMUNITY, tuple(of), "", RequestStatus.WAITING, None, NOW, NOW, None)

    alone: dict[str, Mapping[str, object]] = {
        s: json.loads(matchmaking.reason_of(request([s]), {s: by_skill[s]}, blocks)) for s in skills
    }
    told = json.loads(matchmaking.reason_of(request(skills), by_skill, blocks))
    parts = told.get("parts") or [told]
    assert sorted(s for part in parts for s in part["skills"]) == sorted(skills), "each skill once"
    for part in parts:
        assert part["skills"] == [s for s in skills if s in part["skills"]], "in the order asked"
    for part in parts:
        for skill in part["skills"]:
            assert {k: v for k, v in part.items() if k != "skills"} == {
                k: v for k, v in alone[skill].items() if k != "skills"
            }
    if "parts" in told:
        assert told["key"] == "wait.mixed" and len(parts) > 1
        untils = [datetime.fromisoformat(p["until"]) for p in parts if "until" in p]
        assert told.get("until") == (min(untils).isoformat() if untils else None), "the sweep wakes at the first"


# ------------------------------------------------------------------------------ defect 2: the cohort's digest


async def test_a_cohorts_digest_tells_the_next_round_once_and_what_to_act_on(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    """One mentor of 13 skills with room (10 places), 14 members each asking a different skill, the 14th one
    nobody offers. Before: "1 waits for the next round (…)" twelve times, and "no mentor offers Employee
    advocacy" hidden in "…and 2 more"."""
    settings = make_settings(matching="rounds", round_schedule="wed 09:00", digest="tue 08:00")
    bot = MentorBot(store, library, settings, clock, worker_id="w")
    await bot.set_language(who(ADMIN_NAME), language="en")
    await bot.run_due_jobs()
    offered = [s.slug for s in library.taxonomy if s.slug != "employee-advocacy"][:13]
    await bot.signup(who("mentor"), skills=",".join(offered), capacity="10")
    for n, slug in enumerate([*offered, "employee-advocacy"]):
        await bot.request(who(f"member{n}"), skills=slug)
    clock.advance(datetime(2026, 1, 6, 8, tzinfo=UTC) - clock.now())
    notes: list[Notification] = await bot.run_due_jobs()
    [digest] = [n.reply for n in to(notes, ADMIN_NAME) if n.reply.attachments]
    [why] = [f.value for f in digest.fields if f.name == EN("digest.why_title")]
    lines = why.splitlines()
    assert EN("round.why_more", count=2) not in why
    assert "• " + EN("round_why.no_mentor", count=1, skills="Employee advocacy") in lines
    assert "• " + EN("round_why.next_round", count=13, until="2026-01-07 09:00 UTC") in lines
    assert len(lines) == len(set(lines)) == 2, lines


def test_what_an_admin_can_act_on_comes_before_the_next_round(library: Library) -> None:
    """However many wait for the next round with nothing in their way, the reasons an admin can act on come
    first, so the "…and N more" line never folds them away."""
    taxonomy = library.taxonomy
    next_round = json.dumps({"key": "wait.next_round", "until": "2026-01-07T09:00:00+00:00"})
    slugs = [s.slug for s in taxonomy][: views.WHY_LINES + 1]
    groups = {next_round: 40} | {json.dumps({"key": "wait.no_mentor", "skills": [s]}): 1 for s in slugs}
    lines = views.why_lines(groups, EN, taxonomy)
    assert lines[: views.WHY_LINES] == [
        EN("round_why.no_mentor", count=1, skills=views.skill_label(taxonomy, s, "en"))
        for s in sorted(slugs, key=lambda s: json.dumps({"key": "wait.no_mentor", "skills": [s]}))[: views.WHY_LINES]
    ]
    assert lines[-1] == EN("round.why_more", count=41)


async def test_a_cohort_member_is_told_what_stands_in_each_skills_way(
    store: Store, library: Library, clock: ManualClock, who: Who
) -> None:
    settings = make_settings(matching="rounds", round_schedule="wed 09:00")
    bot = MentorBot(store, library, settings, clock, worker_id="w")
    await bot.run_due_jobs()
    await bot.signup(who("m1"), skills="seo", capacity="1")
    await bot.request(who("a0"), skills="seo")
    await bot.admin_round(who(ADMIN_NAME, is_admin=True))  # a0's request takes m1's place
    told = await bot.request(who("a1"), skills="seo, paid social")
    stored = json.loads((await waiting_request(bot, 2)).wait_reason or "")
    assert stored["key"] == "wait.next_round"
    assert causes(json.dumps(stored["now"])) == {"seo": "all_busy", "paid-social": "no_mentor"}
    reasons = "; ".join([clause(bot, "all_busy", ["seo"], EN), clause(bot, "no_mentor", ["paid-social"], EN)])
    assert EN("wait_now.mixed", reasons=reasons) in told.reply.text
