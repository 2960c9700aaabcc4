"""The mentorship use-cases every adapter calls: the platform-agnostic core of MentorBot.

An adapter builds a `Caller` from a platform event and calls one method of `MentorBot`; it gets back an
`Outcome`: the reply to the caller and the notifications (direct messages) to deliver to others, all in
each recipient's language. Every method goes through `_handle`, the one error handler: bad input becomes
a localized message and changes nothing; an unexpected error is logged with a correlation id and the user
gets a short apology carrying that id; a platform event delivered twice is handled once.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from mentorbot.clock import Clock
from mentorbot.errors import ConfigFileError, UserError
from mentorbot.i18n import LANGUAGES, Translator, translator
from mentorbot.inputs import parse_capacity, parse_id, parse_languages, parse_levels, parse_rating, parse_until
from mentorbot.library import Library
from mentorbot.matching import Explanation, rank_candidates, render_explanation, top_ranked
from mentorbot.models import (
    JobKind,
    Member,
    MentorProfile,
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
    MentorStatus,
    NewMentorProfile,
    Offer,
    OfferStatus,
    RequestStatus,
)
from mentorbot.ratelimit import RateLimiter
from mentorbot.recommendations import courses_command, courses_for_introduction, render_introduction_courses
from mentorbot.replies import (
    Attachment,
    Button,
    ButtonStyle,
    Field,
    Notification,
    Outcome,
    Reply,
    reply_from_json,
    reply_to_json,
)
from mentorbot.rounds import run_round
from mentorbot.settings import Settings
from mentorbot.skills import parse_tags, render_skill_list
from mentorbot.storage.store import AcceptResult, DuplicateRequest, LimitReached, Store
from mentorbot.text_safety import check_text, defuse_mentions
from mentorbot.timezones import parse_timezone

log = logging.getLogger("mentorbot")

MAX_REQUEST_SKILLS = 5
MAX_NOTE = 500
MAX_BIO = 500
MAX_COMMENT = 1000
MAX_REASON = 300
MATCH_SHORTLIST = 5
EVENT_ID_RETENTION = timedelta(days=1)
EVENT_PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the adapter knows it.

    `community` names the Discord guild / Slack workspace (``discord:123``, ``slack:T1``, ``console``);
    `is_admin` is the platform's own fact (Manage Server, workspace admin), to which the settings' admin ids
    are added; `event_id` lets duplicate deliveries be recognised; `channel` is where the member used the bot;
    `timezone` is the member's zone when the platform knows it (Slack does).
    """

    community: str
    user_id: str
    display_name: str
    is_admin: bool = False
    event_id: str | None = None
    channel: str | None = None
    timezone: str | None = None


@dataclass
class _Ctx:
    caller: Caller
    member: Member
    lang: str
    t: Translator
    is_admin: bool
    notifications: list[Notification] = field(default_factory=list)


