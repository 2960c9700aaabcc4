"""Every process keeps the skills and courses of an admin's latest ``/mentor-admin reload``.

One process answers the command and reloads the files at once; it counts the reload in the database
(`LibraryStateStore.note_library_reload`: a generation the database increments, so no two clocks are compared).
Every process looks at that count at most once a `CHECK_EVERY`: from its timer loop, and before a command it runs
(a process that runs no timers, such as a Slack HTTP worker started with ``timers=False``, follows too). A process
that cannot read the files keeps the ones it has and logs why, once per reload.

After a reload, the skill slugs stored rows use are checked against the new skills file (`settle_stored_skills`):
a slug it now has as another skill's alias (a rename) is stored as that skill's slug, in the admin's process and
again in each process that follows (which may have stored the old slug meanwhile), and the waiting requests of the
skills rows moved to are tried again (`after_renames`: their reasons were worked out with the old slug's mentors);
a slug no skill answers to is told to the admin who reloaded, in the reply, to every community's admins whose
stored rows use it, through the outbox (`tell_reload`: the start-up's keyed notice, so a later start finds them
told), and logged (`admin.reload`). The waiting requests of a removed skill are told afresh why they wait
(`reword_removed`: "no longer offered here" once no mentor offers it, their member told once).

A file changed and the bot restarted, with no reload, is checked at start-up (`settle_at_start`, which
`app.open_bot` runs once per process, after the migrations and before anything is served): renamed slugs move, and
what changed is told to the community's admins (``MENTORBOT_ADMIN_IDS``) through the outbox and logged. A removed
slug still in use is told once: the notice's key names the slugs it told (`REMOVED_KEY`), and a start that finds the
same ones told already (the outbox keeps a delivered notice a day) tells nothing. Several processes starting at once
take turns on the reloads' row (the settling counts as a reload, so running processes follow), and the later ones
find nothing left to do.

The same once-a-minute look records this process's settings and files and compares them with the other processes'
(`Peers`, `storage.fingerprints`): a disagreement is logged as an error and told to the admins once, and held in
`Core.agreement` for the use-cases that must not act on it (the weekly timers, the sweep); a schema a newer release
upgraded stops this process's work.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from mentorbot.clock import within
from mentorbot.errors import ConfigFileError
from mentorbot.i18n import Translator, translator
from mentorbot.models import Member
from mentorbot.replies import Notification, Reply
from mentorbot.storage.fingerprints import (
    LIVE_FOR,
    WEEKLY_SETTINGS,
    Agreement,
    Disagreement,
    compare,
    digest_of,
    env_name,
    file_digest,
    fingerprint_values,
)
from mentorbot.storage.insight import SkillUse
from mentorbot.storage.migrations import available_migrations
from mentorbot.usecases.admins import community_admins, community_name, named_community
from mentorbot.usecases.context import Core
from mentorbot.usecases.handler import lease, retrying
from mentorbot.usecases.matchmaking import rematch, reword_removed

log = logging.getLogger(__name__)

CHECK_EVERY: Final = timedelta(minutes=1)
"""How often a process looks whether an admin reloaded the skills and courses files in another one."""


@dataclass
class StoredSkills:
    """What stored rows use that the skills file in service no longer has as a slug, per (community, slug):
    `removed`, the slugs no skill answers to any more (matching still pairs the rows stored with one, as it
    compares slugs, but nobody can sign up for it or ask for it, nor is it shown by its name), and `renamed`, the
    slugs a skill now has as an alias or a label (moved to that skill's slug, `renames`: old → new)."""

    removed: dict[tuple[str, str], SkillUse] = field(default_factory=dict)
    renamed: dict[tuple[str, str], SkillUse] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)

    def removed_in(self, community: str) -> list[tuple[str, SkillUse]]:
        """The removed slugs `community` still uses, with how many rows use them, by slug."""
        return sorted((slug, use) for (where, slug), use in self.removed.items() if where == community)

    def renamed_in(self, community: str) -> list[tuple[str, str, SkillUse]]:
        """The renamed slugs `community` used: (old, new, how many rows moved), by old slug."""
        return sorted(
            (slug, self.renames[slug], use) for (where, slug), use in self.renamed.items() if where == community
        )


