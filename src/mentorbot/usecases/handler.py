"""The one error handler every use-case runs under (`handle`).

It applies the rate limit first (a refused command touches no table), recognises a platform event delivered
twice (handled once), makes sure the caller is a member, applies the admin rule, runs the use-case as one unit
of work (one transaction: what it changes and the notifications it writes to the outbox commit together, or
not at all; run again if a concurrent one aborted it), tells those concerned when the caller was reported
gone from the community and is evidently back (`returns.came_back`, in that unit of work), and turns what
the use-case raised into the reply: bad input becomes a localized message and changes nothing; an unexpected
error is logged with a correlation id and the user gets a short apology with that id; a failure of the
database (unreachable, busy, full, read-only: its transaction was rolled back) gets a short "try again in a
minute" with the id instead (`errors.unexpected`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from mentorbot.errors import UserError, unexpected
from mentorbot.i18n import Translator, translator
from mentorbot.models import Member, admin_only
from mentorbot.ratelimit import RateLimiter, member_key
from mentorbot.replies import Notification, Outcome, Reply, answer_to_json, reply_from_json
from mentorbot.storage.members import member_is_current
from mentorbot.usecases.context import Caller, Context, Core
from mentorbot.usecases.offer_messages import rewrite_unsent_offers
from mentorbot.usecases.returns import came_back

log = logging.getLogger("mentorbot")

OUTBOX_LEASE = timedelta(minutes=2)
"""How long the process that wrote a notification has to deliver it before any process may (the default of
`Settings.lease_seconds`, MENTORBOT_LEASE_SECONDS: see `lease`)."""
INBOX_LEASE = timedelta(minutes=2)
"""How long the process that recorded a platform event has to process it before any process may (the default
of `Settings.lease_seconds`: see `lease`)."""
INBOX_ATTEMPTS = 5
"""How many times a recorded event is tried (by its process, then by the recovery after each lease) before it
may be given up, with an error in the log: an event that makes its process fail every time must not be retried
forever. It is given up only once it is also older than `INBOX_GIVE_UP_AFTER`."""
INBOX_GIVE_UP_AFTER = timedelta(hours=6)
"""How old a recorded event must also be before it is given up: a database that keeps failing (a long outage, a
storm of dropped connections) fails every try of a command the member was told is saved (``common.db_saved``);
that is not the command's fault, and it is done once the database is back, however many tries it took."""
PASSING_FAILURES = frozenset({"common.db_unavailable", "common.db_busy"})
"""Failures of the database that pass by themselves (`errors.unexpected`'s keys): a recorded event that met one
stays pending, and the member is told it will be done once the database is back (``common.db_saved``)."""
UNIT_ATTEMPTS = 3
"""How many times a use-case runs when a concurrent one aborts its transaction (PostgreSQL deadlocks); so do a
timer's unit and the sweep's unit of a waiting request (`timers.Timers`)."""

T = TypeVar("T")


async def retrying(core: Core, work: Callable[[], Awaitable[T]], what: str) -> T:
    """Run `work` (one unit of work) again when a concurrent one aborted it (PostgreSQL's serialization failures and
    deadlocks, `Store.is_transient_conflict`), up to `UNIT_ATTEMPTS` times; any other failure is raised at once.
    `what` names it in the log line of a retry."""
    for attempt in range(1, UNIT_ATTEMPTS + 1):
        try:
            return await work()
        except Exception as exc:
            if attempt == UNIT_ATTEMPTS or not core.store.is_transient_conflict(exc):
                raise
            log.info("%s met a concurrent unit of work (%s); running it again", what, exc)
    raise AssertionError("unreachable")  # pragma: no cover


UseCase = Callable[[Context], Awaitable[Reply]]
"""One use-case bound to its arguments: it gets the call's `Context` and returns the caller's reply."""


def lease(core: Core) -> timedelta:
    """The inbox's and the outbox's lease (`INBOX_LEASE`, `OUTBOX_LEASE` unless MENTORBOT_LEASE_SECONDS says)."""
    return core.lease


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
    return await rate_refusal(core, caller.community, caller.user_id, wait)


async def rate_refusal(core: Core, community: str, user_id: str, wait: int) -> Outcome:
    """The rate limit's refusal of a member of `community` (wait `wait` seconds), in their language: the one read
    it makes (the default language when it fails)."""
    refused = UserError("common.rate_limited", count=wait)
    try:
        lang = core.lang_of(await core.store.find_member(community, user_id))
    except Exception:
        log.warning("could not read the language of %s in %s", user_id, community, exc_info=True)
        lang = core.settings.default_language
    t = translator(lang)
    return Outcome(Reply(render_error(refused, t)), error=refused, language=t.lang)


class AlreadyProcessed(Exception):
    """The event was handled already (a redelivery, or another process whose lease ran out before this one's
    claim): this unit of work must not commit."""