def _mention(member: Member | None) -> str:
    """How a member is named to another member: a platform mention adapters understand."""
    if member is None:
        return "—"
    return f"<@{member.platform_user_id}>"


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
    ) -> None:
        self.store = store
        self.library = library
        self.settings = settings
        self.clock = clock
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:8]}"
        self.rate_limiter = RateLimiter(settings.rate_limit_per_minute, clock)
        self._pruned_at: datetime | None = None

    # ------------------------------------------------------------ plumbing

    def is_admin(self, caller: Caller) -> bool:
        """Whether `caller` may use admin commands: the platform says so, or the settings list their id."""
        return caller.is_admin or caller.user_id in self.settings.admin_ids

    def lang_of(self, member: Member | None) -> str:
        """The language to address `member` in: their choice, else the community default."""
        if member is not None and member.language in LANGUAGES:
            return member.language
        return self.settings.default_language

    def label(self, slug: str, lang: str) -> str:
        """A skill's label in `lang` (the slug itself if the taxonomy no longer has it)."""
        skill = self.library.taxonomy.get(slug)
        return skill.label(lang) if skill else slug

    def labels(self, slugs: Sequence[str], lang: str) -> str:
        """Skill labels joined for a sentence."""
        return ", ".join(self.label(s, lang) for s in slugs)

    async def _handle(
        self, caller: Caller, action: Callable[[_Ctx], Awaitable[Reply]], *, admin_only: bool = False
    ) -> Outcome:
        """Run one use-case for `caller` with the shared rules: duplicates, rate limit, errors."""
        now = self.clock.now()
        if caller.event_id and not await self.store.claim_event(caller.event_id, now):
            return Outcome(Reply(""), (), duplicate=True, language=self.settings.default_language)
        t = translator(self.settings.default_language)
        try:
            member = await self.store.ensure_member(caller.community, caller.user_id, caller.display_name, now)
            t = translator(self.lang_of(member))
            if caller.channel and caller.channel != member.last_channel:
                await self.store.set_last_channel(member.id, caller.channel)
            if caller.timezone and caller.timezone != member.timezone:
                await self.store.set_member_timezone(member.id, caller.timezone)
                member = replace(member, timezone=caller.timezone)
            is_admin = self.is_admin(caller)
            if admin_only and not is_admin:
                raise UserError("common.not_admin")
            wait = self.rate_limiter.check(f"{caller.community}:{caller.user_id}")
            if wait is not None:
                raise UserError("common.rate_limited", seconds=wait)
            ctx = _Ctx(caller, member, t.lang, t, is_admin)
            reply = await action(ctx)
            held = tuple(reply_from_json(p) for p in await self.store.take_held_notices(member.id))
            return Outcome(reply, tuple(ctx.notifications), held=held, language=t.lang)
        except UserError as exc:
            if caller.event_id:
                await self.store.release_event(caller.event_id)
            return Outcome(Reply(self.render_error(exc, t)), error=exc, language=t.lang)
        except Exception:
            correlation_id = uuid.uuid4().hex[:10]
            log.exception("unexpected error [%s] for %s in %s", correlation_id, caller.user_id, caller.community)
            if caller.event_id:
                await self.store.release_event(caller.event_id)
            apology = UserError("common.apology", correlation_id=correlation_id)
            return Outcome(Reply(self.render_error(apology, t)), error=apology, language=t.lang)

    def render_error(self, exc: UserError, t: Translator) -> str:
        """A `UserError` as the localized message the user sees."""
        params = dict(exc.params)
        if "field" in params:
            params["field"] = t(f"field.{params['field']}")
        if "what" in params:
            params["what"] = t(f"field.{params['what']}")
        return t(exc.key, **params)

    def _notify(self, member: Member, reply: Reply, key: str | None = None) -> Notification:
        return Notification(
            member.id, member.platform_user_id, reply, key, community=member.community, language=self.lang_of(member)
        )

    # ---------------------------------------------------------- profiles

    def resolve_skills(self, text: str | Sequence[str] | None, lang: str, *, limit: int | None = None) -> list[str]:
        """Skill slugs from what a member typed (a comma list or a list of tags), deduplicated; a localized
        `UserError` for no skills, an unknown tag (with suggestions) or more than `limit` skills."""
        tags = parse_tags(text or "") if isinstance(text, str) or text is None else [t for t in text if t.strip()]
        if not tags:
            raise UserError("input.no_skills")
        skills = self.library.taxonomy.require_skills(tags, lang)
        slugs = list(dict.fromkeys(s.slug for s in skills))
        if limit is not None and len(slugs) > limit:
            raise UserError("input.too_many_skills", max=limit, count=len(slugs))
        return slugs

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
        """Become a mentor, or update the mentor profile (fields left out keep their value)."""

        async def run(ctx: _Ctx) -> Reply:
            existing = await self.store.get_mentor_profile(ctx.member.id)
            if skills is None or (isinstance(skills, str) and not skills.strip()):
                if existing is None:
                    raise UserError("input.no_skills")
                slugs = list(existing.skills)
                level_map = parse_levels(levels, slugs) if levels else dict(existing.skills)
            else:
                slugs = self.resolve_skills(skills, ctx.lang, limit=15)
                level_map = parse_levels(levels, slugs)
                if existing and not levels:
                    level_map = {s: existing.skills.get(s, level_map[s]) for s in slugs}
            new_capacity = parse_capacity(capacity, existing.capacity if existing else self.settings.default_capacity)
            new_bio = check_text(bio, field="bio", max_length=MAX_BIO) if bio is not None else None
            tz = parse_timezone(timezone) if timezone else None
            langs = parse_languages(languages, ctx.lang) if languages else None
            profile = NewMentorProfile(
                skills=level_map,
                capacity=new_capacity,
                bio=new_bio if new_bio is not None else (existing.bio if existing else ""),
                timezone=tz or (existing.timezone if existing else (ctx.caller.timezone or "UTC")),
                languages=langs or (existing.languages if existing else (ctx.lang,)),
            )
            saved, created = await self.store.save_mentor_profile(ctx.member.id, profile, self.clock.now())
            gained = set(saved.skills) - set(existing.skills if existing else {})
            more_room = existing is None or saved.capacity > existing.capacity
            if saved.status is MentorStatus.ACTIVE and (gained or more_room):
                await self._rematch(ctx, set(saved.skills))
            key = "signup.created" if created else "signup.updated"
            return Reply(
                ctx.t(key),
                title=ctx.t("signup.title"),
                fields=self._profile_fields(saved, ctx.t, ctx.lang),
            )

        return await self._handle(caller, run)

    def _profile_fields(self, profile: MentorProfile, t: Translator, lang: str) -> tuple[Field, ...]:
        skills = ", ".join(
            t("match.skill_with_level", skill=self.label(slug, lang), level=t(f"level.{level.value}"))
            for slug, level in profile.skills.items()
        )
        status = t("status.mentor_active")
        if profile.status is MentorStatus.PAUSED:
            status = t("status.mentor_paused")
            if profile.paused_until:
                status = t("status.mentor_paused_until", until=self._when(profile.paused_until))
            if profile.pause_reason == "expired_offers":
                status += " — " + t("status.paused_for_expiry")
        fields = [
            Field(t("status.skills"), skills or "—"),
            Field(
                t("status.capacity"),
                t("status.capacity_value", taken=profile.active_count, capacity=profile.capacity),
                inline=True,
            ),
            Field(t("status.timezone"), profile.timezone, inline=True),
            Field(t("status.languages"), ", ".join(profile.languages), inline=True),
            Field(t("status.availability"), status, inline=True),
        ]
        if profile.bio:
            fields.append(Field(t("status.bio"), defuse_mentions(profile.bio)))
        return tuple(fields)

    @staticmethod
    def _when(value: datetime) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC")

    async def pause(self, caller: Caller, *, until: str | None = None) -> Outcome:
        """Stop receiving offers, optionally until a date or for a duration."""

        async def run(ctx: _Ctx) -> Reply:
            profile = await self._require_mentor(ctx)
            now = self.clock.now()
            end = parse_until(until, now, profile.timezone)
            await self.store.set_mentor_status(ctx.member.id, MentorStatus.PAUSED, now, paused_until=end)
            if profile.pending_offers:
                return Reply(ctx.t("pause.done_with_pending", count=profile.pending_offers))
            if end:
                return Reply(ctx.t("pause.done_until", until=self._when(end)))
            return Reply(ctx.t("pause.done"))

        return await self._handle(caller, run)

    async def resume(self, caller: Caller) -> Outcome:
        """Receive offers again; waiting requests are matched at once."""

        async def run(ctx: _Ctx) -> Reply:
            profile = await self._require_mentor(ctx)
            if profile.status is MentorStatus.ACTIVE:
                return Reply(ctx.t("resume.already"))
            await self.store.set_mentor_status(ctx.member.id, MentorStatus.ACTIVE, self.clock.now())
            await self._rematch(ctx, set(profile.skills))
            return Reply(ctx.t("resume.done"))

        return await self._handle(caller, run)

    async def _require_mentor(self, ctx: _Ctx) -> MentorProfile:
        profile = await self.store.get_mentor_profile(ctx.member.id)
        if profile is None:
            raise UserError("mentor.not_a_mentor")
        return profile

    async def set_language(self, caller: Caller, *, language: str) -> Outcome:
        """Choose the language of the bot's replies to this member."""

        async def run(ctx: _Ctx) -> Reply:
            code = (language or "").strip().lower()
            if code not in LANGUAGES:
                raise UserError("language.unknown", value=code, allowed=", ".join(LANGUAGES))
            await self.store.set_language(ctx.member.id, code)
            return Reply(translator(code)("language.set"))

        return await self._handle(caller, run)

    # ---------------------------------------------------------- requests

    async def request(self, caller: Caller, *, skills: str | Sequence[str] | None, note: str | None = None) -> Outcome:
        """Ask for a mentor in 1–5 skills; the best mentor gets an offer, or the request waits with a reason."""

        async def run(ctx: _Ctx) -> Reply:
            slugs = self.resolve_skills(skills, ctx.lang, limit=MAX_REQUEST_SKILLS)
            text = check_text(note, field="note", max_length=MAX_NOTE)
            try:
                created = await self.store.create_request(
                    ctx.member.id,
                    ctx.caller.community,
                    slugs,
                    text,
                    self.clock.now(),
                    max_open=self.settings.max_open_requests,
                    reject_duplicate=True,
                )
            except LimitReached:
                raise UserError("request.limit", max=self.settings.max_open_requests) from None
            except DuplicateRequest as exc:
                raise UserError("request.duplicate", id=exc.request_id) from None
            outcome = await self._match(created, ctx.member, notify_waiting=False)
            ctx.notifications.extend(outcome.notifications)
            if outcome.offered_to is not None:
                return Reply(ctx.t("request.offered", id=created.id, skills=self.labels(slugs, ctx.lang)))
            return Reply(
                ctx.t("request.waiting", id=created.id, skills=self.labels(slugs, ctx.lang))
                + "\n"
                + self.render_wait_reason(outcome.wait_reason, ctx.t, ctx.lang)
            )

        return await self._handle(caller, run)

    async def cancel(self, caller: Caller, *, request_id: str | int | None = None) -> Outcome:
        """Withdraw an open request (the only one, when no id is given)."""

        async def run(ctx: _Ctx) -> Reply:
            open_requests = await self.store.list_member_requests(ctx.member.id, open_only=True)
            if request_id is None or (isinstance(request_id, str) and not request_id.strip()):
                if not open_requests:
                    raise UserError("cancel.nothing_open")
                if len(open_requests) > 1:
                    ids = ", ".join(f"#{r.id}" for r in open_requests)
                    raise UserError("cancel.which", ids=ids)
                target = open_requests[0].id
            else:
                target = parse_id(request_id, "request")
            result = await self.store.cancel_request(target, ctx.member.id, self.clock.now())
            if result is None:
                raise UserError("cancel.not_open", id=target)
            withdrawn = result.withdrawn_offer
            if withdrawn is not None:
                mentor = await self.store.get_member(withdrawn.mentor_id)
                if mentor:
                    t = translator(self.lang_of(mentor))
                    ctx.notifications.append(
                        self._notify(mentor, Reply(t("offer.withdrawn", id=withdrawn.id)), key=f"offer:{withdrawn.id}")
                    )
                    await self._rematch(ctx, None, mentor_id=withdrawn.mentor_id)
            return Reply(ctx.t("cancel.done", id=target))

        return await self._handle(caller, run)

    # ---------------------------------------------------------- matching

    @dataclass(frozen=True)
    class _MatchOutcome:
        offered_to: int | None
        wait_reason: str | None
        notifications: tuple[Notification, ...]

    async def _match(
        self, request: MentorshipRequest, mentee: Member, *, notify_waiting: bool
    ) -> MentorBot._MatchOutcome:
        """Offer a waiting request to the best eligible mentor; else record why it waits.

        The shortlist is ranked inside the database (`top_ranked`); only when every mentor on it was taken
        meanwhile (another request, another process) is the whole pool ranked, skipping those already tried.
        """
        now = self.clock.now()
        repeat_since = now - timedelta(days=self.settings.repeat_pair_days)
        language = self.lang_of(mentee)
        expires = now + timedelta(hours=self.settings.offer_ttl_hours)
        shortlist = await top_ranked(
            self.store,
            request.community,
            request.skills,
            exclude_member=mentee.id,
            request_id=request.id,
            repeat_since=repeat_since,
            mentee_language=language,
            mentee_timezone=mentee.timezone,
            at=now,
            limit=MATCH_SHORTLIST,
        )
        tried: set[int] = set()
        for attempt in (shortlist, None):
            if attempt is None:
                if len(shortlist) < MATCH_SHORTLIST:
                    break
                everyone = await self.store.find_candidates(
                    request.community,
                    request.skills,
                    exclude_member=mentee.id,
                    request_id=request.id,
                    repeat_since=repeat_since,
                )
                ranked = rank_candidates(
                    everyone, request.skills, mentee_language=language, mentee_timezone=mentee.timezone, at=now
                )
                attempt = [r for r in ranked if r.candidate.member.id not in tried]
            for choice in attempt:
                tried.add(choice.candidate.member.id)
                offer = await self.store.create_offer(
                    request.id, choice.candidate.member.id, choice.score, choice.explanation.to_json(), now, expires
                )
                if offer is not None:
                    note = self._offer_message(offer, request, mentee, choice.candidate.member)
                    return MentorBot._MatchOutcome(choice.candidate.member.id, None, (note,))
        reason = await self._wait_reason(request, mentee)
        await self.store.set_wait_reason(request.id, reason, now)
        notes: tuple[Notification, ...] = ()
        if notify_waiting:
            t = translator(self.lang_of(mentee))
            text = t("request.still_waiting", id=request.id) + "\n" + self.render_wait_reason(reason, t, t.lang)
            notes = (self._notify(mentee, Reply(text), key=f"request:{request.id}"),)
        return MentorBot._MatchOutcome(None, reason, notes)

    async def _wait_reason(self, request: MentorshipRequest, mentee: Member) -> str:
        """Why no mentor could be offered the request, as a stored message reference."""
        facts = await self.store.wait_facts(
            request.community, request.skills, exclude_member=mentee.id, request_id=request.id
        )
        if facts.mentors == 0:
            key = "wait.no_mentor"
        elif facts.active == 0:
            key = "wait.all_paused"
        elif facts.not_asked == 0:
            key = "wait.all_asked"
        else:
            key = "wait.all_busy"
        return json.dumps({"key": key, "skills": list(request.skills)})

    def render_wait_reason(self, reason: str | None, t: Translator, lang: str) -> str:
        """A stored wait reason in the reader's language."""
        if not reason:
            return t("wait.unknown")
        try:
            data = json.loads(reason)
            return t(str(data["key"]), skills=self.labels(data.get("skills", []), lang))
        except (ValueError, KeyError):
            return t("wait.unknown")

    def _offer_message(self, offer: Offer, request: MentorshipRequest, mentee: Member, mentor: Member) -> Notification:
        t = translator(self.lang_of(mentor))
        explanation = Explanation.from_json(offer.explanation)
        why = render_explanation(explanation, t, lambda s: self.label(s, t.lang)) if explanation else ""
        fields = [
            Field(t("offer.skills"), self.labels(request.skills, t.lang)),
            Field(t("offer.why"), why or "—"),
            Field(t("offer.expires"), self._when(offer.expires_at), inline=True),
        ]
        if request.note:
            fields.insert(1, Field(t("offer.note"), defuse_mentions(request.note)))
        reply = Reply(
            t("offer.text", mentee=_mention(mentee), id=offer.id),
            title=t("offer.title", id=offer.id),
            fields=tuple(fields),
            buttons=(
                Button("offer.accept", str(offer.id), t("offer.accept"), ButtonStyle.PRIMARY),
                Button("offer.decline", str(offer.id), t("offer.decline"), ButtonStyle.DANGER),
            ),
        )
        return self._notify(mentor, reply, key=f"offer:{offer.id}")

    async def _rematch(
        self, ctx: _Ctx | None, skills: set[str] | None, *, mentor_id: int | None = None, community: str | None = None
    ) -> list[Notification]:
        """Try again every waiting request (sharing `skills`, if given) of the community, oldest first."""
        where = community or (ctx.caller.community if ctx else None)
        if where is None:
            return []
        if skills is None and mentor_id is not None:
            profile = await self.store.get_mentor_profile(mentor_id)
            skills = set(profile.skills) if profile else set()
        waiting = await self.store.list_requests(where, [RequestStatus.WAITING])
        notes: list[Notification] = []
        for request in waiting:
            if skills is not None and not set(request.skills) & skills:
                continue
            mentee = await self.store.get_member(request.member_id)
            if mentee is None:
                continue
            outcome = await self._match(request, mentee, notify_waiting=False)
            if outcome.offered_to is not None:
                notes.extend(outcome.notifications)
                t = translator(self.lang_of(mentee))
                notes.append(
                    self._notify(mentee, Reply(t("request.now_offered", id=request.id)), key=f"request:{request.id}")
                )
        if ctx is not None:
            ctx.notifications.extend(notes)
        return notes

    # ------------------------------------------------------------- offers

    async def accept(self, caller: Caller, *, offer_id: str | int) -> Outcome:
        """Accept an offer made to the caller: both parties are introduced."""

        async def run(ctx: _Ctx) -> Reply:
            oid = parse_id(offer_id, "offer")
            offer = await self._own_offer(ctx, oid)
            now = self.clock.now()
            result = await self.store.accept_offer(oid, ctx.member.id, now, checkin_at=self._checkin_at(now))
            if result is None:
                raise UserError(self._offer_refusal(await self.store.get_offer(oid)), id=oid)
            await self._after_match(ctx, result)
            return Reply(ctx.t("offer.accepted", id=offer.id), title=ctx.t("offer.title", id=offer.id))

        return await self._handle(caller, run)

    def _offer_refusal(self, offer: Offer | None) -> str:
        if offer is None:
            return "offer.not_found"
        if offer.status is OfferStatus.PENDING:
            if offer.expires_at <= self.clock.now():
                return "offer.expired"
            return "offer.no_room"
        return f"offer.already_{offer.status.value}"

    async def _own_offer(self, ctx: _Ctx, offer_id: int) -> Offer:
        offer = await self.store.get_offer(offer_id)
        if offer is None:
            raise UserError("offer.not_found", id=offer_id)
        if offer.mentor_id != ctx.member.id:
            raise UserError("offer.not_yours", id=offer_id)
        return offer

    def _checkin_at(self, now: datetime) -> datetime:
        return now + timedelta(days=self.settings.checkin_days)

    async def _after_match(self, ctx: _Ctx, result: AcceptResult) -> None:
        """Introductions and notices for closed requests and withdrawn offers (the store scheduled the check-in
        in the same transaction as the match)."""
        mentorship = result.mentorship
        mentor = await self.store.get_member(mentorship.mentor_id)
        mentee = await self.store.get_member(mentorship.mentee_id)
        if mentor is None or mentee is None:
            return
        mentor_profile = await self.store.get_mentor_profile(mentor.id)
        shared = list(mentorship.skills)
        courses = courses_for_introduction(self.library.catalog, shared)
        for me, other, role in ((mentee, mentor, "mentee"), (mentor, mentee, "mentor")):
            t = translator(self.lang_of(me))
            fields = [Field(t("intro.skills"), self.labels(shared, t.lang))]
            if role == "mentee" and mentor_profile and mentor_profile.bio:
                fields.append(Field(t("intro.mentor_bio"), defuse_mentions(mentor_profile.bio)))
            if role == "mentor" and result.request.note:
                fields.append(Field(t("offer.note"), defuse_mentions(result.request.note)))
            course_field = render_introduction_courses(courses, t.lang)
            if course_field is not None:
                fields.append(course_field)
            reply = Reply(
                t(f"intro.text_{role}", other=_mention(other), id=mentorship.id),
                title=t("intro.title"),
                fields=tuple(fields),
            )
            ctx.notifications.append(self._notify(me, reply, key=f"mentorship:{mentorship.id}"))
        for closed in result.closed_requests:
            t = translator(self.lang_of(mentee))
            ctx.notifications.append(
                self._notify(mentee, Reply(t("request.closed_overlap", id=closed.id, mentorship=mentorship.id)))
            )
        for withdrawn in result.withdrawn_offers:
            other_mentor = await self.store.get_member(withdrawn.mentor_id)
            if other_mentor:
                t = translator(self.lang_of(other_mentor))
                ctx.notifications.append(
                    self._notify(
                        other_mentor, Reply(t("offer.withdrawn", id=withdrawn.id)), key=f"offer:{withdrawn.id}"
                    )
                )
                await self._rematch(ctx, None, mentor_id=withdrawn.mentor_id)

    async def decline(self, caller: Caller, *, offer_id: str | int, reason: str | None = None) -> Outcome:
        """Decline an offer made to the caller; the request goes to the next mentor."""

        async def run(ctx: _Ctx) -> Reply:
            oid = parse_id(offer_id, "offer")
            await self._own_offer(ctx, oid)
            text = check_text(reason, field="reason", max_length=MAX_REASON)
            declined = await self.store.decline_offer(oid, ctx.member.id, text or None, self.clock.now())
            if declined is None:
                raise UserError(self._offer_refusal(await self.store.get_offer(oid)), id=oid)
            await self._pass_on(ctx, declined)
            return Reply(ctx.t("offer.declined", id=oid))

        return await self._handle(caller, run)

    async def _pass_on(self, ctx: _Ctx | None, offer: Offer, community: str | None = None) -> list[Notification]:
        """After a decline or expiry: offer the request to the next mentor, or tell the mentee it waits."""
        request = await self.store.get_request(offer.request_id)
        if request is None or request.status is not RequestStatus.WAITING:
            return []
        mentee = await self.store.get_member(request.member_id)
        if mentee is None:
            return []
        outcome = await self._match(request, mentee, notify_waiting=True)
        notes = list(outcome.notifications)
        if ctx is not None:
            ctx.notifications.extend(notes)
        return notes

    # -------------------------------------------------------- mentorships

    async def end(
        self,
        caller: Caller,
        *,
        mentorship_id: str | int | None = None,
        rating: str | int | None = None,
        comment: str | None = None,
    ) -> Outcome:
        """End a mentorship the caller is part of, with an optional rating (1–5) and comment."""

        async def run(ctx: _Ctx) -> Reply:
            stars = parse_rating(rating)
            text = check_text(comment, field="comment", max_length=MAX_COMMENT)
            if mentorship_id is None or (isinstance(mentorship_id, str) and not mentorship_id.strip()):
                active = await self.store.list_mentorships(member_id=ctx.member.id, active_only=True)
                if not active:
                    raise UserError("end.nothing_active")
                if len(active) > 1:
                    raise UserError("end.which", ids=", ".join(f"#{m.id}" for m in active))
                target = active[0].id
            else:
                target = parse_id(mentorship_id, "mentorship")
            ended = await self.store.end_mentorship(
                target, self.clock.now(), by_member=ctx.member.id, rating=stars, comment=text or None
            )
            if ended is None:
                raise UserError("end.not_active", id=target)
            await self._after_end(ctx, ended, ended_by=ctx.member.id)
            return Reply(ctx.t("end.done", id=target))

        return await self._handle(caller, run)

    async def _after_end(self, ctx: _Ctx, ended: Mentorship, *, ended_by: int | None) -> None:
        for member_id in (ended.mentor_id, ended.mentee_id):
            if member_id == ended_by or not member_id:
                continue
            other = await self.store.get_member(member_id)
            if other:
                t = translator(self.lang_of(other))
                key = "end.notice_admin" if ended_by is None else "end.notice"
                ctx.notifications.append(self._notify(other, Reply(t(key, id=ended.id))))
        await self._rematch(ctx, None, mentor_id=ended.mentor_id)

    # ------------------------------------------------------------- status

    async def status(self, caller: Caller) -> Outcome:
        """The caller's profile, open requests (where each stands and why), offers and mentorships."""

        async def run(ctx: _Ctx) -> Reply:
            return await self.status_reply(ctx.member)

        return await self._handle(caller, run)

    async def mentor_profile(self, community: str, user_id: str) -> MentorProfile | None:
        """A member's mentor profile, or None (not a member yet, or not a mentor). Creates nothing."""
        member = await self.store.find_member(community, user_id)
        return await self.store.get_mentor_profile(member.id) if member else None

    async def home_view(self, community: str, user_id: str, *, event_id: str | None = None) -> Reply | None:
        """The member's status for a platform's home view (Slack's App Home), or None for someone who has not
        used the bot yet (the adapter shows its welcome). A platform event seen before returns None too."""
        if event_id and not await self.store.claim_event(event_id, self.clock.now()):
            return None
        member = await self.store.find_member(community, user_id)
        return await self.status_reply(member) if member else None

    async def status_reply(self, member: Member) -> Reply:
        """The status view of one member (also used for Slack's App Home)."""
        lang = self.lang_of(member)
        t = translator(lang)
        fields: list[Field] = []
        buttons: list[Button] = []
        profile = await self.store.get_mentor_profile(member.id)
        if profile:
            fields.extend(self._profile_fields(profile, t, lang))
        requests = await self.store.list_member_requests(member.id, open_only=True)
        lines = []
        for request in requests:
            lines.append(await self._request_line(request, t, lang))
        fields.append(Field(t("status.requests"), "\n".join(lines) or t("status.none")))
        if profile:
            offers = await self.store.list_offers(mentor_id=member.id, status=OfferStatus.PENDING)
            offer_lines = []
            for offer in offers:
                offered = await self.store.get_request(offer.request_id)
                mentee = await self.store.get_member(offered.member_id) if offered else None
                offer_lines.append(
                    t(
                        "status.offer_line",
                        id=offer.id,
                        mentee=_mention(mentee),
                        skills=self.labels(offered.skills if offered else (), lang),
                        expires=self._when(offer.expires_at),
                    )
                )
                buttons.append(
                    Button("offer.accept", str(offer.id), t("offer.accept_id", id=offer.id), ButtonStyle.PRIMARY)
                )
                buttons.append(
                    Button("offer.decline", str(offer.id), t("offer.decline_id", id=offer.id), ButtonStyle.DANGER)
                )
            fields.append(Field(t("status.offers"), "\n".join(offer_lines) or t("status.none")))
        mentorships = await self.store.list_mentorships(member_id=member.id, active_only=True)
        ms_lines = []
        for ms in mentorships:
            other_id = ms.mentee_id if ms.mentor_id == member.id else ms.mentor_id
            other = await self.store.get_member(other_id)
            role = "status.role_mentor" if ms.mentor_id == member.id else "status.role_mentee"
            ms_lines.append(
                t(
                    "status.mentorship_line",
                    id=ms.id,
                    role=t(role),
                    other=_mention(other),
                    skills=self.labels(ms.skills, lang),
                    since=ms.started_at.strftime("%Y-%m-%d"),
                )
            )
        fields.append(Field(t("status.mentorships"), "\n".join(ms_lines) or t("status.none")))
        return Reply(
            t("status.text", language=lang),
            title=t("status.title", name=member.display_name),
            fields=tuple(fields),
            buttons=tuple(buttons),
        )

    async def _request_line(self, request: MentorshipRequest, t: Translator, lang: str) -> str:
        skills = self.labels(request.skills, lang)
        if request.status is RequestStatus.OFFERED:
            pending = await self.store.list_offers(request_id=request.id, status=OfferStatus.PENDING)
            if pending:
                offer = pending[0]
                mentor = await self.store.get_member(offer.mentor_id)
                explanation = Explanation.from_json(offer.explanation)
                why = render_explanation(explanation, t, lambda s: self.label(s, lang)) if explanation else ""
                return t(
                    "status.request_offered",
                    id=request.id,
                    skills=skills,
                    mentor=mentor.display_name if mentor else "—",
                    expires=self._when(offer.expires_at),
                    why=why,
                )
        return t(
            "status.request_waiting",
            id=request.id,
            skills=skills,
            reason=self.render_wait_reason(request.wait_reason, t, lang),
        )

    # ------------------------------------------------------------ privacy

    async def export(self, caller: Caller) -> Outcome:
        """The caller's own data as a JSON document."""

        async def run(ctx: _Ctx) -> Reply:
            data = await self.store.export_member(ctx.member.id)
            data["exported_at"] = self.clock.now().isoformat()
            content = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
            return Reply(
                ctx.t("export.done"),
                attachments=(Attachment("mentorbot-export.json", content, "application/json"),),
            )

        return await self._handle(caller, run)

    async def forget(self, caller: Caller, *, confirm: bool = False) -> Outcome:
        """Delete the caller's data; without `confirm`, asks for confirmation with a button."""

        async def run(ctx: _Ctx) -> Reply:
            if not confirm:
                return Reply(
                    ctx.t("forget.confirm"),
                    buttons=(
                        Button(
                            "forget.confirm", ctx.caller.user_id, ctx.t("forget.confirm_button"), ButtonStyle.DANGER
                        ),
                    ),
                )
            result = await self.store.forget_member(ctx.member.id, self.clock.now())
            for ended in result.ended_mentorships:
                await self._after_end(ctx, ended, ended_by=ctx.member.id)
            for request_id in result.requeued_requests:
                request = await self.store.get_request(request_id)
                if request is not None and request.status is RequestStatus.WAITING:
                    mentee = await self.store.get_member(request.member_id)
                    if mentee:
                        ctx.notifications.extend(
                            (await self._match(request, mentee, notify_waiting=True)).notifications
                        )
            return Reply(ctx.t("forget.done"))

        return await self._handle(caller, run)

    # ------------------------------------------------------------ catalog

    async def skills(self, caller: Caller, *, query: str | None = None) -> Outcome:
        """The skill taxonomy, or the skills matching a query."""

        async def run(ctx: _Ctx) -> Reply:
            found = self.library.taxonomy.search(query or "")
            return render_skill_list(found, ctx.lang, query or None)

        return await self._handle(caller, run)

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

        async def run(ctx: _Ctx) -> Reply:
            gaps: list[str] = []
            if not (skills or "").strip():
                for request in await self.store.list_member_requests(ctx.member.id, open_only=True):
                    gaps.extend(request.skills)
            return courses_command(
                self.library.catalog,
                self.library.taxonomy,
                skills=skills,
                level=level,
                free=free,
                format=format,
                open_request_skills=gaps,
                lang=ctx.lang,
            )

        return await self._handle(caller, run)

    # -------------------------------------------------------------- admin

    async def admin_stats(self, caller: Caller) -> Outcome:
        """Programme health: members, mentors, requests, mentorships, time to match, acceptance, skill gaps."""

        async def run(ctx: _Ctx) -> Reply:
            return await self.stats_reply(ctx.caller.community, ctx.lang)

        return await self._handle(caller, run, admin_only=True)

    async def stats_reply(self, community: str, lang: str) -> Reply:
        """The programme-health view of a community in `lang` (also used by ``mentorbot admin stats``)."""
        stats = await self.store.stats(community)
        t = translator(lang)
        median = t("stats.none")
        if stats.median_time_to_match is not None:
            hours = stats.median_time_to_match.total_seconds() / 3600
            median = t("stats.hours", hours=f"{hours:.1f}")
        rate = t("stats.none") if stats.acceptance_rate is None else f"{stats.acceptance_rate:.0%}"
        # Feedback only in aggregate: how many ratings, their average, how many comments (never who wrote them).
        feedback = t("stats.none")
        if stats.average_rating is not None:
            feedback = t(
                "stats.feedback_value",
                ratings=stats.ratings,
                average=f"{stats.average_rating:.1f}",
                comments=stats.comments,
            )
        gaps = sorted(
            ((slug, demand, stats.skill_supply.get(slug, 0)) for slug, demand in stats.skill_demand.items()),
            key=lambda g: (-(g[1] - g[2]), -g[1], g[0]),
        )[:5]
        gap_lines = [
            t("stats.gap_line", skill=self.label(slug, lang), demand=demand, supply=supply)
            for slug, demand, supply in gaps
        ]
        fields = (
            Field(t("stats.members"), str(stats.members), inline=True),
            Field(
                t("stats.mentors"),
                t("stats.mentors_value", active=stats.mentors_active, paused=stats.mentors_paused),
                inline=True,
            ),
            Field(
                t("stats.requests"),
                t("stats.requests_value", open=stats.requests_open, waiting=stats.requests_waiting),
                inline=True,
            ),
            Field(t("stats.mentorships"), str(stats.mentorships_active), inline=True),
            Field(t("stats.median_match"), median, inline=True),
            Field(t("stats.acceptance"), rate, inline=True),
            Field(t("stats.feedback"), feedback, inline=True),
            Field(t("stats.gaps"), "\n".join(gap_lines) or t("stats.none")),
        )
        return Reply(t("stats.text"), title=t("stats.title"), fields=fields)

    async def admin_waitlist(self, caller: Caller) -> Outcome:
        """Waiting requests with the reason each waits."""

        async def run(ctx: _Ctx) -> Reply:
            waiting = await self.store.list_requests(ctx.caller.community, [RequestStatus.WAITING])
            lines = []
            for request in waiting:
                mentee = await self.store.get_member(request.member_id)
                lines.append(
                    ctx.t(
                        "waitlist.line",
                        id=request.id,
                        member=mentee.display_name if mentee else "—",
                        skills=self.labels(request.skills, ctx.lang),
                        since=request.created_at.strftime("%Y-%m-%d"),
                        reason=self.render_wait_reason(request.wait_reason, ctx.t, ctx.lang),
                    )
                )
            return Reply("\n".join(lines) or ctx.t("waitlist.empty"), title=ctx.t("waitlist.title", count=len(lines)))

        return await self._handle(caller, run, admin_only=True)

    async def _find_mentor(self, ctx: _Ctx, who: str) -> tuple[Member, MentorProfile]:
        name = (who or "").strip().lstrip("@")
        if name.startswith("<@") and name.endswith(">"):
            name = name[2:-1]
        if not name:
            raise UserError("input.missing_id", what="mentor")
        member = await self.store.find_member_by_name(ctx.caller.community, name)
        profile = await self.store.get_mentor_profile(member.id) if member else None
        if member is None or profile is None:
            raise UserError("admin.no_such_mentor", name=name)
        return member, profile

    async def admin_match(self, caller: Caller, *, request_id: str | int, mentor: str) -> Outcome:
        """Match a request to a mentor by hand (within the mentor's capacity)."""

        async def run(ctx: _Ctx) -> Reply:
            rid = parse_id(request_id, "request")
            request = await self.store.get_request(rid)
            if request is None or request.community != ctx.caller.community:
                raise UserError("admin.no_such_request", id=rid)
            if not request.status.is_open:
                raise UserError("admin.request_not_open", id=rid)
            member, _ = await self._find_mentor(ctx, mentor)
            if member.id == request.member_id:
                raise UserError("admin.self_match")
            now = self.clock.now()
            result = await self.store.manual_match(rid, member.id, now, checkin_at=self._checkin_at(now))
            if result is None:
                raise UserError("admin.mentor_full", name=member.display_name)
            await self._after_match(ctx, result)
            return Reply(ctx.t("admin.matched", id=rid, mentor=member.display_name, mentorship=result.mentorship.id))

        return await self._handle(caller, run, admin_only=True)

    async def admin_end(self, caller: Caller, *, mentorship_id: str | int) -> Outcome:
        """End any mentorship of the community."""

        async def run(ctx: _Ctx) -> Reply:
            mid = parse_id(mentorship_id, "mentorship")
            existing = await self.store.get_mentorship(mid)
            if (
                existing is None
                or existing.community != ctx.caller.community
                or existing.status is not MentorshipStatus.ACTIVE
            ):
                raise UserError("end.not_active", id=mid)
            ended = await self.store.end_mentorship(mid, self.clock.now(), by_member=None)
            if ended is None:
                raise UserError("end.not_active", id=mid)
            await self._after_end(ctx, ended, ended_by=None)
            return Reply(ctx.t("end.done", id=mid))

        return await self._handle(caller, run, admin_only=True)

    async def admin_pause(self, caller: Caller, *, mentor: str, until: str | None = None) -> Outcome:
        """Pause a mentor (they are told)."""

        async def run(ctx: _Ctx) -> Reply:
            member, profile = await self._find_mentor(ctx, mentor)
            now = self.clock.now()
            end = parse_until(until, now, profile.timezone)
            await self.store.set_mentor_status(member.id, MentorStatus.PAUSED, now, paused_until=end, reason="admin")
            t = translator(self.lang_of(member))
            ctx.notifications.append(self._notify(member, Reply(t("pause.by_admin"))))
            return Reply(ctx.t("admin.paused", name=member.display_name))

        return await self._handle(caller, run, admin_only=True)

    async def admin_round(self, caller: Caller) -> Outcome:
        """One optimal assignment of every waiting request to mentors with free capacity, then offers."""

        async def run(ctx: _Ctx) -> Reply:
            now = self.clock.now()
            result = await run_round(self, ctx.caller.community)
            for assignment, offer in result.offers:
                ctx.notifications.append(
                    self._offer_message(
                        offer, assignment.request, assignment.mentee, assignment.ranked.candidate.member
                    )
                )
                t = translator(self.lang_of(assignment.mentee))
                ctx.notifications.append(
                    self._notify(assignment.mentee, Reply(t("request.now_offered", id=assignment.request.id)))
                )
            offered = len(result.offers)
            plan = result.plan
            # A round only uses up free places: the requests it leaves waiting keep their reason (who exists,
            # who is paused, who was asked has not changed); one that has none yet gets it now.
            still_waiting = await self.store.list_requests(ctx.caller.community, [RequestStatus.WAITING])
            for request in still_waiting:
                if not request.wait_reason:
                    mentee = await self.store.get_member(request.member_id)
                    if mentee:
                        await self.store.set_wait_reason(request.id, await self._wait_reason(request, mentee), now)
            return Reply(
                ctx.t(
                    "round.done",
                    offered=offered,
                    waiting=len(still_waiting),
                    score=f"{plan.total_score:.2f}",
                    greedy=f"{plan.greedy_score:.2f}",
                )
            )

        return await self._handle(caller, run, admin_only=True)

    async def admin_reload(self, caller: Caller) -> Outcome:
        """Re-read the skills and courses files; a broken file is refused and the old ones stay."""

        async def run(ctx: _Ctx) -> Reply:
            try:
                snapshot = self.library.reload()
            except ConfigFileError as exc:
                return Reply(ctx.t("reload.failed", error=str(exc)))
            return Reply(ctx.t("reload.done", skills=len(snapshot.taxonomy), courses=len(snapshot.catalog)))

        return await self._handle(caller, run, admin_only=True)

    async def admin_export(self, caller: Caller) -> Outcome:
        """CSV files of members, requests, mentorships and feedback."""

        async def run(ctx: _Ctx) -> Reply:
            files = await export_csv(self.store, ctx.caller.community)
            return Reply(
                ctx.t("admin.exported", count=len(files)),
                attachments=tuple(Attachment(name, data, "text/csv") for name, data in files.items()),
            )

        return await self._handle(caller, run, admin_only=True)

    # ------------------------------------------------------------- delivery

    async def hold_undelivered(self, notification: Notification) -> None:
        """An adapter could not deliver `notification` by direct message (the member closed their DMs):
        keep it, and show it with the reply to the member's next command."""
        log.warning("could not deliver a direct message to member %s; holding it", notification.member_id)
        await self.store.hold_notice(notification.member_id, reply_to_json(notification.reply), self.clock.now())

    # --------------------------------------------------------------- timers

    async def run_due_jobs(
        self, *, lease: timedelta = timedelta(minutes=5), communities: Sequence[str] | None = None
    ) -> list[Notification]:
        """Run every timer that is due (offer expiry, check-ins, pause ends); return what to deliver.

        `communities` (prefixes such as ``"slack:"``) limits the timers to those this process can deliver for;
        None takes every community's (a process that serves them all, or tests).
        """
        now = self.clock.now()
        if self._pruned_at is None or now - self._pruned_at >= EVENT_PRUNE_EVERY:
            # Platforms stop redelivering after minutes; a day of event ids is plenty to recognise retries.
            await self.store.prune_events(now - EVENT_ID_RETENTION)
            self._pruned_at = now
        notes: list[Notification] = []
        for job in await self.store.claim_due_jobs(now, self.worker_id, lease=lease, communities=communities):
            try:
                notes.extend(await self._run_job(job.kind, job.ref_id))
            except Exception:
                correlation_id = uuid.uuid4().hex[:10]
                log.exception("timer %s for %s failed [%s]", job.kind.value, job.ref_id, correlation_id)
                continue
            await self.store.finish_job(job.id, self.worker_id)
        return notes

    async def _run_job(self, kind: JobKind, ref_id: int) -> list[Notification]:
        now = self.clock.now()
        if kind is JobKind.OFFER_EXPIRY:
            result = await self.store.expire_offer(ref_id, now, max_expired=self.settings.max_expired_offers)
            if result is None:
                return []
            notes: list[Notification] = []
            mentor = await self.store.get_member(result.offer.mentor_id)
            if mentor:
                t = translator(self.lang_of(mentor))
                notes.append(self._notify(mentor, Reply(t("offer.expired_notice", id=ref_id)), key=f"offer:{ref_id}"))
                if result.mentor_paused:
                    notes.append(
                        self._notify(mentor, Reply(t("pause.for_expiry", count=self.settings.max_expired_offers)))
                    )
            notes.extend(await self._pass_on(None, result.offer))
            return notes
        if kind is JobKind.CHECKIN:
            mentorship = await self.store.get_mentorship(ref_id)
            if mentorship is None or not await self.store.mark_checkin_sent(ref_id, now):
                return []
            notes = []
            for me_id, other_id in (
                (mentorship.mentor_id, mentorship.mentee_id),
                (mentorship.mentee_id, mentorship.mentor_id),
            ):
                me = await self.store.get_member(me_id)
                other = await self.store.get_member(other_id)
                if me:
                    t = translator(self.lang_of(me))
                    notes.append(
                        self._notify(
                            me,
                            Reply(
                                t("checkin.text", other=_mention(other), id=mentorship.id),
                                title=t("checkin.title"),
                            ),
                        )
                    )
            return notes
        if kind is JobKind.RESUME:
            profile = await self.store.get_mentor_profile(ref_id)
            if profile is None or profile.status is not MentorStatus.PAUSED:
                return []
            if profile.paused_until is None or profile.paused_until > now:
                return []
            if not await self.store.set_mentor_status(ref_id, MentorStatus.ACTIVE, now, expect=MentorStatus.PAUSED):
                return []
            member = await self.store.get_member(ref_id)
            notes = []
            if member:
                t = translator(self.lang_of(member))
                notes.append(self._notify(member, Reply(t("resume.automatic"))))
                notes.extend(await self._rematch(None, set(profile.skills), community=member.community))
            return notes
        return []


async def export_csv(store: Store, community: str | None) -> dict[str, bytes]:
    """CSV files (name → bytes) of members, requests, mentorships and feedback."""
    files: dict[str, bytes] = {}
    for table in ("members", "requests", "mentorships", "feedback"):
        columns, table_rows = await store.export_table(table, community)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns)
        writer.writeheader()
        writer.writerows(table_rows)
        files[f"{table}.csv"] = buffer.getvalue().encode("utf-8")
    return files
