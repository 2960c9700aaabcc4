"""Both voices heard: feedback on a mentorship that has ended (once per person), and the check-in's buttons
(going well, end and give feedback, ask an admin for help)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from mentorbot.errors import UserError
from mentorbot.formatting import day
from mentorbot.i18n import translator
from mentorbot.inputs import MAX_COMMENT, is_blank, only_id, parse_id, parse_rating
from mentorbot.models import HELP_KEY, Member, Mentorship, MentorshipStatus
from mentorbot.replies import Reply
from mentorbot.storage.store import FeedbackResult
from mentorbot.text_safety import check_text
from mentorbot.usecases import views
from mentorbot.usecases.context import Context
from mentorbot.usecases.mentorships import MAX_CHOICES as MAX_CHOICES  # re-exported: the list's cap, as ever
from mentorbot.usecases.mentorships import (
    elsewhere,
    ended_reply,
    nothing_here,
    only_waiting,
    rating_choices,
    theirs_elsewhere,
    waiting_for_rating,
)


async def feedback(
    ctx: Context, *, mentorship_id: str | int | None, rating: str | int | None, comment: str | None = None
) -> Reply:
    """Rate a mentorship the caller was part of, once it has ended (1–5, with an optional comment); at most
    once per person per mentorship: a second time is refused politely. Without a number, the caller's only ended
    mentorship still waiting for their rating (`_to_rate`). Without a rating, what would refuse it is said first
    (not theirs, still active, already rated, in the order a rating is refused), so "give a rating" is asked only of
    someone whose rating would be taken."""
    core = ctx.core
    wanted = await _to_rate(ctx, mentorship_id)
    stars = parse_rating(rating)
    if stars is None:
        mentorship = await _own(ctx, wanted, elsewhere_key="elsewhere.feedback")
        if mentorship.status is not MentorshipStatus.ENDED:
            raise UserError("feedback.still_active", id=wanted)
        if await core.store.has_given_feedback(wanted, ctx.member.id):
            return Reply(ctx.t("feedback.already", id=wanted))
        raise UserError("feedback.rating_required", id=wanted)
    text = check_text(comment, field="comment", max_length=MAX_COMMENT)
    result = await core.store.give_feedback(
        wanted, ctx.member.id, stars, text or None, core.clock.now(), ended_only=True
    )
    if result is FeedbackResult.NOT_A_PARTY:
        raise await _not_yours(ctx, wanted, await core.store.get_mentorship(wanted), "elsewhere.feedback")
    if result is FeedbackResult.STILL_ACTIVE:
        raise UserError("feedback.still_active", id=wanted)
    if result is FeedbackResult.ALREADY_GIVEN:
        return Reply(ctx.t("feedback.already", id=wanted))
    return Reply(ctx.t("feedback.thanks", id=wanted))


async def _to_rate(ctx: Context, mentorship_id: str | int | None) -> int:
    """The mentorship `/mentor feedback` is about: the number given, or, with none, the caller's only mentorship
    that has ended and waits for their rating. Several are listed (number and the other party) for the caller to
    choose; none is said. A number that is not one lists the same (`/mentor status` shows only active ones). The
    list and the choice are `mentorships`' (`waiting_for_rating`, `only_waiting`), shared with `/mentor end` typed
    with no number once the other party has ended it."""
    if not is_blank(mentorship_id):
        try:
            return parse_id(mentorship_id, "mentorship")
        except UserError as error:
            if error.key != "input.bad_id":
                raise
            waiting = await waiting_for_rating(ctx)
            value = str(mentorship_id).strip()
            if not waiting:
                raise UserError("feedback.bad_id_none", value=value) from None
            raise UserError("feedback.bad_id", value=value, choices=rating_choices(ctx, waiting)) from None
    waiting = await waiting_for_rating(ctx)
    if not waiting:
        raise UserError("feedback.nothing_to_rate")
    return only_waiting(ctx, waiting)


async def feedback_form(ctx: Context, *, mentorship_id: str | int) -> Reply:
    """The feedback button on a platform without forms (the console): the command to type. Adapters with forms
    (Slack, Discord) open one instead and submit it to `feedback`."""
    wanted = parse_id(mentorship_id, "mentorship")
    mentorship = await _own(ctx, wanted, elsewhere_key="elsewhere.feedback")
    if await ctx.core.store.has_given_feedback(mentorship.id, ctx.member.id):
        return Reply(ctx.t("feedback.already", id=wanted))
    return Reply(ctx.t("feedback.form", id=wanted), form="feedback")


CHECKIN_ANSWERS = {"ok": "ok", "going-well": "ok", "well": "ok", "sawa": "ok", "help": "help", "msaada": "help"}
"""What `/mentor checkin` takes as an answer (English and Swahili words), and what each means."""


HELP_HOURS = 24
"""A member's call for help with one mentorship tells the admins at most once in this many hours: while a notice of
it went in the current UTC hour or the `HELP_HOURS` - 1 before it, asking again is answered
``checkin.help_already``. So two notices are more than 23 hours apart, and one asked 24 hours after the last
always goes, whatever the member's time zone. The notices' outbox key carries the hour (`_help_key`), and one
query finds any written since the window's first hour (`OutboxStore.has_keyed`, by the keys' prefix); delivered
rows are kept a day (`timers.EVENT_ID_RETENTION`), as long as the window needs them."""


def _utc_hour(moment: datetime) -> int:
    """The hours from the epoch to `moment` (UTC, whole)."""
    return int(moment.timestamp() // 3600)


def _help_prefix(mentorship_id: int, member_id: int) -> str:
    """What the outbox keys of every call for help of `member_id` with `mentorship_id` start with (`_help_key`)."""
    return f"{HELP_KEY}{mentorship_id}:{member_id}:"


def _help_key(mentorship_id: int, member_id: int, hour: int) -> str:
    """The outbox key of a call for help of `member_id` with `mentorship_id` made in UTC hour `hour` (`_utc_hour`):
    a key of its own, so an adapter posts each notice anew (a key seen before edits that message in place)."""
    return f"{_help_prefix(mentorship_id, member_id)}h{hour}"


async def checkin(ctx: Context, *, mentorship_id: str | int | None, answer: str | None) -> Reply:
    """Answer a check-in (its buttons, or ``/mentor checkin [mentorship] ok|help``). Without a number (none, or
    blank), the caller's only active mentorship, as `/mentor end` finds it (`_to_check_in`)."""
    meant = CHECKIN_ANSWERS.get((answer or "").strip().lower())
    if meant is None:
        raise UserError("checkin.bad_answer", value=(answer or "").strip())
    wanted = await _to_check_in(ctx, mentorship_id, meant)
    if meant == "help":
        return await checkin_help(ctx, mentorship_id=wanted)
    return await checkin_ok(ctx, mentorship_id=wanted)