async def settle_stored_skills(core: Core) -> StoredSkills:
    """Check the slugs stored rows use against the skills file in service (after a reload): a slug the file now
    has only as another skill's alias (a rename) is stored as that skill's slug (`Store.rename_skills`, one
    transaction, past rows included), so that the mentors and requests that used it still meet the ones stored with
    the new slug; a slug no skill answers to is reported. Mentors, open requests, active mentorships and the
    community's pending or approved course suggestions count as uses; past rows are renamed too but not reported.
    Cheap when nothing changed: five grouped reads."""
    found = await survey_stored_skills(core)
    await core.store.rename_skills(found.renames)
    return found


async def survey_stored_skills(core: Core) -> StoredSkills:
    """What `settle_stored_skills` finds, changing nothing."""
    taxonomy = core.library.taxonomy
    found = StoredSkills()
    for key, use in (await core.store.skills_in_use()).items():
        slug = key[1]
        if slug in taxonomy:
            continue
        skill = taxonomy.resolve(slug)
        if skill is None:
            found.removed[key] = use
        else:
            found.renames[slug] = skill.slug
            found.renamed[key] = use
    # Past rows too (a request declined "not my skill", then closed): matching reads history by slug.
    for slug in await core.store.stored_slugs():
        skill = taxonomy.resolve(slug) if slug not in taxonomy else None
        if skill is not None:
            found.renames[slug] = skill.slug
    return found


def log_stored_skills(found: StoredSkills) -> None:
    """Log, for the operator, what `settle_stored_skills` found, summed over every community."""
    totals: dict[str, SkillUse] = {}
    for (_, slug), use in found.removed.items():
        totals[slug] = totals.get(slug, SkillUse()) + use
    for slug, use in sorted(totals.items()):
        log.warning(
            "skill %r is no longer in the skills file but stored rows use it: %s mentor(s), %s open request(s), "
            "%s active mentorship(s), %s course suggestion(s) (pending or approved); nobody can sign up for it or "
            "ask for it any more, its open requests can go only to the mentors who already offer it. Put it back, "
            "or add it to the aliases of the skill that takes its place and reload (the rows then move to that "
            "skill)",
            slug,
            use.mentors,
            use.requests,
            use.mentorships,
            use.suggestions,
        )
    for old, new in sorted(found.renames.items()):
        log.info("skill %r is now an alias of %r: stored rows moved to %r", old, new, new)


def uses_text(use: SkillUse, t: Translator) -> str:
    """What uses a skill, in words: "2 mentors, 3 open requests, 1 active mentorship, 1 course suggestion" (the parts
    that are not 0), as a reload says it."""
    parts = [
        t(key, count=count)
        for key, count in (
            ("reload.use_mentors", use.mentors),
            ("reload.use_requests", use.requests),
            ("reload.use_mentorships", use.mentorships),
            ("reload.use_suggestions", use.suggestions),
        )
        if count
    ]
    return ", ".join(parts)


REMOVED_KEY: Final = "skills.removed:"
"""How the key of a start-up's or a reload's notice to an admin begins when it tells removed slugs still in use:
then the slugs, comma-joined in order, ``@`` and when it was written (``skills.removed:podcasting,seo@2025-…``). A
start or a reload that finds the same slugs removed looks for a notice of theirs (`OutboxStore.has_keyed`, by
prefix) and tells them again only when there is none (the reloading admin's reply says them all the same). The time
makes every notice's key its own: a keyed message is edited where it was posted, and an admin told again (a day
after the last notice, once the outbox has let it go) gets a new message."""

STARTUP_TITLES: Final = ("startup_skills.title", "startup_skills.title_in")
"""The first line of a start-up's notice to admins: the bot restarted with a changed skills file (no reload); in a
deployment of several communities, the one it is about."""
RELOAD_TITLES: Final = ("reload_skills.title", "reload_skills.title_in")
"""The first line of a reload's notice to admins (`tell_reload`): an admin reloaded the skills file."""


