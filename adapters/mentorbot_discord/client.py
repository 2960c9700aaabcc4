"""The Discord client of MentorBot: interactions in, core calls, Discord messages out.

What happens to each gateway event (INTERACTION_CREATE):

- a slash command → `MentorBotClient.run_command`: a `Caller` for the member in that guild
  (community ``discord:<guild id>``), the core use-case, then the ephemeral reply, the held notices as extra
  ephemeral follow-ups, and the notifications as DMs. The reply is sent at once when the core answers within
  `defer_after` seconds of the interaction's creation (recording it counts); otherwise, and always for commands
  marked slow, the interaction is deferred first ("MentorBot is thinking…") and the reply follows, so Discord's
  3-second rule is met; a reply Discord refuses as too late (10062; or 50027, the interaction's token past its
  15 minutes, the core having taken that long) goes by DM (`_answer_expired`), as does a click's;
- a button click → `press_button`: `mentorbot.commands.execute_button`, then the clicked message is updated to
  the outcome, or the clicker alone is told why not (someone else's offer, a second click…);
- a feedback button (`FORM_ACTIONS`: "give feedback", the check-in's "end and give feedback") → `open_form`
  asks the core whether feedback is still to give (`MentorBot.feedback_form`) and answers with the feedback
  modal (`forms.FeedbackModal`), or else as a click with the core's answer ("already given": the message turns
  into it); the submission, read from its payload by `on_interaction` (no form is kept in memory), →
  `submit_form`, recorded and run like ``/mentor feedback`` (or ``/mentor end``), and answered by turning the
  message the form came from into the outcome, as a click is;
- an autocomplete → `skill_choices` (taxonomy search), answered directly, counted against a bucket of its own
  per member (`MentorBotClient.autocomplete_limiter`): past it, no choices and no database read;
- anything in a DM with the bot (no guild, so no community) is refused with a localized message, except the
  buttons of DMs the bot sent, which carry their guild in their custom id.

Each command and click is first recorded in the core's inbox (`record`, before it is deferred or answered; see
`inbox`): a redelivery does nothing, and what a process that died left undone is run and answered by
`recover` (through the interaction's follow-up webhook while its token is valid, else by DM). The exception is
a quick read (`Command.read_only`, `Pace.QUICK`: ``/mentor status``, ``/courses``…), answered in its first
callback: it changes nothing and, unanswered, acknowledges nothing (Discord tells the member the bot did not
respond), so it is not recorded in the inbox; it is recorded only if it must be deferred (`_answer_read`).
A command, click or form submission over the member's rate limit is refused in its first callback before any
of that (`_over_limit`, `MentorBot.admit`: no token taken, the database read only to refuse in the member's
language), with nothing recorded.

Notifications are DMs. Discord puts all of the bot's DMs to one user in one DM channel, whatever server they are
about, so when the bot is in more than one server (as this process knows them), every DM names the server it comes
from (`dm_server`): a notification, an answer and held notices sent by DM, a DM turned into the answer to its button
(an answer shown to the clicker alone, under the DM they clicked, does not). With one server, DMs do not name it.
When Discord refuses one (DMs closed, code 50007), the core holds it (`MentorBot.hold_undelivered`) and shows it
with the member's next reply. When it fails for a transient reason
(`transient`: HTTP 5xx or 429, a network error or timeout, the bot's token refused with a 401; discord.py itself
retries 500/502/504/524 a few times and waits out rate limits up to `RATE_LIMIT_WAIT_MAX` seconds first), the core
tries it again later from the outbox (`MentorBot.retry_later`), after at least the ``Retry-After`` Discord gave (a
refused token: `AUTH_RETRY_SECONDS`, and one ERROR line). Under Discord's global rate limit, past that wait, the
rest of a batch goes back to the outbox until it ends, unsent (`deliver`). A notification with a `key`
(``offer:12``) is recorded (its DM channel and message id, in the database: `SentMessages`), and a later one with
the same key for the same member edits that DM in place, whichever process delivers it (a restart, another
shard's process): the offer's buttons go when it expires or is withdrawn (`_edit_keyed`). An answer that turns a
keyed DM into it (a click on it, a form opened from it: `clicked_key`; an offer answered elsewhere:
`_update_offer_dm`) whose edit Discord fails for a passing reason, after discord.py's own tries, goes to the outbox
as that key's newest version and edits the DM later the same way (`_edit_later`): it does not keep its live buttons.

A server the bot is not in (removed from it, or the server deleted) runs no programme by DM, though its members may
still share another server with the bot and so get its DMs: an offer of it is not sent but held (`_withhold_offer`;
it then expires as undelivered, no lapse), and an answer to one (its buttons, ``/mentor accept|decline``) is refused
(`_removed_refusal`). Other notices of that server still go: see `_deliver_one`.

When a command or click has been answered and its DMs sent, the client dispatches the event
``mentorbot_interaction`` (listeners: ``on_mentorbot_interaction(interaction, outcome)``), for metrics and tests;
when an interaction is refused outside a guild, ``mentorbot_refused`` (``on_mentorbot_refused(interaction)``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, Final

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

from mentorbot.app import Sending, still_to_send, took
from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import (
    FORM_ACTIONS,
    ITEM_ACTIONS,
    caller_language,
    execute_button,
    needs_admin,
    submit_feedback_form,
)
from mentorbot.commands.running import form_may_open
from mentorbot.errors import UserError, database_down, database_failure, unexpected
from mentorbot.i18n import Translator, translator
from mentorbot.observability import BusyRefusals
from mentorbot.ratelimit import RateLimiter, member_key
from mentorbot.replies import Notification, Outcome, Reply
from mentorbot.retries import AUTH_RETRY_SECONDS, RETRY_AFTER_CAP, Alarm, TransientFailure
from mentorbot.sent_messages import SentMessages, pair_codec
from mentorbot.settings import DiscordSettings, Settings
from mentorbot.usecases.offer_messages import offer_of
from mentorbot_discord.forms import FeedbackModal, submission
from mentorbot_discord.guard import guard_interactions, mistyped_option
from mentorbot_discord.inbox import Recorded, command_args, event_id
from mentorbot_discord.membership import Lookup, Membership
from mentorbot_discord.picks import complete
from mentorbot_discord.plugin import COMMUNITY_PREFIX, shard_options
from mentorbot_discord.ports import Interaction
from mentorbot_discord.render import ALLOWED_MENTIONS, ActionButton, DiscordMessage, Server, given_back, render
from mentorbot_discord.slash import command_list

log = logging.getLogger("mentorbot.discord")

RATE_LIMIT_WAIT_MAX: Final = 30.0
"""The longest rate limit (seconds) discord.py waits out in-process (its `max_ratelimit_timeout`, which may not be
lower); past it the call raises `discord.RateLimited` and a notification is retried from the outbox instead."""

DELIVERY_ERRORS: Final = (discord.HTTPException, discord.RateLimited, aiohttp.ClientError, asyncio.TimeoutError)
"""What a failed DM raises: Discord's answer, a rate limit too long to wait, the network, a timeout."""


INVALID_WEBHOOK_TOKEN: Final = 50027
"""Discord's code for a 401 that refuses an interaction's own token (past its 15 minutes), not the bot's."""

TOKEN_ALARM: Final = Alarm()
"""One ERROR line at most every ten minutes while Discord refuses the bot's token (not one per notification); a
refused token is retried no sooner than `AUTH_RETRY_SECONDS` apart, as Slack's."""

MESSAGE_GONE: Final = frozenset({10008, 10003})
"""Discord's codes (with a 404) that say a DM to edit is gone: "Unknown Message", "Unknown Channel". Only then is
where it was forgotten (`MentorBotClient._edit_keyed`)."""


def token_refused(exc: discord.HTTPException) -> bool:
    """Whether Discord refused the bot's own token (HTTP 401; not an interaction's expired token, 50027)."""
    return exc.status == 401 and exc.code != INVALID_WEBHOOK_TOKEN


def transient(exc: BaseException) -> TransientFailure | None:
    """Whether a failed Discord call may succeed if tried later (HTTP 5xx or 429, a rate limit, the network, a
    timeout, the bot's token refused: `token_refused`, then at least `AUTH_RETRY_SECONDS` later), with the wait
    Discord asked for; None for a refusal that will not go away (DMs closed, unknown user, missing access…)."""
    if isinstance(exc, discord.RateLimited):
        return TransientFailure(exc.retry_after, "rate limited")
    if isinstance(exc, discord.HTTPException):
        if exc.status >= 500 or exc.status == 429:
            header = exc.response.headers.get("Retry-After") if exc.response is not None else None
            return TransientFailure(_seconds(header), f"HTTP {exc.status}")
        if token_refused(exc):
            _alarm_token_refused()
            return TransientFailure(AUTH_RETRY_SECONDS, "HTTP 401: the bot token is refused")
        return None
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError):
        return TransientFailure(None, type(exc).__name__)
    return None


def _alarm_token_refused() -> None:
    """One clear ERROR line (never the token) while Discord refuses the bot's token (`TOKEN_ALARM`)."""
    if not TOKEN_ALARM.due():
        return
    log.error(
        "Discord refused MentorBot's bot token (HTTP 401): nothing can be sent until it works again; notifications "
        "wait in the outbox and are retried, then held for the members' next commands after their last try. Reset "
        "the token (Developer Portal, Bot, Reset Token) and set MENTORBOT_DISCORD__TOKEN to it"
    )


def global_rate_limit(status: int, headers: Mapping[str, str]) -> float | None:
    """The wait (seconds, its ``Retry-After``) of Discord's global rate limit, when an answer is one (HTTP 429 with
    ``X-RateLimit-Global: true`` or ``X-RateLimit-Scope: global``: every route is limited, not one); else None."""
    if status != 429:
        return None
    scope = (headers.get("X-RateLimit-Scope") or "").lower()
    if scope != "global" and (headers.get("X-RateLimit-Global") or "").lower() != "true":
        return None
    return _seconds(headers.get("Retry-After"))


def _seconds(header: str | None) -> float | None:
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None


UNKNOWN_INTERACTION: Final = 10062
"""Discord's error code for an interaction it no longer takes a first answer for (past its 3 seconds)."""

EXPIRED: Final = frozenset({UNKNOWN_INTERACTION, INVALID_WEBHOOK_TOKEN})
"""Discord's codes that say an interaction takes no answer any more: its first one came after its 3 seconds
(10062), or its token is past its 15 minutes (50027, a 401 for the follow-up or the edit of a deferred answer). Its
answer then goes by DM (`_answer_expired`)."""


def expired(exc: discord.HTTPException) -> bool:
    """Whether Discord refused an answer because its interaction expired (`EXPIRED`), not for what it says."""
    return exc.code in EXPIRED


RECORD_WAIT_MAX: Final = 0.4
"""How long (seconds) the deferral of a slow quick read waits for its inbox write (`_answer_read`): with
`defer_after` at 2, it still reaches Discord within its 3 seconds when the database is slow."""

LANGUAGE_WAIT_MAX: Final = 0.5
"""How long (seconds) an answer that no `Outcome` gives the language of (a skill autocomplete, a refusal, an apology)
waits for the member's language from the database (`MentorBotClient._translator`): Discord takes an autocomplete's
choices within 3 seconds of the keystroke, and a slow database must not make every keystroke miss them. Past it, the
language last read for the member (`LANGUAGES_KEPT`), else the default one; the read goes on, for the next time."""

