"""`MentorBot`: the one object adapters call, a thin facade over the use-cases in `mentorbot.usecases`.

An adapter builds a `Caller` from a platform event and calls one method; it gets back an `Outcome`: the reply
to the caller and the notifications (direct messages) to deliver to others, each in its recipient's language.
Every method runs its use-case under `usecases.handler.handle`, the one error handler.
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Final

from mentorbot.clock import Clock
from mentorbot.errors import UserError
from mentorbot.i18n import Translator, translator
from mentorbot.inputs import parse_id
from mentorbot.library import Library
from mentorbot.logcontext import log_context
from mentorbot.models import Member, MentorProfile, admin_only, user_key
from mentorbot.observability import NOTIFICATIONS, observe_command
from mentorbot.ratelimit import RateLimiter, member_key
from mentorbot.replies import Notification, Outcome, Reply, answer_from_json, reply_to_json
from mentorbot.retries import next_try
from mentorbot.settings import Settings
from mentorbot.storage.fingerprints import LIVE_FOR, env_name
from mentorbot.storage.outbox import OUTBOX_CLAIM_LIMIT
from mentorbot.storage.store import InboxEvent, Store
from mentorbot.usecases import (
    admin,
    catalog,
    curation,
    departures,
    feedback,
    insight,
    mentorships,
    offers,
    outages,
    privacy,
    profiles,
    requests,
    status,
    unreachable,
)
from mentorbot.usecases.context import Caller, Core, admin_keys_of
from mentorbot.usecases.handler import (
    INBOX_ATTEMPTS,
    INBOX_GIVE_UP_AFTER,
    UseCase,
    handle,
    lease,
    rate_limited,
    rate_refusal,
    render_error,
)
from mentorbot.usecases.library_follow import CHECK_EVERY, settle_at_start
from mentorbot.usecases.timers import Timers, next_wake

__all__ = ["Caller", "MentorBot"]

log = logging.getLogger("mentorbot")


PEERS_SETTLE: Final = 2 * CHECK_EVERY
"""How long after its start a process gives back, to decide later, a recovered admin notice no process it has seen
lists the recipient of (`MentorBot.undelivered`): the other live processes look once a `CHECK_EVERY`."""


class MentorBot:
    """The use-cases. One instance per process, shared by every adapter running in it."""

    def __init__(
        self,
        store: Store,
        library: Library,
        settings: Settings,
        clock: Clock,
        *,
        worker_id: str | None = None,
        peers: bool = True,
    ) -> None:
        """`peers`: whether this process records its settings for the other processes sharing the database and
        compares them with theirs (`library_follow.Peers`): a process that serves a platform; not a one-off command,
        the console or a simulation (`app.open_bot`)."""
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:8]}"
        self.core = Core(store, library, settings, clock, self.worker_id)
        self.rate_limiter = RateLimiter(settings.rate_limit_per_minute, clock)
        self._timers = Timers(self.core, self.worker_id)
        self._timers.library.peers.enabled = peers
        self._timers_due: asyncio.Event | None = None
        self._started = clock.now()

    def fingerprint(self) -> dict[str, str]:
        """The settings and files' SHA-256 this process runs with, as it records them for the other processes sharing
        the database (`library_follow.Peers.values`), whether or not it records them."""
        return self._timers.library.peers.values()

    async def settle_skills_at_start(self) -> bool:
        """Once, as the process starts (`app.open_bot`, after the migrations, before anything is served): check the
        skills stored rows use against the skills file loaded, as ``/mentor-admin reload`` does, for a file edited
        and the bot restarted without one (`library_follow.settle_at_start`); whether anything moved or was told.
        A database failure is raised."""
        return await settle_at_start(self.core)

    @property
    def store(self) -> Store:
        """The store the use-cases read and change."""
        return self.core.store

    @property
    def settings(self) -> Settings:
        """The settings in force."""
        return self.core.settings

    @property
    def clock(self) -> Clock:
        """The clock every use-case reads."""
        return self.core.clock

    @property
    def library(self) -> Library:
        """The skills taxonomy and course catalog in service."""
        return self.core.library

    @library.setter
    def library(self, library: Library) -> None:
        self.core.library = library

    async def _run(
        self,
        caller: Caller,
        action: UseCase,
        *,
        admin_only: bool = False,
        read_only: bool = False,
        quick: bool = False,
        detached: bool = False,
        returning: bool = True,
    ) -> Outcome:
        # The metric's and the log's command is the MentorBot method that called (request, accept…): a fixed set.
        name = sys._getframe(1).f_code.co_name
        if not quick:  # at most once a minute: an admin's reload made in another process (never on the ack path)
            await self._timers.library.check()
        if not read_only and self.core.agreement.schema_newer is not None:
            return await self._schema_newer(caller)
        with log_context(community=caller.community), observe_command(name) as done:
            outcome = await handle(
                self.core,
                self.rate_limiter,
                caller,
                action,
                admin_only=admin_only,
                read_only=read_only,
                quick=quick,
                detached=detached,
                returning=returning,
            )
            done(outcome)
        return outcome

    async def _schema_newer(self, caller: Caller) -> Outcome:
        """The answer to a command that would change something once a newer release upgraded the database while
        this process runs (`Agreement.schema_newer`): nothing changed, try again in a minute. A recorded event is
        settled with this answer: "nothing was changed" stays true (no process of the new release runs it later,
        which would change it after all, or twice when the member tries again as told).

        It is in the member's language: the one read it makes, of their row as the read-only commands still read
        it (the default language when it fails, as it may on a schema this release does not know)."""
        refusal = UserError("drift.schema_newer")
        try:
            lang = self.core.lang_of(await self.store.find_member(caller.community, caller.user_id))
        except Exception:
            log.warning("could not read the language of %s in %s", caller.user_id, caller.community, exc_info=True)
            lang = self.core.settings.default_language
        t = translator(lang)
        return Outcome(Reply(render_error(refusal, t)), error=refusal, language=t.lang)

    async def look_at_peers(self) -> None:
        """Once, as the process starts (`app.open_bot`): record this process's settings and files and compare them
        with the other processes' sharing the database (`library_follow.Peers`), and look whether an admin reloaded
        the files meanwhile, as the once-a-minute look does. Never raises."""
        await self._timers.library.check()

    async def leave(self) -> None:
        """The process stops: its settings no longer count for the other processes (its row is deleted). Never
        raises: a row left behind stops counting `fingerprints.LIVE_FOR` after its last look (a day for the admins it
        lists: `undelivered`)."""
        if self.core.agreement.schema_newer is not None:
            return  # a newer release's schema: nothing is written to it
        try:
            await self.store.forget_fingerprint(self.worker_id)
        except Exception as exc:
            log.warning("could not withdraw this process's settings from the database: %s", exc)

    def not_ready(self) -> list[str]:
        """Why this process should get no traffic (for ``/readyz``): a newer release upgraded the database."""
        agreement = self.core.agreement
        if agreement.schema_newer is None:
            return []
        return [f"the database schema is version {agreement.schema_newer}, newer than this release's {agreement.known}"]

    def disagreements(self) -> list[str]:
        """What the other live processes sharing the database disagree with this one on (for ``/readyz``, which
        stays ready: the settings are put right by the operator), one line per other fingerprint."""
        return [
            f"{', '.join(found.workers)}: {', '.join(sorted(env_name(name) for name in found.settings))}"
            for found in self.core.agreement.disagreements
        ]

    # ----------------------------------------------------------------------------- shared questions

    async def rate_limited(self, caller: Caller) -> Outcome | None:
        """Count one action of `caller` (help, a parse error: what runs no use-case) against their rate limit;
        the localized refusal when they are over it, else None. Use-cases count themselves."""
        return await rate_limited(self.core, self.rate_limiter, caller)

    async def admit(self, community: str, user_id: str) -> Outcome | None:
        """Ask, before an adapter records an interaction of a member of `community` (a command, a click, a form
        submitted), whether their rate limit lets it through, taking no token: None when it does (the use-case
        then takes its one token; until it does, the interaction counts, so that a flood arriving at once is
        not let through on the same tokens), else the refusal the core would give, in the member's language
        (the only database read, made on refusal alone), for the adapter to show with nothing recorded.
        An admitted interaction that is not recorded after all is handed back with `not_recorded`."""
        wait = self.rate_limiter.admit(member_key(community, user_id))
        if wait is None:
            return None
        return await rate_refusal(self.core, community, user_id, wait)

    def not_recorded(self, community: str, user_id: str) -> None:
        """An interaction `admit` let through was not recorded (a redelivery, or the database refused it): it
        will take no token, and no longer counts."""
        self.rate_limiter.withdraw(member_key(community, user_id))

    def home_allowed(self, community: str, user_id: str) -> bool:
        """Count an App Home open against the member's rate limit: whether it may be published."""
        return self.rate_limiter.check(member_key(community, user_id)) is None

    def is_admin(self, caller: Caller) -> bool:
        """Whether `caller` may use admin commands: the platform says so, or the settings list their id."""
        return self.core.is_admin(caller)

    def lang_of(self, member: Member | None) -> str:
        """The language to address `member` in: their choice, else the community default."""
        return self.core.lang_of(member)

    def label(self, slug: str, lang: str) -> str:
        """A skill's label in `lang` (the slug itself if the taxonomy no longer has it)."""
        return self.core.label(slug, lang)

    def render_error(self, exc: UserError, t: Translator) -> str:
        """A `UserError` as the localized message the user sees."""
        return render_error(exc, t)

    def resolve_skills(
        self, text: str | Sequence[str] | None, lang: str, *, limit: int | None = None, held: Iterable[str] = ()
    ) -> list[str]:
        """Skill slugs from what a member typed; a localized `UserError` when they do not resolve. A slug of
        `held` (a mentor's skills now) that the taxonomy no longer has is taken (`profiles.resolve_skills`)."""
        return profiles.resolve_skills(self.core, text, lang, limit=limit, held=held)

    # ------------------------------------------------------------------------------- members

    async def signup(
        self,
        caller: Caller,
        *,
        skills: str | Sequence[str] | None,
        levels: str | None = None,
        capacity: str | int | None = None,
        bio: str | None = None,
        timezone: str | None = None,
        languages: str | None = None,
    ) -> Outcome:
        """Become a mentor, or update the mentor profile (see `profiles.signup`)."""
        return await self._run(
            caller,
            lambda ctx: profiles.signup(
                ctx, skills=skills, levels=levels, capacity=capacity, bio=bio, timezone=timezone, languages=languages
            ),
        )

    async def pause(self, caller: Caller, *, until: str | None = None) -> Outcome:
        """Stop receiving offers, optionally until a date or for a duration."""
        return await self._run(caller, lambda ctx: profiles.pause(ctx, until=until))

    async def resume(self, caller: Caller) -> Outcome:
        """Receive offers again; waiting requests are matched at once."""
        return await self._run(caller, profiles.resume)

    async def set_language(self, caller: Caller, *, language: str) -> Outcome:
        """Choose the language of the bot's replies to this member."""
        return await self._run(caller, lambda ctx: profiles.set_language(ctx, language=language))

    async def set_timezone(self, caller: Caller, *, timezone: str) -> Outcome:
        """Tell MentorBot the member's time zone (where the platform does not: Discord, the console)."""
        return await self._run(caller, lambda ctx: profiles.set_timezone(ctx, timezone=timezone))

    async def request(self, caller: Caller, *, skills: str | Sequence[str] | None, note: str | None = None) -> Outcome:
        """Ask for a mentor in 1–5 skills (see `requests.request`)."""
        return await self._run(caller, lambda ctx: requests.request(ctx, skills=skills, note=note))

    async def cancel(self, caller: Caller, *, request_id: str | int | None = None) -> Outcome:
        """Withdraw an open request (the only one, when no id is given)."""
        return await self._run(caller, lambda ctx: requests.cancel(ctx, request_id=request_id))

    async def accept(self, caller: Caller, *, offer_id: str | int) -> Outcome:
        """Accept an offer made to the caller: both parties are introduced."""
        return await self._run(caller, lambda ctx: offers.accept(ctx, offer_id=offer_id))

    async def decline(self, caller: Caller, *, offer_id: str | int, reason: str | None = None) -> Outcome:
        """Decline an offer made to the caller; the request goes to the next mentor."""
        return await self._run(caller, lambda ctx: offers.decline(ctx, offer_id=offer_id, reason=reason))

    async def end(
        self,
        caller: Caller,
        *,
        mentorship_id: str | int | None = None,
        rating: str | int | None = None,
        comment: str | None = None,
    ) -> Outcome:
        """End a mentorship the caller is part of, with an optional rating (1–5) and comment."""
        return await self._run(
            caller, lambda ctx: mentorships.end(ctx, mentorship_id=mentorship_id, rating=rating, comment=comment)
        )

    async def button_message_key(self, action: str, ref: str) -> str | None:
        """The outbox key of the keyed direct message a button `action` on `ref` is on (an edit of it the platform
        fails for a passing reason is made later, from the outbox: `edit_later`): an offer's, ``offer:<ref>``; a
        check-in's or a request for feedback's (`mentorships.CHECKIN_DM_ACTIONS`), the mentorship's latest check-in
        (`mentorships.latest_checkin_key`: an earlier check-in keeps its buttons). None for any other button, or a
        `ref` that is no number. A database failure is raised: the adapter logs it (the click is answered all the
        same). Whether the message clicked is that key's is the adapter's to check, against where it recorded it."""
        if action.startswith("offer."):
            return f"offer:{ref}"
        if action not in mentorships.CHECKIN_DM_ACTIONS:
            return None
        try:
            mentorship_id = parse_id(ref, "mentorship")
        except UserError:
            return None
        return await mentorships.latest_checkin_key(self.core, mentorship_id)

    async def feedback(
        self, caller: Caller, *, mentorship_id: str | int | None, rating: str | int | None, comment: str | None = None
    ) -> Outcome:
        """Rate a mentorship that has ended (1–5, optional comment), once per person per mentorship; with no
        `mentorship_id`, the caller's only ended mentorship still waiting for their rating."""
        return await self._run(
            caller, lambda ctx: feedback.feedback(ctx, mentorship_id=mentorship_id, rating=rating, comment=comment)
        )

    async def feedback_form(self, caller: Caller, *, mentorship_id: str | int) -> Outcome:
        """The feedback button where no form can open (the console): the command to type."""
        return await self._run(
            caller, lambda ctx: feedback.feedback_form(ctx, mentorship_id=mentorship_id), read_only=True, quick=True
        )

    async def checkin(self, caller: Caller, *, mentorship_id: str | int, answer: str | None) -> Outcome:
        """Answer a check-in: ``ok`` (going well) or ``help`` (the community's admins are told)."""
        return await self._run(caller, lambda ctx: feedback.checkin(ctx, mentorship_id=mentorship_id, answer=answer))

    async def status(self, caller: Caller, *, section: str | None = None, start: str | int | None = None) -> Outcome:
        """The caller's profile, open requests (where each stands and why), offers and mentorships; list
        `section` (``requests``, ``offers``, ``mentorships``) from entry `start` (a paging button)."""
        return await self._run(
            caller, lambda ctx: status.status(ctx, section=section, start=start), read_only=True, quick=True
        )

    async def status_reply(self, member: Member) -> Reply:
        """The status view of one member (also used for Slack's App Home)."""
        return await status.status_reply(self.core, member)

    async def home_view(self, community: str, user_id: str, *, event_id: str | None = None) -> Reply | None:
        """The member's status for a platform's home view, or None (see `status.home_view`)."""
        return await status.home_view(self.core, community, user_id, event_id=event_id)

    async def concerned_by(self, notes: Sequence[Notification]) -> list[Member]:
        """Members whose standing `notes` change without a message to them (`status.concerned_by`: the mentee of
        an offer handed on to another mentor), for a platform's view of where they stand (Slack's App Home)."""
        return await status.concerned_by(self.core, notes)

    async def mentor_profile(self, community: str, user_id: str) -> MentorProfile | None:
        """A member's mentor profile, or None (not a member yet, or not a mentor). Creates nothing."""
        return await status.mentor_profile(self.core, community, user_id)

    async def export(self, caller: Caller) -> Outcome:
        """The caller's own data as a JSON document."""
        return await self._run(caller, privacy.export, read_only=True)

    async def forget(self, caller: Caller, *, confirm: bool = False) -> Outcome:
        """Delete the caller's data; without `confirm`, asks for confirmation with a button."""
        return await self._run(caller, lambda ctx: privacy.forget(ctx, confirm=confirm), returning=False)

    async def skills(
        self,
        caller: Caller,
        *,
        query: str | None = None,
        page: str | int | None = None,
        start: str | int | None = None,
    ) -> Outcome:
        """The skill taxonomy, or the skills matching a query: typed `page` (from 1) or, from a paging button,
        entry `start`."""
        return await self._run(
            caller, lambda ctx: catalog.skills(ctx, query=query, page=page, start=start), read_only=True, quick=True
        )

    async def courses(
        self,
        caller: Caller,
        *,
        skills: str | None = None,
        level: str | None = None,
        free: str | bool | None = None,
        format: str | None = None,
    ) -> Outcome:
        """Top courses for the skills (or the caller's open requests), with filters."""
        return await self._run(
            caller,
            lambda ctx: catalog.courses(ctx, skills=skills, level=level, free=free, format=format),
            read_only=True,
            quick=True,
        )

    async def suggest_course(
        self,
        caller: Caller,
        *,
        url: str | None,
        skills: str | None,
        title: str | None = None,
        note: str | None = None,
    ) -> Outcome:
        """Suggest a resource for the community's catalog (queued for the admins' review)."""
        return await self._run(
            caller, lambda ctx: curation.suggest(ctx, url=url, skills=skills, title=title, note=note)
        )

    async def vote_course(self, caller: Caller, *, resource: str, helpful: str | bool | None) -> Outcome:
        """Mark a resource helpful or not (one vote per member per resource; a new vote replaces the old)."""
        return await self._run(
            caller,
            lambda ctx: curation.vote(
                ctx, resource=resource, helpful=helpful if isinstance(helpful, bool) else curation.parse_vote(helpful)
            ),
        )

    # --------------------------------------------------------------------------------- admins

    async def admin_stats(self, caller: Caller, *, chart: str | None = None) -> Outcome:
        """Programme health: members, mentors, requests, mentorships, time to match, acceptance, skill gaps,
        and a chart (`chart`: supply, weekly or days; supply against demand by default)."""
        return await self._run(caller, lambda ctx: insight.stats(ctx, chart=chart), admin_only=True, read_only=True)

    async def stats_reply(self, community: str, lang: str, *, chart: str | None = None, picture: bool = False) -> Reply:
        """The programme-health view of a community in `lang` (``mentorbot admin stats``), with one chart's
        numbers and, with `picture`, its PNG."""
        return await insight.stats_reply(self.core, community, lang, chart=chart, picture=picture)

    async def admin_recruit(self, caller: Caller, *, skill: str | None = None) -> Outcome:
        """A recruitment message to post: the scarcest skills (or `skill`) and the sign-up command to type."""
        return await self._run(caller, lambda ctx: insight.recruit(ctx, skill=skill), admin_only=True, read_only=True)

    async def admin_waitlist(
        self, caller: Caller, *, page: str | int | None = None, start: str | int | None = None
    ) -> Outcome:
        """Waiting requests with the reason each waits: typed `page` (from 1) or, from a paging button, entry
        `start`; a typed command longer than a page also gets the whole waitlist as a CSV file."""
        return await self._run(
            caller, lambda ctx: admin.waitlist(ctx, page=page, start=start), admin_only=True, read_only=True
        )

    async def admin_match(self, caller: Caller, *, request_id: str | int, mentor: str, force: bool = False) -> Outcome:
        """Match a request to a mentor by hand: the live matcher's checks, unless `force` (recorded)."""
        return await self._run(
            caller, lambda ctx: admin.match(ctx, request_id=request_id, mentor=mentor, force=force), admin_only=True
        )

    async def admin_end(self, caller: Caller, *, mentorship_id: str | int) -> Outcome:
        """End any mentorship of the community."""
        return await self._run(caller, lambda ctx: admin.end(ctx, mentorship_id=mentorship_id), admin_only=True)

    async def admin_pause(self, caller: Caller, *, mentor: str, until: str | None = None) -> Outcome:
        """Pause a mentor (they are told)."""
        return await self._run(caller, lambda ctx: admin.pause(ctx, mentor=mentor, until=until), admin_only=True)

    async def admin_round(self, caller: Caller) -> Outcome:
        """One optimal assignment of every waiting request to mentors with free capacity, then offers."""
        return await self._run(caller, admin.round_, admin_only=True)

    async def admin_reload(self, caller: Caller) -> Outcome:
        """Re-read the skills and courses files; a broken file is refused and the old ones stay."""
        return await self._run(caller, admin.reload, admin_only=True)

    async def admin_courses(self, caller: Caller) -> Outcome:
        """The review queue of suggested resources, and the most and least helpful resources per skill."""
        return await self._run(caller, curation.review_queue, admin_only=True, read_only=True)

    async def admin_decide_suggestion(
        self,
        caller: Caller,
        *,
        suggestion_id: str | int,
        approve: bool,
        reason: str | None = None,
        withdraw: bool = False,
    ) -> Outcome:
        """Approve or reject a suggested resource (the member who suggested it is told). `withdraw`: a rejection
        typed by an admin (``/mentor-admin reject <n>``) also withdraws an approved one; a Reject button, clicked on
        a review queue shown before another admin approved it, does not."""
        return await self._run(
            caller,
            lambda ctx: curation.decide(
                ctx, suggestion_id=suggestion_id, approve=approve, reason=reason, withdraw=withdraw
            ),
            admin_only=True,
        )

    async def admin_export(self, caller: Caller) -> Outcome:
        """CSV files of members, requests, mentorships and feedback, read in pages of short transactions after the
        admin check (`handle`'s `detached`): other members are served while it reads."""
        return await self._run(caller, admin.export, admin_only=True, read_only=True, detached=True)

    # ------------------------------------------------------------------------ delivery and timers

    async def hold_undelivered(self, notification: Notification, *, refused: bool = False) -> None:
        """An adapter could not deliver `notification` by direct message (the member closed their DMs):
        keep it, and show it with the reply to the member's next command. Held with its key, it replaces the
        older versions of that key still waiting, and a newer version replaces it: only the newest is shown.

        `refused`: the platform refused it for good (DMs closed, left the server, blocked the bot, deactivated),
        not a transient failure after its last try (`retry_later`). A pending offer's notice (``offer:<id>``) to its
        own mentor then pauses them as unreachable instead, their offers handed on at once
        (`usecases.unreachable`); what that says goes to the outbox, and this process's timer loop runs its next
        round at once (`wake_timers`)."""
        if refused and await unreachable.refused(self.core, notification) is not None:
            self.wake_timers()  # what the pause says, and the requests' new offers, go out now, not in 15 s
            return  # its mentor was paused: the offer's new version (its withdrawal) replaced it
        log.warning("could not deliver a direct message to member %s; holding it", notification.member_id)
        if await unreachable.hold(self.core, notification):
            NOTIFICATIONS.labels("held").inc()  # not when its row was no longer this process's (another holds it)

    async def member_left(self, community: str, user_id: str) -> list[Notification]:
        """The platform says `user_id` is no longer a member of `community` (left the server, kicked, banned): their
        open requests are cancelled, they are paused as a mentor (reason ``left``) with their offers handed on at
        once, and the other side of each active mentorship is told (`usecases.departures`), in one unit of work; their
        data is kept. A second report changes nothing. What it says goes to the outbox, and this process's timer loop
        runs its next round at once (`wake_timers`). The notifications written (none when nothing changed)."""
        notes = await departures.member_left(self.core, community, user_id)
        if notes:
            self.wake_timers()
        return notes

    async def member_back(self, community: str, user_id: str, display_name: str = "") -> list[Notification]:
        """The platform says `user_id` is a member of `community` (a Slack account reactivated, or any profile
        edit): a member MentorBot knows keeps `display_name` (empty: not said), and one reported gone is back: the
        partner in each active mentorship is told, and a check-in skipped meanwhile is due now; a mentor paused as
        one who left stays paused, as an ordinary pause they end with `/mentor resume`, and is told so once
        (`usecases.departures.member_back`, `usecases.returns.came_back`). Someone MentorBot never saw gets no row. What
        it says goes to the outbox, and this process's timer loop runs its next round at once (`wake_timers`). The
        notifications written (none when nothing changed)."""
        notes = await departures.member_back(self.core, community, user_id, display_name)
        if notes:
            self.wake_timers()
        return notes

    def timers_due(self) -> asyncio.Event:
        """The event this process's timer loop waits on between its rounds (`app.run_timers`), besides its interval:
        set by `wake_timers`. Made on first use, in the running event loop."""
        if self._timers_due is None:
            self._timers_due = asyncio.Event()
        return self._timers_due

    def wake_timers(self) -> None:
        """Have this process's timer loop run its next round now (when one runs): something written to the outbox
        outside a command's own delivery should not wait for the loop's interval."""
        if self._timers_due is not None:
            self._timers_due.set()

    async def give_back(self, notification: Notification, retry_after: float = 0.0) -> bool:
        """`notification` was never put to the platform (its adapter is not connected yet): its outbox row goes
        back for any process to claim in `retry_after` seconds, without using one of its delivery attempts nor
        counting a failed delivery (`OutboxStore.release_for_retry`, untried). One with no outbox row cannot wait
        there: it is handled as a transient failure (`retry_later`). False when the row is not this process's."""
        if notification.outbox_id is None:
            return await self.retry_later(notification, retry_after)
        until = self.clock.now() + timedelta(seconds=retry_after)
        return await self.store.release_for_retry(notification, self.worker_id, until, untried=True)

    async def edit_later(
        self, community: str, user_id: str, key: str, reply: Reply, *, retry_after: float | None = None
    ) -> bool:
        """The platform failed, for a transient reason, to edit a member's message recorded under `key` (an offer
        answered) into `reply`: `reply` goes to the outbox as the newest version of `key` for them (older ones still
        waiting superseded), released at once for a later try (`retry_later`: not before `retry_after`, then
        backing off; held for their next command after its last try). Its delivery edits that message in place, by
        whichever process claims it, so a restart loses nothing. False when the member is not known (nothing kept)."""
        member = await self.store.find_member(community, user_id)
        if member is None:
            return False
        note = Notification(member.id, user_id, reply, key, community=community, language=self.lang_of(member))
        [queued] = await self.store.enqueue([note], self.clock.now(), self.worker_id, lease=self.core.lease)
        await self.retry_later(queued, retry_after=retry_after)
        return True

    async def retry_later(self, notification: Notification, retry_after: float | None = None) -> bool:
        """The platform failed to take `notification` for a transient reason (5xx, 429, the network): its outbox
        row is released to be tried again later by any process (`mentorbot.retries`: 30 s, then doubling up to
        30 minutes, with jitter, at least `retry_after` seconds), and the adapter must not report it delivered.
        After `Settings.delivery_attempts` tries, or for a notification with no outbox row, it is held for the
        member's next command instead (and a warning logged). True when a retry is scheduled (or the row is no
        longer this process's to retry: a newer version of its key replaced it, or another process took it
        over), False when it was held."""
        NOTIFICATIONS.labels("failed").inc()
        wait = next_try(
            notification.attempts, self.settings.delivery_attempts, retry_after=retry_after, jitter=random.random()
        )
        if wait is None or notification.outbox_id is None:
            log.warning(
                "a direct message to member %s failed for a transient reason %s time(s); holding it",
                notification.member_id,
                notification.attempts,
            )
            await self.hold_undelivered(notification)
            return False
        if await self.store.release_for_retry(notification, self.worker_id, self.clock.now() + wait):
            log.info(
                "a direct message to member %s failed for a transient reason (try %s); trying again in %.0f s",
                notification.member_id,
                notification.attempts,
                wait.total_seconds(),
            )
        return True

    async def run_due_jobs(
        self,
        *,
        lease: timedelta = timedelta(minutes=5),
        communities: Sequence[str] | None = None,
        sweep: bool = False,
    ) -> list[Notification]:
        """Run the timers that are due (offer expiry, check-ins, pause ends; at most `CLAIM_LIMIT` a round: one that
        claimed as many has this process's timer loop run the next round at once, `wake_timers`, so a backlog after
        the bot was down is worked off without waiting an interval between batches); return what to deliver. With
        `sweep`, the sweep of waiting requests runs in this round whenever it ran last (`Timers.run_due`)."""
        notes = await self._timers.run_due(lease=lease, communities=communities, sweep=sweep)
        if self._timers.more_due:
            self.wake_timers()
        return notes

    async def next_wake(self, *, communities: Sequence[str] | None = None) -> datetime | None:
        """The next moment a timer falls due or a waiting request's cooldown ends (`timers.next_wake`), in
        `communities` (prefixes) when given."""
        return await next_wake(self.core, communities)

    async def record_event(self, event_id: str, community: str, user_id: str, payload: str) -> int | None:
        """Record a platform event in the inbox before acknowledging it (`payload`: what the adapter needs to
        process it again after a crash); its inbox id for `Caller.inbox_id`, or None for a redelivery."""
        return await self.store.record_event(
            event_id, community, user_id, payload, self.clock.now(), self.worker_id, lease=lease(self.core)
        )

    async def finish_event(self, inbox_id: int) -> None:
        """The member was shown the answer to an inbox event (or it needed none: a form opened): it is done, never
        processed or answered again. Not for a `Outcome.duplicate`: another process answers that one."""
        await self.store.finish_event(inbox_id, self.clock.now())

    async def unprocessed_events(self, *, communities: Sequence[str] | None = None) -> list[InboxEvent]:
        """Inbox events a dead process recorded and never processed or never answered, now claimed for this one:
        process each again, or, when `recorded_answer` has its answer, only show that."""
        if self.core.agreement.schema_newer is not None:
            return []  # a newer release upgraded the database: its processes recover them
        now = self.clock.now()
        events = await self.store.claim_unprocessed(
            now, self.worker_id, lease=lease(self.core), communities=communities
        )
        kept: list[InboxEvent] = []
        for event in events:
            fresh = event.created_at is None or now - event.created_at < INBOX_GIVE_UP_AFTER
            if event.attempts <= INBOX_ATTEMPTS or fresh:
                kept.append(event)
                continue
            log.error("giving up on recorded event %s after %s attempts", event.event_id, event.attempts - 1)
            await self.store.finish_event(event.id, now)
        return kept

    @staticmethod
    def recorded_answer(event: InboxEvent) -> Outcome | None:
        """The answer of an inbox event whose use-case committed before its process died (show it, then
        `finish_event`; do not run the event again), or None when the event is still to process."""
        return answer_from_json(event.answer) if event.answer is not None else None

    async def undelivered(self, *, communities: Sequence[str] | None = None) -> list[Notification]:
        """Notifications another process (or this one, before a crash) wrote to the outbox and never delivered,
        now claimed for this process: deliver them, then report them with `delivered`.

        A notice for a community's admins (`ADMIN_ONLY_KEY_PREFIXES`: a member's call for help, the weekly digest,
        a scheduled round's report) whose recipient is no longer an admin there is not: ``MENTORBOT_ADMIN_IDS``
        changed over the restart. Its recipients were chosen by that setting (`admins.community_admins`), so the
        setting decides (no platform's word on who manages a server is at hand here, as a command's caller brings
        it, `Core.is_admin`). It is marked delivered, never claimed again, and logged without its content.

        Several processes may run with different ``MENTORBOT_ADMIN_IDS`` (a host's env file not updated yet): the
        notice's writer chose its recipient by its own. So a notice is dropped only when no live process lists its
        recipient as an admin there: neither this one nor another whose row `storage.fingerprints` shows looking
        since this process started (refreshed once a minute: not the row a process killed before this one started
        left, whose settings a restart replaced); one another live process lists is delivered (`library_follow.Peers`
        logs and tells the disagreement). In this process's first `PEERS_SETTLE` a live process may not have looked
        yet: the notice is given back, untried, and decided after it. A process whose database a newer release
        upgraded claims nothing (`Agreement.schema_newer`)."""
        if self.core.agreement.schema_newer is not None:
            return []
        claimed = await self._timers.undelivered(communities=communities)
        if len(claimed) >= OUTBOX_CLAIM_LIMIT:  # a backlog: this process's loop runs its next round at once
            self.wake_timers()
        # A row a dead process left may show live buttons that are out of date by now (an offer answered, a
        # mentorship ended meanwhile): superseded here, not handed to an adapter, so no adapter (the console's
        # neither, which sends through no `app.Sending`) puts them back. A request's notices are recovered in order,
        # each change a message of its own (`OutboxStore.still_to_send`'s `buttons_only`). One read per row.
        claimed = [
            note for note in claimed if await self.store.still_to_send(note, self.worker_id, buttons_only=True)
        ]
        doubtful = [note for note in claimed if not self._still_admin_for(note)]
        if not doubtful:
            return claimed
        now = self.clock.now()
        others = [
            other
            for other in await self.store.live_fingerprints(now - LIVE_FOR)
            if other.worker_id != self.worker_id and other.seen_at > self._started
        ]
        unlisted = [
            note
            for note in doubtful
            if not any(
                user_key(note.community, note.platform_user_id) in admin_keys_of(other.admin_ids(), note.community)
                for other in others
            )
        ]
        if not unlisted:
            return claimed
        settling = self._started + PEERS_SETTLE - now
        if settling > timedelta(0):  # a live process may not have looked since this one started: decided later
            for note in unlisted:
                await self.give_back(note, settling.total_seconds())
            back = {id(note) for note in unlisted}
            return [note for note in claimed if id(note) not in back]
        dropped = unlisted
        await self.store.mark_delivered(dropped, self.clock.now(), self.worker_id)
        for note in dropped:
            log.info(
                "dropped an undelivered admin notice (%s) to member %s: no longer an admin of %s",
                (note.key or "").partition(":")[0],
                note.member_id,
                note.community,
            )
        gone = {id(note) for note in dropped}
        return [note for note in claimed if id(note) not in gone]

    def _still_admin_for(self, note: Notification) -> bool:
        """Whether `note` may go to its recipient: it is no admin-only notice, or they are still an admin of its
        community by the settings (`Core.admin_keys`)."""
        if not admin_only(note.key):
            return True
        return user_key(note.community, note.platform_user_id) in self.core.admin_keys(note.community)

    async def hold_again(self, community: str, user_id: str, notices: Sequence[Reply]) -> int:
        """Hold `notices` again for a member's next command: notices held for them, which a command of theirs took
        and an adapter could show nowhere (a late answer's DM refused, a response_url used up). How many were held
        (none when the member is gone); each keeps its key (`Store.hold_notices_again`), and one a newer version
        of its key replaced meanwhile is not held again. A database failure is raised, for the adapter to log."""
        member = await self.store.find_member(community, user_id)
        if member is None:
            return 0
        payloads = [reply_to_json(n) for n in notices]
        return await self.store.hold_notices_again(member.id, payloads, self.clock.now())

    async def still_to_send(self, notification: Notification) -> bool:
        """Whether `notification`, claimed by this process, is still its to send now (`OutboxStore.still_to_send`):
        asked by the adapters right before each platform call (through `app.still_to_send`), so a batch never sends a
        row a member's command superseded or made out of date meanwhile, nor one another claim has taken. False: not
        to be sent, nor reported delivered. One with no outbox row (a live reply) is always to send."""
        return await self.store.still_to_send(notification, self.worker_id)

    async def delivered(self, notes: Sequence[Notification]) -> None:
        """An adapter delivered `notes` (sent, or held for the member's next command): the outbox marks those this
        process holds (not one released for a retry, nor one another process took over)."""
        marked = await self.store.mark_delivered(notes, self.clock.now(), self.worker_id)
        NOTIFICATIONS.labels("delivered").inc(marked)

    async def community_lost(self, community: str) -> bool:
        """The platform says MentorBot is out of `community` (the Discord bot removed from the server, the Slack app
        uninstalled or its tokens revoked): recorded, so that offers open meanwhile expire as no lapse of their
        mentors' (`usecases.outages`). False when it was recorded already."""
        return await outages.community_lost(self.core, community)

    async def community_back(self, community: str) -> int:
        """MentorBot is within reach of `community` again (the Discord bot added back, a Slack process started with
        a working token): the outage ends, and the offers held meanwhile go back to the outbox, delivered by this
        process's next timer round, run at once (`wake_timers`). How many offers go out again."""
        back = await outages.community_back(self.core, community)
        if back.released:
            self.wake_timers()
        return back.released