@dataclass
class _StartupNotices:
    """What a start tells: the admins' notices, and the removed slugs (community, slug) it reports in the log
    (those told to admins now, and those of a community with no admin to tell)."""

    notes: list[Notification] = field(default_factory=list)
    logged: set[tuple[str, str]] = field(default_factory=set)


class _NothingLeft(Exception):
    """Another process, starting at the same time, settled the stored skills first: this one's unit is undone."""


async def _startup_notices(
    core: Core, found: StoredSkills, titles: tuple[str, str] = STARTUP_TITLES
) -> _StartupNotices:
    """The notices a start (or a reload: `titles`) sends each community's admins for what `found` holds: the renamed
    slugs (which move once, so are told once) and the removed slugs still in use, unless a notice told the same ones
    already."""
    out = _StartupNotices()
    for community in sorted({where for where, _ in found.removed} | {where for where, _ in found.renamed}):
        renamed = found.renamed_in(community)
        removed = found.removed_in(community)
        admins = await community_admins(core, community)
        if not admins:
            out.logged.update((community, slug) for slug, _ in removed)
            continue
        key: str | None = None
        if removed:
            told = f"{REMOVED_KEY}{','.join(slug for slug, _ in removed)}@"
            if await core.store.has_keyed([admin.id for admin in admins], told, prefix=True):
                removed = []
            else:
                key = told + core.clock.now().isoformat()
                out.logged.update((community, slug) for slug, _ in removed)
        if not renamed and not removed:
            continue
        named = await named_community(core, community)
        for admin in admins:
            t = translator(core.lang_of(admin))
            title = t(titles[0]) if named is None else t(titles[1], community=community_name(named, t))
            lines = [title]
            lines += [t("reload.renamed", slug=old, new=new, uses=uses_text(use, t)) for old, new, use in renamed]
            lines += [t("reload.removed_in_use", slug=slug, uses=uses_text(use, t)) for slug, use in removed]
            out.notes.append(core.notify(admin, Reply("\n".join(lines)), key=key))
    return out


async def tell_reload(core: Core, found: StoredSkills, by: Member) -> list[Notification]:
    """What an admin's reload tells the admins of every community whose stored rows use what `found` holds (the
    start-up's notices, `_startup_notices`, worded for a reload): the renamed slugs, and the removed ones still in use
    unless a notice told the same ones already, keyed `REMOVED_KEY` so that a later start finds them told. The admin
    who reloaded (`by`) is not sent theirs: their reply says it. It is recorded delivered all the same, so that a
    start finds their community told when they are its only admin. The notices for the others, to deliver."""
    told = await _startup_notices(core, found, RELOAD_TITLES)
    answered = [note for note in told.notes if note.member_id == by.id and note.key is not None]
    if answered:
        now = core.clock.now()
        written = await core.store.enqueue(answered, now, core.worker_id, lease=lease(core))
        await core.store.mark_delivered(written, now, core.worker_id)
    return [note for note in told.notes if note.member_id != by.id]


async def hand_over_elsewhere(core: Core, notes: list[Notification], here: str) -> list[Notification]:
    """The notifications of `notes` for members of `here` (the community of the command that made them, whose
    process delivers them at once); the others are written to the outbox and handed over at once, as a start-up's
    notices are, for the process serving their community to deliver (the one that made them may serve another
    platform's communities only)."""
    await core.hand_over([note for note in notes if note.community != here])
    return [note for note in notes if note.community == here]


async def after_renames(core: Core, found: StoredSkills) -> list[Notification]:
    """After `settle_stored_skills` moved rows to the skills that took a renamed slug's place: try again the waiting
    requests of those skills in each community where mentors or requests moved (`matchmaking.rematch`, as when a
    mentor signs up). A moved request's reason was worked out with the old slug's mentors ("no mentor offers SEO
    yet" while SEO's mentors are at capacity), and a moved mentor may take a request of the new slug at once: told
    afresh, it would read "at capacity". In a cohort programme nothing is offered and the reasons are worked out
    afresh. The notifications of the offers made."""
    moved: dict[str, set[str]] = {}
    for (community, old), use in found.renamed.items():
        if use.mentors or use.requests:
            moved.setdefault(community, set()).add(found.renames[old])
    notes: list[Notification] = []
    for community, skills in sorted(moved.items()):
        notes.extend(await rematch(core, community, sorted(skills)))
    return notes


