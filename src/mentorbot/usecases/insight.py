"""Programme insight for admins: the stats' charts, the scheduled cohort round, the weekly digest and the
recruitment helper. The scheduled work runs as weekly timers in the database (`storage.schedules`)."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mentorbot import charts
from mentorbot.errors import UserError
from mentorbot.formatting import day, when
from mentorbot.i18n import Translator, translator
from mentorbot.logcontext import correlation_id
from mentorbot.models import DIGEST_KEY, ROUND_KEY, Job, JobKind, RequestStatus, mention_of
from mentorbot.replies import Attachment, Field, Notification, Reply
from mentorbot.schedule import Weekly, last_before, next_after, parse_weekly
from mentorbot.skills import parse_tags
from mentorbot.storage.insight import LONG_WAIT_DAYS, Insight, Lapse, WeekDigest
from mentorbot.storage.jobs import JobTakenOver
from mentorbot.storage.store import Stats
from mentorbot.text_safety import defuse_mentions
from mentorbot.usecases import curation, views
from mentorbot.usecases.admin import round_report, round_text
from mentorbot.usecases.admins import community_admins, community_name, named_community
from mentorbot.usecases.context import Context, Core
from mentorbot.usecases.matchmaking import (
    cohort,
    next_round,
    next_round_reason,
    round_obstacle,
    round_time,
    wait_reason,
)

log = logging.getLogger("mentorbot")

RECRUIT_SKILLS = 3
"""How many of the scarcest skills a recruitment message names."""
DIGEST_LINES = 5
"""How many mentors who let offers lapse, and decline reasons, a digest names; the rest are counted in one
"…and N more" line, as the waiting requests' reasons past `views.WHY_LINES` are."""


