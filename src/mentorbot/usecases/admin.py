"""Admin use-cases: programme health, the waitlist, matching by hand, ending and pausing, optimal rounds,
reloading the skills and courses, and CSV exports. Every one is refused to non-admins (see `MentorBot`)."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Final

from mentorbot import paging
from mentorbot.errors import ConfigFileError, UserError
from mentorbot.formatting import day, places_text, when, zone_of
from mentorbot.i18n import Translator, translator
from mentorbot.inputs import parse_id, parse_until
from mentorbot.matching.eligibility import BlockKind, PairFact, blocks_for, strict, when_alone
from mentorbot.matching.explain import with_offsets
from mentorbot.matching.score import RoundPool
from mentorbot.models import (
    Member,
    MentorProfile,
    MentorshipRequest,
    MentorshipStatus,
    MentorStatus,
    Offer,
    OfferStatus,
    Places,
    RequestStatus,
)
from mentorbot.replies import Attachment, Notification, Reply
from mentorbot.rounds import RoundPlan, RoundResult, plan_pool
from mentorbot.skills import Taxonomy
from mentorbot.storage.members import AmbiguousNameError
from mentorbot.storage.store import AcceptResult, NewOffer, Store
from mentorbot.text_safety import shown_name, spreadsheet_safe
from mentorbot.usecases import views
from mentorbot.usecases.context import Context, Core
from mentorbot.usecases.departures import LEFT
from mentorbot.usecases.library_follow import (
    after_renames,
    hand_over_elsewhere,
    log_stored_skills,
    reword_removed_skills,
    settle_stored_skills,
    tell_reload,
    uses_text,
)
from mentorbot.usecases.matchmaking import (
    after_places_taken,
    blocks_of,
    cohort,
    hand_on,
    next_round_reason,
    now_offered,
    offer_notification,
    round_obstacle,
    store_reason,
    wait_reason,
    withdraw_for_pause,
)
from mentorbot.usecases.mentorships import after_end
from mentorbot.usecases.mentorships import end as end_as_party
from mentorbot.usecases.offers import after_mentoring, introduce
from mentorbot.usecases.profiles import pause as pause_as_mentor
from mentorbot.usecases.unreachable import UNREACHABLE

EXPORT_TABLES = ("members", "requests", "offers", "mentorships", "feedback")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def waitlist_key(request: MentorshipRequest) -> paging.Key:
    """Where a request sorts on the waitlist (oldest first, as the store lists them): when it was made, in
    microseconds, then its id. A request back on the waitlist after a decline keeps its place."""
    return ((request.created_at - _EPOCH) // timedelta(microseconds=1), request.id)


async def waitlist(ctx: Context, *, page: str | int | None = None, start: str | int | None = None) -> Reply:
    """Waiting requests with the reason each waits, a page at a time (typed `page` from 1, or from a paging
    button its `paging.Position`: the requests after the last one its page showed, or before the first). The
    waitlist changes between clicks (requests matched, cancelled, back after a decline), so its pages are
    found by position, not by number: Next shows the requests after the last one shown, none skipped or shown
    twice. A typed command whose waitlist is longer than a page also gets all of it as a CSV file (a click on a
    page does not send the file again)."""
    store = ctx.core.store
    waiting = sorted(await store.list_requests(ctx.caller.community, [RequestStatus.WAITING]), key=waitlist_key)
    keys = [waitlist_key(request) for request in waiting]
    first, changed = paging.start_in(keys, page, start, paging.PAGE_SIZE)
    entries = [(request, await store.get_member(request.member_id)) for request in waiting]
    reopened = await store.reopened_at([request.id for request in waiting])
    taxonomy, zone = ctx.core.library.taxonomy, ctx.core.admin_zone(ctx.member)
    page_reply = views.waitlist(entries, ctx.t, taxonomy, zone, start=first, reopened=reopened)
    reply = paging.keyed(page_reply, "waitlist", keys, changed=changed)
    if start is not None or len(entries) <= paging.PAGE_SIZE:
        return reply
    csv_file = Attachment("waitlist.csv", waitlist_csv(entries, ctx.t, taxonomy, zone, reopened), "text/csv")
    text = reply.text + "\n" + ctx.t("lists.waitlist_csv", count=len(entries))
    return replace(reply, text=text, attachments=(csv_file,))


def _cell(value: str) -> str:
    # A cell a spreadsheet would read as a formula is written as text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def waitlist_csv(
    entries: Sequence[tuple[MentorshipRequest, Member | None]],
    t: Translator,
    taxonomy: Taxonomy,
    zone: str | None,
    reopened: Mapping[int, datetime] | None = None,
) -> bytes:
    """The whole waitlist as CSV (UTF-8): request id, member, skills, waiting since (a date in `zone`: when it went
    back on the waitlist after its mentorship ended, `reopened`, else when it was asked), why it waits (the admin's
    wording), with column names in the admin's language."""
    back = reopened or {}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([t(f"lists.csv_{column}") for column in ("id", "member", "skills", "since", "reason")])
    for request, mentee in entries:
        writer.writerow(
            [
                str(request.id),
                _cell(mentee.display_name if mentee else ""),
                _cell(
                    ", ".join(views.skill_label(taxonomy, slug, t.lang) for slug in request.skills)
                ),  # a list, no "and"
                day(back.get(request.id) or request.created_at, zone),
                _cell(views.wait_reason_text(request.wait_reason, t, taxonomy, admin=True, zone=zone)),
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")  # with its BOM: a spreadsheet then reads it as UTF-8


_CANDIDATES_SHOWN = 10
"""The most members a name that fits several is shown to fit (`_find_mentor`)."""


async def _find_mentor(ctx: Context, who: str) -> tuple[Member, MentorProfile]:
    """A mentor of the caller's community by display name, platform id or mention. A name more than one member has
    is refused, naming them (a mention and the id to type), and nothing is done."""
    name = (who or "").strip().lstrip("@")
    if name.startswith("<@") and name.endswith(">"):
        name = name[2:-1]
    if not name:
        raise UserError("admin.missing_mentor")  # a mentor is named, not numbered
    store = ctx.core.store
    try:
        member = await store.find_member_by_name(ctx.caller.community, name)
    except AmbiguousNameError as many:
        # Never the oldest of that name: a stored name can be stale (renamed on the platform, taken by another).
        shown = [
            ctx.t("admin.ambiguous_candidate", mention=views.mention(m), id=m.platform_user_id)
            for m in many.candidates[:_CANDIDATES_SHOWN]
        ]
        if len(many.candidates) > _CANDIDATES_SHOWN:
            shown.append("…")
        raise UserError("admin.ambiguous_name", name=name, candidates=", ".join(shown)) from None
    if member is None:
        raise UserError("admin.no_such_mentor", name=name)
    profile = await store.get_mentor_profile(member.id)
    if profile is None:
        # Named by who they are, not by the id the platform sent (Discord's member picker sends one).
        raise UserError("admin.not_a_mentor", mention=views.mention(member))
    return member, profile


FORCEABLE = ("skill", "paused", "cooldown", "excluded", "mentoring")
"""The live matcher's checks `force:yes` may override: a shared skill, a pause, a cooldown, an exclusion (the
mentor declined this member, or the member, as a mentor, declined the mentor "not this person": `matching.eligibility`,
docs/matching.md rule 5) and a mentorship the pair has already (a second one). A
capacity, the requester themself and the community never are: those keep the store's invariants (no mentor over
capacity, no self-mentoring). Nor is a mentor who left the community (`has_left`): the mentee would be
introduced to someone who is no longer there."""


def has_left(profile: MentorProfile) -> bool:
    """Whether `profile` is paused because its mentor left the community (`departures.LEFT`): no match, not even
    a forced one, until they resume themselves."""
    return profile.status is MentorStatus.PAUSED and profile.pause_reason == LEFT


def is_unreachable(profile: MentorProfile | None) -> bool:
    """Whether `profile` is paused because the platform refuses its mentor's direct messages for good
    (`unreachable.UNREACHABLE`): a match is refused as for any pause, saying so and what the mentor must do; a
    forced one is made (the admin may reach them another way), and says the mentor could not be told."""
    return profile is not None and profile.status is MentorStatus.PAUSED and profile.pause_reason == UNREACHABLE


async def match(ctx: Context, *, request_id: str | int, mentor: str, force: bool = False) -> Reply:
    """Match a request to a mentor by hand. The live matcher's checks apply (a requested skill shared, the
    mentor not paused, not on cooldown for this member nor excluded by a decline either way, a free place, not the
    requester, this community); a failed one is refused with its reason unless `force` overrides it (all but the
    place, the requester and the community: `FORCEABLE`), which the mentorship records. A mentor who left the
    community (`has_left`) is refused with that reason, forced or not, before their places are looked at: the
    mentee would be introduced to someone who is gone.
    The pair is introduced as matched by an admin; the mentor's pending offers of the member's other requests are
    withdrawn and handed on, as after an accept (`offers.after_mentoring`): the places they hold are the match's to
    use, so a match is not refused for them (the store withdraws them in the match's transaction, before it takes
    the place: `MentorshipStore.manual_match`), and the reply names them with what became of their requests
    (`_mentoring_withdrawn`). The reply also names another mentor's
    offer of the request withdrawn, and the member's other requests closed as the mentorship covers them, with whose
    offers of them were withdrawn (`_match_closed`).
    A mentor paused as unreachable (`is_unreachable`) is refused as paused, saying the bot cannot reach them; a
    forced match says the member was introduced and the mentor could not be told (their introduction, refused, is
    held for their next command). An admin who is a party of the match (its mentor, or the member whose request it
    is) gets their introduction as the answer, in the first person, and no DM about their own action (`_own_match`):
    only their offer messages are updated, under their keys (their buttons go)."""
    core = ctx.core
    taxonomy = core.library.taxonomy
    wanted = parse_id(request_id, "request", listed_by="/mentor-admin waitlist")
    request = await core.store.get_request(wanted)
    if request is None or request.community != ctx.caller.community:
        raise UserError("admin.no_such_request", id=wanted)
    if not request.status.is_open:
        raise UserError("admin.request_not_open", id=wanted)
    member, profile = await _find_mentor(ctx, mentor)
    if member.id == request.member_id:
        raise UserError("admin.self_match")
    name = shown_name(member.display_name)
    if has_left(profile):
        raise UserError("admin.match_left", name=name)
    # The mentor's pending offers of this member's requests hold places the match will use: this very request's,
    # and those of the member's other requests, which the match withdraws (the store, in its own transaction).
    pending = await core.store.list_offers(mentor_id=member.id, status=OfferStatus.PENDING)
    own = await _members_offers(core, pending, request.member_id)
    places = profile.places
    if places.taken + places.held - len(own) >= places.capacity:
        raise _mentor_full(ctx, name, places, [o for o in pending if o.id not in own])

    # What each check overridden is called in the reply (`admin.forced_<check>`): an exclusion that is only the
    # member's own decline of the mentor is not "the mentor's decline".
    labels: dict[str, str] = {}

    async def checks(current: MentorProfile) -> tuple[list[str], list[str]]:
        """The checks the pair fails with the mentor's `current` profile (`FORCEABLE` names), and why, in the
        admin's words. A mentor who left meanwhile is refused outright (`has_left`), forced or not."""
        if has_left(current):
            raise UserError("admin.match_left", name=name)
        failed: list[str] = []
        reasons: list[str] = []
        if not set(current.skills) & set(request.skills):
            failed.append("skill")
            skills = views.skill_labels(taxonomy, request.skills, ctx.lang)
            reasons.append(ctx.t("admin.reason_skill", name=name, skills=skills))
        labels.pop("paused", None)
        if current.status is MentorStatus.PAUSED:
            failed.append("paused")
            if is_unreachable(current):  # said so, and what they must do: a pause alone reads as theirs to end
                labels["paused"] = "admin_match.forced_unreachable"
                reasons.append(ctx.t("admin_match.reason_unreachable", name=name))
            else:
                reasons.append(ctx.t("admin.reason_paused", name=name))
        # The pair's history, as live matching reads it: a decline or a lapse puts the pair on cooldown, a decline
        # "not this person" (or "not my skill") excludes it. A lapse's cooldown that lifts when the mentor is back
        # does not stand in an admin's way, nor this request's own pending offer to them (left out, so that what
        # else blocks the pair is seen: the store checks it again once the offer is withdrawn).
        block = (await blocks_of(core, request, past_only=True)).get(member.id)
        labels.pop("excluded", None)
        if block is not None and block.kind is BlockKind.EXCLUDED:
            failed.append("excluded")
            # A decline "not this person" holds both ways: the member's own of the mentor's request, said as it is.
            if block.by_mentee:
                labels["excluded"] = "admin.forced_excluded_by_member"
                reasons.append(ctx.t("admin.reason_excluded_by_member", name=name))
            else:
                reasons.append(ctx.t("admin.reason_excluded", name=name))
        elif block is not None and block.kind is BlockKind.COOLDOWN and not block.lifts_when_alone:
            failed.append("cooldown")
            until = when(block.until, ctx.t, ctx.core.admin_zone(ctx.member)) if block.until else "—"
            reasons.append(ctx.t("admin.reason_cooldown", name=name, until=until))
        if block is not None and block.mentoring:
            failed.append("mentoring")
            reasons.append(ctx.t("admin.reason_mentoring", name=name))
        return failed, reasons

    failed, reasons = await checks(profile)
    if failed and not force:
        raise UserError("admin.refused", id=wanted, name=name, reasons="; ".join(reasons))
    now = core.clock.now()

    async def attempt(forced: list[str]) -> AcceptResult | None:
        # The store checks again, under its locks, what is not forced (a decline, a dropped skill a moment ago).
        return await core.store.manual_match(
            wanted,
            member.id,
            now,
            checkin_at=core.checkin_at(now),
            admin_id=ctx.member.id,
            forced=forced,
            reoffer_after=timedelta(days=core.settings.reoffer_after_days),
        )

    result = await attempt(failed)
    if result is None:
        # Something changed between the checks and the match (an accept, a pause, a cancel, a decline): say what now.
        fresh = await core.store.get_request(wanted)
        if fresh is None or not fresh.status.is_open:
            raise UserError("admin.request_not_open", id=wanted)
        now_profile = await core.store.get_mentor_profile(member.id)
        again, reasons = await checks(now_profile) if now_profile is not None else (failed, reasons)
        if set(again) - set(failed):
            if not force:
                raise UserError("admin.refused", id=wanted, name=name, reasons="; ".join(reasons))
            failed = again  # forced: what failed meanwhile is overridden too, and recorded
            result = await attempt(failed)
        if result is None:
            shown = now_profile.places if now_profile else places
            held = await core.store.list_offers(mentor_id=member.id, status=OfferStatus.PENDING) if shown.held else []
            theirs = await _members_offers(core, held, request.member_id)
            raise _mentor_full(ctx, name, shown, [o for o in held if o.id not in theirs])
    introduced = await introduce(core, result)
    mine = await _own_match(ctx, result, introduced) if ctx.member.id in (member.id, request.member_id) else None
    ctx.tell(mine.notes if mine is not None else introduced)
    # The mentor mentors this member now, as after an accept: their offers of the member's other requests go to other
    # mentors (else the mentor could accept one: a second mentorship of the pair nobody forced), and the places
    # those offers held go to the waiting requests, oldest first (docs/matching.md rules 1 and 8). The store withdrew
    # them with the match (their places were the match's to use): each is told and handed on here as
    # `after_mentoring` tells and hands on those it withdraws, which then finds any left and tries the mentor's places.
    t = translator(core.lang_of(member))
    outcomes: list[bool | None] = []
    for other in result.mentoring_withdrawn:
        notice = Reply(t("offer.withdrawn_mentoring", id=other.id, mentorship=result.mentorship.id))
        handed, outcome = await hand_on(core, other)
        outcomes.append(outcome)
        ctx.tell([core.notify(member, notice, key=f"offer:{other.id}"), *handed])
    ctx.tell(await after_mentoring(core, member, result.mentorship, rematch_anyway=bool(result.mentoring_withdrawn)))
    await after_places_taken(core, [member])  # a date of theirs told to a waiting member may no longer hold
    mentorship = result.mentorship.id
    forced = ", ".join(ctx.t(labels.get(check, f"admin.forced_{check}")) for check in failed)
    # Read after the match: whether the mentor's introduction can reach them now (a refusal may pause them meanwhile).
    unreachable = member.id != ctx.member.id and is_unreachable(await core.store.get_mentor_profile(member.id))
    if mine is not None:
        parts = [mine.text]
        if failed:
            parts.append(ctx.t("admin_match.own_forced", forced=forced))
        if member.id != ctx.member.id:  # the admin is the mentee: was their mentor told?
            told = ctx.t("admin_match.unreachable_told", mentor=name) if unreachable else None
            parts.append(told or ctx.t("admin_match.introduced_mentor"))
    elif unreachable:
        mentee = await core.store.get_member(request.member_id)
        mentee_name = shown_name(mentee.display_name) if mentee is not None else "—"
        key = "admin_match.matched_forced_unreachable" if failed else "admin_match.matched_unreachable"
        text = ctx.t(key, id=wanted, mentor=name, mentorship=mentorship, forced=forced, mentee=mentee_name)
        parts = [text, ctx.t("admin_match.unreachable_told", mentor=name)]
    elif failed:
        parts = [ctx.t("admin.matched_forced", id=wanted, mentor=name, mentorship=mentorship, forced=forced)]
    else:
        parts = [ctx.t("admin.matched", id=wanted, mentor=name, mentorship=mentorship)]
    parts += await _match_closed(ctx, result, member)
    parts += _mentoring_withdrawn(ctx, result, name, outcomes, member.id, request.member_id)
    text = " ".join(parts)
    if mine is not None:
        return replace(mine.introduction, text=text)
    return Reply(text)


@dataclass(frozen=True)
class _OwnMatch:
    """An admin's match of which they are a party: their introduction (the answer's title, fields and buttons), what
    its text says instead, in the first person, and the notifications to send (theirs without the introduction, nor
    the closed requests the answer names)."""

    introduction: Reply
    text: str
    notes: list[Notification]


async def _own_match(ctx: Context, result: AcceptResult, introduced: Sequence[Notification]) -> _OwnMatch:
    """The admin who matched is the mentor or the mentee (`introduced`: what `offers.introduce` tells): their
    introduction ("An admin has matched you…", in the third person about their own act) becomes the answer, with a
    text in the first person; the requests of theirs the mentorship closed are not told (the answer names them,
    `_match_closed`); their offer of this very request ("an admin has matched you with this member directly") is
    updated in their words, under its key (its buttons go). Their other offers' messages stay as `introduce` wrote
    them (second person, under their keys)."""
    core, me = ctx.core, ctx.member.id
    mentorship = result.mentorship
    mentor_id, mentee_id = mentorship.mentor_id, mentorship.mentee_id
    other = await core.store.get_member(mentee_id if me == mentor_id else mentor_id)
    shown = views.mention(other, ctx.t)
    if me == mentor_id:
        text = ctx.t("admin_match.own_mentor", id=result.request.id, other=shown, mentorship=mentorship.id)
    else:
        text = ctx.t("admin_match.own_mentee", id=result.request.id, other=shown, mentorship=mentorship.id)
    t = translator(core.lang_of(ctx.member))
    closed = {t("request.closed_overlap", id=r.id, mentorship=mentorship.id) for r in result.closed_requests}
    own_offers = {
        f"offer:{o.id}": o.id
        for o in result.withdrawn_offers
        if o.mentor_id == me and o.request_id == result.request.id
    }
    introduction = Reply(text)
    notes: list[Notification] = []
    for note in introduced:
        if note.member_id != me:
            notes.append(note)
        elif note.key == f"mentorship:{mentorship.id}":
            introduction = note.reply
        elif note.key is None and note.reply.text in closed:
            continue
        elif note.key in own_offers:
            said = t("admin_match.own_offer", id=own_offers[note.key], mentorship=mentorship.id)
            notes.append(core.notify(ctx.member, Reply(said), key=note.key))
        else:
            notes.append(note)
    return _OwnMatch(introduction, text, notes)


def _mentoring_withdrawn(
    ctx: Context, result: AcceptResult, name: str, outcomes: Sequence[bool | None], mentor_id: int, mentee_id: int
) -> list[str]:
    """What the match withdrew as the mentor mentors this member now (`AcceptResult.mentoring_withdrawn`: their
    pending offers of the member's other requests), for the admin: each offer and its request, and what became of
    those requests (`outcomes`, as a pause's reply counts them). Said to the admin who is the mentor, or the mentee,
    in the first person."""
    withdrawn = sorted(result.mentoring_withdrawn, key=lambda o: o.id)
    if not withdrawn:
        return []
    offers = ctx.t.join([ctx.t("admin_match.mentoring_offer", offer=o.id, id=o.request_id) for o in withdrawn])
    said = _outcomes_text(ctx.t, outcomes)
    if ctx.member.id == mentor_id:
        return [ctx.t("admin_match.own_mentoring_withdrawn", count=len(withdrawn), offers=offers, outcomes=said)]
    key = "admin_match.own_mentee_withdrawn" if ctx.member.id == mentee_id else "admin_match.mentoring_withdrawn"
    return [ctx.t(key, count=len(withdrawn), mentor=name, offers=offers, outcomes=said)]


async def _members_offers(core: Core, pending: Sequence[Offer], member_id: int) -> set[int]:
    """The ids of those of a mentor's `pending` offers that are of `member_id`'s requests: an admin's match of one of
    that member's requests uses their places (this request's own offer, and the offers of the member's other
    requests the match withdraws: `MentorshipStore.manual_match`). One read per offer, as many as the mentor's
    capacity at most."""
    found: set[int] = set()
    for offer in pending:
        of = await core.store.get_request(offer.request_id)
        if of is not None and of.member_id == member_id:
            found.add(offer.id)
    return found


def _mentor_full(ctx: Context, name: str, places: Places, held: Sequence[Offer]) -> UserError:
    """A match refused as the mentor has no free place (`places`; never forced). When pending offers of theirs (`held`,
    those of the member's own requests left out: the match would use their places) hold some of them, and declining
    one would free a place, they are named, with when the first answer is due: the admin can wait for it (a decline,
    or the offer lapsing, frees the place), and there may be no mentorship of theirs to end (``admin.mentor_held``;
    ``admin.mentor_held_taken`` when mentorships take the others). Else the mentorships' words
    (``admin.mentor_full``)."""
    shown = places_text(places, ctx.t)
    if not held or places.taken >= places.capacity:
        return UserError("admin.mentor_full", name=name, places=shown)
    ordered = sorted(held, key=lambda o: o.id)
    key = "admin.mentor_held_taken" if places.taken else "admin.mentor_held"
    until = when(min(o.expires_at for o in held), ctx.t, ctx.core.admin_zone(ctx.member))
    offers = ctx.t.join([f"#{o.id}" for o in ordered])
    return UserError(key, count=len(held), name=name, places=shown, offers=offers, until=until)


async def _match_closed(ctx: Context, result: AcceptResult, mentor: Member) -> list[str]:
    """What an admin's match withdrew and closed besides, for the admin: another mentor's offer of the request
    (withdrawn, its mentor told), and the member's other requests the mentorship covers (closed), each with the
    offer of it withdrawn and whose it was."""
    store = ctx.core.store
    names = {mentor.id: shown_name(mentor.display_name)}
    for offer in result.withdrawn_offers:
        if offer.mentor_id not in names:
            holder = await store.get_member(offer.mentor_id)
            if holder is not None:
                names[offer.mentor_id] = shown_name(holder.display_name)
    parts = [
        ctx.t("admin_match.offer_withdrawn", mentor=names[offer.mentor_id], offer=offer.id)
        for offer in result.withdrawn_offers
        if offer.request_id == result.request.id and offer.mentor_id != mentor.id and offer.mentor_id in names
    ]
    closed: list[str] = []
    for request in result.closed_requests:
        held = [o for o in result.withdrawn_offers if o.request_id == request.id and o.mentor_id in names]
        closed += [
            ctx.t("admin_match.closed_request_offer", id=request.id, offer=o.id, mentor=names[o.mentor_id])
            for o in held
        ] or [ctx.t("admin_match.closed_request", id=request.id)]
    if closed:
        parts.append(ctx.t("admin_match.closed", count=len(result.closed_requests), requests=ctx.t.join(closed)))
    return parts


async def end(ctx: Context, *, mentorship_id: str | int) -> Reply:
    """End any active mentorship of the community; both parties are told and asked for their feedback, and the admin
    is answered so, naming the pair (``admin_end.done``, not a party's "Thank you!"). An admin who is one of its
    parties ends it as their own `/mentor end` does (`mentorships.end`): they are the one who ended it, so their
    partner is told "ended by your partner", and they get that command's answer (the feedback ask, their check-in
    turned into it), not a notice in the third person about their own action."""
    core = ctx.core
    wanted = parse_id(mentorship_id, "mentorship", listed_by="/mentor-admin export")
    existing = await core.store.get_mentorship(wanted)
    if existing is None or existing.community != ctx.caller.community or existing.status is not MentorshipStatus.ACTIVE:
        raise UserError("admin.not_active", id=wanted)
    if ctx.member.id in (existing.mentor_id, existing.mentee_id):
        return await end_as_party(ctx, mentorship_id=wanted)
    ended = await core.store.end_mentorship(wanted, core.clock.now(), by_member=None, by_admin=ctx.member.id)
    if ended is None:
        raise UserError("admin.not_active", id=wanted)
    ctx.tell(await after_end(core, ended, ended_by=None))
    # Told to the admin, not in a party's words ("Thank you!"): who the pair was, and that both were told and asked.
    # (An active mentorship keeps both parties: forgetting a member ends theirs.)
    names = [await core.store.get_member(party) if party else None for party in (ended.mentor_id, ended.mentee_id)]
    mentor, mentee = (shown_name(member.display_name) if member else "—" for member in names)
    return Reply(ctx.t("admin_end.done", id=wanted, mentor=mentor, mentee=mentee))


async def pause(ctx: Context, *, mentor: str, until: str | None = None) -> Reply:
    """Pause a mentor. The end date, when given, is stated to the admin and the mentor (each in their own time zone;
    read from when the admin typed it, so a command recovered after the bot was down whose end has passed changes
    nothing and says so); the same pause again (same end, already by an admin) changes nothing and tells nobody
    twice. A mentor paused because they left the community (`departures.LEFT`) stays so: an admin's pause would
    replace the reason, and its end would make them active again though they never came back. So does a mentor
    paused as unreachable (`is_unreachable`): they can't be told, and the reason keeps what their status tells them
    to do (let MentorBot send them direct messages); the admin is told so. Their pending offers
    are withdrawn and each request handed on: the mentor is told what became of each, the admin how many were passed
    on to another mentor, are back on the waitlist or no longer wait (never "passed on" for a request that waits
    again). An admin who names themself pauses as their own `/mentor pause` does (`profiles.pause`): its answer, in
    the first person, and no DM about their own action."""
    core = ctx.core
    member, profile = await _find_mentor(ctx, mentor)
    if member.id == ctx.member.id:
        return await pause_as_mentor(ctx, until=until)
    name = shown_name(member.display_name)
    now = core.clock.now()
    # The mentor's day, as they are told it, from when the admin typed it (a command recovered after the bot was down).
    # A duration's end on the minute, as it is shown: the same `until:3d` typed seconds apart is the same pause.
    end_at = parse_until(until, ctx.caller.answered(now), zone_of(member, profile), on_the_minute=True)
    if end_at is not None and end_at <= now:
        shown = when(end_at, ctx.t, core.admin_zone(ctx.member))
        text = ctx.t("admin.pause_over_while_down", name=name, until=shown)
        now_stands = "admin.pause_over_active" if profile.status is MentorStatus.ACTIVE else "admin.pause_over_paused"
        return Reply(text + " " + ctx.t(now_stands, name=name))
    for _ in range(_PAUSE_TRIES):
        if has_left(profile):
            return Reply(ctx.t("admin.pause_left", name=name))
        if is_unreachable(profile):
            return Reply(ctx.t("admin_pause.unreachable", name=name))
        # Only an active mentor is paused as unreachable (`unreachable.pause_unreachable`): one read active is paused
        # only while still active, so a refusal that paused them meanwhile keeps its reason (read again below).
        expect = MentorStatus.ACTIVE if profile.status is MentorStatus.ACTIVE else None
        if await core.store.set_mentor_status(
            member.id,
            MentorStatus.PAUSED,
            now,
            paused_until=end_at,
            reason="admin",
            expect=expect,
            unless_same=True,
            unless_reason=LEFT,
        ):
            break
        after = await core.store.get_mentor_profile(member.id)
        if after is None:  # no longer a mentor (forgotten meanwhile)
            raise UserError("admin.no_such_mentor", name=name)
        if after.status is MentorStatus.PAUSED and after.paused_until == end_at and after.pause_reason == "admin":
            return Reply(ctx.t("admin.already_paused", name=name))
        profile = after  # left, unreachable or paused otherwise meanwhile: said, or paused by the admin now
    else:
        return Reply(ctx.t("admin.already_paused", name=name))
    t = translator(core.lang_of(member))
    outcomes: list[bool | None] = []
    withdrawn_notes, lines = await withdraw_for_pause(core, member, by="admin", outcomes=outcomes)
    if end_at is not None:
        notice = t("pause.by_admin_until", until=when(end_at, t, zone_of(member, profile)))
        shown = when(end_at, ctx.t, ctx.core.admin_zone(ctx.member))
        reply = ctx.t("admin.paused_until", name=name, until=shown)
    else:
        notice = t("pause.by_admin")
        reply = ctx.t("admin.paused", name=name)
    if lines:
        notice += "\n" + t("pause.withdrawn", count=len(lines)) + "\n" + "\n".join(f"• {line}" for line in lines)
        reply += "\n" + ctx.t("admin.paused_withdrawn", count=len(lines), outcomes=_outcomes_text(ctx.t, outcomes))
    ctx.tell([core.notify(member, Reply(notice)), *withdrawn_notes])
    return Reply(reply)


_PAUSE_TRIES: Final = 3
"""How many times an admin's pause is tried when the mentor changed between its read and its write (`pause`)."""


def _outcomes_text(t: Translator, outcomes: Sequence[bool | None]) -> str:
    """How many requests of a paused mentor's withdrawn offers were passed on, are back on the waitlist and no longer
    wait, in the admin's words (those that apply)."""
    keys = {True: "admin_pause.passed", False: "admin_pause.waiting", None: "admin_pause.closed"}
    counts = [(key, sum(1 for o in outcomes if o is outcome)) for outcome, key in keys.items()]
    return t.join([t(key, count=count) for key, count in counts if count])


async def round_(ctx: Context) -> Reply:
    """One optimal assignment of every waiting request to mentors with free places, then the offers; when it
    sends nothing, why, in words an admin can act on."""
    report = await round_report(ctx.core, ctx.caller.community)
    ctx.tell(report.notes)
    return Reply(round_text(report, ctx.t, ctx.core.library.taxonomy, ctx.core.admin_zone(ctx.member)))


@dataclass(frozen=True)
class RoundReport:
    """What a round did: its result, what to tell (offers, and their requesters), how many still wait and why
    (stored wait reason → how many), and whether every reason was told afresh. Of the planned offers it could not
    make: how many requests were offered or matched meanwhile (another round, the live matching, an admin:
    placed already), how many were cancelled or closed meanwhile, and how many still wait, their planned mentor
    no longer able to take them (their place taken, paused…): only those are worth running the round again."""

    result: RoundResult
    notes: tuple[Notification, ...]
    waiting: int
    why: dict[str, int]
    fresh: bool
    placed_meanwhile: int = 0
    closed_meanwhile: int = 0
    lost_mentor: int = 0


async def round_report(core: Core, community: str, *, fresh_reasons: bool = False) -> RoundReport:
    """Run a round in `community` (`run_round`) and say what it did (`RoundReport`). With `fresh_reasons` (the
    scheduled round, whose requests waited "for the next round"), every waiting request's reason is recomputed
    (up to `ROUND_REASONS_READ`), as when a round sends nothing."""
    now = core.clock.now()
    result = await run_round(core, community)
    notes: list[Notification] = []
    for assignment, offer in result.offers:
        mentor = assignment.ranked.candidate.member
        notes += [
            offer_notification(core, offer, assignment.request, assignment.mentee, mentor),
            now_offered(core, assignment.mentee, assignment.request, offer),
        ]
    # A round only uses up free places: the requests it leaves waiting keep their reason; one that has none
    # yet gets it now. When it sent nothing, every reason is told afresh (cooldowns end, mentors come back). In a
    # cohort programme the reason kept is the next round (nothing is offered before it); the live one is only
    # counted for the admin, as why this round could not place them.
    fresh = fresh_reasons or not result.offers
    rounds_only = cohort(core)
    still_waiting = await core.store.list_requests(community, [RequestStatus.WAITING])
    why: dict[str, int] = {}
    for n, request in enumerate(still_waiting):
        reason = request.wait_reason
        if not reason or (fresh and n < ROUND_REASONS_READ):
            mentee = await core.store.get_member(request.member_id)
            if mentee:
                if rounds_only:
                    obstacle = await round_obstacle(core, request, mentee)
                    kept = next_round_reason(core, request, obstacle)
                    reason = obstacle or kept
                else:
                    reason = kept = await wait_reason(core, request, mentee)
                # The one way a reason is stored: a skill newly told as no longer offered is told to the member.
                await store_reason(core, request, mentee, kept, told=False)
        elif rounds_only:
            kept = next_round_reason(core, request, reason)
            if kept != reason:
                await core.store.set_wait_reason(request.id, kept, now)  # the round it waited for has run
            reason = kept
        if reason:
            why_key = views.reason_group(reason)
            why[why_key] = why.get(why_key, 0) + 1
    placed, closed, lost = await _unplaced(core, result, {r.id for r in still_waiting})
    return RoundReport(result, tuple(notes), len(still_waiting), why, fresh, placed, closed, lost)


async def _unplaced(core: Core, result: RoundResult, waiting: set[int]) -> tuple[int, int, int]:
    """The planned requests a round could not offer, by what became of them meanwhile: offered or matched (by
    another round, the live matching or an admin), cancelled or closed, still waiting (their planned mentor could
    no longer take them). Read in the round's unit, after its offers were written: every other unit that changed
    one of those requests has committed (the offers' write waited for their mentees' rows)."""
    made = {offer.request_id for _, offer in result.offers}
    placed = closed = lost = 0
    for request_id in {a.request.id for a in result.plan.assignments} - made:
        if request_id in waiting:
            lost += 1
            continue
        request = await core.store.get_request(request_id)
        if request is not None and request.status in (RequestStatus.OFFERED, RequestStatus.MATCHED):
            placed += 1
        else:
            closed += 1
    return placed, closed, lost


def round_text(report: RoundReport, t: Translator, taxonomy: Taxonomy, zone: str | None = None) -> str:
    """What a round did, for an admin, in plain words: the offers it sent and the requests still waiting, what
    taking requests first come, first served would have done instead when it differs, planned offers that could no
    longer be made (those placed or closed meanwhile apart from those that lost their mentor, the only ones a
    second run may place), and why the rest wait when their reasons were told afresh (the most common first)."""
    result, plan = report.result, report.result.plan
    sent = len(result.offers)
    parts = [
        t(
            "round.done",
            offered=t("round.offers_sent", count=sent),
            waiting=t("round.still_waiting", count=report.waiting),
        )
    ]
    if sent and len(result.offers) == len(plan.assignments):
        if plan.greedy_matched < sent:
            parts.append(t("round.first_come", count=plan.greedy_matched))
        elif plan.total_score > plan.greedy_score + 1e-6:
            parts.append(t("round.better_fit"))
    if report.placed_meanwhile:
        parts.append(t("round.placed_meanwhile", count=report.placed_meanwhile))
    if report.closed_meanwhile:
        parts.append(t("round.closed_meanwhile", count=report.closed_meanwhile))
    if report.lost_mentor:
        parts.append(t("round.gone", count=report.lost_mentor))
    text = " ".join(parts)
    if report.fresh and report.waiting:
        lines = views.why_lines(report.why, t, taxonomy, zone)
        text += "\n" + t("round.why") + "\n" + "\n".join(f"• {line}" for line in lines)
    return text


ROUND_REASONS_READ = 500
"""How many waiting requests' reasons a round that sent nothing recomputes (beyond that, the stored ones)."""


async def _pool(core: Core, community: str) -> RoundPool:
    now = core.clock.now()
    return await core.store.round_pool(community, repeat_since=now - timedelta(days=core.settings.repeat_pair_days))


async def _round_blocks(core: Core, pool: RoundPool) -> tuple[frozenset[tuple[int, int]], frozenset[tuple[int, int]]]:
    """The (request, mentor) pairs a round may not offer: all blocked ones, and those still blocked when no one
    else is eligible (`matching.eligibility`, the live matcher's own definition)."""
    history = await core.store.pair_history({item.mentee.id for item in pool.requests})
    by_mentee: dict[int, list[PairFact]] = {}
    for fact in history:
        by_mentee.setdefault(fact.mentee_id, []).append(fact)
    reoffer_after = timedelta(days=core.settings.reoffer_after_days)
    now = core.clock.now()
    first: set[tuple[int, int]] = set()
    alone: set[tuple[int, int]] = set()
    for item in pool.requests:
        facts = by_mentee.get(item.mentee.id)
        if not facts:
            continue
        blocks = blocks_for(
            item.request.id, item.mentee.id, item.request.skills, facts, now=now, reoffer_after=reoffer_after
        )
        first.update((item.request.id, m) for m in strict(blocks))
        alone.update((item.request.id, m) for m in when_alone(blocks))
    return frozenset(first), frozenset(alone)


async def _plan(core: Core, pool: RoundPool) -> RoundPlan:
    """The round's plan for one pool: the optimal assignment over the pairs live matching may offer, a pair whose
    block lifts when no one else is eligible (as `matchmaking.match_request` does for one request) only as a last
    resort (`RoundPool.lifted`). One assignment over both: planning the lifted pairs after the others could give
    an older request's only mentor to a newer one that had a lifted pair to fall back on, and strand the older."""
    first, alone = await _round_blocks(core, pool)
    languages = [core.lang_of(item.mentee) for item in pool.requests]
    return plan_pool(
        RoundPool(pool.requests, pool.mentors, alone, pool.past_pairs, lifted=first - alone),
        languages,
        core.clock.now(),
    )


async def plan_round(core: Core, waiting: Sequence[MentorshipRequest]) -> RoundPlan:
    """Plan one round over `waiting` (oldest first) with the mentors' current free places; writes nothing."""
    if not waiting:
        return RoundPlan((), 0.0, 0.0, 0)
    wanted = {r.id for r in waiting}
    plans: list[RoundPlan] = []
    for community in sorted({r.community for r in waiting}):
        pool = await _pool(core, community)
        pool = RoundPool(
            tuple(item for item in pool.requests if item.request.id in wanted),
            pool.mentors,
            pool.offered,
            pool.past_pairs,
        )
        plans.append(await _plan(core, pool))
    if len(plans) == 1:
        return plans[0]
    return RoundPlan(
        tuple(a for p in plans for a in p.assignments),
        sum(p.total_score for p in plans),
        sum(p.greedy_score for p in plans),
        sum(p.greedy_matched for p in plans),
    )


async def run_round(core: Core, community: str) -> RoundResult:
    """Plan a round over every waiting request of `community` (`_plan`, over `rounds.plan_pool`, pure) and write
    its offers in one transaction (`Store.create_offers`)."""
    now = core.clock.now()
    pool = await _pool(core, community)
    plan = await _plan(core, pool)
    mentees = {item.request.id: item.mentee for item in pool.requests}
    # Each offer's explanation tells its mentor's places as they stand when it is made, as live matching's do:
    # the round's earlier offers to the same mentor hold places too; and, as theirs, whether the two zones have the
    # same UTC offset ("same time zone", or the same hours a day apart).
    earlier: dict[int, int] = {}
    offers: list[NewOffer] = []
    for a in plan.assignments:
        mentor_id = a.ranked.candidate.member.id
        explanation = with_offsets(
            a.ranked.explanation, a.ranked.candidate.profile.timezone, mentees[a.request.id].timezone, now
        )
        explanation = replace(explanation, places_held=explanation.places_held + earlier.get(mentor_id, 0))
        earlier[mentor_id] = earlier.get(mentor_id, 0) + 1
        offers.append(NewOffer(a.request.id, mentor_id, a.ranked.score, explanation.to_json()))
    created = await core.store.create_offers(
        offers,
        now,
        now + timedelta(hours=core.settings.offer_ttl_hours),
        reoffer_after=timedelta(days=core.settings.reoffer_after_days),
    )
    by_request = {a.request.id: a for a in plan.assignments}
    await after_places_taken(core, [by_request[o.request_id].ranked.candidate.member for o in created])
    return RoundResult(plan, tuple((by_request[o.request_id], o) for o in created))


RELOAD_PROBLEMS_SHOWN: Final = 10
"""How many of a broken file's problems an admin's reload lists (``mentorbot config check`` lists them all)."""


def _file_problems(exc: ConfigFileError, t: Translator) -> str:
    """A broken file's problems for the admin's reload answer: the one in a line, or up to `RELOAD_PROBLEMS_SHOWN`
    of them a line each (then how many more, in the admin's language: `t`)."""
    if not exc.more:
        return str(exc)
    problems = exc.problems
    lines = [f"\n- {problem.line}" for problem in problems[:RELOAD_PROBLEMS_SHOWN]]
    if len(problems) > RELOAD_PROBLEMS_SHOWN:
        lines.append("\n- " + t("reload.more_problems", count=len(problems) - RELOAD_PROBLEMS_SHOWN))
    return "".join(lines)


async def reload(ctx: Context) -> Reply:
    """Re-read the skills and courses files; a broken file is refused and the old ones stay. The time is recorded,
    so that every other process serving the community reloads them too, within a minute (`Timers`).

    The slugs stored rows use are then checked against the new skills file (`settle_stored_skills`): one the file
    now has as another skill's alias (a rename) moves to that skill, and the waiting requests of the skills rows
    moved to are tried again (`after_renames`); one no skill answers to any more is reported to the admin (with how
    many mentors, open requests and active mentorships of the community use it, and what to do) and logged for every
    community. Every community's admins whose stored rows use what moved or went are told through the outbox, keyed as
    a start-up's notice, so a later start finds them told (`tell_reload`; the admin who reloaded has the reply). The
    waiting requests of a removed skill, or of one put back, are told afresh why they wait (`reword_removed_skills`:
    "no longer offered here" once no mentor offers it, their member told once)."""
    core = ctx.core
    try:
        snapshot = core.library.reload()
    except ConfigFileError as exc:
        return Reply(ctx.t("reload.failed", error=_file_problems(exc, ctx.t)))
    # Put back since the skills the latest change replaced: a try that read the files and then failed left this
    # process holding the new ones already.
    before = core.library.replaced.taxonomy if core.library.replaced is not None else snapshot.taxonomy
    core.library.followed = await core.store.note_library_reload(core.clock.now())
    found = await settle_stored_skills(core)
    log_stored_skills(found)
    notes = await after_renames(core, found)
    back = [skill.slug for skill in snapshot.taxonomy if before.resolve(skill.slug) is None]
    await reword_removed_skills(core, found, back)
    notes += await tell_reload(core, found, ctx.member)
    # Those of other communities go through the outbox to the processes serving them (another platform's, maybe).
    ctx.tell(await hand_over_elsewhere(core, notes, ctx.caller.community))
    lines = [
        ctx.t(
            "reload.done",
            skills=ctx.t("reload.skills_count", count=len(snapshot.taxonomy)),
            courses=ctx.t("reload.courses_count", count=len(snapshot.catalog)),
        )
    ]
    community = ctx.caller.community
    lines += [
        ctx.t("reload.renamed", slug=old, new=new, uses=uses_text(use, ctx.t))
        for old, new, use in found.renamed_in(community)
    ]
    lines += [
        ctx.t("reload.removed_in_use", slug=slug, uses=uses_text(use, ctx.t))
        for slug, use in found.removed_in(community)
    ]
    return Reply("\n".join(lines))


async def export(ctx: Context) -> Reply:
    """CSV files of members, requests, offers (with decline reasons), mentorships and feedback."""
    files = await export_csv(ctx.core.store, ctx.caller.community)
    return Reply(
        ctx.t("admin.exported", count=len(files)),
        attachments=tuple(Attachment(name, data, "text/csv") for name, data in files.items()),
    )


async def export_csv(store: Store, community: str | None) -> dict[str, bytes]:
    """CSV files (name → bytes) of members, requests, offers, mentorships and feedback; every cell that a
    spreadsheet would run as a formula is neutralised (`text_safety.spreadsheet_safe`). Each table is read in pages
    (`Store.export_pages`) and written off the event loop: other members' commands are served meanwhile. Rows
    written after the export began are in none of the files (`Store.export_bounds`), so every id a file names is in
    the file it refers to."""
    files: dict[str, bytes] = {}
    bounds = await store.export_bounds()
    for table in EXPORT_TABLES:
        columns = store.export_columns(table)
        buffer = io.StringIO()
        csv.writer(buffer).writerow(columns)
        async for page in store.export_pages(table, community, upto=bounds[table]):
            await asyncio.to_thread(_write_csv_rows, buffer, columns, page)
        files[f"{table}.csv"] = await asyncio.to_thread(_csv_bytes, buffer)
    return files


def _write_csv_rows(buffer: io.StringIO, columns: list[str], page: list[dict[str, object]]) -> None:
    """One page of an export table as CSV lines (as `csv.DictWriter` writes them), its cells spreadsheet-safe."""
    csv.writer(buffer).writerows([spreadsheet_safe(row[c]) for c in columns] for row in page)


def _csv_bytes(buffer: io.StringIO) -> bytes:
    """A written CSV file as bytes with a BOM: Excel reads it as UTF-8, not cp1252."""
    return buffer.getvalue().encode("utf-8-sig")