async def _to_check_in(ctx: Context, mentorship_id: str | int | None, answer: str) -> str | int:
    """The mentorship a check-in answer is about: the number given, or, with none, the caller's only active
    mentorship (`inputs.only_id`, as `/mentor end` with no number). Several are listed with the command to type
    (``checkin.which``, with the `answer` given); with none here, those active in the caller's other communities of
    the deployment are named (``elsewhere.checkin_nothing_here``: read only on this refusal), else
    ``checkin.nothing_active``."""
    if not is_blank(mentorship_id):
        assert mentorship_id is not None
        return mentorship_id
    store = ctx.core.store
    active = await store.list_mentorships(member_id=ctx.member.id, active_only=True)
    if not active:
        theirs = await store.active_mentorships_elsewhere(ctx.member)
        if theirs:
            raise nothing_here(ctx, "elsewhere.checkin_nothing_here", theirs)
    try:
        return only_id([m.id for m in active], none="checkin.nothing_active", several="checkin.which")
    except UserError as error:
        if error.key != "checkin.which":
            raise
        raise UserError(error.key, **error.params, answer=answer) from None


async def checkin_ok(ctx: Context, *, mentorship_id: str | int) -> Reply:
    """The check-in's "going well": acknowledged; nothing changes. For a mentorship that has ended meanwhile (an
    old check-in's button), the member is told so, and asked for their rating if they have not given it."""
    mentorship = await _own(ctx, parse_id(mentorship_id, "mentorship"), elsewhere_key="elsewhere.checkin")
    if mentorship.status is not MentorshipStatus.ACTIVE:
        return await ended_reply(ctx, mentorship.id)
    return Reply(ctx.t("checkin.noted", id=mentorship.id))


async def checkin_help(ctx: Context, *, mentorship_id: str | int) -> Reply:
    """The check-in's "need help from an admin": the community's admins known to the bot (the settings'
    ``MENTORBOT_ADMIN_IDS`` of this community, `Core.admin_keys`, who are members here), but not the mentorship's
    own mentor or mentee, are told through the outbox; the member is told whether anyone could be reached. At most
    once in `HELP_HOURS` per mentorship and member: asking again sooner is answered ``checkin.help_already`` and
    tells nobody. On a mentorship that has ended meanwhile (an old check-in's button; the partner ended it) the
    answer is the "going well" one's (`ended_reply`: it has ended, the rating asked with its button when not
    given), and the help is still asked: the admins' notice says it has ended (``checkin.help_notice_ended``: there
    is nothing to end, they get in touch with the member), and the line after says they were told, or, with none
    the bot can reach, to contact them directly."""
    mentorship = await _own(ctx, parse_id(mentorship_id, "mentorship"), elsewhere_key="elsewhere.checkin")
    said = await _ask_admins(ctx, mentorship)
    if mentorship.status is MentorshipStatus.ACTIVE:
        return Reply(said)
    ended = await ended_reply(ctx, mentorship.id)
    return replace(ended, text=ended.text + "\n" + said)


