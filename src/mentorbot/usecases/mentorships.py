"""Mentorships: ending one (by a party, with optional feedback, or by an admin) and what follows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Protocol

from mentorbot.errors import UserError
from mentorbot.i18n import Translator, translator
from mentorbot.inputs import MAX_COMMENT, is_blank, only_id, parse_id, parse_rating
from mentorbot.models import Member, Mentorship, MentorshipStatus, checkin_key
from mentorbot.replies import Notification, Reply, reply_to_json
from mentorbot.storage.elsewhere import place_word
from mentorbot.storage.store import FeedbackResult
from mentorbot.text_safety import check_text
from mentorbot.usecases import views
from mentorbot.usecases.context import Context, Core
from mentorbot.usecases.matchmaking import refresh_wait_reasons, rematch


async def end(
    ctx: Context,
    *,
    mentorship_id: str | int | None = None,
    rating: str | int | None = None,
    comment: str | None = None,
) -> Reply:
    """End a mentorship the caller is part of, with an optional rating (1–5) and comment. One that has ended
    already (the other party ended it meanwhile, both having had the check-in's "end and give feedback"; an old
    form or command of the caller's own, late) takes what was given as the caller's feedback (`_ended_already`); so
    does, with no number and none active, their only ended one waiting for their rating
    (`_feedback_with_nothing_active`).
    The caller's check-in turns into the answer (`_own_checkin`), the other party's into their notice
    (`after_end`): no check-in keeps its buttons once the mentorship has ended."""
    core = ctx.core
    stars = parse_rating(rating)
    text = check_text(comment, field="comment", max_length=MAX_COMMENT)
    if is_blank(mentorship_id):
        active = await core.store.list_mentorships(member_id=ctx.member.id, active_only=True)
        if not active:
            if stars is None and not text:
                raise await _nothing_active(ctx)
            return await _feedback_with_nothing_active(ctx, stars, text or None)
        target = only_id([m.id for m in active], none="end.nothing_active", several="end.which")
    else:
        target = parse_id(mentorship_id, "mentorship")
    ended = await core.store.end_mentorship(
        target, core.clock.now(), by_member=ctx.member.id, rating=stars, comment=text or None
    )
    if ended is None:
        prior = await core.store.get_mentorship(target)
        if (
            prior is not None
            and prior.status is MentorshipStatus.ENDED
            and ctx.member.id in (prior.mentor_id, prior.mentee_id)
        ):
            return await _ended_already(ctx, target, stars, text or None)
        raise await _not_active(ctx, target, prior)
    ctx.tell(await after_end(core, ended, ended_by=ctx.member.id))
    if stars is None:
        # No rating given: the one who ended it may still give it, once, like the other party.
        reply = Reply(ctx.t("feedback.ended_ask", id=target), buttons=(views.feedback_button(target, ctx.t),))
    else:
        reply = Reply(ctx.t("end.done", id=target))
    ctx.tell(await _own_checkin(ctx, ended, reply))
    return reply


async def _not_active(ctx: Context, mentorship_id: int, prior: Mentorship | None) -> UserError:
    """Why a mentorship named by id cannot be ended: one of the caller's platform user in another community of the
    deployment (the DMs of both name none) is theirs there; any other is not an active mentorship of theirs. The
    other community is read only on this refusal."""
    if await theirs_elsewhere(ctx, prior):
        return UserError("elsewhere.mentorship", id=mentorship_id, where=elsewhere(ctx.t, ctx.member.community))
    return UserError("end.not_active", id=mentorship_id)


async def theirs_elsewhere(ctx: Context, mentorship: Mentorship | None) -> bool:
    """Whether `mentorship`, not the caller's, is their platform user's in another community of the deployment (a
    number from a DM of the other server: the DMs of both land in one channel, naming neither). One read, for a
    refusal only."""
    if mentorship is None or ctx.member.id in (mentorship.mentor_id, mentorship.mentee_id):
        return False
    parties = [mentorship.mentor_id, mentorship.mentee_id]
    return await ctx.core.store.same_user_among(ctx.member, parties) is not None


async def _nothing_active(ctx: Context) -> UserError:
    """Why `/mentor end` with no number ends nothing: the caller has no active mentorship here. When their platform
    user has some in other communities of the deployment (not one they left), the answer names them and where to
    end them; otherwise ``end.nothing_active``, as ever. The other communities are read only on this refusal."""
    theirs = await ctx.core.store.active_mentorships_elsewhere(ctx.member)
    if not theirs:
        return UserError("end.nothing_active")
    return nothing_here(ctx, "elsewhere.end_nothing_here", theirs)


class _Numbered(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def community(self) -> str: ...


def nothing_here(ctx: Context, key: str, theirs: Sequence[_Numbered]) -> UserError:
    """The refusal `key` (``elsewhere.*_nothing_here``) of a command with no number that finds nothing to act on in
    the caller's community but `theirs` (mentorships, requests) in others: their numbers, here and where."""
    community = ctx.member.community
    return UserError(
        key,
        count=len(theirs),
        ids=", ".join(f"#{item.id}" for item in theirs),
        here=here(ctx.t, community),
        where=elsewhere(ctx.t, community, len({item.community for item in theirs})),
    )


async def _feedback_with_nothing_active(ctx: Context, stars: int | None, comment: str | None) -> Reply:
    """`/mentor end` with no number, a rating or comment, and no active mentorship here (the other party ended it
    first): the caller's only ended mentorship waiting for their rating takes it (`_ended_already`), as
    `/mentor feedback` with no number would; several are listed to choose from (``feedback.which``). What is given
    is never dropped in silence: with none, or with an active one in another community of the deployment (named
    first, as `_nothing_active` names it: a rating cannot be taken back, so none is guessed), the refusal says it
    was not recorded, pointing to `/mentor feedback` when one here waits for it."""
    refusal = await _nothing_active(ctx)
    waiting = await waiting_for_rating(ctx)
    if refusal.key != "end.nothing_active":
        said = ctx.t(refusal.key, **refusal.params)
        if waiting:
            raise UserError("end.not_recorded_here", refusal=said, here=here(ctx.t, ctx.member.community))
        raise UserError("end.not_recorded", refusal=said)
    if not waiting:
        raise UserError("end.nothing_to_rate")
    return await _ended_already(ctx, only_waiting(ctx, waiting), stars, comment)


MAX_CHOICES = 10
"""The most ended mentorships listed for the caller to choose the one to rate: the newest (a mentor of a year may
have dozens unrated; one reply stays well within a platform's message), with how many older ones are left out."""


async def waiting_for_rating(ctx: Context) -> list[tuple[Mentorship, Member | None]]:
    """The caller's mentorships that have ended and that they have not rated, oldest first, each with the other
    party (None when they deleted their data, and for those older than a list shows)."""
    store = ctx.core.store
    found: list[tuple[Mentorship, Member | None]] = []
    for mentorship in await store.list_mentorships(member_id=ctx.member.id):
        if mentorship.status is not MentorshipStatus.ENDED:
            continue
        if await store.has_given_feedback(mentorship.id, ctx.member.id):
            continue
        found.append((mentorship, None))
    # The other party is read for the ones a list shows (`rating_choices`: the newest), not for every one ever ended.
    for index in range(max(0, len(found) - MAX_CHOICES), len(found)):
        mentorship = found[index][0]
        other_id = mentorship.mentee_id if mentorship.mentor_id == ctx.member.id else mentorship.mentor_id
        found[index] = (mentorship, await store.get_member(other_id) if other_id else None)
    return found


def only_waiting(ctx: Context, waiting: list[tuple[Mentorship, Member | None]]) -> int:
    """The one mentorship of `waiting` (`waiting_for_rating`, not empty) that a rating with no number is about;
    several are a `UserError` listing them (``feedback.which``) for the caller to give the number."""
    if len(waiting) > 1:
        raise UserError("feedback.which", choices=rating_choices(ctx, waiting), example=waiting[-1][0].id)
    return waiting[0][0].id


def rating_choices(ctx: Context, waiting: list[tuple[Mentorship, Member | None]]) -> str:
    """The ended mentorships waiting for the caller's rating (`waiting`, oldest first), as a list to choose from: the
    newest `MAX_CHOICES`, oldest of them first, then how many older ones there are."""
    shown = waiting[-MAX_CHOICES:]
    text = ", ".join(
        ctx.t("feedback.choice", id=mentorship.id, other=views.mention(other, ctx.t)) for mentorship, other in shown
    )
    older = len(waiting) - len(shown)
    return f"{text}, {ctx.t('feedback.choices_more', count=older)}" if older else text


def elsewhere(t: Translator, community: str, count: int = 1) -> str:
    """Where `count` other communities of the same platform as `community` are, in `t`'s language: "in another
    server" (Discord), "in another workspace" (Slack), as the catalog's ``elsewhere.*`` answers say it (the bot
    stores no community's own name)."""
    return t(f"elsewhere.where.{place_word(community)}", count=count)


def here(t: Translator, community: str) -> str:
    """`community` as the ``elsewhere.*`` answers name it beside the others, in `t`'s language: "in this server"
    (Discord), "in this workspace" (Slack)."""
    return t(f"elsewhere.here.{place_word(community)}")


async def _ended_already(ctx: Context, mentorship_id: int, stars: int | None, comment: str | None) -> Reply:
    """Ending a mentorship of the caller's that has ended already (the other party ended it first; an old form or
    command, late): what is given is the caller's feedback, once per person, as `/mentor feedback` takes it. A
    rating (with its comment) is recorded, or answered "already given"; a comment alone is kept as one left on
    ending in time is, and the answer says so and how to add the rating, which keeps it (``end.comment_kept``;
    `MentorshipStore.give_feedback`). A comment that cannot be
    kept is never dropped in silence: after their rating it is "already given"; after a comment of theirs with no
    rating yet, they are asked to send it with the rating (which replaces the earlier comment)."""
    core = ctx.core
    if stars is None and not comment:
        return await ended_reply(ctx, mentorship_id)
    result = await core.store.give_feedback(
        mentorship_id, ctx.member.id, stars, comment, core.clock.now(), ended_only=True
    )
    if result is FeedbackResult.RECORDED:
        if stars is None:
            # The comment is kept (the first row of theirs: a later comment alone is "already given" below), and
            # the rating may follow, keeping it: said, with the button, rather than only "it has already ended".
            return Reply(
                ctx.t("end.comment_kept", id=mentorship_id), buttons=(views.feedback_button(mentorship_id, ctx.t),)
            )
        return Reply(ctx.t("feedback.thanks", id=mentorship_id))
    if stars is None and not await core.store.has_given_feedback(mentorship_id, ctx.member.id):
        raise UserError("feedback.rating_required", id=mentorship_id)
    return Reply(ctx.t("feedback.already", id=mentorship_id))


async def ended_reply(ctx: Context, mentorship_id: int) -> Reply:
    """What a member is told who acts on a mentorship of theirs that has ended (ends it again, says a check-in is
    going well): that it has ended, asking for their rating (with the button) when they have not given it."""
    if await ctx.core.store.has_given_feedback(mentorship_id, ctx.member.id):
        return Reply(ctx.t("end.already_ended", id=mentorship_id))
    return Reply(
        ctx.t("end.already_ended_ask", id=mentorship_id), buttons=(views.feedback_button(mentorship_id, ctx.t),)
    )


CHECKIN_DM_ACTIONS: Final = frozenset({"checkin.ok", "checkin.help", "checkin.end", "feedback.open"})
"""Buttons on a mentorship's check-in, or on the request for feedback that its end posted as the check-in's new version
(`end_notices`, when the check-in could not be found to edit): their message is keyed the mentorship's
latest check-in (`MentorBot.button_message_key`)."""


async def latest_checkin_key(core: Core, mentorship_id: int) -> str:
    """The key of a mentorship's latest check-in (`models.checkin_key` of how many it has had: they repeat,
    `timers.send_checkin`). Keys are each member's own (the outbox's rows, the adapters' `SentMessages`), so each
    party's check-in has its own versions: a later message under the key (the mentorship's end: `end_notices`,
    `_own_checkin`) edits the check-in in place, its buttons gone, or replaces it while it is still held for the
    member's next command or waiting to be delivered. An earlier one keeps its buttons: pressed after the end, it is
    answered that the mentorship has ended."""
    return checkin_key(mentorship_id, max(1, await core.store.checkins_sent(mentorship_id)))


async def _checkin_posted(core: Core, member: Member, key: str) -> bool:
    """Whether a process recorded where `member`'s message `key` was posted, so a new version edits it in place."""
    return await core.store.message_location(member.community, member.platform_user_id, key) is not None


async def end_notices(
    core: Core, ended: Mentorship, member: Member, notice: Reply, *, short: str
) -> list[Notification]:
    """What tells `member`, a party who did not end `ended` themselves, that it has ended (`notice`, with its
    feedback button), and takes the buttons off their check-in. With no check-in sent, the notice alone. With a
    posted one (where it is recorded), the check-in is edited into `short` (no buttons), and the notice comes as
    a message of its own: an edit makes no sound, and an end unheard of would be no notice. Otherwise (the
    check-in is held for their next command, not delivered yet, or posted too long ago to be found) the notice
    is the check-in's new version: it replaces a held or pending one, and is posted as a message of its own."""
    if ended.checkin_sent_at is None:
        return [core.notify(member, notice)]
    key = await latest_checkin_key(core, ended.id)
    if await _checkin_posted(core, member, key):
        return [core.notify(member, Reply(short), key=key), core.notify(member, notice)]
    return [core.notify(member, notice, key=key)]


async def _own_checkin(ctx: Context, ended: Mentorship, reply: Reply) -> list[Notification]:
    """The check-in of the party who ended `ended` turns into their answer `reply`, its buttons gone. A posted one
    is edited in place (what is returned does it). One still waiting, not delivered yet or held for their next
    command (which is this one: the use-case handler shows held notices with its answer), is replaced by `reply`
    held for them: shown now, beside the answer, never with the check-in's live buttons. Nothing when none was
    sent, or when it can be found nowhere (a copy of the answer would be one more message saying the same)."""
    core, member = ctx.core, ctx.member
    if ended.checkin_sent_at is None:
        return []
    key = await latest_checkin_key(core, ended.id)
    if await _checkin_posted(core, member, key):
        return [core.notify(member, reply, key=key)]
    if await core.store.has_keyed([member.id], key):
        await core.store.hold_notice(member.id, reply_to_json(reply), core.clock.now(), key=key)
    return []


def feedback_asked_after(mentorship: Mentorship, other: Member | None, t: Translator) -> Reply:
    """The feedback ask (`views.feedback_asked`) on the line after one that already says `mentorship` ended
    (``end.notice``, ``end.notice_admin``, ``end.mentee_left``): which mentorship, with whom (`other`), and how to
    rate it, with the button, without saying a second time that it ended (``feedback.asked_after``)."""
    return Reply(
        t("feedback.asked_after", id=mentorship.id, other=views.mention(other, t)),
        buttons=(views.feedback_button(mentorship.id, t),),
    )


async def after_end(
    core: Core, ended: Mentorship, *, ended_by: int | None, said: str | None = None
) -> list[Notification]:
    """Tell the other party (both, when an admin ended it: `ended_by` None) and ask them for their feedback
    (`feedback_asked_after`, a button opening the form), their check-in's buttons gone (`end_notices`), then offer
    the mentor's freed place to waiting requests. `said`, the key of what they are told it was, is "ended by your
    partner" (`end.notice`) or "by an admin" (`end.notice_admin`) unless given: a forgotten mentee ended nothing
    (`end.mentee_left`)."""
    notes: list[Notification] = []
    for member_id, partner_id in ((ended.mentor_id, ended.mentee_id), (ended.mentee_id, ended.mentor_id)):
        if member_id == ended_by or not member_id:
            continue
        other = await core.store.get_member(member_id)
        if other:
            t = translator(core.lang_of(other))
            partner = await core.store.get_member(partner_id) if partner_id else None
            key = said or ("end.notice_admin" if ended_by is None else "end.notice")
            told = t(key, id=ended.id)
            asked = feedback_asked_after(ended, partner, t)
            notice = Reply(told + "\n" + asked.text, buttons=asked.buttons)
            notes.extend(await end_notices(core, ended, other, notice, short=told))
    notes.extend(await rematch(core, ended.community, None, mentor_id=ended.mentor_id))
    # A request of the mentee's that waited because its only mentor was this one ("own_mentor") no longer waits
    # for that reason (a freed place above may have taken it already): say why it waits now.
    profile = await core.store.get_mentor_profile(ended.mentor_id) if ended.mentor_id else None
    if profile is not None:
        await refresh_wait_reasons(core, ended.community, sorted(profile.skills), frozenset({"own_mentor"}))
    return notes