@dataclass
class _Call:
    """What one command learned on its way, kept for its refusal when the unit of work rolls back."""

    t: Translator


async def _seen(core: Core, caller: Caller) -> Member:
    """The caller's member row as the platform shows them now (created, renamed, channel, time zone). When the
    platform reports a zone other than the stored one (Slack's profile changed), their offers still to reach them
    (held for this command's reply, or pending in the outbox) are written again in the new zone here, in the
    command's unit of work and before its held notices are taken (`offer_messages.rewrite_unsent_offers`), as
    ``/mentor timezone`` does."""
    member, moved = await core.store.see_member(
        caller.community,
        caller.user_id,
        caller.display_name,
        core.clock.now(),
        channel=caller.channel,
        timezone=caller.timezone,
    )
    if moved:
        await rewrite_unsent_offers(core, member)
    return member


async def _back(core: Core, member: Member) -> list[Notification]:
    """What the caller's return says, when they were reported gone (`returns.came_back`): a command of theirs
    in the community shows they are back. For any other member, the one primary-key lookup of
    `EventStore.is_departed`."""
    if not await core.store.is_departed(member.id):
        return []
    return await came_back(core, member)


def _context(core: Core, caller: Caller, member: Member, call: _Call, admin_only: bool) -> Context:
    """The use-case's context; the admin rule applied."""
    call.t = translator(core.lang_of(member))
    is_admin = core.is_admin(caller)
    if admin_only and not is_admin:
        raise UserError("common.not_admin")
    return Context(core, caller, member, call.t, is_admin)


async def _take_held(core: Core, ctx: Context, now: datetime) -> tuple[tuple[Reply, ...], tuple[str | None, ...]]:
    """The caller's held notices and their message keys (`Outcome.held_keys`, aligned with them), taken
    (`OutboxStore.take_held_keyed`: each is shown once), in the caller's transaction. One addressed to the
    community's admins (`ADMIN_ONLY_KEY_PREFIXES`) is shown only to a caller still an admin of it, by the admin
    rule (`Core.is_admin`: the settings' ``MENTORBOT_ADMIN_IDS``, or the platform's own fact, `Caller.is_admin`):
    someone no longer an admin (the settings changed since it was held) is not shown a member's call for help. It
    is taken with the others, so it is never shown again, and logged without its content."""
    member_id = ctx.member.id
    taken = await core.store.take_held_keyed(member_id, now)
    shown = [(key, payload) for key, payload in taken if ctx.is_admin or not admin_only(key)]
    if len(shown) < len(taken):
        log.info(
            "dropped %d held admin notice(s) of member %s: no longer an admin of %s",
            len(taken) - len(shown),
            member_id,
            ctx.caller.community,
        )
    return tuple(reply_from_json(payload) for _, payload in shown), tuple(key for key, _ in shown)


async def _read_only(
    core: Core, caller: Caller, action: UseCase, call: _Call, admin_only: bool, *, quick: bool
) -> Outcome | None:
    """A read-only use-case (it changes nothing and tells nobody) in one read transaction, when nothing has to be
    written on its way: the member is known as the platform shows them, has no held notice and was not reported
    gone. It opens no write transaction, so reads are served while the database cannot be written. None when a
    write is needed (first sight, a new channel, held notices, a member back after a departure): the command then
    runs as a unit of work (`_unit`). `quick`: its reads are a few short ones (`Database.read`)."""
    store = core.store
    async with store.snapshot(quick=quick):
        member = await store.find_member(caller.community, caller.user_id)
        if member is None or not member_is_current(member, caller.display_name, caller.channel, caller.timezone):
            return None
        if await store.has_held_notices(member.id) or await store.is_departed(member.id):
            return None
        ctx = _context(core, caller, member, call, admin_only)
        reply = await action(ctx)
    return Outcome(reply, language=ctx.lang)