async def _ask_admins(ctx: Context, mentorship: Mentorship) -> str:
    """Tell the community's admins (`checkin_help`) that the caller asks for help with `mentorship`, at most once
    in `HELP_HOURS`; what the caller is told of it."""
    core = ctx.core
    # Neither party is told as an admin: help with a mentorship is asked of someone outside it (the mentor who is
    # an admin is the one the mentee may need help with).
    parties = {ctx.member.id, mentorship.mentor_id, mentorship.mentee_id}
    admins: list[Member] = []
    for key in core.admin_keys(ctx.caller.community):
        admin = await core.store.find_member(ctx.caller.community, key)
        if admin is not None and admin.id not in parties:
            admins.append(admin)
    if not admins:
        return ctx.t("checkin.help_no_admin", id=mentorship.id)
    # One notice a day per mentorship and member: asking again within the day edits nothing and tells nobody again
    # (a member could otherwise send the admins a DM with every command the rate limit allows). The day is a
    # rolling one, counted in UTC hours (`HELP_HOURS`), not a calendar day: a calendar day in the member's zone
    # moved with `/mentor timezone` (switching to UTC+14 made it "tomorrow", and the admins were told again).
    hour = _utc_hour(core.clock.now())
    since = datetime.fromtimestamp((hour - HELP_HOURS + 1) * 3600, UTC)  # the start of the window's first hour
    # Two clicks at once (two processes): the second waits for the first's notices, then sees them.
    await core.store.lock_member(ctx.member.id)
    # One query: any notice of this member's about this mentorship written in the window, whatever its hour.
    if await core.store.has_keyed(
        [a.id for a in admins], _help_prefix(mentorship.id, ctx.member.id), since=since, prefix=True
    ):
        return ctx.t("checkin.help_already", id=mentorship.id)
    key = _help_key(mentorship.id, ctx.member.id, hour)
    mentor = await core.store.get_member(mentorship.mentor_id) if mentorship.mentor_id else None
    mentee = await core.store.get_member(mentorship.mentee_id) if mentorship.mentee_id else None
    active = mentorship.status is MentorshipStatus.ACTIVE
    for admin in admins:
        t = translator(core.lang_of(admin))
        text = t(
            "checkin.help_notice" if active else "checkin.help_notice_ended",
            member=views.mention(ctx.member, t),
            id=mentorship.id,
            mentor=views.mention(mentor, t),
            mentee=views.mention(mentee, t),
            since=day(mentorship.started_at, core.admin_zone(admin)),
            ended=day(mentorship.ended_at or core.clock.now(), core.admin_zone(admin)),
        )
        ctx.tell([core.notify(admin, Reply(text, title=t("checkin.help_title")), key=key)])
    return ctx.t("checkin.help_sent", id=mentorship.id)


async def _own(ctx: Context, mentorship_id: int, *, elsewhere_key: str) -> Mentorship:
    """A mentorship the caller is (or was) a party of, or a `UserError` (`_not_yours`, its message `elsewhere_key`
    for one of theirs in another community)."""
    mentorship = await ctx.core.store.get_mentorship(mentorship_id)
    if mentorship is None or ctx.member.id not in (mentorship.mentor_id, mentorship.mentee_id):
        raise await _not_yours(ctx, mentorship_id, mentorship, elsewhere_key)
    return mentorship


async def _not_yours(ctx: Context, mentorship_id: int, mentorship: Mentorship | None, key: str) -> UserError:
    """Why the caller cannot give feedback on, or answer the check-in of, a mentorship that is not theirs here: one
    of their platform user's in another community of the deployment (a number from a DM of the other server, all
    of whose DMs land in the same channel) is said to be theirs there (message `key`: give the feedback or answer
    there, or with the DM's buttons, which name their community); any other is not theirs. The other community is
    read only on this refusal."""
    if await theirs_elsewhere(ctx, mentorship):
        return UserError(key, id=mentorship_id, where=elsewhere(ctx.t, ctx.member.community))
    return UserError("feedback.not_yours", id=mentorship_id)