async def reword_removed_skills(core: Core, found: StoredSkills, back: Collection[str] = ()) -> int:
    """Work out afresh why the waiting requests of the slugs `found` holds as removed wait, in each community whose
    open requests use them, and of the skills a reload put `back` in the file (`matchmaking.reword_removed`: only
    those whose reason says otherwise of a skill than the file does now). How many were worked out afresh."""
    wanted: dict[str, set[str]] = {}
    for (community, slug), use in found.removed.items():
        if use.requests:
            wanted.setdefault(community, set()).add(slug)
    if back:
        for (community, slug), use in (await core.store.skills_in_use()).items():
            if use.requests and slug in back:
                wanted.setdefault(community, set()).add(slug)
    looked = 0
    for community, slugs in sorted(wanted.items()):
        looked += await reword_removed(core, community, sorted(slugs))
    return looked


async def settle_at_start(core: Core) -> bool:
    """Check the slugs stored rows use against the skills file this process loaded, once at start-up, as an
    admin's reload does (`settle_stored_skills`): for a file edited and the bot restarted with no
    ``/mentor-admin reload``. A renamed slug moves to its skill; the community's admins are told what moved and
    which removed slugs stored rows still use (`_startup_notices`, through the outbox: any process delivers them),
    and the log says it too (`log_stored_skills`). Whether anything was changed or told.

    With nothing to move or tell (every start after the first with the same files), a few reads and no write. Else,
    one unit of work: the settling counts as a reload (`LibraryStateStore.note_library_reload`), whose row lock
    makes processes starting at once take turns; each looks again under it, and one that finds nothing left undoes
    its unit (no reload counted, nothing told twice). The processes already running follow the count: they read the
    files again (the same ones, when they share them) and move what they stored with the old slugs meanwhile.

    The waiting requests of the skills rows moved to are tried again in that unit (`after_renames`); those of a
    removed slug are told afresh why they wait, in a unit of their own (`reword_removed_skills`: a few reads when
    they say it already)."""
    found = surveyed = await survey_stored_skills(core)
    told = await _startup_notices(core, found)
    if found.renames or told.notes:
        now = core.clock.now()

        async def unit() -> tuple[int, StoredSkills, _StartupNotices]:
            async with core.store.unit_of_work():
                generation = await core.store.note_library_reload(now)  # the turn: held until the unit ends
                settled = await settle_stored_skills(core)
                notices = await _startup_notices(core, settled)
                if not settled.renames and not notices.notes:
                    raise _NothingLeft
                # No deliverer runs yet: any process's timers deliver them.
                await core.hand_over([*notices.notes, *await after_renames(core, settled)])
            return generation, settled, notices

        try:
            generation, found, told = await retrying(core, unit, "the start-up's check of the stored skills")
        except _NothingLeft:
            found, told = StoredSkills(), _StartupNotices()
        else:
            core.library.followed = generation
    if any(use.requests for use in surveyed.removed.values()):
        await retrying(
            core, lambda: _reword_unit(core, surveyed), "the start-up's check of the removed skills' requests"
        )
    logged = StoredSkills(
        removed={key: use for key, use in found.removed.items() if key in told.logged},
        renamed=found.renamed,
        renames=found.renames,
    )
    log_stored_skills(logged)
    if found.renames or told.notes:
        log.info(
            "skills stored rows use checked against the skills file at start-up: %s slug(s) renamed, "
            "%s notice(s) to admins",
            len(found.renames),
            len(told.notes),
        )
        return True
    return False


async def _reword_unit(core: Core, found: StoredSkills) -> int:
    async with core.store.unit_of_work():
        return await reword_removed_skills(core, found)