LANGUAGES_KEPT: Final = 4096
"""The members whose language this process keeps (the last read of each, the least recently read dropped first):
only to answer in it while the database is too slow to say (`LANGUAGE_WAIT_MAX`)."""

API_VERSION_PATH: Final = "/api/v10"

AUTOCOMPLETE_PER_COMMAND: Final = 6
"""The skills autocompletes a member may ask for per command of their rate limit (Discord asks as they type, so
several per skill picked): a bucket of their own (`MentorBotClient.autocomplete_limiter`), as Slack's options
loads have."""


RATING_REFUSALS: Final = frozenset({"input.bad_rating", "feedback.rating_required"})
"""The core's refusals of a feedback form's rating: the form's comment is given back with them (`submit_form`)."""

ANSWER_COMMANDS: Final = frozenset({"mentor accept", "mentor decline"})
"""The commands that answer an offer, as its Accept and Decline buttons do."""

MEMBER_UNREACHABLE: Final = frozenset({50007, 10013})
"""Discord's error codes that refuse this member's DM: "Cannot send messages to this user" (DMs closed, no server
shared, the bot blocked) and "Unknown user". The only ones a mentor is paused for as unreachable."""


def offer_dm_key(offer_ref: str) -> str:
    """The key of the DM of offer `offer_ref`: ``offer:<ref>``."""
    return f"offer:{offer_ref}"


async def clicked_key(bot: MentorBot, action: str, ref: str) -> str | None:
    """The key of the keyed DM that a button `action` on `ref` is on, when clicked on one (an edit of it Discord
    fails for a passing reason is made later, from the outbox: `MentorBotClient._edit_later`): an offer's,
    ``offer:<ref>``; a check-in's or a request for feedback's, the mentorship's latest check-in
    (`MentorBot.button_message_key`). None for any other button, a `ref` that is no number, or when the database
    could not say (logged). Whether the message clicked is that key's DM is `_edit_later`'s to check."""
    try:
        return await bot.button_message_key(action, ref)
    except Exception as exc:
        log.warning(
            "could not look up the message of button %s %s: %s",
            action,
            ref,
            type(exc).__name__,
            exc_info=database_failure(exc) is None,
        )
        return None


def intents() -> discord.Intents:
    """The gateway intents MentorBot needs: guilds only (interactions need no intent; none is privileged)."""
    return discord.Intents(guilds=True)


def quiet_voice_warnings() -> None:
    """MentorBot uses no voice: discord.py need not warn at start-up that voice libraries are missing."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


def community_id(guild_id: int) -> str:
    """The core's community for a guild: ``discord:<guild id>``."""
    return f"{COMMUNITY_PREFIX}{guild_id}"


def guild_of(community: str) -> int | None:
    """The guild id of a Discord community (None for another platform's community)."""
    rest = community.removeprefix(COMMUNITY_PREFIX)
    return int(rest) if rest != community and rest.isdigit() else None


def api_base(url: str) -> str:
    """Discord's REST base from `MENTORBOT_DISCORD__API_URL`: ``/api/v10`` is added unless a version is given."""
    base = url.rstrip("/")
    return base if re.search(r"/api/v\d+$", base) else base + API_VERSION_PATH


def apply_endpoints(settings: DiscordSettings) -> None:
    """Point discord.py at the REST and gateway endpoints of the settings, when set (process-wide)."""
    if settings.api_url:
        discord.http.Route.BASE = api_base(settings.api_url)
    if settings.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