async def _unit(
    core: Core,
    caller: Caller,
    action: UseCase,
    call: _Call,
    admin_only: bool,
    *,
    read_only: bool = False,
    take_held: bool = True,
    returning: bool = True,
) -> Outcome:
    """The whole command as one unit of work, one transaction: the event's claim (`claim_event`, or for an inbox
    event `InboxStore.begin_processing`), the caller's member row, the use-case's changes, the held notices it
    shows, the notifications it writes to the outbox and, for an inbox event, its answer
    (`InboxStore.store_answer`) commit together, or none of them does (a refusal rolls back everything,
    the claim included, so a retry of the event is handled). A caller reported gone is back (`_back`) in the
    same transaction: a refusal rolls that back too, and their next command does it. A `read_only` use-case's
    inbox event is neither claimed nor answered here (it is run again after a crash, harmlessly). Without
    `take_held` the held notices stay held (a detached use-case takes them once it has succeeded: `handle`)."""
    store = core.store
    inbox_id = None if read_only else caller.inbox_id
    async with store.unit_of_work():
        now = core.clock.now()
        if inbox_id is None and caller.event_id and not await store.claim_event(caller.event_id, now):
            raise AlreadyProcessed  # the platform delivered it before
        if inbox_id is not None and not await store.begin_processing(inbox_id):
            raise AlreadyProcessed  # another process did it (this one's lease had run out)
        member = await _seen(core, caller)
        ctx = _context(core, caller, member, call, admin_only)
        if returning:  # not a forget: someone forgetting themself is not back (their partners are told they left)
            ctx.tell(await _back(core, member))
        reply = await action(ctx)
        now = core.clock.now()
        notes = await store.enqueue(ctx.notifications, now, core.worker_id, lease=lease(core))
        # Taken after the command's own notifications are written: a held version of a key they write again (the
        # caller's offer, withdrawn by their pause) is superseded by it, not shown beside the reply.
        held, keys = await _take_held(core, ctx, now) if take_held else ((), ())
        # ctx.lang, not the caller's language before: a use-case that changes it (set_language) answers in the new.
        outcome = Outcome(reply, tuple(notes), held=held, held_keys=keys, language=ctx.lang)
        if inbox_id is not None:
            await store.store_answer(inbox_id, answer_to_json(outcome), now, core.worker_id, lease=lease(core))
    return outcome


async def handle(
    core: Core,
    limiter: RateLimiter,
    caller: Caller,
    action: UseCase,
    *,
    admin_only: bool = False,
    read_only: bool = False,
    quick: bool = False,
    detached: bool = False,
    returning: bool = True,
) -> Outcome:
    """Run `action` for `caller` with the shared rules: duplicates, membership, rate limit, admin, errors, as
    one transaction (`_read_only` for a read-only use-case when it needs no write, else `_unit`).
    `read_only`: the use-case changes nothing and tells nobody (an inbox event it answers stays pending until
    the adapter showed the answer; after a crash it is simply run again). `quick`: a read-only use-case whose
    reads are a few short ones (a quick command's view: no whole-programme report, no export), which SQLite then
    runs without a hop to its driver's thread (`Database.read`). `detached` (read-only use-cases that read a lot
    in short transactions of their own, an export): the checks run in their transaction as usual, then the
    use-case after it, so on SQLite, whose one connection a transaction holds, other members' commands and the
    inbox's records are served between its reads instead of waiting for all of them. Without `returning` (a
    forget, asked or confirmed), a caller reported gone is not taken for back (`_back`)."""
    refused = await rate_limited(core, limiter, caller)
    if refused is not None:
        return refused
    call = _Call(translator(core.settings.default_language))

    checked: list[Context] = []

    async def check_only(ctx: Context) -> Reply:
        checked.append(ctx)
        return Reply("")

    async def attempt() -> Outcome:
        checked.clear()
        run = check_only if detached and read_only else action
        try:
            done: Outcome | None = None
            if read_only and not (caller.inbox_id is None and caller.event_id):
                done = await _read_only(core, caller, run, call, admin_only, quick=quick)
            if done is None:
                done = await _unit(
                    core,
                    caller,
                    run,
                    call,
                    admin_only,
                    read_only=read_only,
                    take_held=run is action,
                    returning=returning,
                )
        except AlreadyProcessed:
            return Outcome(Reply(""), (), duplicate=True, language=call.t.lang)
        if run is action:
            return done
        ctx = checked[-1]
        reply = await action(ctx)  # its reads are transactions of their own
        # The held notices are taken only now: a use-case that failed leaves them held for the next command.
        async with core.store.unit_of_work():
            held, keys = await _take_held(core, ctx, core.clock.now())
        return Outcome(reply, done.notifications, held=held, held_keys=keys, language=done.language)

    try:
        return await retrying(core, attempt, f"use-case for {caller.user_id}")
    # A refusal or a failure changed nothing: the unit of work rolled back the event's claim with everything else,
    # so the platform's retry is handled; an inbox event stays pending until the adapter showed the refusal.
    except UserError as exc:
        return Outcome(Reply(render_error(exc, call.t)), error=exc, language=call.t.lang)
    except Exception:
        apology = unexpected(log, "for %s in %s", caller.user_id, caller.community)
        t = call.t
        if caller.inbox_id is not None and apology.key in PASSING_FAILURES:
            # The event is recorded: it stays pending and is processed once the database is back (the recovery).
            saved = UserError("common.db_saved", correlation_id=apology.params["correlation_id"])
            return Outcome(Reply(render_error(saved, t)), error=saved, language=t.lang, settled=False)
        return Outcome(Reply(render_error(apology, t)), error=apology, language=t.lang)