async def _rematch_unit(core: Core, found: StoredSkills) -> None:
    """`after_renames` in a unit of its own, its offers written to the outbox for any process to deliver."""
    async with core.store.unit_of_work():
        await core.hand_over(await after_renames(core, found))


class LibraryFollower:
    """Reloads this process's files when an admin reloaded them elsewhere (`Library.followed`: the count of
    reloads its files include)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._started = core.clock.now()
        """When this process read the files: a reload counted before then is in them."""
        self._checked_at: datetime | None = None
        self.peers = Peers(core)
        """Compares this process's settings with the other processes' at each look."""

    async def check(self) -> bool:
        """Look, unless this process looked less than `CHECK_EVERY` ago; whether the files were reloaded. Never
        raises: a command or a timer run goes on with the files it has when the database cannot say (it says so
        itself, to whoever asked)."""
        now = self.core.clock.now()
        if within(self._checked_at, now, CHECK_EVERY):
            return False
        self._checked_at = now
        try:
            followed = await self.follow()
        except Exception as exc:  # the database away: looked at again after CHECK_EVERY
            log.warning("could not look whether an admin reloaded the skills and courses files: %s", exc)
            followed = False
        await self.peers.look()
        return followed

    async def follow(self) -> bool:
        """Reload the files when the database counts a reload this process has not followed; whether it did."""
        library = self.core.library
        state = await self.core.store.library_reloads()
        if state is None:
            return False
        seen = library.followed
        if seen is not None and state.generation <= seen:
            return False
        library.followed = state.generation
        # The first look: the files as read at start include every reload counted before then.
        if seen is None and state.reloaded_at <= self._started:
            return False
        try:
            snapshot = library.reload()
        except ConfigFileError as exc:
            log.error("an admin reloaded the skills and courses files, but this process cannot read them: %s", exc)
            return False
        log.info(
            "skills and courses files reloaded, as an admin did: %s skills, %s courses",
            len(snapshot.taxonomy),
            len(snapshot.catalog),
        )
        # What this process stored with its old files since the admin's reload (renamed slugs) moves too; the
        # admin's process has reported what is left over, to the admin and in its log.
        try:
            found = await settle_stored_skills(self.core)
        except Exception as exc:  # the files are in service all the same; the next reload checks again
            log.warning("could not check the skills stored rows use against the reloaded file: %s", exc)
        else:
            for old, new in sorted(found.renames.items()):
                log.info("skill %r is now an alias of %r: stored rows moved to %r", old, new, new)
            # What this process stored with the old slugs moved: its waiting requests are tried again.
            if found.renamed:
                try:
                    await retrying(self.core, lambda: _rematch_unit(self.core, found), "the renamed skills' requests")
                except Exception as exc:  # the sweep tries them again
                    log.warning("could not try again the requests of the renamed skills: %s", exc)
        return True


DRIFT_KEY: Final = "drift:"
"""How the key of a notice telling a community's admins that processes disagree begins: then `Disagreement.key`,
the same in both processes, so it is told once (`OutboxStore.has_keyed`; the outbox keeps a delivered notice a
day: a disagreement that lasts is told again the next day, by a process that finds it anew)."""


def describe_disagreement(found: Disagreement, here: str) -> str:
    """A disagreement for the operator's log: each setting with both values (a file by its SHA-256), and what is
    held back until they agree."""
    parts = []
    for diff in found.differences:
        if diff.is_file:
            parts.append(f"{env_name(diff.setting)} differs (SHA-256 {diff.mine[:12]} here, {diff.theirs[:12]} there)")
        else:
            parts.append(f"{env_name(diff.setting)} is {diff.mine!r} here and {diff.theirs!r} there")
    held = ""
    if found.settings & WEEKLY_SETTINGS:
        held += "; until they agree, no process moves the weekly round and digest timers or rewrites the round dates "
        held += "waiting members were told"
    if "matching" in found.settings:
        held += "; and no process's sweep offers waiting requests"
    return (
        f"processes sharing this database disagree: this process ({here}) and {', '.join(found.workers)}: "
        f"{'; '.join(parts)}{held}. Give every process the same settings and files and restart the ones that differ "
        "(docs/deploy.md, 'Several processes must agree')"
    )


def _admins_of(value: str, community: str) -> str:
    """Of a recorded ``MENTORBOT_ADMIN_IDS`` value, the entries that make admins of `community` (those of every
    community and those scoped to it: `context.admin_keys_of`), as written: another community's are not shown to
    this one's admins."""
    return ",".join(e for e in value.split(",") if e and e.rpartition(":")[0] in ("", community))