def week_bounds(now: datetime, zone: str, weeks: int = charts.WEEKS_SHOWN) -> list[datetime]:
    """The starts (Monday 00:00 in `zone`, as UTC) of the last `weeks` weeks, this one last, then next week's
    start (where this one ends): `weeks` + 1 instants, each week from one to the next."""
    local = now.astimezone(ZoneInfo(zone))
    monday = local.date() - timedelta(days=local.weekday())
    return [
        datetime.combine(monday - timedelta(weeks=n), time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
        for n in reversed(range(-1, weeks))
    ]


async def insight_of(core: Core, community: str) -> Insight:
    """The data behind a community's charts, now: its weeks are the programme zone's calendar weeks."""
    *starts, end = week_bounds(core.clock.now(), core.settings.programme_timezone)
    return await core.store.insight(community, starts, end)


def chart_name(chart: str | None) -> str:
    """A chart's name as typed (any case; None for the default, supply against demand); `UserError` if unknown."""
    name = (chart or charts.CHARTS[0]).strip().lower()
    if name not in charts.CHARTS:
        raise UserError("insight.unknown_chart", chart=chart or "", charts=", ".join(charts.CHARTS))
    return name


async def stats(ctx: Context, *, chart: str | None = None) -> Reply:
    """Programme health of the caller's community with a chart (`chart`, default supply against demand)."""
    return await stats_reply(ctx.core, ctx.caller.community, ctx.lang, chart=chart)


async def stats_reply(
    core: Core, community: str, lang: str, *, chart: str | None = None, picture: bool = True
) -> Reply:
    """The programme-health view of a community in `lang` (`views.stats`) with how long the open requests
    have waited (`with_waits`), the most and least helpful resources per skill (`with_helpful`), and one chart's
    numbers and, with `picture`, the chart itself (also used by ``mentorbot admin stats``)."""
    t = translator(lang)
    chart_name(chart)  # an unknown chart is refused before anything is read
    insight = await insight_of(core, community)
    now = core.clock.now()
    data = await core.store.stats(community, now)
    # The skill gaps are the supply chart's numbers (waiting requests against free places), read once for both.
    figures = with_waits(views.stats(data, t, core.library.taxonomy, balance=insight.balance), data, now, t)
    reply = await with_helpful(core, community, figures, t)
    return await with_chart(core, community, reply, t, chart, picture=picture, insight=insight)


def with_waits(reply: Reply, data: Stats, now: datetime, t: Translator) -> Reply:
    """The stats `reply` with one more short field, right after the median time to match (which counts only the
    matched requests), saying how long the oldest open request has waited, in whole days as the digest counts them
    (`waiting_line`), and how many open requests have waited over `LONG_WAIT_DAYS` days: "the oldest open request
    has waited 200 days; 5 have waited over 30 days", "—" with none open. An inline field, as the figures beside
    it: Discord lays them out three a row, Slack's section of them holds ten (there are nine)."""
    value = t("stats.none")
    if data.oldest_waiting_since is not None:
        days = (now - data.oldest_waiting_since).days
        oldest = t("stats.oldest_waited", count=days) if days >= 1 else t("stats.oldest_waited_today")
        many = (
            t("stats.long_waits", count=data.long_waits, days=LONG_WAIT_DAYS)
            if data.long_waits
            else t("stats.long_waits_none", days=LONG_WAIT_DAYS)
        )
        value = t("stats.oldest_wait_value", oldest=oldest, long=many)
    waits = Field(t("stats.oldest_wait"), value, inline=True)
    fields = list(reply.fields)
    after = [n for n, f in enumerate(fields) if f.name == t("stats.median_match")]
    fields.insert(after[0] + 1 if after else len(fields), waits)
    return Reply(reply.text, title=reply.title, fields=tuple(fields))


async def with_helpful(core: Core, community: str, reply: Reply, t: Translator) -> Reply:
    """The stats `reply` with the community's most and least helpful resources per skill by its members' votes
    (`curation.helpful_lines`: the file catalog and the approved suggestions, a resource counted from
    `curation.MIN_VOTES_FOR_RANKING` votes), or a line saying no resource has that many votes yet."""
    catalog = await curation.community_catalog(core, community)
    lines, least = curation.helpful_summary(core, catalog, await core.store.vote_tallies(community), t.lang)
    value = "\n".join(lines) or t("insight.helpful_none", count=curation.MIN_VOTES_FOR_RANKING)
    # "Most and least helpful" only when one of the lines names a least helpful resource (session 38).
    title = t("insight.helpful_title" if least or not lines else "insight.helpful_title_most")
    return Reply(reply.text, title=reply.title, fields=(*reply.fields, Field(title, value)))


async def with_chart(
    core: Core,
    community: str,
    reply: Reply,
    t: Translator,
    chart: str | None,
    *,
    picture: bool = True,
    insight: Insight | None = None,
) -> Reply:
    """The stats `reply` with one chart (`chart`, default supply against demand) of `insight` (read now when not
    given): its numbers as a field (the very numbers the bars show) and, with `picture`, the PNG with its alt
    text, drawn off the event loop (`draw`). A picture that cannot be drawn is left out, the field saying so: the
    reply is still sent."""
    zone = core.settings.programme_timezone
    name = chart_name(chart)
    data = charts.chart_data(name, insight or await insight_of(core, community), t, core.library.taxonomy, zone)
    lines = charts.chart_lines(data, t)
    drawn = await draw(data, t) if picture else None
    if picture and drawn is None:
        lines.append(t("insight.chart_undrawn"))
    field = Field(data.title, "\n".join(lines))
    attachments = (drawn,) if drawn is not None else ()
    return Reply(reply.text, title=reply.title, fields=(*reply.fields, field), attachments=attachments)


async def draw(data: charts.ChartData, t: Translator) -> Attachment | None:
    """The chart as a PNG attachment, drawn in a worker thread: at 100k members matplotlib took 1.7–2.3 s for the
    first chart of a process (its import included) and up to a second for each after, which on the event loop
    would hold up every other member's command and a platform's acknowledgement deadline (Discord's 3 s, Slack's).
    `charts.draw` uses a figure of its own with the Agg canvas and no pyplot state, so a drawing in a thread
    shares nothing. None when matplotlib fails to draw it (a text it cannot lay out, a font it cannot read):
    logged as a warning with its traceback and a correlation id (the command's, or a new one), and the stats
    reply or the digest is sent without the picture rather than not at all."""
    try:
        return await asyncio.to_thread(charts.attachment, data, t)
    except Exception:
        reference = correlation_id() or uuid.uuid4().hex[:10]
        log.warning(
            "the %s chart could not be drawn [%s]; sent without its picture", data.name, reference, exc_info=True
        )
        return None


# ------------------------------------------------------------------------------------------ admins, schedule


WEEKLY: dict[JobKind, str] = {JobKind.ROUND: "round_schedule", JobKind.DIGEST: "digest"}
"""The weekly timers and the setting that schedules each."""


STALE_ROUND_WAITS = 200
"""How many waiting requests still told of a next round, once the programme is no longer matched by rounds, one
look at the weekly timers tells afresh why they wait (`forget_rounds`); the rest at the next look, a minute on."""


async def ensure_weekly_jobs(core: Core, communities: Sequence[str] | None = None) -> None:
    """Give every community its weekly timers that the settings ask for (`ScheduleStore.ensure_weekly`); a pending
    one the schedule (its setting, or `Settings.programme_timezone`) no longer names is moved (`round_moves`,
    `digest_moves`). Where a round's timer is (re)set, the waiting requests are told the new round's date, in the
    same unit of work (`tell_next_round`); in a programme no longer matched by rounds, those still told of a next
    round are told why they wait now (`forget_rounds`).

    Nothing at all while the processes sharing the database disagree on the weekly schedule's settings
    (`Agreement.weekly_differs`: ``MENTORBOT_MATCHING``, ``ROUND_SCHEDULE``, ``DIGEST``, ``PROGRAMME_TIMEZONE``;
    `library_follow.Peers` logs it and tells the admins): each would move the timers to its own times a minute after
    the other, and tell the waiting members its own round date. The timers stay where they are until they agree."""
    if core.agreement.weekly_differs:
        return
    now = core.clock.now()
    zone = core.settings.programme_timezone
    for kind, setting in WEEKLY.items():
        text = getattr(core.settings, setting)
        if text is None:
            continue
        spec = parse_weekly(text)
        if kind is JobKind.ROUND:
            moves, first = round_moves(spec, zone), functools.partial(tell_next_round, core)
        else:
            moves, first = digest_moves(spec, zone, now), None
        await core.store.ensure_weekly(
            kind, next_after(spec, now, zone), now, moves=moves, communities=communities, first=first
        )
    if not cohort(core):
        await forget_rounds(core, communities)


def nearest(spec: Weekly, due: datetime, zone: str) -> datetime:
    """The time `spec` names nearest to `due` (a pending timer's time on an earlier schedule), the later one of
    two as near: the new schedule's counterpart of the week's run the timer stood for."""
    before, after = last_before(spec, due, zone), next_after(spec, due, zone)
    return before if due - before < after - due else after


def round_moves(spec: Weekly, zone: str) -> Callable[[datetime], datetime | None]:
    """Where a pending round timer due at a time `spec` does not name goes (None: it stays; a time `spec` names
    stays, even past: it runs once on return): to the round it stood for, the new schedule's time nearest to it
    (`nearest`). Past already (the zone moved east on the round's day, or the round moved earlier that day, to a
    time gone by), the week's round runs at once rather than a week later; still to come, the round runs then: the
    same day when the timer stood for that day's round (moved from 09:00 to 10:00 at 08:30), next week when it
    stood for next week's, that day's having run (the same move at 09:30: not a second round at 10:00). The waiting
    members are told that time (`tell_next_round`, then `matchmaking.round_due`)."""

    def moves(due: datetime) -> datetime | None:
        return None if named_by(spec, due, zone) else nearest(spec, due, zone)

    return moves


def digest_moves(spec: Weekly, zone: str, now: datetime) -> Callable[[datetime], datetime | None]:
    """Where a pending digest timer due at a time `spec` does not name goes (None: it stays). Its time says where
    the previous digest ended (a local week before it, `digest_span`), so it stays when it can cover the time up to
    the new schedule's: when the new schedule's time nearest to it (`nearest`) comes before it (the zone moved
    east, the digest moved to an earlier day), or has passed (it fell due while the bot was down), it runs at its
    own time, from where the previous digest ended to the new schedule's latest time. When the new schedule's time
    comes after it, still to come (the zone moved west, the digest moved to a later day), run at its own time it
    would cover only the hours or days up to the new schedule's previous time, the new schedule's first digest
    following hours or days later: it moves there instead, and that one digest covers the new schedule's week (the
    time between the previous digest's end and the start of that week is in none: the timer keeps only its time)."""

    def moves(due: datetime) -> datetime | None:
        if named_by(spec, due, zone):
            return None
        counterpart = nearest(spec, due, zone)
        return counterpart if due < counterpart and now < counterpart else None

    return moves


async def tell_next_round(core: Core, timers: Mapping[str, datetime]) -> None:
    """In a cohort programme, tell the waiting requests of the communities of `timers`, whose round timer was just
    (re)set to the time given (the round moved, or rounds began), when the next round is (`matchmaking.round_time`),
    keeping what stands in their way meanwhile
    (`matchmaking.next_round_reason`, as a round does for those it leaves waiting); a request with no reason yet
    gets what stands in its way worked out (`round_obstacle`). Nothing in a programme not matched by rounds, nor
    while the processes disagree on the weekly schedule (`Agreement.weekly_differs`)."""
    if not cohort(core) or core.agreement.weekly_differs:
        return
    for community, due in timers.items():
        upcoming = round_time(due, core.clock.now())
        for request in await core.store.list_requests(community, [RequestStatus.WAITING]):
            now_part = request.wait_reason
            if now_part is None:
                mentee = await core.store.get_member(request.member_id)
                if mentee is None:
                    continue
                now_part = await round_obstacle(core, request, mentee)
            reason = next_round_reason(core, request, now_part, upcoming=upcoming)
            if reason != request.wait_reason:
                await core.store.set_wait_reason(request.id, reason, core.clock.now())


async def forget_rounds(core: Core, communities: Sequence[str] | None = None) -> None:
    """In a programme no longer matched by rounds (``MENTORBOT_MATCHING=live``), the waiting requests still told
    of a next round (their stored reason, `matchmaking.next_round_reason`) are told why they wait now
    (`matchmaking.wait_reason`), at most `STALE_ROUND_WAITS` per call, each community in one unit of work. Only
    the communities that have had a round's timer are read (`ScheduleStore.waiting_for_a_round`): one short read
    when none is left. Nothing is offered here: the sweep, next, offers what it can. Nothing while the processes
    sharing the database disagree on the weekly schedule or on ``MENTORBOT_MATCHING`` (`Agreement.weekly_differs`):
    a process matching by rounds tells them of the next round again, a minute later."""
    if core.agreement.weekly_differs:
        return
    left = STALE_ROUND_WAITS
    for community in await core.store.waiting_for_a_round(JobKind.ROUND, communities):
        if left <= 0:
            return
        told = 0
        async with core.store.unit_of_work():
            for request in await core.store.list_requests(community, [RequestStatus.WAITING]):
                if left <= 0:
                    break
                if not _told_next_round(request.wait_reason):
                    continue
                left -= 1
                mentee = await core.store.get_member(request.member_id)
                if mentee is None:
                    continue
                reason = await wait_reason(core, request, mentee)
                if await core.store.set_wait_reason(request.id, reason, core.clock.now()):
                    told += 1
        if told:
            log.info("%s waiting request(s) of %s no longer told of a next round: matching is live", told, community)


def _told_next_round(reason: str | None) -> bool:
    """Whether a stored wait reason is a cohort programme's next round."""
    try:
        data = json.loads(reason or "")
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("key") == "wait.next_round"


def named_by(spec: Weekly, moment: datetime, zone: str) -> bool:
    """Whether `moment` is a time `spec` names in `zone`."""
    return next_after(spec, moment - timedelta(seconds=1), zone) == moment


async def digest_pictures(core: Core, job: Job) -> dict[str, Attachment | None]:
    """The charts a digest timer's `digest` will attach, one per language of its community's admins, read and
    drawn before the timer's unit of work opens: drawing at 100k members took 2.5–3.6 s, which inside the unit
    held SQLite's write lock (every command of the community waited) and a PostgreSQL connection. The chart is a
    picture of the programme seconds before the digest's figures are read; no picture for a timer that is not a
    digest's, is switched off, or has no admin to send to; None for a language whose picture could not be drawn
    (`draw`: the digest goes without it, and is not drawn again inside the unit)."""
    if job.kind is not JobKind.DIGEST or core.settings.digest is None:
        return {}
    community = await core.store.job_community(job.id)
    if community is None:
        return {}
    admins = await community_admins(core, community)
    if not admins:
        return {}
    insight = await insight_of(core, community)
    pictures: dict[str, Attachment | None] = {}
    for lang in dict.fromkeys(core.lang_of(person) for person in admins):
        t = translator(lang)
        data = charts.chart_data("supply", insight, t, core.library.taxonomy, core.settings.programme_timezone)
        pictures[t.lang] = await draw(data, t)
    return pictures


async def run_weekly(
    core: Core, job: Job, worker: str, *, pictures: Mapping[str, Attachment | None] | None = None
) -> list[Notification]:
    """Run one weekly timer (the scheduled round or the digest) and move it to its next time, in the caller's
    unit of work. A timer whose setting was switched off since runs nothing (and is marked done). Raises
    `JobTakenOver` when another worker took the timer over meanwhile (the caller's unit is then rolled back).
    `pictures`: the digest's charts drawn before the unit opened (`digest_pictures`)."""
    setting = getattr(core.settings, WEEKLY[job.kind])
    community = await core.store.job_community(job.id)
    if setting is None or community is None:
        if not await core.store.finish_job(job.id, worker):
            raise JobTakenOver(job.id)
        return []
    now = core.clock.now()
    zone = core.settings.programme_timezone
    if job.kind is JobKind.ROUND:
        notes = await scheduled_round(core, community, late=now - job.due_at)
    else:
        since, until, weeks = digest_span(parse_weekly(setting), job.due_at, now, zone)
        notes = await digest(core, community, since=since, until=until, weeks=weeks, pictures=pictures)
    # Last, as every transaction writes the jobs row (`storage.locks`); taken over since: the unit is undone.
    if not await core.store.reschedule_job(job.id, worker, next_after(parse_weekly(setting), now, zone)):
        raise JobTakenOver(job.id)
    return notes


def digest_span(spec: Weekly, due: datetime, now: datetime, zone: str) -> tuple[datetime, datetime, int]:
    """What a digest timer due at `due` and run at `now` covers: from the scheduled time before `due` to the
    latest scheduled time at or before `now` (`due` itself when run on time), and how many scheduled weeks that
    is. A run late by more than a week covers every week it missed: the timer moves to the next time after
    `now`, whose digest starts where this one ends, so each moment is in one digest.

    A timer whose time `spec` does not name was set by an earlier schedule (the setting or the zone changed since;
    a pending digest is left at its time when the new schedule's nearest time comes before it or has passed,
    `digest_moves`): the digest before it ended a local week before its time, the earlier schedule's previous
    time, and this one runs from there to the latest time `spec` names at or before `now`, where the next one, on
    the new schedule, starts."""
    latest = last_before(spec, next_after(spec, now, zone), zone)
    if named_by(spec, due, zone):
        since, until = last_before(spec, due, zone), max(due, latest)
    else:
        local = due.astimezone(ZoneInfo(zone))
        since, until = last_before(Weekly(local.weekday(), local.time()), due, zone), latest
    weeks, moment = 0, since
    while (moment := next_after(spec, moment, zone)) <= until:
        weeks += 1
    return since, until, max(weeks, 1)


def round_key(community: str, now: datetime) -> str:
    """The outbox key of the report of `community`'s scheduled round run at `now`: ``admin-round:<community>:<unix
    seconds>``. Its own to each round (a repeated key would have the adapters edit the earlier report into it), and
    admin-only (`models.ADMIN_ONLY_KEY_PREFIXES`): one held for an admin, or left undelivered by a process that
    stopped, is not shown to someone no longer an admin."""
    return f"{ROUND_KEY}{community}:{int(now.timestamp())}"


def digest_key(community: str, until: datetime) -> str:
    """The outbox key of `community`'s digest of the weeks up to `until`: ``admin-digest:<community>:<unix
    seconds>``, its own to each digest and admin-only, as `round_key`'s."""
    return f"{DIGEST_KEY}{community}:{int(until.timestamp())}"


async def scheduled_round(core: Core, community: str, *, late: timedelta = timedelta(0)) -> list[Notification]:
    """The scheduled optimal round of `community`: its offers, and each admin told what it did (offers sent,
    still waiting and why) and when the next one runs."""
    report = await round_report(core, community, fresh_reasons=True)
    log.info(
        "scheduled round in %s: %s offer(s), %s waiting (%s late)",
        community,
        len(report.result.offers),
        report.waiting,
        late,
    )
    notes = list(report.notes)
    upcoming = next_round(core)
    admins = await community_admins(core, community)
    named = await named_community(core, community) if admins else None
    for person in admins:
        t = translator(core.lang_of(person))
        zone = core.admin_zone(person)
        text = round_text(report, t, core.library.taxonomy, zone)
        if upcoming is not None:
            text += "\n" + t("schedule.next_round", at=when(upcoming, t, zone))
        title = (
            t("schedule.round_title")
            if named is None
            else t("admin_scope.round_title", community=community_name(named, t))
        )
        notes.append(core.notify(person, Reply(text, title=title), key=round_key(community, core.clock.now())))
    return notes


async def digest(
    core: Core,
    community: str,
    *,
    since: datetime,
    until: datetime,
    weeks: int = 1,
    pictures: Mapping[str, Attachment | None] | None = None,
) -> list[Notification]:
    """The digest of [`since`, `until`) for each admin of `community`, in their language, with the supply/demand
    chart. The timer's week runs from the digest's previous scheduled time to this one's (`run_weekly`), a
    local week: across a daylight saving change each instant is still in one digest. A late timer's digest
    spans the `weeks` it missed (`digest_span`), and its title says how many. Its dates and times are in the
    admin's zone, or the programme's (`Settings.programme_timezone`) when the platform gives none (Discord).
    The chart is drawn once per language, off the event loop (`draw`); `pictures` holds those drawn before the
    timer's unit of work opened (`digest_pictures`), and only a language missing there (an admin who changed
    language meanwhile) is drawn here. A picture that could not be drawn is left out, the digest saying so: the
    digest is still sent."""
    admins = await community_admins(core, community)
    if not admins:
        return []
    week = await core.store.week_digest(
        community, since, until, late_after=timedelta(minutes=core.settings.late_expiry_grace_minutes)
    )
    # The oldest wait is read from the waitlist itself (the week's figures count, but do not date, what waits);
    # its dates are the waitlist's own ("since {day}": a request back on the waitlist after its mentorship ended
    # from that day, `RequestStore.reopened_at`), so the two agree.
    waiting = await core.store.list_requests(community, [RequestStatus.WAITING])
    reopened = await core.store.reopened_at([request.id for request in waiting])
    oldest = min((reopened.get(request.id) or request.created_at for request in waiting), default=None)
    waited = None if oldest is None else core.clock.now() - oldest
    drawn: dict[str, Attachment | None] = dict(pictures or {})
    insight: Insight | None = None
    named = await named_community(core, community)
    notes: list[Notification] = []
    for person in admins:
        t = translator(core.lang_of(person))
        if t.lang not in drawn:
            insight = insight or await insight_of(core, community)
            programme_zone = core.settings.programme_timezone
            data = charts.chart_data("supply", insight, t, core.library.taxonomy, programme_zone)
            drawn[t.lang] = await draw(data, t)
        zone = core.admin_zone(person)
        chart = drawn[t.lang]
        reply = digest_reply(
            core,
            week,
            t,
            zone,
            since,
            until,
            weeks,
            chart=chart,
            undrawn=chart is None,
            community=named,
            waited=waited,
        )
        notes.append(core.notify(person, reply, key=digest_key(community, until)))
    return notes


def digest_reply(
    core: Core,
    week: WeekDigest,
    t: Translator,
    zone: str,
    since: datetime,
    until: datetime,
    weeks: int,
    *,
    chart: Attachment | None = None,
    undrawn: bool = False,
    community: str | None = None,
    waited: timedelta | None = None,
) -> Reply:
    """One admin's digest, its dates and times in `zone`, with `chart` (`undrawn`: its picture could not be drawn,
    a line says so): the week's figures as text (requests,
    matches and their median time to match as the stats say it, how many wait and, `waited`, for how long the
    oldest of them has, the average rating), and the lists
    as fields, which the platforms split where a message would be too long (why requests wait, mentors who let
    offers lapse, decline reasons; each at most `views.WHY_LINES` or `DIGEST_LINES` lines, the rest counted in one
    more). `community`: named in the title (`named_community`)."""
    lines = [
        t(
            "digest.activity",
            requests=week.new_requests,
            matches=week.matches,
            median=views.median_match(
                None if week.median_days_to_match is None else timedelta(days=week.median_days_to_match), t
            ),
        ),
        waiting_line(sum(week.waiting_reasons.values()), waited, t),
    ]
    rating = (
        t("stats.none")
        if week.average_rating is None
        else t("digest.rating_value", average=f"{week.average_rating:.1f}", ratings=week.ratings, count=week.ratings)
    )
    lines.append(t("digest.rating", rating=rating))
    if undrawn:
        lines.append(t("insight.digest_chart_undrawn"))
    fields: list[Field] = []
    why = views.why_lines(waiting_groups(week.waiting_reasons), t, core.library.taxonomy, zone)
    if why:
        fields.append(Field(t("digest.why_title"), "\n".join(f"• {line}" for line in why)))
    lapses = lapse_lines(week.lapses[:DIGEST_LINES], t)
    if len(week.lapses) > DIGEST_LINES:
        lapses.append(t("digest.lapses_more", count=len(week.lapses) - DIGEST_LINES))
    fields.append(Field(t("digest.lapses_title"), "\n".join(lapses) or t("stats.none")))
    ranked = sorted(week.decline_reasons.items(), key=lambda r: (-r[1], r[0]))
    declines = [
        t("digest.count_of", name=defuse_mentions(reason) or t("stats.no_reason"), count=count)
        for reason, count in ranked[:DIGEST_LINES]
    ]
    if len(ranked) > DIGEST_LINES:
        declines.append(t("digest.declines_more", count=sum(count for _, count in ranked[DIGEST_LINES:])))
    fields.append(Field(t("digest.declines_title"), "\n".join(declines) or t("stats.none")))
    values = {"since": day(since, zone), "until": day(until, zone)}
    key = "digest.title"
    if community is not None:  # the deployment serves several communities (`named_community`)
        key, values = "admin_scope.digest_title", {**values, "community": community_name(community, t)}
    title = t(key, **values) if weeks == 1 else t(f"{key}_weeks", count=weeks, **values)
    return Reply("\n".join(lines), title=title, fields=tuple(fields), attachments=(chart,) if chart else ())


def waiting_line(count: int, waited: timedelta | None, t: Translator) -> str:
    """How many requests wait and, from a whole day on, how many days the oldest of them (`waited`) has waited:
    "Waiting now: 3 · the oldest has waited 200 days" ("it has waited" when only one waits)."""
    if count == 0 or waited is None or waited.days < 1:
        return t("digest.waiting", count=count)
    key = "digest.waiting_for" if count == 1 else "digest.waiting_oldest"
    return t(key, waiting=count, count=waited.days)


def waiting_groups(reasons: Mapping[str, int]) -> dict[str, int]:
    """Waiting requests by stored wait reason, grouped as the round report groups them (`views.reason_group`): a
    cooldown's end to the minute, the skills in one order, a next round by what stands in its way meanwhile."""
    groups: Counter[str] = Counter()
    for reason, count in reasons.items():
        groups[views.reason_group(reason)] += count
    return dict(groups)


def lapse_lines(lapses: Sequence[Lapse], t: Translator) -> list[str]:
    """The mentors who let offers lapse, one a line, each with how many: by platform mention (`mention_of`, which
    Slack and Discord render as the member's name, in a field too, and the console as ``@name``), so that two
    Johns stay two, and not by display name: a digest held for an admin that names a mentor who is then forgotten
    is found by that mention and goes (`PrivacyStore.forget_member`)."""
    return [t("digest.count_of", name=mention_of(lapse.platform_user_id), count=lapse.count) for lapse in lapses]


# ------------------------------------------------------------------------------------------------- recruit


async def short_skills(core: Core, community: str) -> list[str]:
    """The skills of `community` short of mentors, scarcest first: those asked for by waiting requests that no
    mentor can take now, as their stored wait reasons say (`matchmaking.wait_reason`: no mentor, all paused, at
    capacity, on cooldown or excluded; in a cohort programme, what stands in the way of the next round). The wait
    reason is the matcher's own verdict, so the requester's own free places and a mentor who declined the
    requester are no supply here, as they are none for the matcher; a request a cohort's next round will place
    (nothing in its way) is not short. Most such requests first, then the slug."""
    unserved: Counter[str] = Counter()
    for slug, reason, count in await core.store.waiting_by_reason(community):
        if reason is None or views.live_reason(reason) is not None:
            unserved[slug] += count
    return [slug for slug, _ in sorted(unserved.items(), key=lambda item: (-item[1], item[0]))]


async def recruit(ctx: Context, *, skill: str | None = None) -> Reply:
    """A message an admin can post in a channel to recruit mentors: the scarcest skills (`short_skills`, or the
    `skill` tags given), how many requests wait for them (each once, however many of the skills it names; not said
    when none does), and the exact sign-up command to type. A skill the skills file no longer has (removed by a
    reload while requests still asked for it) is left out, and the admin told so: nobody could sign up for it."""
    core = ctx.core
    taxonomy = core.library.taxonomy
    community = ctx.caller.community
    left_out: list[str] = []
    # A `skill` with no tag in it ("," or ";") is no skill given: the draft names the scarcest ones.
    tags = parse_tags(skill or "")
    if tags:
        slugs = [s.slug for s in taxonomy.require_skills(tags, ctx.lang)]
        if len(slugs) > RECRUIT_SKILLS:
            raise UserError("recruit.too_many", count=len(slugs), max=RECRUIT_SKILLS)
    else:
        short = await short_skills(core, community)
        if not short:
            return Reply(ctx.t("recruit.none_scarce"))
        slugs = []
        for slug in short:  # the scarcest ones the file still has; those it no longer has, passed over, are said
            if len(slugs) == RECRUIT_SKILLS:
                break
            (slugs if slug in taxonomy else left_out).append(slug)
        if not slugs:
            return Reply(ctx.t("recruit.none_known", slugs=", ".join(left_out)))
    waiting = await core.store.waiting_for_skills(community, slugs)
    labels = views.skill_labels(taxonomy, slugs, ctx.lang)
    command = f"/mentor signup skills:{','.join(slugs)}"
    if waiting:
        draft = ctx.t("recruit.draft", skills=labels, waiting=waiting, count=waiting, command=command)
    else:
        draft = ctx.t("recruit.draft_no_wait", skills=labels, command=command)
    text = ctx.t("recruit.intro") + "\n\n" + draft
    if left_out:
        text += "\n\n" + ctx.t("recruit.left_out", slugs=", ".join(left_out))
    return Reply(text, title=ctx.t("recruit.title"))
