"""The one error handler every use-case runs under (`handle`).

It applies the rate limit first (a refused command touches no table), recognises a platform event delivered
twice (handled once), makes sure the caller is a member, applies the admin rule, and turns what the use-case
raised into the reply: bad input becomes a localized message and changes nothing; an unexpected error is
logged with a correlation id and the user gets a short apology carrying that id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from mentorbot.errors import UserError, unexpected
from mentorbot.i18n import Translator, translator
from mentorbot.ratelimit import RateLimiter, member_key
from mentorbot.replies import Outcome, Reply, reply_from_json
from mentorbot.usecases.context import Caller, Context, Core

log = logging.getLogger("mentorbot")

UseCase = Callable[[Context], Awaitable[Reply]]
"""One use-case bound to its arguments: it gets the call's `Context` and returns the caller's reply."""


def render_error(exc: UserError, t: Translator) -> str:
    """A `UserError` as the localized message the user sees."""
    params = dict(exc.params)
    if "field" in params:
        params["field"] = t(f"field.{params['field']}")
    if "what" in params:
        params["what"] = t(f"field.{params['what']}")
    return t(exc.key, **params)


async def rate_limited(core: Core, limiter: RateLimiter, caller: Caller) -> Outcome | None:
    """Take one of `caller`'s tokens (`ratelimit.member_key`); when none is left, the refusal in their language.
    It only reads: a refused command writes nothing, not even its member's row or its event's claim."""
    wait = limiter.check(member_key(caller.community, caller.user_id))
    if wait is None:
        return None
    refused = UserError("common.rate_limited", seconds=wait)
    try:
        lang = core.lang_of(await core.store.find_member(caller.community, caller.user_id))
    except Exception:
        log.warning("could not read the language of %s in %s", caller.user_id, caller.community, exc_info=True)
        lang = core.settings.default_language
    t = translator(lang)
    return Outcome(Reply(render_error(refused, t)), error=refused, language=t.lang)


async def handle(
    core: Core, limiter: RateLimiter, caller: Caller, action: UseCase, *, admin_only: bool = False
) -> Outcome:
    """Run `action` for `caller` with the shared rules: duplicates, membership, rate limit, admin, errors."""
    store = core.store
    now = core.clock.now()
    refused = await rate_limited(core, limiter, caller)
    if refused is not None:
        return refused
    if caller.event_id and not await store.claim_event(caller.event_id, now):
        return Outcome(Reply(""), (), duplicate=True, language=core.settings.default_language)
    t = translator(core.settings.default_language)
    try:
        member = await store.ensure_member(caller.community, caller.user_id, caller.display_name, now)
        t = translator(core.lang_of(member))
        if caller.channel and caller.channel != member.last_channel:
            await store.set_last_channel(member.id, caller.channel)
        if caller.timezone and caller.timezone != member.timezone:
            await store.set_member_timezone(member.id, caller.timezone)
            member = replace(member, timezone=caller.timezone)
        is_admin = core.is_admin(caller)
        if admin_only and not is_admin:
            raise UserError("common.not_admin")
        ctx = Context(core, caller, member, t, is_admin)
        reply = await action(ctx)
        held = tuple(reply_from_json(p) for p in await store.take_held_notices(member.id))
        # ctx.t, not t: a use-case that changes the caller's language (set_language) answers in the new one.
        return Outcome(reply, tuple(ctx.notifications), held=held, language=ctx.lang)
    except UserError as exc:
        if caller.event_id:
            await store.release_event(caller.event_id)
        return Outcome(Reply(render_error(exc, t)), error=exc, language=t.lang)
    except Exception:
        apology = unexpected(log, "for %s in %s", caller.user_id, caller.community)
        if caller.event_id:
            await store.release_event(caller.event_id)
        return Outcome(Reply(render_error(apology, t)), error=apology, language=t.lang)