def disagreement_text(
    found: Disagreement, here: str, t: Translator, named: str | None, community: str | None = None
) -> str:
    """The admins' notice of a disagreement, in `t`'s language (`named`: the community named when the deployment
    serves several). ``MENTORBOT_ADMIN_IDS`` is shown as it applies to `community`, the recipients' own."""
    title = t("drift.title") if named is None else t("drift.title_in", community=community_name(named, t))
    lines = [title]
    workers = ", ".join(found.workers)
    for diff in found.differences:
        setting = env_name(diff.setting)
        if diff.is_file:
            lines.append(
                t("drift.file", setting=setting, mine=diff.mine[:12], theirs=diff.theirs[:12], here=here, there=workers)
            )
            continue
        mine, theirs = diff.mine, diff.theirs
        if diff.setting == "admin_ids" and community is not None:
            mine, theirs = _admins_of(mine, community), _admins_of(theirs, community)
            if mine == theirs:
                lines.append(t("drift.admins_elsewhere", setting=setting))
                continue
        mine = mine or t("drift.not_set")
        theirs = theirs or t("drift.not_set")
        lines.append(t("drift.setting", setting=setting, mine=mine, theirs=theirs, here=here, there=workers))
    if found.settings & WEEKLY_SETTINGS:
        lines.append(t("drift.weekly_held"))
    if "matching" in found.settings:
        lines.append(t("drift.sweep_held"))
    lines.append(t("drift.fix"))
    return "\n".join(lines)


