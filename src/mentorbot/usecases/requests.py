"""Mentorship requests: ask for a mentor in 1–5 skills, withdraw a request."""

from __future__ import annotations

from collections.abc import Sequence

from mentorbot.errors import UserError
from mentorbot.formatting import zone_of
from mentorbot.i18n import Localized, Translator, translator
from mentorbot.inputs import MAX_NOTE, MAX_REQUEST_SKILLS, is_blank, only_id, parse_id
from mentorbot.replies import Reply
from mentorbot.storage.requests import CoveredByMentorship
from mentorbot.storage.store import DuplicateRequest, LimitReached
from mentorbot.text_safety import check_text
from mentorbot.usecases import views
from mentorbot.usecases.context import Context
from mentorbot.usecases.matchmaking import match_request, rematch
from mentorbot.usecases.mentorships import elsewhere, nothing_here
from mentorbot.usecases.profiles import resolve_skills


async def request(ctx: Context, *, skills: str | Sequence[str] | None, note: str | None = None) -> Reply:
    """Ask for a mentor in 1–5 skills; the best mentor gets an offer, or the request waits with a reason. Refused
    when one of the member's active mentorships already covers every skill asked for."""
    core = ctx.core
    slugs = resolve_skills(core, skills, ctx.lang, limit=MAX_REQUEST_SKILLS)
    text = check_text(note, field="note", max_length=MAX_NOTE)
    try:
        created = await core.store.create_request(
            ctx.member.id,
            ctx.caller.community,
            slugs,
            text,
            core.clock.now(),
            max_open=core.settings.max_open_requests,
            reject_duplicate=True,
            reject_covered=True,
        )
    except LimitReached as exc:
        raise limit_refusal(exc.open_count, exc.max_open) from None
    except DuplicateRequest as exc:
        raise UserError("request.duplicate", id=exc.request_id) from None
    except CoveredByMentorship as exc:
        # A second mentorship with the same mentor for the same skills helps nobody (and the matcher never offers a
        # request to the member's own mentor): say which mentorship covers it, and what to do instead.
        mentor = await core.store.get_member(exc.mentor_id) if exc.mentor_id is not None else None
        raise UserError(
            "request.covered",
            id=exc.mentorship_id,
            mentor=views.mention(mentor, ctx.t),
            skills=core.labels(slugs, ctx.lang),
        ) from None
    outcome = await match_request(core, created, ctx.member, notify_waiting=False)
    ctx.tell(outcome.notifications)
    if outcome.offered_to is not None:
        return Reply(ctx.t("request.offered", id=created.id, skills=core.labels(slugs, ctx.lang)))
    return views.request_waiting(created, outcome.wait_reason, ctx.t, core.library.taxonomy, zone_of(ctx.member))


def limit_refusal(open_count: int, max_open: int) -> UserError:
    """The refusal of a new request from a member with `open_count` open requests, `max_open` allowed: at the limit,
    that it is reached (`request.limit`); over it (`Settings.max_open_requests` lowered since they asked), how many
    they have open, the most allowed, and how many to cancel before another is accepted (`request.over_limit`)."""
    if open_count <= max_open:
        return UserError("request.limit", count=max_open)
    to_cancel = open_count - max_open + 1

    def cancel_sentence(t: Translator) -> str:
        return t("request.over_limit_cancel", count=to_cancel)

    cancel = Localized(cancel_sentence(translator(None)), cancel_sentence)
    return UserError("request.over_limit", count=open_count, limit=max_open, cancel=cancel)


async def cancel(ctx: Context, *, request_id: str | int | None = None) -> Reply:
    """Withdraw an open request (the only one, when no id is given); a mentor holding its offer is told and
    offered other waiting requests. A refusal says so when the request named, or the open ones, are the caller's
    platform user's in another community of the deployment (`_not_open`, `_nothing_open`)."""
    core = ctx.core
    store = core.store
    if is_blank(request_id):
        open_requests = await store.list_member_requests(ctx.member.id, open_only=True)
        if not open_requests:
            raise await _nothing_open(ctx)
        target = only_id([r.id for r in open_requests], none="cancel.nothing_open", several="cancel.which")
    else:
        target = parse_id(request_id, "request")
    result = await store.cancel_request(target, ctx.member.id, core.clock.now())
    if result is None:
        raise await _not_open(ctx, target)
    withdrawn = result.withdrawn_offer
    if withdrawn is not None:
        mentor = await store.get_member(withdrawn.mentor_id)
        if mentor:
            t = translator(core.lang_of(mentor))
            ctx.tell([core.notify(mentor, Reply(t("offer.withdrawn", id=withdrawn.id)), key=f"offer:{withdrawn.id}")])
            ctx.tell(await rematch(core, ctx.caller.community, None, mentor_id=withdrawn.mentor_id))
    return Reply(ctx.t("cancel.done", id=target))


async def _not_open(ctx: Context, request_id: int) -> UserError:
    """Why a request named by id cannot be cancelled: an open one of the caller's platform user in another
    community of the deployment (every DM of both lands in one channel, naming neither) is theirs there, to cancel
    there; any other (someone else's, none, or theirs and no longer open) is not one of their open requests. The
    request and the other community are read only on this refusal."""
    store = ctx.core.store
    wanted = await store.get_request(request_id)
    if (
        wanted is not None
        and wanted.status.is_open
        and wanted.member_id != ctx.member.id
        and await store.same_user_among(ctx.member, [wanted.member_id]) is not None
    ):
        return UserError("elsewhere.request", id=request_id, where=elsewhere(ctx.t, ctx.member.community))
    return UserError("cancel.not_open", id=request_id)


async def _nothing_open(ctx: Context) -> UserError:
    """Why `/mentor cancel` with no number cancels nothing: the caller has no open request here. When their
    platform user has some in other communities of the deployment, the answer names them and where to cancel them
    (a community they left holds none: leaving cancels them); otherwise ``cancel.nothing_open``, as ever. The other
    communities are read only on this refusal: one read for their rows there, then one per such community."""
    store = ctx.core.store
    theirs = [
        r
        for other in await store.same_user_elsewhere(ctx.member)
        for r in await store.list_member_requests(other.member.id, open_only=True)
    ]
    if not theirs:
        return UserError("cancel.nothing_open")
    theirs.sort(key=lambda r: (r.created_at, r.id))
    return nothing_here(ctx, "elsewhere.cancel_nothing_here", theirs)
