"""A member's own data: export it, or have it forgotten."""

from __future__ import annotations

import json

from mentorbot.models import RequestStatus
from mentorbot.replies import Attachment, Button, ButtonStyle, Reply
from mentorbot.usecases.context import Context
from mentorbot.usecases.matchmaking import requeue
from mentorbot.usecases.mentorships import after_end


async def export(ctx: Context) -> Reply:
    """The caller's own data as a JSON document."""
    core = ctx.core
    data = await core.store.export_member(ctx.member.id)
    data["exported_at"] = core.clock.now().isoformat()
    content = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
    return Reply(
        ctx.t("export.done"),
        attachments=(Attachment("mentorbot-export.json", content, "application/json"),),
    )


async def forget(ctx: Context, *, confirm: bool = False) -> Reply:
    """Delete the caller's data; without `confirm`, asks for confirmation with a button. Their mentorships
    end (the other party is told) and requests offered to them go to other mentors."""
    core = ctx.core
    if not confirm:
        return Reply(
            ctx.t("forget.confirm"),
            buttons=(Button("forget.confirm", ctx.caller.user_id, ctx.t("forget.confirm_button"), ButtonStyle.DANGER),),
        )
    result = await core.store.forget_member(ctx.member.id, core.clock.now())
    for ended in result.ended_mentorships:
        ctx.tell(await after_end(core, ended, ended_by=ctx.member.id))
    for request_id in result.requeued_requests:
        request = await core.store.get_request(request_id)
        if request is not None and request.status is RequestStatus.WAITING:
            ctx.tell(await requeue(core, request))
    return Reply(ctx.t("forget.done"))
