"""Mentorships: ending one (by a party, with optional feedback, or by an admin) and what follows."""

from __future__ import annotations

from mentorbot.errors import UserError
from mentorbot.i18n import translator
from mentorbot.inputs import MAX_COMMENT, is_blank, only_id, parse_id, parse_rating
from mentorbot.models import Mentorship, MentorshipStatus
from mentorbot.replies import Notification, Reply
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
    """End a mentorship the caller is part of, with an optional rating (1–5) and comment. One the other party
    ended meanwhile (both had the check-in's "end and give feedback") takes what was given as the caller's
    feedback (`_ended_already`)."""
    core = ctx.core
    stars = parse_rating(rating)
    text = check_text(comment, field="comment", max_length=MAX_COMMENT)
    if is_blank(mentorship_id):
        active = await core.store.list_mentorships(member_id=ctx.member.id, active_only=True)
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
        raise UserError("end.not_active", id=target)
    ctx.tell(await after_end(core, ended, ended_by=ctx.member.id))
    if stars is None:
        # No rating given: the one who ended it may still give it, once, like the other party.
        return Reply(ctx.t("feedback.ended_ask", id=target), buttons=(views.feedback_button(target, ctx.t),))
    return Reply(ctx.t("end.done", id=target))


async def _ended_already(ctx: Context, mentorship_id: int, stars: int | None, comment: str | None) -> Reply:
    """Ending a mentorship of the caller's that the other party ended first: the rating and comment given are the
    caller's feedback (once per person, as always); with no rating, they are asked for it, with the button."""
    core = ctx.core
    if stars is not None or comment:
        result = await core.store.give_feedback(
            mentorship_id, ctx.member.id, stars, comment, core.clock.now(), ended_only=True
        )
        if stars is not None:
            key = "feedback.already" if result is FeedbackResult.ALREADY_GIVEN else "feedback.thanks"
            return Reply(ctx.t(key, id=mentorship_id))
    return await ended_reply(ctx, mentorship_id)


async def ended_reply(ctx: Context, mentorship_id: int) -> Reply:
    """What a member is told who acts on a mentorship of theirs that has ended (ends it again, says a check-in is
    going well): that it has ended, asking for their rating (with the button) when they have not given it."""
    if await ctx.core.store.has_given_feedback(mentorship_id, ctx.member.id):
        return Reply(ctx.t("end.already_ended", id=mentorship_id))
    return Reply(
        ctx.t("end.already_ended_ask", id=mentorship_id), buttons=(views.feedback_button(mentorship_id, ctx.t),)
    )


async def after_end(core: Core, ended: Mentorship, *, ended_by: int | None) -> list[Notification]:
    """Tell the other party (both, when an admin ended it: `ended_by` None) and ask them for their feedback
    (a button opens the form), then offer the mentor's freed place to waiting requests."""
    notes: list[Notification] = []
    for member_id, partner_id in ((ended.mentor_id, ended.mentee_id), (ended.mentee_id, ended.mentor_id)):
        if member_id == ended_by or not member_id:
            continue
        other = await core.store.get_member(member_id)
        if other:
            t = translator(core.lang_of(other))
            partner = await core.store.get_member(partner_id) if partner_id else None
            key = "end.notice_admin" if ended_by is None else "end.notice"
            asked = views.feedback_asked(ended, partner, t)
            notes.append(core.notify(other, Reply(t(key, id=ended.id) + "\n" + asked.text, buttons=asked.buttons)))
    notes.extend(await rematch(core, ended.community, None, mentor_id=ended.mentor_id))
    # A request of the mentee's that waited because its only mentor was this one ("own_mentor") no longer waits
    # for that reason (a freed place above may have taken it already): say why it waits now.
    profile = await core.store.get_mentor_profile(ended.mentor_id) if ended.mentor_id else None
    if profile is not None:
        await refresh_wait_reasons(core, ended.community, sorted(profile.skills), frozenset({"own_mentor"}))
    return notes
