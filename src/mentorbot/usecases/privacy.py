"""A member's own data: export it, or have it forgotten."""

from __future__ import annotations

import json

from mentorbot.formatting import zone_of
from mentorbot.i18n import translator
from mentorbot.models import Mentorship, RequestStatus
from mentorbot.replies import Attachment, Button, ButtonStyle, Notification, Reply
from mentorbot.usecases import views
from mentorbot.usecases.context import Context, Core
from mentorbot.usecases.matchmaking import DEPARTURE_STALES, match_request, refresh_wait_reasons, rematch, requeue
from mentorbot.usecases.mentorships import after_end, elsewhere, end_notices, here


async def export(ctx: Context) -> Reply:
    """The caller's own data in this community as a JSON document. When their platform user is a member of other
    communities of the deployment too (two Discord servers), the answer says the data is this community's, and
    that the other's is exported there."""
    core = ctx.core
    data = await core.store.export_member(ctx.member.id)
    data["exported_at"] = core.clock.now().isoformat(timespec="microseconds")
    content = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
    others = len(await core.store.same_user_elsewhere(ctx.member))
    community = ctx.member.community
    done = (
        ctx.t("elsewhere.export_done", here=here(ctx.t, community), where=elsewhere(ctx.t, community, others))
        if others
        else ctx.t("export.done")
    )
    return Reply(
        done,
        attachments=(Attachment("mentorbot-export.json", content, "application/json"),),
    )


async def forget(ctx: Context, *, confirm: bool = False) -> Reply:
    """Delete the caller's data; without `confirm`, asks for confirmation with a button. Their mentorships
    end (the other party is told they left MentorBot: `end.mentee_left`, `mentor_left`), requests offered to them
    go to other mentors, the request of a mentee they were mentoring waits again and is matched again
    (`mentor_left`; not when that mentee already has `Settings.max_open_requests` open requests: they are told it
    was not put back, and how to ask again), and a mentor who held an offer of one of their requests is told it was
    withdrawn (the offer's message is replaced) and offered other waiting requests: all in the one transaction of
    the forget. Only this community's member is forgotten: when their platform user is a member of other
    communities of the deployment too, the confirmation and the answer say that their data there is kept (forgotten
    by the command there)."""
    core = ctx.core
    community = ctx.member.community
    if not confirm:
        others = len(await core.store.same_user_elsewhere(ctx.member))
        asked = ctx.t("forget.confirm")
        if others:
            where = elsewhere(ctx.t, community, others)
            asked += "\n" + ctx.t("elsewhere.forget_confirm", here=here(ctx.t, community), where=where)
        return Reply(
            asked,
            buttons=(Button("forget.confirm", ctx.caller.user_id, ctx.t("forget.confirm_button"), ButtonStyle.DANGER),),
        )
    store, now = core.store, core.clock.now()
    profile = await store.get_mentor_profile(ctx.member.id)  # read before it goes: the reasons it may falsify
    for withdrawn in await store.prepare_forget(ctx.member.id, now):
        mentor = await store.get_member(withdrawn.mentor_id)
        if mentor:
            t = translator(core.lang_of(mentor))
            ctx.tell([core.notify(mentor, Reply(t("offer.withdrawn", id=withdrawn.id)), key=f"offer:{withdrawn.id}")])
            ctx.tell(await rematch(core, ctx.caller.community, None, mentor_id=withdrawn.mentor_id))
    result = await store.forget_member(
        ctx.member.id, now, keep_event=ctx.caller.inbox_id, max_open=core.settings.max_open_requests
    )
    over_limit = dict(result.over_limit)
    for ended in result.ended_mentorships:
        if ended.mentor_id == ctx.member.id:
            requeued = ended.request_id in result.reopened_requests
            ctx.tell(await mentor_left(core, ended, requeued=requeued, open_count=over_limit.get(ended.request_id)))
        else:
            # The mentee's data went (their own forget, or an admin's): their mentor is told they left MentorBot,
            # never that their partner ended it (an admin may have; a mentee who left the server did not).
            ctx.tell(await after_end(core, ended, ended_by=ctx.member.id, said="end.mentee_left"))
    for request_id in result.requeued_requests:
        request = await core.store.get_request(request_id)
        if request is not None and request.status is RequestStatus.WAITING:
            ctx.tell(await requeue(core, request))
    if profile is not None:
        await refresh_wait_reasons(core, ctx.caller.community, sorted(profile.skills), DEPARTURE_STALES)
    others = len(await store.same_user_elsewhere(ctx.member))  # their other rows, untouched by this forget
    if others:
        where = elsewhere(ctx.t, community, others)
        return Reply(ctx.t("elsewhere.forget_done", here=here(ctx.t, community), where=where))
    return Reply(ctx.t("forget.done"))


async def mentor_left(
    core: Core, ended: Mentorship, *, requeued: bool, open_count: int | None = None
) -> list[Notification]:
    """A mentorship ended because its mentor's data was forgotten: its request, `requeued` (waiting again), is
    matched again (the mentor is gone), and the mentee is told, in one message, that their mentor left, where the
    request stands (offered to another mentor, or back on the waitlist and why; or, not put back because they
    already had `open_count` open requests, at least `Settings.max_open_requests`, that it was not and how to ask
    for it again: `end.not_requeued_limit`, `end.not_requeued_ask`) and how to give feedback."""
    mentee = await core.store.get_member(ended.mentee_id) if ended.mentee_id else None
    if mentee is None:
        return []
    lang = core.lang_of(mentee)
    t = translator(lang)
    lines = [t("end.mentor_left", id=ended.id)]
    notes: list[Notification] = []
    request = await core.store.get_request(ended.request_id) if requeued else None
    if request is not None and request.status is RequestStatus.WAITING:
        outcome = await match_request(core, request, mentee, notify_waiting=False)
        notes.extend(outcome.notifications)
        if outcome.offered_to is not None:
            lines.append(t("end.requeued_offered", request=request.id))
        else:
            lines.append(t("end.requeued_waiting", request=request.id))
            lines.append(views.wait_reason_text(outcome.wait_reason, t, core.library.taxonomy, zone=zone_of(mentee)))
    elif open_count is not None:
        limit = core.settings.max_open_requests
        kept = await core.store.get_request(ended.request_id)
        skills = kept.skills if kept is not None else ended.skills
        lines.append(
            t(
                "end.not_requeued_limit",
                request=ended.request_id,
                skills=core.labels(skills, lang),
                count=open_count,
                limit=limit,
            )
        )
        # As `/mentor request` counts them (`requests.limit_refusal`): how many to cancel before one more fits.
        lines.append(t("end.not_requeued_ask", count=max(open_count - limit + 1, 1), slugs=", ".join(skills)))
    asked = views.feedback_asked(ended, None, t)
    lines.append(asked.text)
    notice = Reply("\n".join(lines), buttons=asked.buttons)
    told = await end_notices(core, ended, mentee, notice, short=t("end.mentor_left", id=ended.id))
    return [*told, *notes]
