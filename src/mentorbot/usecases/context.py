"""What every use-case works with: who calls (`Caller`), the services (`Core`) and one call's `Context`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mentorbot.clock import Clock
from mentorbot.formatting import zone_of
from mentorbot.i18n import LANGUAGES, Translator
from mentorbot.library import Library
from mentorbot.models import Member, user_key
from mentorbot.replies import Notification, Reply
from mentorbot.settings import Settings
from mentorbot.storage.fingerprints import Agreement
from mentorbot.storage.store import Store
from mentorbot.text_safety import has_broken_characters, storable
from mentorbot.usecases import views


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the adapter knows it.

    `community` names the Discord guild / Slack workspace (``discord:123``, ``slack:T1``, ``console``);
    `is_admin` is the platform's own fact (Manage Server, workspace admin), to which the settings' admin ids
    are added; `event_id` lets duplicate deliveries be recognised; `channel` is where the member used the bot;
    `timezone` is the member's zone when the platform knows it (Slack does). What the platform sent is made
    storable (`text_safety.storable`): a lone surrogate in a display name cannot reach the database.
    """

    community: str
    user_id: str
    display_name: str
    is_admin: bool = False
    event_id: str | None = None
    channel: str | None = None
    timezone: str | None = None
    inbox_id: int | None = None
    """The event's row in the inbox, when the adapter recorded it before acknowledging it: the use-case then
    marks it processed in its own transaction (exactly once), and the inbox, not `event_id`, recognises a
    redelivery."""
    answered_at: datetime | None = None
    """When the member sent the event, for one recovered from the inbox after its process died (its row's
    ``created_at``): an answer to an offer counts as made then, not when the recovery runs it (an Accept recorded
    before the offer's deadline and processed after an outage is in time). None for a live event: now."""

    def answered(self, now: datetime) -> datetime:
        """When this call's answer to an offer counts as made: `answered_at` for a recovered event (never later
        than `now`), else `now`."""
        return now if self.answered_at is None else min(self.answered_at, now)

    def __post_init__(self) -> None:
        for name in ("community", "user_id", "display_name", "event_id", "channel", "timezone"):
            value = getattr(self, name)
            if isinstance(value, str) and has_broken_characters(value):
                object.__setattr__(self, name, storable(value))


@dataclass
class Core:
    """The services the use-cases share (one per process): the store, the skills and courses, the settings
    and the clock, with the few questions every use-case asks of them."""

    store: Store
    library: Library
    settings: Settings
    clock: Clock
    worker_id: str = "worker"
    """Names this process in the leases it takes (timers, outbox rows)."""
    agreement: Agreement = field(default_factory=Agreement)
    """What this process's latest look at the other processes sharing the database found (`usecases.library_follow`):
    the settings they disagree on, a schema newer than this release's."""

    def is_admin(self, caller: Caller) -> bool:
        """Whether `caller` may use admin commands: the platform says so, or the settings list their id for the
        caller's community (`admin_keys`; in the console, in any case: its ids are names, see `models.user_key`)."""
        if caller.is_admin:
            return True
        return user_key(caller.community, caller.user_id) in self.admin_keys(caller.community)

    def admin_keys(self, community: str) -> list[str]:
        """The user ids (as `models.user_key` stores them) that ``MENTORBOT_ADMIN_IDS`` makes admins of
        `community`, in the setting's order, each once: its plain entries (every community's admins) and those
        scoped to it (``<community>:<user id>``, checked by `Settings`). An entry scoped to another community
        does not count here: a coordinator of one server is an ordinary member of the others."""
        return admin_keys_of(self.settings.admin_ids, community)

    def admin_zone(self, admin: Member) -> str:
        """The zone an admin reads the programme's dates in (the digest, a round's report, the waitlist): theirs, or
        the programme's (`Settings.programme_timezone`) when their platform gives none (Discord), as the schedules
        are."""
        return zone_of(admin) or self.settings.programme_timezone

    def lang_of(self, member: Member | None) -> str:
        """The language to address `member` in: their choice, else the community default."""
        if member is not None and member.language in LANGUAGES:
            return member.language
        return self.settings.default_language

    def label(self, slug: str, lang: str) -> str:
        """A skill's label in `lang` (the slug itself if the taxonomy no longer has it)."""
        return views.skill_label(self.library.taxonomy, slug, lang)

    def labels(self, slugs: Sequence[str], lang: str) -> str:
        """Skill labels joined for a sentence."""
        return views.skill_labels(self.library.taxonomy, slugs, lang)

    @property
    def lease(self) -> timedelta:
        """The inbox's and the outbox's lease (``MENTORBOT_LEASE_SECONDS``)."""
        return timedelta(seconds=self.settings.lease_seconds)

    async def hand_over(self, notes: Sequence[Notification]) -> None:
        """Write `notes` to the outbox, in the caller's unit of work, and hand them over at once for any process's
        delivery: those no command's answer carries (a start-up's, a reload's for other communities, a reason worked
        out afresh), which the process that made them may not deliver (another platform's community, or no deliverer
        running yet)."""
        if not notes:
            return
        now = self.clock.now()
        written = await self.store.enqueue(list(notes), now, self.worker_id, lease=self.lease)
        await self.store.hand_over(written, self.worker_id, now)

    def notify(self, member: Member, reply: Reply, key: str | None = None) -> Notification:
        """A direct message to `member` (`reply` already written in their language), routed by its community."""
        return Notification(
            member.id, member.platform_user_id, reply, key, community=member.community, language=self.lang_of(member)
        )

    def checkin_at(self, now: datetime) -> datetime:
        """When a mentorship that starts `now` gets its check-in."""
        return now + timedelta(days=self.settings.checkin_days)


def admin_keys_of(admin_ids: Sequence[str], community: str) -> list[str]:
    """The user ids (as `models.user_key` stores them) that the ``MENTORBOT_ADMIN_IDS`` entries `admin_ids` make
    admins of `community` (`Core.admin_keys`; also another process's entries, as it recorded them:
    `storage.fingerprints`)."""
    keys: dict[str, None] = {}
    for entry in admin_ids:
        scope, _, user_id = entry.rpartition(":")  # a community's id holds ':', a user id does not
        if not scope or scope == community:
            keys[user_key(community, user_id)] = None
    return list(keys)


@dataclass
class Context:
    """One use-case call: the core, the caller as a member, their language (`t`: a use-case that changes it
    replaces it), and what to tell others."""

    core: Core
    caller: Caller
    member: Member
    t: Translator
    is_admin: bool
    notifications: list[Notification] = field(default_factory=list)

    @property
    def lang(self) -> str:
        """The caller's language."""
        return self.t.lang

    def tell(self, notes: Sequence[Notification]) -> None:
        """Add notifications for others to this call's outcome."""
        self.notifications.extend(notes)