class Peers:
    """This process's fingerprint (`storage.fingerprints`), recorded and compared with the other processes' at each
    look of the `LibraryFollower` (once a minute, from the timer loop and before commands) and at start-up. What it
    finds is the process's `Core.agreement`. A disagreement is logged as an error once (per pair of fingerprints) and
    told to every community's admins once, through the outbox (`DRIFT_KEY`), once the other process is seen looking
    again after this one found it (not the row a process killed a moment ago left: that one is logged as
    information). A schema version above this
    release's (a newer release upgraded the database while this one runs) is logged as an error once; the process
    then stops claiming work (`Agreement.schema_newer`: `timers.Timers.run_due`, `MentorBot.undelivered`, ...)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._files: tuple[object, dict[str, str]] | None = None
        self.enabled = True
        """Whether this process records and compares its fingerprint (`MentorBot`'s ``peers``: a serving process)."""
        self._logged: set[str] = set()
        self._noted: set[str] = set()
        self._told: set[str] = set()
        self._found_at: dict[str, datetime] = {}
        self._schema_logged: int | None = None
        self._known: int | None = None

    def files(self) -> dict[str, str]:
        """The SHA-256 of the skills and courses files in service: read when the files were (at start-up, at a
        reload: the snapshot in service is another), not at each look (a file edited and not reloaded is not in
        service)."""
        library = self.core.library
        current = library.current
        if self._files is None or self._files[0] is not current:
            digests = {
                "skills_file": file_digest(library.skills_file),
                "courses_file": file_digest(library.courses_file),
            }
            self._files = (current, digests)
        return self._files[1]

    def values(self) -> dict[str, str]:
        """What this process records (`fingerprint_values`)."""
        return fingerprint_values(self.core.settings, self.files())

    def known(self) -> int:
        """The newest schema version this release knows."""
        if self._known is None:
            found = available_migrations(self.core.store.db.dialect)
            self._known = found[-1].version if found else 0
        return self._known

    async def look(self) -> Agreement:
        """Record this process's fingerprint and compare it with the other live processes'; the `Agreement` found
        (the one before when the database cannot say: logged as a warning). Never raises. Nothing in a process that
        serves no platform (not `enabled`: a one-off command, the console, a simulation), whose settings and clock
        are its own (the console's ``--lang``, its ``/clock``) and which would otherwise count as a peer."""
        if not self.enabled:
            return self.core.agreement
        try:
            return await self._look()
        except Exception as exc:  # the database away: the next look tries again
            log.warning("could not compare this process's settings with the other processes': %s", exc)
            return self.core.agreement

    async def _look(self) -> Agreement:
        core = self.core
        store = core.store
        now = core.clock.now()
        version = await store.applied_schema_version()
        known = self.known()
        if version > known:  # a newer release's schema: nothing more is written to it
            core.agreement = Agreement(core.agreement.disagreements, version, known, core.agreement.peers)
            if self._schema_logged != version:
                self._schema_logged = version
                log.error(
                    "the database schema is version %s, newer than this MentorBot's %s: a newer release upgraded it "
                    "while this process runs. This process no longer runs timers, delivers the outbox, recovers "
                    "recorded events nor runs commands that change anything, and /readyz says it is not ready: stop "
                    "it and run the new release (docs/deploy.md, 'Upgrading several processes')",
                    version,
                    known,
                )
            return core.agreement
        mine = self.values()
        digest = digest_of(mine)
        await store.record_fingerprint(core.worker_id, digest, mine, now)
        others = [p for p in await store.live_fingerprints(now - LIVE_FOR) if p.worker_id != core.worker_id]
        found = compare(mine, digest, others)
        before = core.agreement
        core.agreement = Agreement(found, None, known, tuple(others))
        if before.schema_newer is not None:
            log.info("the database schema is this MentorBot's again (version %s): this process works again", version)
        if before.disagreements and not found:
            log.info("the processes sharing this database agree on their settings and files again")
        # A disagreement that ended is found afresh if it comes back (the other process must be seen again).
        keys = {disagreement.key for disagreement in found}
        self._found_at = {key: at for key, at in self._found_at.items() if key in keys}
        for disagreement in found:
            found_at = self._found_at.setdefault(disagreement.key, now)
            # Logged as an error and told once the other process is seen looking again after this one found it: a
            # process restarted with new settings finds the row its predecessor left a moment before it was killed,
            # which stops counting after `LIVE_FOR` and is no disagreement to tell anyone about (what it holds back
            # meanwhile is logged, once, as information).
            alive = any(p.seen_at > found_at for p in others if p.digest == disagreement.theirs)
            if not alive:
                if disagreement.key not in self._noted:
                    self._noted.add(disagreement.key)
                    log.info(
                        "another process's settings, last recorded at %s, differ from this one's; it is taken as "
                        "live, and what it differs on held back, until it is seen again or %s minutes have passed: %s",
                        max(p.seen_at for p in others if p.digest == disagreement.theirs).isoformat(),
                        int(LIVE_FOR.total_seconds() // 60),
                        describe_disagreement(disagreement, core.worker_id),
                    )
                continue
            if disagreement.key not in self._logged:
                self._logged.add(disagreement.key)
                log.error("%s", describe_disagreement(disagreement, core.worker_id))
            if disagreement.key not in self._told:
                await self._tell(disagreement)
                self._told.add(disagreement.key)
        return core.agreement

    async def _tell(self, found: Disagreement) -> None:
        """Tell every community's admins (by this process's ``MENTORBOT_ADMIN_IDS``) of `found`, unless a notice
        of it was written for them already (by this process or the other)."""
        core = self.core
        key = f"{DRIFT_KEY}{found.key}"
        notes: list[Notification] = []
        for community in await core.store.member_communities():
            admins = await community_admins(core, community)
            if not admins or await core.store.has_keyed([admin.id for admin in admins], key):
                continue
            named = await named_community(core, community)
            for admin in admins:
                text = disagreement_text(found, core.worker_id, translator(core.lang_of(admin)), named, community)
                notes.append(core.notify(admin, Reply(text), key=key))
        if notes:
            async with core.store.unit_of_work():
                await core.hand_over(notes)