class MentorBotClient(discord.AutoShardedClient):
    """discord.py's client with MentorBot's slash commands and persistent buttons, over one `MentorBot`.

    `guild_ready_timeout` is discord.py's wait for guilds at start-up (tests use a few milliseconds);
    `defer_after` is how long a command may take before its interaction is deferred.
    """

    def __init__(
        self,
        bot: MentorBot,
        settings: Settings,
        *,
        guild_ready_timeout: float = 2.0,
        defer_after: float = 2.0,
        **options: Any,
    ) -> None:
        if settings.discord.application_id is not None:
            options.setdefault("application_id", settings.discord.application_id)
        options.setdefault("max_ratelimit_timeout", RATE_LIMIT_WAIT_MAX)
        trace: aiohttp.TraceConfig = options.get("http_trace") or aiohttp.TraceConfig()
        trace.on_request_end.append(self._saw_answer)
        options["http_trace"] = trace
        quiet_voice_warnings()
        super().__init__(
            intents=intents(),
            allowed_mentions=ALLOWED_MENTIONS,
            guild_ready_timeout=guild_ready_timeout,
            **shard_options(settings.discord),
            **options,
        )
        self.bot = bot
        self.settings = settings
        self.defer_after = defer_after
        self._in_flight = 0
        """Interactions being worked on (`_process`): past `Settings.max_inflight`, new ones are refused."""
        self._refusals = BusyRefusals("discord", log)
        self.autocomplete_limiter = RateLimiter(settings.rate_limit_per_minute * AUTOCOMPLETE_PER_COMMAND, bot.clock)
        """The skills autocomplete's own bucket per member, so typing never uses up the member's commands; past it,
        no choices (and no database read) until it refills (`skill_choices`)."""
        self._shards_down: set[int] = set()
        """Shards whose gateway connection dropped and has not had READY or RESUMED since (`gateway_connected`)."""
        self.sent: SentMessages[tuple[int, int]] = SentMessages(bot.store, bot.clock, pair_codec(int, int))
        """Where each keyed DM is: (DM channel id, message id), recorded in the database for every process."""
        self.membership = Membership(self.http, bot.clock)
        """Whether a member is still in a server, asked of Discord (no intent tells MentorBot they left)."""
        self._names_gone: dict[int, str] = {}
        """The names of the servers the bot was removed from while this process ran, as the gateway last gave them: a
        DM of theirs that still goes names them (`dm_server`)."""
        self._servers_gone: set[int] = set()
        """Servers the bot was found not to be in (removed, or the server deleted) and warned about, once each, until
        it is added again (`server_gone`, `on_guild_join`)."""
        self._languages: OrderedDict[str, str] = OrderedDict()
        """The language last read of each member (`LANGUAGES_KEPT` at most), for when the database is too slow to
        say it in time (`_member_language`)."""
        self._language_reads: dict[str, asyncio.Task[str]] = {}
        """The language reads under way, one per member: a slow one is not started again at each keystroke."""
        self._global_limit_until: datetime | None = None
        """Until when (the bot's clock) Discord's global rate limit, longer than discord.py waits out, holds: no DM is
        sent before (`_saw_answer`, `global_limit_left`)."""
        self.tree = MentorTree(self)
        for command in command_list():
            self.tree.add_command(command)
        self.add_dynamic_items(ActionButton)
        guard_interactions(self, lambda: translator(settings.default_language))

    async def close(self) -> None:
        """Close the client; member lookups still waiting for Discord, and language reads for the database, are
        dropped."""
        self.membership.close()
        for read in list(self._language_reads.values()):
            read.cancel()
        await super().close()

    async def login(self, token: str) -> None:
        """Apply the endpoint settings, then log in (REST only; `connect` opens the gateway)."""
        apply_endpoints(self.settings.discord)
        await super().login(token)

    # --------------------------------------------------------------------------------------- gateway

    def gateway_connected(self) -> bool:
        """Whether every shard of this process is connected to the gateway now (what /readyz reports):
        discord.py's `is_ready` stays true while a dropped connection is being re-established, so each shard's
        socket must be open and have had READY or RESUMED since it last disconnected."""
        if not self.is_ready() or self.is_closed():
            return False
        shards = self.shards
        return bool(shards) and all(
            shard_id not in self._shards_down and not shard.is_closed() for shard_id, shard in shards.items()
        )

    async def on_shard_disconnect(self, shard_id: int) -> None:
        """The gateway connection of `shard_id` dropped (discord.py reconnects it)."""
        self._shards_down.add(shard_id)

    async def on_shard_connect(self, shard_id: int) -> None:
        """`shard_id` started a new gateway session (READY)."""
        self._shards_down.discard(shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        """`shard_id` resumed its gateway session (RESUMED)."""
        self._shards_down.discard(shard_id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """The bot was removed from a server, or the server deleted (GUILD_DELETE without ``unavailable``; an outage
        of Discord's is not this): said once in the log. Its offers are held, not sent, and answers to them refused;
        its members' DMs that Discord refuses are held and pause nobody (`_deliver_one`); its timers go on. The
        outage is recorded (`_record_reach`): an offer open meanwhile expires as no lapse of its mentor's."""
        if guild.name:
            self._names_gone[guild.id] = guild.name
        self.server_gone(guild.id)
        await self._record_reach(guild.id, lost=True)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """The bot was added to a server (again): a refused DM to its members is theirs again, and a later removal is
        said again; its outage ends, and its offers held meanwhile go out again (`_record_reach`)."""
        self.membership.joined(guild.id)
        if guild.id in self._servers_gone:
            self._servers_gone.discard(guild.id)
            log.info("MentorBot is in Discord server %s again: its members' direct messages go out as before", guild.id)
        await self._record_reach(guild.id, lost=False)

    async def on_ready(self) -> None:
        """Every shard of this process has its servers (READY): a server recorded as one the bot is out of
        (`MentorBot.community_lost`) that this process is in again was added back while no process received its
        GUILD_CREATE (the bot down meanwhile): it is back (`_record_reach`). One read; nothing when none is out."""
        try:
            out = await self.bot.store.communities_out(COMMUNITY_PREFIX)
        except Exception as exc:
            log.warning("could not read the servers MentorBot was out of: %s", type(exc).__name__)
            return
        for community in out:
            gid = guild_of(community)
            if gid is not None and self.get_guild(gid) is not None:
                await self._record_reach(gid, lost=False)

    async def _record_reach(self, guild_id: int, *, lost: bool) -> None:
        """Record that the bot is out of `guild_id` (`MentorBot.community_lost`: offers open meanwhile count against
        no one) or in it again (`MentorBot.community_back`: the offers held meanwhile go out now); a failure is
        logged (the removal's offers are held all the same, and still expire as undelivered)."""
        community = community_id(guild_id)
        try:
            if lost:
                await self.bot.community_lost(community)
            else:
                await self.bot.community_back(community)
        except Exception as exc:
            log.warning(
                "could not record that MentorBot is %s %s: %s",
                "out of" if lost else "back in",
                community,
                type(exc).__name__,
                exc_info=database_failure(exc) is None,
            )

    def server_gone(self, guild_id: int) -> None:
        """Say in the log, once per server until the bot is added again, that the bot is no longer in `guild_id` and
        what to do."""
        if guild_id in self._servers_gone:
            return
        self._servers_gone.add(guild_id)
        log.warning(
            "MentorBot is no longer in Discord server %s (removed from it, or the server deleted): its offers are not "
            "sent but held, and answers to them refused; direct messages Discord refuses are held for their member's "
            "next command, and nobody is paused for it; offers that expire unread count against no one. Invite the bot "
            "back with its invite link (docs/discord.md, step 6) to carry on, or end that server's programme",
            guild_id,
        )

    def not_in_guild(self, guild_id: int) -> bool:
        """Whether this process knows the bot is not in `guild_id`: ready, the server on one of this process's shards,
        and not among its servers (removed, or deleted; one Discord has an outage of stays listed, unavailable). A
        server of another process's shards is not known here (any process sends any DM): False, and the member lookup
        tells."""
        if not self.is_ready() or self.get_guild(guild_id) is not None:
            return False
        shards, count = self.shard_ids, self.shard_count or 1
        return shards is None or (guild_id >> 22) % count in shards

    def dm_server(self, guild_id: int | None) -> Server | None:
        """The server a DM of `guild_id` names (`render`'s `server`): None unless this process knows the bot in some
        other server too, so that with one server DMs are as they always were. Its name is the gateway's (a server
        the bot was removed from keeps the one it had); a server this process has no name for (on another process's
        shards: each process knows only its own shards' servers) is named by its id."""
        if guild_id is None:
            return None
        guild = self.get_guild(guild_id)
        others = len(self.guilds) - (1 if guild is not None else 0)
        if others < 1:
            return None
        name = guild.name if guild is not None and guild.name else self._names_gone.get(guild_id)
        return Server(guild_id, name)

    def removed_from(self, guild_id: int | None, found: Lookup | None = None) -> bool:
        """Whether an answer to an offer of `guild_id` is refused as coming from a server the bot is not in: this
        process knows it (`not_in_guild`), or Discord's member lookup (`found`) said "Unknown Guild" of a server this
        process does not have among its own. The client's list of servers wins over one lookup's answer: a server it
        has is one Discord's gateway says the bot is in, and a lookup answering otherwise is a passing mistake."""
        if guild_id is None:
            return False
        if self.not_in_guild(guild_id):
            return True
        return found is Lookup.GUILD_GONE and self.get_guild(guild_id) is None

    # --------------------------------------------------------------------------------------- callers

    def caller(self, interaction: Interaction, guild_id: int) -> Caller:
        """The core's view of who is acting. Admin: Manage Server here (the settings' admin ids are added
        by the core); the channel is remembered only when it is a guild channel. In a DM, Discord shows the user's
        global name, not their nickname in the server: no name is given then, so the one the server shows stays."""
        in_guild = interaction.guild_id is not None
        return Caller(
            community=community_id(guild_id),
            user_id=str(interaction.user.id),
            display_name=interaction.user.display_name if in_guild else "",
            is_admin=in_guild and interaction.permissions.manage_guild,
            event_id=event_id(interaction),
            channel=str(interaction.channel_id) if in_guild and interaction.channel_id else None,
        )

    async def record(self, interaction: Interaction, caller: Caller, guild_id: int, **what: Any) -> Caller | None:
        """Record `interaction` in the core's inbox before it is deferred or answered (`what`: the command and
        its options, or the button's action and ref; see `inbox`), so a process that dies before answering it
        loses nothing. `caller` with the inbox id, or None when the interaction was delivered before. It was
        admitted under the member's rate limit (`_over_limit`): one not recorded after all is handed back."""
        try:
            inbox_id = await self._record(interaction, caller, guild_id, **what)
        except BaseException:
            self.bot.not_recorded(caller.community, caller.user_id)
            raise
        if inbox_id is None:
            self.bot.not_recorded(caller.community, caller.user_id)
            log.info("interaction %s was delivered before; it is (being) answered", interaction.id)
            await self._finish(
                interaction, Outcome(Reply(""), (), duplicate=True, language=self.settings.default_language)
            )
            return None
        return replace(caller, inbox_id=inbox_id)

    async def _over_limit(self, interaction: Interaction, caller: Caller) -> bool:
        """Before an interaction is recorded (or a quick read run): whether the member is over their rate limit
        (`MentorBot.admit`, which takes no token and reads the database only to refuse). Then the core's refusal,
        in their language, is the interaction's first callback (to them only), nothing is recorded, and True.
        Otherwise the use-case takes the interaction's token, as before."""
        refused = await self.bot.admit(caller.community, caller.user_id)
        if refused is None:
            return False
        log.debug("interaction %s is over the rate limit of %s: refused, not recorded", interaction.id, caller.user_id)
        try:
            await self._send(interaction, render(refused.reply, guild_id=dm_guild(interaction, caller))[0])
        except discord.HTTPException as exc:
            log.info("could not refuse interaction %s: %s %s", interaction.id, exc.status, exc.code)
        await self._finish(interaction, refused)
        return True

    async def manages_server(self, user_id: int, guild_id: int) -> bool:
        """Whether a member has Manage Server in a guild, asked of Discord: a click in a DM carries no server
        permissions, and an admin's answer can reach them by DM (a late answer, `_answer_by_dm`) with its buttons.
        Not an admin when the guild or the member cannot be found."""
        guild = self.get_guild(guild_id)
        if guild is None:
            return False
        try:
            member = guild.get_member(user_id) or await guild.fetch_member(user_id)
        except discord.HTTPException as exc:
            log.info("could not look up member %s of guild %s: %s %s", user_id, guild_id, exc.status, exc.code)
            return False
        return member.guild_permissions.manage_guild

    async def _record(self, interaction: Interaction, caller: Caller, guild_id: int, **what: Any) -> int | None:
        """The inbox row of `interaction` just recorded (see `record`), or None when it was there already."""
        recorded = Recorded.of(interaction, caller, guild_id, self.bot.clock.now(), **what)
        return await self.bot.record_event(event_id(interaction), caller.community, caller.user_id, recorded.to_json())

    async def _translator(self, interaction: Interaction, guild_id: int | None = None) -> Translator:
        """The member's translator where no `Outcome` tells the language (autocomplete, a form, an apology): the
        client's one way to the core's `caller_language`. `guild_id`: the community of an interaction in a DM (a
        button of a DM the bot sent carries it in its custom id)."""
        gid = interaction.guild_id or guild_id
        if gid is None:
            return translator(self.settings.default_language)
        try:
            return translator(await self._member_language(self.caller(interaction, gid)))
        except Exception as exc:
            if (failure := database_failure(exc)) is None:
                log.exception("could not look up the language of user %s", interaction.user.id)
            else:
                database_down(log, failure, "could not look up the language of user %s", interaction.user.id)
            return translator(self.settings.default_language)

    async def _member_language(self, caller: Caller) -> str:
        """The caller's language (`caller_language`), read within `LANGUAGE_WAIT_MAX` seconds: later, the one last
        read for them, else the default language (logged), while the read goes on and is kept for the next time. One
        read at a time per member. A read that fails in time raises (`_translator` logs it)."""
        key = member_key(caller.community, caller.user_id)
        read = self._language_reads.get(key)
        if read is None:
            read = asyncio.ensure_future(caller_language(self.bot, caller))
            self._language_reads[key] = read
            read.add_done_callback(lambda done: self._language_read(key, done))
        await asyncio.wait({read}, timeout=LANGUAGE_WAIT_MAX)
        if read.done():
            return read.result()
        kept = self._languages.get(key)
        log.info(
            "the language of user %s was not read within %s s (a slow database): answering in %s",
            caller.user_id,
            LANGUAGE_WAIT_MAX,
            "the one last read" if kept else "the default language",
        )
        return kept or self.settings.default_language

    def _language_read(self, key: str, read: asyncio.Task[str]) -> None:
        """A member's language read ended: kept (`LANGUAGES_KEPT`) when it was read. A failure is `_translator`'s to
        log when it came in time; a late one is only dropped."""
        if self._language_reads.get(key) is read:
            del self._language_reads[key]
        if read.cancelled() or read.exception() is not None:
            return
        self._languages[key] = read.result()
        self._languages.move_to_end(key)
        while len(self._languages) > LANGUAGES_KEPT:
            self._languages.popitem(last=False)

    # ------------------------------------------------------------------------------------ interactions

    async def run_command(
        self,
        interaction: Interaction,
        call: Callable[[MentorBot, Caller], Awaitable[Outcome]],
        *,
        slow: bool = False,
        read_only: bool = False,
    ) -> None:
        """Run one slash command: the core call, the ephemeral reply (deferred when needed), held notices, DMs.
        `read_only` and not `slow`: a quick read, answered without being recorded first (`_answer_read`)."""
        if interaction.guild_id is None:
            await self.refuse_outside_guild(interaction)
            return
        if await self.refuse_when_busy(interaction):
            return
        deadline = self._defer_deadline(interaction)
        name, args = command_args(interaction)
        caller = self.caller(interaction, interaction.guild_id)
        if await self._over_limit(interaction, caller):
            return
        if read_only and not slow:
            await self._answer_read(interaction, caller, call, deadline, command=name, args=args)
            return
        recorded = await self.record(interaction, caller, interaction.guild_id, command=name, args=args)
        if recorded is not None:
            work = self._command(interaction, recorded, call, slow=slow, deadline=deadline)
            await self._process(interaction, recorded, work)

    async def _answer_read(
        self,
        interaction: Interaction,
        caller: Caller,
        call: Callable[[MentorBot, Caller], Awaitable[Outcome]],
        deadline: float,
        **what: Any,
    ) -> None:
        """A quick read, answered in its first callback with nothing written before: the core runs it without an
        event to claim (it changes nothing; a redelivery is answered again, and Discord refuses a second
        callback). When the core is still busy at `deadline` (see `_defer_deadline`), the interaction is
        recorded, then deferred, as every deferred one is (the deferral promises an answer, which `recover` gives
        after a crash), and its inbox row is finished once the answer is shown. The deferral waits for the inbox
        write `RECORD_WAIT_MAX` seconds at most, then goes while it finishes: the read is slow mostly because the
        database is, and the write would then push the deferral past Discord's 3 seconds."""
        guild_id = interaction.guild_id
        assert guild_id is not None  # run_command refused the others
        late: list[int] = []

        async def record() -> None:
            try:
                inbox_id = await self._record(interaction, caller, guild_id, **what)
            except Exception as exc:
                if database_failure(exc) is None:
                    raise
                # Deferred all the same: the read's answer (or its own "try again") follows; only a crash before
                # it would now leave "thinking…" unanswered.
                log.warning("could not record deferred interaction %s: %s", interaction.id, exc)
            else:
                if inbox_id is not None:  # None: recorded already (a redelivery); its process finishes it
                    late.append(inbox_id)

        async def record_then_defer() -> None:
            recording = asyncio.ensure_future(record())
            await asyncio.wait({recording}, timeout=RECORD_WAIT_MAX)
            if recording.done():
                recording.result()  # a failure that is no database's stops here, before any deferral
            try:
                await self._defer(interaction, update=False)
            finally:
                await recording

        unclaimed = replace(caller, event_id=None)

        async def answer() -> Outcome | None:
            work = call(self.bot, unclaimed)
            outcome = await self._in_time(interaction, work, deadline=deadline, deferral=record_then_defer)
            try:
                await self._reply(interaction, unclaimed, outcome)
                for inbox_id in late if outcome.settled else ():
                    await self._finish_event(inbox_id)
            except Exception as exc:
                # Discord could not take the answer for now (logged by `_reply`): a deferred read's inbox row stays
                # for `recover`, which runs the read again; one answered in its first callback is typed again. No
                # apology: Discord would refuse it too, and it is no error of ours. The notices held for the member,
                # which this read took, were shown nowhere (`_reply` holds again those its answer, once shown, could
                # not carry): held again, since no stored answer brings them back.
                if transient(exc) is None:
                    raise
                await self._hold_again(unclaimed, outcome.held)
                return None
            finally:
                await self._finish(interaction, outcome)
            return outcome

        await self._process(interaction, unclaimed, answer())  # counted in flight; no inbox row of its own

    async def _command(
        self,
        interaction: Interaction,
        caller: Caller,
        call: Callable[[MentorBot, Caller], Awaitable[Outcome]],
        *,
        slow: bool,
        deadline: float,
        in_place: bool = False,
        origin: tuple[str, str] | None = None,
        membership: Awaitable[Lookup] | None = None,
    ) -> Outcome | None:
        """Run a recorded command and answer it: ephemeral messages, or with `in_place` (a form opened from a
        message's button: `origin`, its action and ref) that message turned into the outcome (`_show_in_place`). An
        answer to an offer (``/mentor accept|decline``) in a server the bot is not in is refused (`_removed_refusal`).
        `membership` (a feedback form submitted from a DM: `submit_form`): Discord's answer, being asked, whether the
        member is still in the server, awaited before the use-case; "Unknown Member" refuses the form
        (`_left_dm_refusal`)."""
        gid = guild_of(caller.community)
        removed = command_args(interaction)[0] in ANSWER_COMMANDS and self.removed_from(gid)

        async def run() -> Outcome:
            found = await membership if membership is not None else None
            if found is Lookup.LEFT or removed:
                self.bot.not_recorded(caller.community, caller.user_id)  # admitted, and takes no token after all
                t = await self._translator(interaction, gid)
                if found is Lookup.LEFT:
                    return await self._left_dm_refusal(caller, t, "left.dm_form_refused")
                return await self._removed_refusal(caller, t)
            return await call(self.bot, caller)

        outcome = await self._in_time(interaction, run(), slow=slow, update=in_place, deadline=deadline)
        try:
            if in_place:
                await self._show_in_place(interaction, caller, outcome, origin=origin)
            else:
                await self._reply(interaction, caller, outcome)
            name, args = command_args(interaction)
            if name in ANSWER_COMMANDS and outcome.error is None and not outcome.duplicate:
                await self._update_offer_dm(caller, args.get("offer", ""), outcome.reply, lang=outcome.language)
        except Exception as exc:
            if transient(exc) is None:  # a transient failure was logged: Discord would refuse the apology too
                await self.report_error(interaction, exc, guild_id=guild_of(caller.community))
            return None  # not shown: `recover` shows the stored answer after the lease
        finally:
            await self._finish(interaction, outcome)
        return outcome

    async def press_button(self, interaction: Interaction, action: str, ref: str, guild_id: int | None) -> None:
        """A MentorBot button was clicked: run its use-case, then update the message or refuse the clicker.

        A button clicked in a DM acts in the server its custom id names, and nothing else stops someone who left it
        (or was kicked, banned): an offer's (`_is_offer`) is the moment a mentor commits to a member of it, and any
        other click there counts as its clicker's return to it (`handler._back`: their partner is told they are
        back). So Discord is asked afresh whether they are still a member while the click is recorded, not before
        (the lookup may take half of Discord's 3 seconds, the inbox write as long), and the use-case waits for the
        answer, within the deferral's deadline (`_click`). A click in the server itself asks nothing. An offer's
        button of a server the bot is not in is refused (`removed_from`, `_removed_refusal`): nothing is accepted
        or declined; any other button of such a server runs as before."""
        gid = interaction.guild_id or guild_id
        if gid is None:
            await self.refuse_outside_guild(interaction)
            return
        if action in FORM_ACTIONS:
            await self.open_form(interaction, action, ref, gid)
            return
        if await self.refuse_when_busy(interaction):
            return
        deadline = self._defer_deadline(interaction)
        clicker = self.caller(interaction, gid)
        if await self._over_limit(interaction, clicker):
            return
        in_dm = interaction.guild_id is None
        asking = self._ask_membership(interaction, gid)
        try:
            if in_dm and needs_admin(action, ref):
                clicker = replace(clicker, is_admin=await self.manages_server(interaction.user.id, gid))
            try:
                caller = await self.record(interaction, clicker, gid, action=action, ref=ref)
            except Exception as exc:  # discord.py would only log it: the member gets an apology instead
                await self.report_error(interaction, exc, guild_id=gid)
                return
            if caller is not None:
                work = self._click(interaction, caller, action, ref, deadline, membership=asking)
                await self._process(interaction, caller, work)
        finally:
            if asking is not None and not asking.done():
                asking.cancel()  # not recorded, or the work stopped: Discord's request itself is left to finish

    async def _leaver_refusal(self, caller: Caller, t: Translator) -> Outcome:
        """The answer to a click on an offer's button by someone Discord says is no longer a member of the offer's
        server (left, kicked, banned): refused in their language, and their departure reported
        (`MentorBot.member_left`: the offer is withdrawn and its request handed on, their other offers too). It runs
        no use-case: nothing is accepted or declined."""
        log.info(
            "user %s clicked an offer of %s, which they are no longer in: refused", caller.user_id, caller.community
        )
        await self._report_departure(caller.community, caller.user_id)
        refusal = UserError("left.click_refused")
        return Outcome(Reply(t(refusal.key)), error=refusal, language=t.lang)

    async def _left_dm_refusal(self, caller: Caller, t: Translator, key: str) -> Outcome:
        """The answer to a click in a DM that is no offer's (a check-in's button, a paging button), or a feedback form
        opened or submitted from one, by someone Discord says is no longer a member of the server it names: `key`
        (``left.dm_click_refused``, ``left.dm_form_refused``) in their language, and their departure reported
        (`_report_departure`; once recorded, nobody is told again). It runs no use-case, so it is not taken for
        their return to the community (`handler._back`: their partner is not told they are back)."""
        log.info("user %s acted in a DM of %s, which they are no longer in: refused", caller.user_id, caller.community)
        await self._report_departure(caller.community, caller.user_id)
        refusal = UserError(key)
        return Outcome(Reply(t(refusal.key)), error=refusal, language=t.lang)

    def _ask_membership(self, interaction: Interaction, guild_id: int) -> asyncio.Future[Lookup] | None:
        """Discord asked afresh, in the background, whether the member acting in a DM is still a member of
        `guild_id`, the server the DM's button or form names (`press_button`, `open_form`, `submit_form`); None
        in the server itself (acting there shows they are), or for a server this process knows the bot is not
        in (no lookup could answer)."""
        if interaction.guild_id is not None or self.not_in_guild(guild_id):
            return None
        return asyncio.ensure_future(self.membership.lookup(guild_id, interaction.user.id, fresh=True))

    async def _removed_refusal(self, caller: Caller, t: Translator) -> Outcome:
        """The answer to a click on an offer's button, or a typed ``/mentor accept|decline``, for a server the bot is
        not in (`removed_from`): refused in the member's language, and said once in the log (`server_gone`). It runs
        no use-case: nothing is accepted or declined, and the offer expires as it would have, but as no lapse of
        theirs: an offer that never reached its mentor counts against no one, nor one open while the bot was out of
        its server (recorded by `on_guild_remove`, `MentorBot.community_lost`)."""
        gid = guild_of(caller.community)
        log.info(
            "user %s answered an offer of %s, which MentorBot is not in: refused", caller.user_id, caller.community
        )
        if gid is not None:
            self.server_gone(gid)
            if self.not_in_guild(gid):
                # Known here (its shard is this process's: no GUILD_DELETE told it, the bot down meanwhile), so this
                # process closes it too (GUILD_CREATE, READY). One lookup's "Unknown Guild" for another process's
                # server is no outage: nothing here would ever close it.
                await self._record_reach(gid, lost=True)
        refusal = UserError("discord.removed.click_refused")
        return Outcome(Reply(t(refusal.key)), error=refusal, language=t.lang)

    async def _report_departure(self, community: str, user_id: str) -> None:
        """`MentorBot.member_left` where its failure is only to be logged (an interaction's refusal is shown
        already): the next look at the member finds them gone again."""
        try:
            await self.bot.member_left(community, user_id)
        except Exception as exc:
            log.warning(
                "could not record that %s left %s: %s",
                user_id,
                community,
                type(exc).__name__,
                exc_info=database_failure(exc) is None,
            )

    async def open_form(self, interaction: Interaction, action: str, ref: str, guild_id: int) -> None:
        """A button that opens the feedback form (`FORM_ACTIONS`). The core is asked first, as a quick read
        (`MentorBot.feedback_form`, counted against the member's rate limit, as the Slack adapter does): when the
        mentorship is not the member's, or their feedback is given already, its answer is the click's (an old
        button's message turns into "already given", buttons gone; a refusal goes to the clicker only) and no form
        opens whose input would be thrown away. Otherwise the modal is the answer. Nothing is recorded: the
        submission is (`submit_form`). A modal must be the interaction's first answer, so a core still busy at
        the deadline (`_defer_deadline`) does not hold it up: the form opens then (in the default language), and
        its submission says why not if it cannot be taken. In a DM, Discord is asked first whether the member is
        still in the server (`_ask_membership`): the core's look counts as their return to the community, and
        someone who left gets `_left_dm_refusal` instead, and no form."""
        if await self.refuse_when_busy(interaction):
            return
        deadline = self._defer_deadline(interaction)
        caller = replace(self.caller(interaction, guild_id), event_id=None)  # a read: no event to claim
        await self._process(interaction, caller, self._form_or_answer(interaction, caller, action, ref, deadline))

    async def _form_or_answer(
        self, interaction: Interaction, caller: Caller, action: str, ref: str, deadline: float
    ) -> Outcome | None:
        """`open_form`'s work: the core's answer, then the form or that answer."""
        gid = guild_of(caller.community)
        loop = asyncio.get_running_loop()
        membership = self._ask_membership(interaction, gid) if gid is not None else None

        async def ask() -> Outcome:
            if membership is not None and await membership is Lookup.LEFT:
                t = await self._translator(interaction, gid)
                return await self._left_dm_refusal(caller, t, "left.dm_click_refused")
            return await self.bot.feedback_form(caller, mentorship_id=ref)

        asking = asyncio.ensure_future(ask())
        try:
            await asyncio.wait({asking}, timeout=max(0.0, deadline - loop.time()))
            asked = asking.result() if asking.done() else None
            if asked is not None and not form_may_open(asked):
                try:
                    await self._show_in_place(interaction, caller, asked, origin=(action, ref))
                except Exception as exc:
                    if transient(exc) is None:
                        raise
                    # Discord could not take it for now (logged): no apology, which it would refuse too. A read has
                    # no inbox row to show it later: the notices held for the member that it took are held again.
                    await self._hold_again(caller, asked.held)
            else:
                # Late, the core's database is slow: the form opens in the default language rather than wait on it.
                t = translator(asked.language if asked is not None else self.settings.default_language)
                # The notices held for the member, which the core handed over with its answer: a form shows none.
                # Held again before the form opens when the answer is in: a command right after finds them.
                if asked is not None:
                    await self._hold_again(caller, asked.held)
                try:
                    await interaction.response.send_modal(FeedbackModal(action, ref, gid, t))
                except discord.HTTPException as exc:
                    log.warning("could not open the feedback form for %s: %s %s", caller.user_id, exc.status, exc.code)
                if asked is None:
                    asked = await asking
                    await self._hold_again(caller, asked.held)
        except Exception as exc:
            asking.cancel()
            await self.report_error(interaction, exc, guild_id=gid)
            return None
        finally:
            if membership is not None and not membership.done():
                membership.cancel()  # the work stopped: Discord's request itself is left to finish
        await self._finish(interaction, asked)
        return asked

    async def on_interaction(self, interaction: Interaction) -> None:
        """Every interaction, once discord.py has dispatched it: a feedback form's submission is taken here, read
        from its payload (`forms.submission`), since no form is kept in memory (see `forms`)."""
        if interaction.type is not discord.InteractionType.modal_submit or not interaction.data:
            return
        form = submission(interaction.data)
        if form is not None:
            await self.submit_form(interaction, form.action, form.ref, form.guild_id, form.rating, form.comment)

    async def submit_form(
        self,
        interaction: Interaction,
        action: str,
        ref: str,
        guild_id: int | None,
        rating: str | None,
        comment: str | None,
    ) -> None:
        """A submitted feedback form: recorded in the inbox as the command it stands for (``mentor end`` for a
        check-in's "end and give feedback", else ``mentor feedback``), then run and answered like one. A form
        opened from a message's button (Discord then sends that message with the submission) is answered as the
        click was: the message turns into the outcome, its buttons gone (a refusal goes to the member only, and
        the message keeps its buttons); otherwise with ephemeral messages. A rating refused (a form opened before the
        rating was a list to pick from: `forms`) gives the comment back with the refusal, to paste again (Discord
        closed the form: `given_back`)."""
        gid = interaction.guild_id or guild_id
        if gid is None:
            await self.refuse_outside_guild(interaction)
            return
        if await self.refuse_when_busy(interaction):
            return
        deadline = self._defer_deadline(interaction)
        command = "mentor end" if action == "checkin.end" else "mentor feedback"
        given = {"mentorship": ref, "rating": rating, "comment": comment}
        args = {name: value for name, value in given.items() if value}
        submitter = self.caller(interaction, gid)
        if await self._over_limit(interaction, submitter):
            return
        asking = self._ask_membership(interaction, gid)  # from a DM: while it is recorded, as a click's (`_click`)
        try:
            try:
                caller = await self.record(interaction, submitter, gid, command=command, args=args)
            except Exception as exc:  # not recorded: the database's "try again in a minute", not only discord.py's log
                await self.report_error(interaction, exc, guild_id=gid)
                return
            if caller is None:
                return

            async def call(bot: MentorBot, who: Caller) -> Outcome:
                outcome = await submit_feedback_form(bot, who, action, ref, rating, comment)
                if outcome.error is None or outcome.error.key not in RATING_REFUSALS:
                    return outcome
                button = translator(outcome.language)("feedback.button")
                return given_back(outcome, "discord.given_back.comment", comment, button=button)

            in_place = interaction.message is not None
            work = self._command(
                interaction,
                caller,
                call,
                slow=True,
                deadline=deadline,
                in_place=in_place,
                origin=(action, ref),
                membership=asking,
            )
            await self._process(interaction, caller, work)
        finally:
            if asking is not None and not asking.done():
                asking.cancel()  # not recorded, or the work stopped: Discord's request itself is left to finish

    async def _click(
        self,
        interaction: Interaction,
        caller: Caller,
        action: str,
        ref: str,
        deadline: float,
        *,
        membership: Awaitable[Lookup] | None = None,
    ) -> Outcome | None:
        """Run a recorded click and answer it. `membership`: Discord's answer, being asked, whether the clicker is
        still a member (`press_button`): awaited before the use-case, within the deadline (the click is deferred
        while it is awaited); "Unknown Member" refuses the click instead, whenever it comes (an offer's:
        `_leaver_refusal`; any other: `_left_dm_refusal`), and an offer's button of a server the bot is not in is
        refused too (`removed_from`, `_removed_refusal`)."""
        gid = guild_of(caller.community)

        async def run() -> Outcome:
            found = await membership if membership is not None else None
            if found is Lookup.LEFT:
                self.bot.not_recorded(caller.community, caller.user_id)  # admitted, and takes no token after all
                t = await self._translator(interaction, gid)
                if _is_offer(action):
                    return await self._leaver_refusal(caller, t)
                return await self._left_dm_refusal(caller, t, "left.dm_click_refused")
            if _is_offer(action) and self.removed_from(gid, found):
                self.bot.not_recorded(caller.community, caller.user_id)
                return await self._removed_refusal(caller, await self._translator(interaction, gid))
            return await execute_button(self.bot, caller, action, ref)

        try:
            outcome = await self._in_time(interaction, run(), update=True, deadline=deadline)
        except Exception as exc:
            await self.report_error(interaction, exc, guild_id=gid)
            return None
        try:
            clicked = interaction.message.id if interaction.message is not None else None
            try:
                await self._update(interaction, caller, outcome, beside=action in ITEM_ACTIONS, origin=(action, ref))
            except discord.HTTPException as exc:
                if not expired(exc):
                    raise
                await self._answer_expired(interaction, caller, outcome)
                clicked = None  # not updated: the offer's DM (the clicked message, if clicked there) is, below
            if action.startswith("offer.") and outcome.error is None and not outcome.duplicate:
                await self._update_offer_dm(caller, ref, outcome.reply, lang=outcome.language, clicked=clicked)
        except Exception as exc:
            if transient(exc) is None:
                await self.report_error(interaction, exc, guild_id=gid)
            else:  # as a command's: no apology, which Discord would refuse too; it is no error of ours
                _not_shown(interaction, exc)
            return None  # not shown: `recover` shows the stored answer (or runs the click again) after the lease
        finally:
            await self._finish(interaction, outcome)
        return outcome

    async def _update_offer_dm(
        self, caller: Caller, offer_ref: str, reply: Reply, *, lang: str, clicked: int | None = None
    ) -> None:
        """The offer's DM (sent by any process; unless it is the `clicked` message, updated already) turns into
        `reply` (in `lang`, naming its server as the DM did: `dm_server`), its buttons gone, after the offer was
        accepted or declined elsewhere (`/mentor status`, the command). An edit Discord fails for a passing reason is
        made later, from the outbox (`_edit_later`). The answer is committed by now, so a failure here is logged,
        never shown."""
        key = offer_dm_key(offer_ref)
        try:
            where = await self.sent.get(caller.community, caller.user_id, key)
            if where is None or where[1] == clicked:
                return
            channel = self.get_partial_messageable(where[0], type=discord.ChannelType.private)
            gid = guild_of(caller.community)
            first = render(reply, guild_id=gid, lang=lang, server=self.dm_server(gid))[0]
            try:
                await channel.get_partial_message(where[1]).edit(**first.edit_kwargs())
            except DELIVERY_ERRORS as exc:
                if (failure := transient(exc)) is None:
                    raise
                await self._edit_later(caller, key, reply, failure)
        except Exception as exc:
            log.warning(
                "could not update the DM of offer %s for %s: %s",
                offer_ref,
                caller.user_id,
                type(exc).__name__,
                exc_info=database_failure(exc) is None and not isinstance(exc, discord.HTTPException),
            )

    async def _edit_later(
        self,
        caller: Caller,
        key: str,
        reply: Reply,
        failure: TransientFailure,
        *,
        only: tuple[int, int] | None = None,
    ) -> None:
        """Discord failed to edit `caller`'s DM `key` into `reply` for a passing reason (`transient`): `reply` goes to
        the outbox as the newest version of that key for them (older ones still waiting superseded), released at once
        for a later try (`MentorBot.edit_later`: not before the ``Retry-After`` Discord gave, then backing off; held
        for their next command after its last try). Its delivery edits that DM in place (`_edit_keyed`), by whichever
        process claims it: a restart loses nothing. With `only` (the message clicked: its DM channel and id), only
        when it is where `key`'s DM was recorded: a copy elsewhere (a held notice shown with a reply) has nothing to
        make later. A failure here is logged: the answer is shown, or will be (`recover`), all the same."""
        try:
            if only is not None and await self.sent.get(caller.community, caller.user_id, key) != only:
                return
            if await self.bot.edit_later(caller.community, caller.user_id, key, reply, retry_after=failure.retry_after):
                log.info("the edit of %s's DM %s is tried again later from the outbox", caller.user_id, key)
        except Exception as exc:
            log.warning(
                "could not keep the edit of %s's DM %s for later: %s",
                caller.user_id,
                key,
                type(exc).__name__,
                exc_info=database_failure(exc) is None,
            )

    async def refuse_when_busy(self, interaction: Interaction) -> bool:
        """Past `MENTORBOT_MAX_INFLIGHT` interactions being worked on, refuse a new one at once, politely and
        before anything is recorded (never queue without limit); True when refused."""
        if self._in_flight < self.settings.max_inflight:
            self._refusals.accepting(self._in_flight)
            return False
        self._refusals.refused(self._in_flight, self.settings.max_inflight)
        # In the default language: reading the member's would be a database read, and the limit is mostly reached
        # when the database is slow or away (Discord allows three seconds for this answer).
        t = translator(self.settings.default_language)
        await _quietly(interaction.response.send_message(t("discord.busy"), ephemeral=True))
        self.dispatch("mentorbot_refused", interaction)
        return True

    async def _process(self, interaction: Interaction, caller: Caller, work: Awaitable[Outcome | None]) -> None:
        """The work of a recorded interaction, counted in flight. Its inbox row is marked done once the member was
        shown the answer (`MentorBot.finish_event`). Stopped half-way (the process ends, the answer could not be
        shown), the row stays for `recover`: processed again, or only its stored answer shown; a duplicate
        (another process took it meanwhile) is that process's to answer."""
        self._in_flight += 1
        try:
            outcome = await work
        finally:
            self._in_flight -= 1
        if caller.inbox_id is not None and outcome is not None and not outcome.duplicate and outcome.settled:
            await self._finish_event(caller.inbox_id)

    async def _finish_event(self, inbox_id: int) -> None:
        try:
            await self.bot.finish_event(inbox_id)
        except Exception as exc:  # it stays as it is: answered again after the lease
            log.warning("could not mark inbox event %s done: %s", inbox_id, exc, exc_info=database_failure(exc) is None)

    async def _reply(self, interaction: Interaction, caller: Caller, outcome: Outcome) -> None:
        """The outcome of a slash command as ephemeral messages to the caller, then their held notices. A
        transient failure to show the reply (5xx, 429, the network) is raised: the inbox row stays, and `recover` shows
        the stored answer (by follow-up while the token lives, else by DM) instead of leaving "thinking…". Once the
        reply was shown, held notices Discord cannot take for now are held again for the caller's next command instead
        (`_hold_again`), and the command counts as answered: `recover` would show the reply a second time. An
        interaction that expired meanwhile (`expired`: past its 3 seconds, or its token past its 15 minutes, the
        core having taken that long) is answered by DM instead (`_answer_expired`), with what it had not shown."""
        if outcome.duplicate:
            log.info("interaction %s was delivered before; nothing sent", interaction.id)
            if interaction.response.is_done():
                await _quietly(interaction.delete_original_response())
            return
        gid = dm_guild(interaction, caller)
        replied, shown = False, 0
        try:
            for message in render(
                outcome.reply,
                guild_id=gid,
                lang=outcome.language,
                upload_limit=interaction.filesize_limit,
                community=caller.community,
            ):
                await self._send(interaction, message)
            replied = True
            t = translator(outcome.language)
            for notice in outcome.held:
                for message in held_notice(notice, gid, t):
                    await self._send(interaction, message)
                shown += 1
        except DELIVERY_ERRORS as exc:
            _not_shown(interaction, exc, "could not reply to interaction")
            if isinstance(exc, discord.HTTPException) and expired(exc):
                await self._answer_expired(interaction, caller, outcome, replied=replied, held_shown=shown)
            elif transient(exc) is not None:
                if not replied:
                    raise
                # The reply was shown: `recover` would show it again. The held notices it could not carry are held
                # again for the member's next command, and the command counts as answered.
                await self._hold_again(caller, outcome.held[shown:])

    async def _answer_expired(
        self, interaction: Interaction, caller: Caller, outcome: Outcome, *, replied: bool = False, held_shown: int = 0
    ) -> None:
        """The answer to an interaction Discord no longer takes (`expired`: its first answer came after its 3
        seconds, so the member was told the bot did not respond; or its token is past its 15 minutes, so a deferred
        "thinking…" can no longer be filled): by DM under ``discord.slow_answer``, as `_answer_late` does, with the
        held notices that came with it. `replied`: the reply was shown already, and its first `held_shown` held
        notices: only the others go by DM."""
        log.info("interaction %s expired before its answer; answering %s by DM", interaction.id, caller.user_id)
        gid = guild_of(caller.community)
        if not replied:
            await self._answer_by_dm(caller, outcome, gid, "discord.slow_answer")
        elif held_shown < len(outcome.held):
            await self._answer_by_dm(caller, outcome, gid, "discord.slow_answer", held_from=held_shown, reply=False)

    async def _show_in_place(
        self, interaction: Interaction, caller: Caller, outcome: Outcome, *, origin: tuple[str, str] | None = None
    ) -> None:
        """`_update` of the message the interaction came from (a click, or a form opened from its button: `origin`,
        its action and ref); when Discord no longer takes the answer (`expired`), by DM (`_answer_expired`)."""
        try:
            await self._update(interaction, caller, outcome, beside=False, origin=origin)
        except DELIVERY_ERRORS as exc:
            if not isinstance(exc, discord.HTTPException) or not expired(exc):
                if transient(exc) is not None:
                    _not_shown(interaction, exc)
                raise
            await self._answer_expired(interaction, caller, outcome)

    async def _update(
        self,
        interaction: Interaction,
        caller: Caller,
        outcome: Outcome,
        *,
        beside: bool,
        origin: tuple[str, str] | None = None,
    ) -> None:
        """The outcome of a click: the clicked message becomes the outcome; a refusal goes to the clicker only
        (not the offered mentor, already answered, expired…), and the message keeps its buttons. With `beside`
        (an item's button, `ITEM_ACTIONS`: a vote, an approval), the answer goes to the clicker and the
        message stays whole, so its other items can still be acted on. A DM turned into the outcome names its server
        as the DM did (`dm_server`); an answer to the clicker alone, shown under the DM they clicked, does not.
        `origin`: the action and ref of the button clicked (or that opened the form submitted); when the clicked
        message is that button's keyed DM (`clicked_key`), an edit Discord fails for a passing reason (after
        discord.py's own tries) is made later, from the outbox (`_edit_later`), and the failure raised all the same:
        the answer is shown by `recover`, and the DM does not keep its live buttons for good."""
        if outcome.duplicate:
            return
        gid = dm_guild(interaction, caller)
        in_place = outcome.error is None and not beside
        messages = render(
            outcome.reply,
            guild_id=gid,
            lang=outcome.language,
            upload_limit=interaction.filesize_limit,
            community=caller.community,
            server=self.dm_server(gid) if in_place else None,
        )
        if outcome.error is not None:
            await self._send(interaction, messages[0])
            return
        if beside:
            for message in messages:
                await self._send(interaction, message)
            await self._send_held(interaction, caller, outcome)
            return
        first, *rest = messages
        try:
            if not interaction.response.is_done():
                await interaction.response.edit_message(**first.edit_kwargs())
            else:
                await interaction.edit_original_response(**first.edit_kwargs())
        except DELIVERY_ERRORS as exc:
            clicked = interaction.message
            if origin is not None and clicked is not None and (failure := transient(exc)) is not None:
                key = await clicked_key(self.bot, *origin)
                if key is not None and interaction.channel_id is not None:
                    where = (interaction.channel_id, clicked.id)
                    await self._edit_later(caller, key, outcome.reply, failure, only=where)
            raise
        for message in rest:
            await self._send(interaction, message)
        await self._send_held(interaction, caller, outcome)

    async def _finish(self, interaction: Interaction, outcome: Outcome) -> None:
        """Whatever happened to the reply, the core has acted: deliver its notifications, then announce it. A
        failure to deliver (the database went away) is logged, not shown: the notifications wait in the outbox."""
        if not outcome.duplicate:
            try:
                await self._deliver_or_leave(outcome.notifications, "interaction", interaction.id)
            except Exception as exc:
                log.warning(
                    "could not deliver the notifications of interaction %s now (%s): the outbox delivers them later",
                    interaction.id,
                    type(exc).__name__,
                    exc_info=True,
                )
        self.dispatch("mentorbot_interaction", interaction, outcome)

    async def skill_choices(self, interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete for skills: completes the last tag of a comma-separated list from the taxonomy
        (labels, slugs and aliases match), at most 25 choices, each the whole list within Discord's 100
        characters however many skills are typed (`picks.complete`: earlier skills as short codes). Counted
        against the member's own autocomplete bucket (`autocomplete_limiter`): past it, no choices, and the
        database is not read for their language."""
        community = community_id(interaction.guild_id) if interaction.guild_id is not None else COMMUNITY_PREFIX
        if self.autocomplete_limiter.check(member_key(community, str(interaction.user.id))) is not None:
            log.debug("skill choices for %s not offered: over the autocomplete's rate limit", interaction.user.id)
            return []
        t = await self._translator(interaction)
        return complete(self.bot.library.taxonomy, current, t.lang)

    def _defer_deadline(self, interaction: Interaction) -> float:
        """When (event loop time) `interaction` must be deferred if not answered yet: `defer_after` after Discord
        created it (the time in its id), so the time spent recording it in a slow database, or waiting for the
        event loop, counts against Discord's 3 seconds; never later than `defer_after` from now (a clock behind
        Discord's). Taken when the interaction arrives, before anything is written."""
        age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
        return asyncio.get_running_loop().time() + self.defer_after - max(0.0, age)

    async def _in_time(
        self,
        interaction: Interaction,
        work: Awaitable[Outcome],
        *,
        deadline: float,
        slow: bool = False,
        update: bool = False,
        deferral: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> Outcome:
        """Await the core, acknowledging the interaction first when it is slow or still busy at `deadline`.

        A slow command, or one whose `deadline` (`_defer_deadline`) has passed already (recording it took that
        long), is deferred at once while the core already works. Otherwise the core is awaited in this task,
        with a timer that defers the interaction only if the core is still busy at `deadline`: the common quick
        answer costs no task and no wait set (it is the first callback, so every step of the event loop saved
        here is saved on the member's wait). A deferral that was started is finished before the answer goes, so
        the answer follows it. `deferral`: what defers instead of `_defer` (recording too)."""

        def defer() -> Coroutine[Any, Any, None]:
            return deferral() if deferral is not None else self._defer(interaction, update=update)

        loop = asyncio.get_running_loop()
        if slow or deadline <= loop.time():
            task = asyncio.ensure_future(work)
            await defer()
            return await task
        started: list[asyncio.Task[None]] = []
        timer = loop.call_at(deadline, lambda: started.append(loop.create_task(defer())))
        try:
            outcome = await work
        finally:
            timer.cancel()
            for late in started:
                await late
        return outcome

    async def _defer(self, interaction: Interaction, *, update: bool) -> None:
        """Acknowledge `interaction` without an answer yet: a click keeps its message, a command shows
        "MentorBot is thinking…" to the caller only. A refusal is logged (the answer then tries anyway)."""
        try:
            if update:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as exc:
            log.warning("could not defer interaction %s: %s %s", interaction.id, exc.status, exc.code)

    async def _send(self, interaction: Interaction, message: DiscordMessage) -> None:
        kwargs = message.send_kwargs()
        if not (message.content or message.embeds or message.files):
            return
        if not interaction.response.is_done():
            await interaction.response.send_message(ephemeral=True, **kwargs)
        else:
            await interaction.followup.send(ephemeral=True, **kwargs)

    async def _send_held(self, interaction: Interaction, caller: Caller, outcome: Outcome) -> None:
        """Notices that could not reach the caller by DM earlier, as extra ephemeral follow-ups, after the answer was
        shown. One Discord cannot take for now (`transient`, after discord.py's own tries) is held again for the
        caller's next command, with those after it (`_hold_again`), and the interaction counts as answered: `recover`
        would show the answer a second time. Any other failure is raised."""
        gid = dm_guild(interaction, caller)
        t = translator(outcome.language)
        for shown, notice in enumerate(outcome.held):
            try:
                for message in held_notice(notice, gid, t):
                    await self._send(interaction, message)
            except DELIVERY_ERRORS as exc:
                if transient(exc) is None:
                    raise
                _not_shown(interaction, exc, "could not show held notices to interaction")
                await self._hold_again(caller, outcome.held[shown:])
                return

    async def refuse_outside_guild(self, interaction: Interaction) -> None:
        """MentorBot's commands belong to a server's programme: in a DM there is no community to act in."""
        t = translator(self.settings.default_language)
        if interaction.type is discord.InteractionType.autocomplete:
            await _quietly(interaction.response.autocomplete([]))
        elif not interaction.response.is_done():
            await _quietly(interaction.response.send_message(t("discord.guild_only"), ephemeral=True))
        self.dispatch("mentorbot_refused", interaction)

    async def refuse_mistyped(self, interaction: Interaction, option: str) -> None:
        """A slash command whose `option` carries a value of another kind than declared (see `guard`)."""
        log.info("interaction %s: option %r has a value of the wrong type; refused", interaction.id, option)
        t = await self._translator(interaction)
        await _quietly(interaction.response.send_message(t("discord.mistyped_option", option=option), ephemeral=True))
        self.dispatch("mentorbot_refused", interaction)

    async def report_error(
        self, interaction: Interaction, error: BaseException, *, guild_id: int | None = None
    ) -> None:
        """An unexpected error: logged with a correlation id; the member sees an apology carrying it, in their
        language (`guild_id`: the community of an interaction in a DM, see `_translator`)."""
        t = await self._translator(interaction, guild_id)
        if isinstance(error, app_commands.CommandNotFound | app_commands.CommandSignatureMismatch):
            log.warning("interaction %s names a command this version does not have: %s", interaction.id, error)
            text = t("discord.unknown_command")
        else:
            text = self.bot.render_error(unexpected(log, "in interaction %s", interaction.id, exc_info=error), t)
        if interaction.type is discord.InteractionType.autocomplete:
            if not interaction.response.is_done():
                await _quietly(interaction.response.autocomplete([]))
        elif not interaction.response.is_done():
            await _quietly(interaction.response.send_message(text, ephemeral=True))
        else:
            await _quietly(interaction.followup.send(text, ephemeral=True))

    # ------------------------------------------------------------------------------------- delivery

    async def deliver(self, notifications: Sequence[Notification]) -> None:
        """Send notifications by DM; one Discord refuses (DMs closed…) is held for the member's next command, one
        that failed for a transient reason (5xx, 429, the network, the bot's token refused) goes back to the outbox
        to be tried again later (`MentorBot.retry_later`). Each one sent or held is reported delivered to the outbox
        at once (`app.Sending`: a slow batch, or one cancelled half-way, leaves claimable only what was not sent); one
        that failed in any other way stays pending there and is tried again once its lease runs out. Those the batch
        had no time for (a share of their lease) are given back to the outbox for the next round.

        While Discord's global rate limit holds (a 429 for every route, longer than discord.py waits out: see
        `_saw_answer`), nothing is sent: the rest of the batch goes back to the outbox until it ends
        (`_give_back`), since each request would meet the same answer and count towards Cloudflare's ban of
        invalid requests. A rate limit of one route (one member's DM channel) stops that notification only.

        When the database fails (it holds where keyed DMs are, the held notices, the outbox), the rest are not
        tried (each would fail the same way, and a DM sent now could not be marked delivered, so it would be sent
        again): those done are reported, then the failure is raised, so the caller logs it in one line; the rest
        stay pending in the outbox."""
        given_back, limited = 0, 0.0
        async with Sending(self.bot) as sending:
            for note in notifications:
                if not sending.may_send(note):
                    continue
                try:
                    if (wait := self.global_limit_left()) is not None:
                        given_back += await self._give_back(note, wait)
                        limited = max(limited, wait)
                        continue
                    failure = await self._deliver_one(note)
                    if failure is not None:
                        await self.bot.retry_later(note, retry_after=failure.retry_after)
                except Exception as exc:
                    if database_failure(exc) is not None:
                        raise
                    log.exception("could not deliver or hold a notification for member %s", note.member_id)
                    continue
                if failure is None:
                    sending.took(note)
                    await sending.report()
        if given_back:
            log.info(
                "%d notification(s) not sent under Discord's global rate limit: given back to the outbox for %.0f s",
                given_back,
                limited,
            )

    def global_limit_left(self) -> float | None:
        """The seconds left of Discord's global rate limit, when one holds (`_saw_answer`); else None."""
        if self._global_limit_until is None:
            return None
        left = (self._global_limit_until - self.bot.clock.now()).total_seconds()
        if left <= 0:
            self._global_limit_until = None
            return None
        return left

    async def _saw_answer(
        self, session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
    ) -> None:
        """Every answer of Discord's REST API (an aiohttp trace, so whichever call met it): a global rate limit
        (`global_rate_limit`) longer than discord.py waits out, which it raises as a `discord.RateLimited` like any
        other, before it sets its own global lock, stops this process's DMs until it ends (`deliver`). A shorter
        one discord.py waits out, holding every request meanwhile."""
        wait = global_rate_limit(params.response.status, params.response.headers)
        longest = self.http.max_ratelimit_timeout
        if wait is None or longest is None or wait <= longest:
            return
        until = self.bot.clock.now() + min(timedelta(seconds=wait), RETRY_AFTER_CAP)
        if self._global_limit_until is None or until > self._global_limit_until:
            self._global_limit_until = until
            log.warning(
                "Discord's global rate limit for %.0f s: no DM is sent until it ends; they wait in the outbox", wait
            )

    async def _give_back(self, note: Notification, wait: float) -> int:
        """`note`, not sent because of Discord's global rate limit, back to the outbox for `wait` seconds, for any
        process to claim then, untried (`MentorBot.give_back`: no delivery attempt used). One with no outbox row is
        held, as after any transient failure. 1 if given back."""
        return int(await self.bot.give_back(note, wait))

    async def _deliver_or_leave(self, notifications: Sequence[Notification], what: str, ref: object) -> None:
        """`deliver` once the answer was shown: when the database fails, the notifications of `what` `ref`
        (``interaction 123``) wait in the outbox, logged in one warning line; any other failure is raised."""
        try:
            await self.deliver(notifications)
        except Exception as exc:
            if (down := database_failure(exc)) is None:
                raise
            database_down(log, down, f"the notifications of {what} %s wait in the outbox", ref)

    async def _deliver_one(self, note: Notification) -> TransientFailure | None:
        """Send one notification (or have it held); the transient failure that stopped it.

        Before an offer goes out (`live_offer`), Discord is asked whether its mentor is still a member of its server
        (`_look_up`, a yes kept a while): one who left is not sent it (their departure withdrew it), and an offer of
        a server the bot is not in is not sent either (`_withhold_offer`), though a member sharing another server
        with the bot would get the DM. Its later versions (expired, withdrawn) still edit a DM sent before, so its
        buttons go; one with no DM to edit is held with it, so the member hears nothing of an offer they never got
        from a server the bot is not in. Any other notice of that server still goes: it asks nothing new of anyone
        (a partner told, a check-in of a mentorship that goes on between its two members), and Discord refuses it
        when no server is shared (held, nobody paused)."""
        guild_id = guild_of(note.community)
        if guild_id is None or not note.platform_user_id.isdigit():
            log.warning("member %s is not a Discord member; holding the notification", note.member_id)
            await self.bot.hold_undelivered(note)
            return None
        gone = self.not_in_guild(guild_id)
        if live_offer(note):
            found = Lookup.GUILD_GONE if gone else await self._look_up(guild_id, note, fresh=False)
            if found is Lookup.LEFT:
                return None  # not sent: the departure withdrew the offer (its new version replaced it in the outbox)
            if found is Lookup.GUILD_GONE:
                return await self._withhold_offer(guild_id, note, known=gone)
        unseen = offer_of(note.key) is not None and (gone or self.membership.said_gone(guild_id))
        if (wait := self.global_limit_left()) is not None:  # met by the member lookup just made
            return TransientFailure(wait, "Discord's global rate limit")
        if not await still_to_send(note):
            # Superseded, out of date or taken over since its batch claimed it (a member's command meanwhile): sent
            # now, it would edit the newer version's DM back into the old one. Not sent, nothing reported.
            return None
        server = self.dm_server(guild_id)
        messages = render(note.reply, guild_id=guild_id, lang=note.language, community=note.community, server=server)
        sent: discord.Message | None = None
        try:
            if note.key and await self._edit_keyed(note, messages):
                return None
            if not unseen:
                channel = await self.create_dm(discord.Object(int(note.platform_user_id)))
                for message in messages:
                    sent = await channel.send(**message.send_kwargs())
                    took(note)  # the member has it: reported delivered even if the batch stops before its end
        except DELIVERY_ERRORS as exc:
            if (failure := transient(exc)) is not None:
                log.info("DM to member %s failed for now (%s)", note.member_id, failure.reason)
                return failure
            status, code = getattr(exc, "status", None), getattr(exc, "code", None)
            log.info("DM to member %s refused by Discord (%s, code %s)", note.member_id, status, code)
            # Only "cannot send messages to this user" and "unknown user" say the member cannot be reached; a 400
            # refuses the message MentorBot made, a 403 otherwise the bot itself: held, nobody paused (a 401, the
            # bot's token refused, is transient).
            refused = code in MEMBER_UNREACHABLE
            if refused:
                found = Lookup.GUILD_GONE if gone else await self._look_up(guild_id, note, fresh=True)
                if found is Lookup.LEFT:
                    # Kept for their next command, should they come back; a version of its key the departure wrote
                    # (an offer withdrawn) replaced it already, and is not held twice.
                    await self.bot.hold_undelivered(note)
                    return None
                if found is Lookup.GUILD_GONE:
                    # The bot is not in the server (any more): it shares no server with the member, which is why
                    # Discord refuses. Not the member's doing: held, nobody paused.
                    self.server_gone(guild_id)
                    refused = False
            await self.bot.hold_undelivered(note, refused=refused)
            return None
        if unseen:
            # A later version of an offer of a server the bot is not in, with no DM to edit: the offer was held (or
            # is still tried); this version replaces it there rather than tell the member of an offer they never got.
            log.info("%s for member %s held: MentorBot is not in Discord server %s", note.key, note.member_id, guild_id)
            await self.bot.hold_undelivered(note)
            return None
        if note.key and sent is not None:  # the last message carries the buttons
            await self.sent.remember(note.community, note.platform_user_id, note.key, (sent.channel.id, sent.id))
        return None

    async def _withhold_offer(self, guild_id: int, note: Notification, *, known: bool) -> TransientFailure | None:
        """An offer of a server the bot is not in, whose mentor may still get its DM (they share another server
        with the bot): not sent, since answering it would commit them in a programme the bot no longer runs.

        `known`: this process knows (`not_in_guild`: GUILD_DELETE, or not among its servers): the offer is held, as
        a refused DM is (`MentorBot.hold_undelivered`, nobody paused), so it expires as undelivered, no lapse of the
        mentor's. Otherwise only Discord's member lookup said "Unknown Guild" (the server is on another process's
        shards, or an event was missed), and one answer may be a passing mistake of Discord's for a server the bot is
        still in: the offer goes back to the outbox and is tried again later (`MentorBot.retry_later`), asking again
        each time; after its last try (`Settings.delivery_attempts`, about an hour) it is held. Still retrying when it
        expires, it expires as undelivered too."""
        if known:
            self.server_gone(guild_id)  # said once; a lookup's answer is said by `_look_up`
            log.info("%s for member %s held: MentorBot is not in Discord server %s", note.key, note.member_id, guild_id)
            await self.bot.hold_undelivered(note)
            return None
        log.info(
            "%s for member %s not sent for now: Discord says MentorBot is not in server %s; tried again later",
            note.key,
            note.member_id,
            guild_id,
        )
        return TransientFailure(None, "Discord says MentorBot is not in the server")

    async def _look_up(self, guild_id: int, note: Notification, *, fresh: bool) -> Lookup:
        """What Discord says of the member `note` is for in its server (`Membership.lookup`; `fresh`: not from what
        was kept, after a refused DM). One who left has their departure recorded (`MentorBot.member_left`) before
        anything else is done with `note`; a server the bot is not in is said once in the log (`server_gone`)."""
        found = await self.membership.lookup(guild_id, int(note.platform_user_id), fresh=fresh)
        if found is Lookup.GUILD_GONE:
            self.server_gone(guild_id)
        elif found is Lookup.LEFT:
            log.info("member %s is no longer in guild %s: recording their departure", note.member_id, guild_id)
            await self.bot.member_left(note.community, note.platform_user_id)
        return found

    # ------------------------------------------------------------------------------------- keyed DMs

    async def _edit_keyed(self, note: Notification, messages: Sequence[DiscordMessage]) -> bool:
        """Turn the DM of `note.key` (sent by any process) into `note` (its buttons replaced by the new ones,
        usually none); any further messages follow as new DMs. False when the DM is unknown or cannot be edited,
        so `note` is posted anew. A transient failure of the edit (`transient`, a refused bot token included) is
        raised, so the DM is edited later, not posted again. Where the DM was is forgotten only when Discord says
        it is gone (`MESSAGE_GONE`); any other refusal of the edit first takes the old DM's buttons off (what they
        answer is out of date once a newer version is posted), and the new DM's place replaces it once posted (kept
        if that is refused too, so a later version tries the old DM again)."""
        if not note.key or (where := await self.sent.get(note.community, note.platform_user_id, note.key)) is None:
            return False
        channel_id, message_id = where
        channel = self.get_partial_messageable(channel_id, type=discord.ChannelType.private)
        first, *rest = messages
        try:
            await channel.get_partial_message(message_id).edit(**first.edit_kwargs())
        except discord.HTTPException as exc:
            if transient(exc) is not None:
                raise
            if exc.status == 404 and exc.code in MESSAGE_GONE:
                log.info(
                    "DM %s of member %s is gone (code %s); sending a new one", message_id, note.member_id, exc.code
                )
                await self.sent.forget(note.community, note.platform_user_id, note.key, where)
                return False
            log.info(
                "could not edit DM %s of member %s (%s, code %s); taking its buttons off and sending a new one",
                message_id,
                note.member_id,
                exc.status,
                exc.code,
            )
            try:
                await channel.get_partial_message(message_id).edit(view=None)
            except DELIVERY_ERRORS as again:
                status, code = getattr(again, "status", None), getattr(again, "code", None)
                log.info("could not take the buttons off DM %s either (%s, code %s)", message_id, status, code)
            return False
        took(note)
        try:
            for message in rest:
                await channel.send(**message.send_kwargs())
        except discord.HTTPException as exc:
            log.info("DM to member %s refused by Discord (%s, code %s)", note.member_id, exc.status, exc.code)
        return True

    # ------------------------------------------------------------------------------------- recovery

    async def recover(self) -> int:
        """Process the interactions a dead process recorded and never processed (their lease ran out): run the
        core call again from the inbox, answer the member through the interaction's follow-up webhook while its
        token is valid (15 minutes), else by DM, and deliver the notifications. The caller carries the time the
        interaction was recorded (`Caller.answered_at`): an Accept sent before the offer's deadline is in time. How
        many were claimed."""
        events = await self.bot.unprocessed_events(communities=(COMMUNITY_PREFIX,))
        for event in events:
            answer = self.bot.recorded_answer(event)
            log.info(
                "interaction %s recorded before a restart (attempt %s): %s",
                event.event_id,
                event.attempts,
                "answering it" if answer else "processing it",
            )
            recorded = Recorded.from_json(event.payload)
            caller = recorded.caller(event.community, event.platform_user_id, event.event_id, event.id)
            # An answer to an offer counts as made when it was recorded, not when this recovery runs it.
            caller = replace(caller, answered_at=event.created_at)
            try:
                done = await self._process_recorded(recorded, caller, answer)
            except Exception as exc:
                if (down := database_failure(exc)) is None:
                    log.exception("could not process recorded interaction %s", event.event_id)
                else:
                    database_down(log, down, "recorded interaction %s left for later", event.event_id)
            else:
                if done:
                    await self._finish_event(event.id)
        return len(events)

    async def _process_recorded(self, recorded: Recorded, caller: Caller, answer: Outcome | None) -> bool:
        """Run a recovered interaction again (or take its stored `answer`) and answer it; False when another
        process turned out to have it."""
        outcome = answer or await self._refused_on_recovery(recorded, caller) or await recorded.run(self.bot, caller)
        if outcome.duplicate or not outcome.settled:
            return False  # another process has it, or the database went away again: after the next lease
        try:
            await self._answer_late(recorded, caller, outcome)
            offer = answered_offer(recorded)
            if offer is not None and outcome.error is None:
                # As a live click or command does: the offer's DM loses its Accept / Decline buttons.
                await self._update_offer_dm(caller, offer, outcome.reply, lang=outcome.language)
        finally:
            await self._deliver_or_leave(outcome.notifications, "recorded interaction", caller.event_id)
        return True

    async def _refused_on_recovery(self, recorded: Recorded, caller: Caller) -> Outcome | None:
        """A recovered click in a DM (any button: `press_button`), or feedback form submitted from one
        (`submit_form`), was recorded while Discord was asked whether the member is still in the server it names, and
        the process died before the answer came: asked again before it runs, and refused when they are gone (an
        offer's click: `_leaver_refusal`; any other: `_left_dm_refusal`), so that it is not taken for their return.
        A recovered answer to an offer (its button, the command) of a server the bot is not in is refused
        (`_removed_refusal`). None to run it. (Only a DM's interaction is recorded without a channel: a slash
        command in a DM is refused unrecorded.)"""
        offer = answered_offer(recorded)
        in_dm = recorded.channel is None
        if offer is None and not in_dm:
            return None
        found: Lookup | None = None
        if in_dm and not self.not_in_guild(recorded.guild_id):
            found = await self.membership.lookup(recorded.guild_id, int(caller.user_id), fresh=True)
        if found is Lookup.LEFT:
            t = translator(await caller_language(self.bot, caller))
            if recorded.action is not None and _is_offer(recorded.action):
                return await self._leaver_refusal(caller, t)
            key = "left.dm_click_refused" if recorded.action is not None else "left.dm_form_refused"
            return await self._left_dm_refusal(caller, t, key)
        if offer is not None and self.removed_from(recorded.guild_id, found):
            return await self._removed_refusal(caller, translator(await caller_language(self.bot, caller)))
        return None

    async def _answer_late(self, recorded: Recorded, caller: Caller, outcome: Outcome) -> None:
        """The answer to a recovered interaction: as ephemeral follow-ups while its token is valid (Discord
        accepts them once the interaction was deferred), else, or when Discord refuses, by DM."""
        if recorded.token_valid(self.bot.clock.now()):
            webhook = discord.Webhook.from_state(
                {"id": recorded.application_id, "type": 3, "token": recorded.token}, state=self._connection
            )
            try:
                for message in [
                    *render(
                        outcome.reply, guild_id=recorded.guild_id, lang=outcome.language, community=caller.community
                    ),
                    *held_messages(outcome, recorded.guild_id),
                ]:
                    if message.content or message.embeds or message.files:
                        await webhook.send(ephemeral=True, **message.send_kwargs())
                return
            except discord.HTTPException as exc:
                log.info(
                    "no follow-up for recovered interaction of %s (%s, code %s); by DM",
                    caller.user_id,
                    exc.status,
                    exc.code,
                )
        await self._answer_by_dm(caller, outcome, recorded.guild_id, "discord.late_answer")

    async def _answer_by_dm(
        self,
        caller: Caller,
        outcome: Outcome,
        guild_id: int | None,
        preface_key: str,
        *,
        reply: bool = True,
        held_from: int = 0,
    ) -> None:
        """The answer (and held notices) by DM, under the catalog line `preface_key` saying why (and, the bot in more
        than one server, the line naming the server: `dm_server`). When Discord refuses it (DMs closed) or cannot take
        it for now, that is logged, and what it left unshown is held for the member's next command: the reply, under
        that line (as Slack holds a late answer it cannot DM; the core keys it ``late-answer:``), and the held notices
        (their command took them from the outbox). The command is answered all the same: nothing else would show it.
        `reply` false: the held notices only, from the `held_from`th (the reply and the first ones were shown)."""
        t = translator(outcome.language)
        server = self.dm_server(guild_id)
        preface = t(preface_key)
        answer = (
            render(
                outcome.reply,
                guild_id=guild_id,
                preface=preface,
                lang=outcome.language,
                community=caller.community,
                server=server,
            )
            if reply
            else []
        )
        answered, shown = not any(m.content or m.embeds or m.files for m in answer), held_from
        try:
            channel = await self.create_dm(discord.Object(int(caller.user_id)))
            for message in answer:
                await channel.send(**message.send_kwargs())
            answered = True
            for notice in outcome.held[held_from:]:
                for message in held_notice(notice, guild_id, t, server):
                    await channel.send(**message.send_kwargs())
                shown += 1
        except discord.HTTPException as exc:
            log.info("could not answer member %s by DM either (%s, code %s)", caller.user_id, exc.status, exc.code)
            text = f"{preface}\n\n{outcome.reply.text}" if outcome.reply.text else preface
            unshown = [] if answered else [replace(outcome.reply, text=text)]
            await self._hold_again(caller, [*unshown, *outcome.held[shown:]])

    async def _hold_again(self, caller: Caller, notices: Sequence[Reply]) -> None:
        """Hold `notices` again for the caller's next command: they were held for them, taken by this command and
        shown nowhere. When even that fails, they are lost: logged."""
        if not notices:
            return
        try:
            held = await self.bot.hold_again(caller.community, caller.user_id, notices)
        except Exception as exc:
            log.error(
                "%s held notice(s) for %s could not be shown nor held again (%s): they are lost",
                len(notices),
                caller.user_id,
                type(exc).__name__,
                exc_info=database_failure(exc) is None,
            )
            return
        if held < len(notices):
            log.error("%s held notice(s) for %s could not be shown nor held again", len(notices) - held, caller.user_id)
        else:
            log.warning(
                "%s held notice(s) for %s could not be shown: held again for their next command", held, caller.user_id
            )

    async def run_due_jobs(self) -> int:
        """Run due timers once and deliver what they produce; the number of notifications."""
        notes = await self.bot.run_due_jobs()
        await self.deliver(notes)
        return len(notes)


class MentorTree(app_commands.CommandTree[MentorBotClient]):
    """The command tree: refuses DMs (no community there) and turns unexpected errors into an apology."""

    async def interaction_check(self, interaction: Interaction, /) -> bool:
        if interaction.guild_id is None:
            await self.client.refuse_outside_guild(interaction)
            return False
        command = interaction.command
        if interaction.type is discord.InteractionType.application_command and isinstance(
            command, app_commands.Command
        ):
            option = mistyped_option(command, interaction.data)
            if option is not None:
                await self.client.refuse_mistyped(interaction, option)
                return False
        return True

    async def on_error(self, interaction: Interaction, error: app_commands.AppCommandError, /) -> None:
        cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
        await self.client.report_error(interaction, cause)


def held_messages(outcome: Outcome, guild_id: int | None = None) -> list[DiscordMessage]:
    """The notices that could not reach the caller by DM earlier, prefaced with why, shown with a reply
    (`guild_id`: appended to their buttons when shown in a DM)."""
    t = translator(outcome.language)
    return [message for held in outcome.held for message in held_notice(held, guild_id, t)]


def held_notice(
    notice: Reply, guild_id: int | None, t: Translator, server: Server | None = None
) -> list[DiscordMessage]:
    """One held notice as the messages that show it, prefaced with why (see `held_messages`; `server`: the server
    a notice sent by DM names, see `render`)."""
    return render(notice, guild_id=guild_id, preface=t("discord.held_notice"), lang=t.lang, server=server)


def live_offer(note: Notification) -> bool:
    """Whether `note` is an offer its mentor can still answer (its Accept button), not a later version of it."""
    return any(button.action == "offer.accept" for button in note.reply.buttons)


def _is_offer(action: str) -> bool:
    """Whether `action` is an offer's button (Accept, Decline), where a mentor commits to a member of the server its
    custom id names: clicked in a DM by someone no longer in it, it is refused as an offer's (`_leaver_refusal`,
    which hands the offer on), and refused for a server the bot is not in (`removed_from`). A click in a DM on any
    other button is checked against the server's members too (`press_button`), not against the bot's servers."""
    return action.startswith("offer.")


def answered_offer(recorded: Recorded) -> str | None:
    """The offer a recorded interaction answered (an Accept or Decline button, ``/mentor accept|decline``), or
    None."""
    if recorded.action is not None:
        return recorded.ref if recorded.action.startswith("offer.") else None
    if recorded.command in ANSWER_COMMANDS:
        return recorded.args.get("offer", "")
    return None


def dm_guild(interaction: Interaction, caller: Caller) -> int | None:
    """The guild to append to the buttons of an answer shown in a DM (where a click carries no guild, so the
    button must name its community); None in a guild channel."""
    return guild_of(caller.community) if interaction.guild_id is None else None


def _not_shown(interaction: Interaction, exc: BaseException, what: str = "could not answer interaction") -> None:
    """Log that Discord did not take (part of) an interaction's answer (`what`), in one warning line."""
    status, code = getattr(exc, "status", None), getattr(exc, "code", None)
    why = f"{status} {code}" if status is not None else type(exc).__name__
    log.warning("%s %s: %s", what, interaction.id, why)


async def _quietly(call: Awaitable[Any]) -> None:
    """Await a best-effort Discord call (cleaning up, apologising); a refusal is only logged."""
    try:
        await call
    except discord.HTTPException as exc:
        log.info("Discord refused a best-effort call: %s %s", exc.status, exc.code)
