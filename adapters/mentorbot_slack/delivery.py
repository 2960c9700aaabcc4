"""Getting the core's messages to members on Slack: replies, direct messages, updates, files, App Home.

- A reply to the member who acted goes where they are: ephemerally through the interaction's
  ``response_url`` (Slack takes five posts to one: past those, it is not used), else as an ephemeral message in
  the channel, else (App Home clicks) in a small modal, else by direct message. Notices held for the member,
  shown after the answer to their next command, that can be shown nowhere are held again for the one after.
  An interaction answered past its response_url's life (recovered after MentorBot was down, or a form submitted
  more than 30 minutes after it opened: `ANSWERING_LATE`) is answered only by direct message, under a line saying
  it is the late answer to what they sent and when (for such a form, why the answer comes there);
  never through the dead response_url, nor as an ephemeral (Slack keeps none: only a member looking at that
  channel right then would see it). A DM refused holds it for the member's next command.
- A notification goes by direct message. Where one with a `key` (``offer:12``) was posted is recorded in the
  database (`SentMessages`), and a later notification with the same key for the same member updates that
  message in place (an offer turns into "expired"), whichever worker or process delivers it; so does an edit of
  such a message (an offer accepted) that Slack failed for a transient reason (`KeyedDM`). When a direct
  message fails (the member turned off messages from the app, an account restriction…), the failure is logged
  and the notice is shown ephemerally in the channel where the member last used the bot; with no such channel
  it is held by the core and shown with their next command. A refusal that says the account is not there
  (`NO_SUCH_ACCOUNT`: ``user_not_found``, ``user_disabled``) has no channel to fall back to: the notice is held
  (and a mentor's offer handed on) at once. When it fails for a transient reason (`transient`: an HTTP 5xx or
  429, Slack's ``internal_error``/``service_unavailable``, a network error or timeout), nothing falls back: the
  core tries it again later from the outbox (`MentorBot.retry_later`), after at least the ``Retry-After`` Slack
  gave. Each is reported delivered to the outbox as soon as Slack took it, not at the end of its batch, and a
  batch longer than half its lease gives the rest back (`app.Sending`): another process never posts again what a
  member has, after a slow batch or a SIGTERM half-way.
- Members who left: Slack takes a direct message to a deactivated account without an error, so before an offer
  with live buttons goes out, and after any refused direct message, Slack is asked whether its mentor (and the
  offer's mentee) is still a member (`membership.Membership`, users.info, a "yes" kept five minutes); one
  deactivated or unknown to the workspace is reported gone (`MentorBot.member_left`: their requests cancelled,
  paused as a mentor, partners told) and the offer is not sent (the departure withdrew it).
- After a change, the App Home tab of everyone concerned is published again.

Short rate limits (HTTP 429 with a ``Retry-After`` of a few seconds) are waited out and retried by the Web API
client's retry handler (`web_api.retry_handlers`); a longer one fails the call at once (a notification is then
retried from the outbox), so one member's rate limit never stalls the delivery of every later notification.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from mentorbot.app import Sending, still_to_send, took
from mentorbot.bot import Caller, MentorBot
from mentorbot.commands import button_command, caller_language
from mentorbot.errors import database_failure
from mentorbot.formatting import when
from mentorbot.i18n import Translator, translator
from mentorbot.paging import reply_buttons
from mentorbot.replies import Notification, Reply
from mentorbot.retries import AUTH_RETRY_SECONDS, Alarm, TransientFailure
from mentorbot.sent_messages import SentMessages, pair_codec
from mentorbot_slack.blocks import escape, message, packed
from mentorbot_slack.membership import Lookup, Membership
from mentorbot_slack.views import home_view, notice_modal, welcome_reply
from mentorbot_slack.web_api import retry_after_of

log = logging.getLogger("mentorbot.slack")

HOME_LOCKS_KEPT: Final = 10_000
"""Past how many members' App Home locks the idle ones are dropped."""
RESPONSE_URL_POSTS: Final = 5
"""How many posts Slack takes to one interaction's response_url (within its 30 minutes); later ones are refused."""
RESPONSE_URLS_KEPT: Final = 10_000
"""Past how many response_urls' post counts the oldest are forgotten (a response_url lasts 30 minutes)."""

SEND_ERRORS: Final = (SlackClientError, aiohttp.ClientError, asyncio.TimeoutError)
"""What a failed Slack call raises (API errors, exhausted retries, network trouble)."""


def failure_reason(exc: BaseException) -> str:
    """A failure as a short, secret-free reason for the log (the API error code, or the exception type)."""
    if isinstance(exc, SlackApiError):
        # A body that is not JSON (an HTML page with a 500) leaves the response's data a string: its status then.
        data = exc.response.data
        return str((data.get("error") if isinstance(data, dict) else None) or exc.response.status_code)
    return type(exc).__name__


TRANSIENT_API_ERRORS: Final = frozenset(
    {"internal_error", "service_unavailable", "ratelimited", "fatal_error", "request_timeout"}
)
"""Slack error codes that say "not now" rather than "never" (Slack's own words: a transient issue on our end;
``fatal_error`` and ``request_timeout`` are failures on Slack's side or of the request, tried again: at least once)."""


MEMBER_UNREACHABLE: Final = frozenset(
    {"user_not_found", "channel_not_found", "cannot_dm_bot", "user_disabled", "messages_tab_disabled"}
)
"""Slack errors that refuse this member's DM (gone, deactivated, DMs with apps off): the only ones a mentor is
paused for as unreachable (`MentorBot.hold_undelivered`'s ``refused``). Any other refusal (a message MentorBot
made wrong, a scope the app lacks) is held and pauses nobody."""
NO_SUCH_ACCOUNT: Final = frozenset({"user_not_found", "user_disabled"})
"""Refusals that say the account itself is not there (unknown to the workspace, deactivated): no ephemeral in the
member's last channel either (they cannot see it), so the notice is held at once, after users.info was asked
whether they left (`Delivery._left`)."""
OFFER_ACCEPT: Final = "offer.accept"
"""The action of an offer's Accept button: a notification carrying it is an offer its mentor can still answer."""
APP_AUTH_ERRORS: Final = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "team_disabled"}
)
"""Slack error codes that say the bot's own token is refused: every call fails, not this member's DM. What the
bot says waits in the outbox, retried with backoff (never sooner than `AUTH_RETRY_SECONDS` apart), instead of being
held at once as if each member had closed their DMs; after ``MENTORBOT_DELIVERY_ATTEMPTS`` tries (8: about 80
minutes) each is held for its member's next command, as any notification that kept failing."""
TOKEN_ALARM: Final = Alarm()
"""One ERROR line at most every ten minutes while the token is refused (not one per notification)."""


def transient(exc: BaseException) -> TransientFailure | None:
    """Whether a failed Slack call may succeed if tried later (HTTP 5xx or 429, a transient error code, the
    network, a timeout, the bot's token refused: `APP_AUTH_ERRORS`), with the ``Retry-After`` Slack gave; None
    for a failure that will not go away for this member (DMs off, user not found…)."""
    if isinstance(exc, SlackApiError):
        status = int(exc.response.status_code or 0)
        if status >= 500 or status == 429 or exc.response.get("error") in TRANSIENT_API_ERRORS:
            return TransientFailure(retry_after_of(exc.response.headers), failure_reason(exc))
        if exc.response.get("error") in APP_AUTH_ERRORS:
            _alarm_token_refused(str(exc.response.get("error")))
            return TransientFailure(AUTH_RETRY_SECONDS, failure_reason(exc))
        return None
    if isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError):
        return TransientFailure(None, type(exc).__name__)
    return None


def _alarm_token_refused(error: str) -> None:
    """One clear ERROR line (never the token) while Slack refuses the bot's token (`TOKEN_ALARM`)."""
    if not TOKEN_ALARM.due():
        return
    log.error(
        "Slack refused MentorBot's bot token (%s): nothing can be sent until it works again; notifications wait in "
        "the outbox and are retried, then held for the members' next commands after their last try. Reinstall the "
        "app or set MENTORBOT_SLACK__BOT_TOKEN to a valid token",
        error,
    )


def live_offer(note: Notification) -> bool:
    """Whether `note` is an offer its mentor can still answer (its Accept button), not a later version of it."""
    return any(button.action == OFFER_ACCEPT for button in note.reply.buttons)


def is_dm(channel_id: str | None) -> bool:
    """Whether `channel_id` is a direct-message channel (Slack's DM ids start with D)."""
    return bool(channel_id) and str(channel_id).startswith("D")


def held_notice_words(replies: Sequence[Reply], note: str, t: Translator) -> Reply:
    """Held notices as the words of a notice modal (where `reply_held` shows them when the member's click has no
    channel: the App Home tab), which shows no buttons: the `note` saying why they come here, then each notice's
    plain text followed by a line for each of its buttons with the command a member types instead
    (`button_command`, as the console shows them; a button without one is left out), in `t`'s language."""
    parts = [note] if note else []
    for reply in replies:
        typed = [
            t("slack.modal.held_button", label=button.label, command=command)
            for button in reply_buttons(reply)
            if (command := button_command(button))
        ]
        parts.append("\n".join([reply.plain_text, *typed]))
    return Reply("\n\n".join(parts))


@dataclass(frozen=True)
class LateAnswer:
    """An interaction answered past its response_url's life (`SlackAdapter.recover`): the moment the member sent
    it, the time zone they read times in (None: unknown, shown in UTC), and their community (where the answer is
    held when their DM refuses it). `live`: answered now, only past the response_url's life (a form submitted more
    than 30 minutes after it opened, `SlackAdapter.form_late`), not late."""

    sent_at: datetime
    community: str
    zone: str | None = None
    live: bool = False

    def preface(self, t: Translator) -> str:
        """The line put before the answer: the late answer to what the member sent, and when (``recovery``); for a
        `live` one, that the form was open half an hour or more, so the answer comes by DM."""
        if self.live:
            return t("slack.late_form.preface")
        return t("recovery.late_answer", when=when(self.sent_at, t, self.zone))


ANSWERING_LATE: Final[ContextVar[LateAnswer | None]] = ContextVar("slack_answering_late", default=None)
"""Set in the task of an interaction answered past its response_url's life: a recovered one (by
`SlackAdapter.recover`), or a form submitted more than 30 minutes after it opened (`SlackAdapter.form_late`). Its
replies to the member who acted go only by DM, prefaced (`Delivery.reply`), and no response_url is posted to
(`respond`).
A context variable, so that every reply of that interaction's task (its answer, the notices held for the member,
an apology) goes that way whichever path makes it, and none of another task."""


@dataclass(frozen=True)
class KeyedDM:
    """The direct message a notification keyed `key` (``offer:12``) was posted as for `user_id` of `community` (where
    `Delivery.sent` recorded it): an edit of it that Slack fails for a passing reason is made later from the outbox
    (`Delivery.update`)."""

    community: str
    user_id: str
    key: str


@dataclass(frozen=True)
class ReplyRoute:
    """Where the answer to one interaction goes (see the module's docstring for the order tried)."""

    user_id: str
    response_url: str | None = None
    channel_id: str | None = None
    trigger_id: str | None = None


class Delivery:
    """Sends replies, notifications, files and App Home views through one Web API client."""

    def __init__(
        self,
        bot: MentorBot,
        client: AsyncWebClient,
        *,
        retry_handlers: Sequence[AsyncRetryHandler] = (),
        membership: Membership | None = None,
    ) -> None:
        """Deliver for `bot` through `client`; `retry_handlers` also apply to response_url posts. `membership`
        (by default one of its own over `client`) says whether a member is still in the workspace."""
        self.bot = bot
        self.client = client
        self.membership = membership or Membership(client, bot.clock)
        """Whether a member's account is still active, asked of Slack (see `membership`)."""
        self._webhook_retry_handlers = list(retry_handlers)
        self.sent: SentMessages[tuple[str, str]] = SentMessages(bot.store, bot.clock, pair_codec(str, str))
        """Where each keyed direct message is: (channel, ts), as ``channel:ts`` in the database."""
        self._home_locks: dict[str, asyncio.Lock] = {}
        self._url_posts: dict[str, int] = {}
        """Posts made to each recent response_url (`RESPONSE_URL_POSTS`), oldest response_url first."""

    async def translator_for(self, caller: Caller) -> Translator:
        """The translator for a member before any use-case answered them (no `Outcome` to tell the language):
        the adapter's one way to the core's `caller_language`."""
        return translator(await caller_language(self.bot, caller))

    # ---------------------------------------------------------------- keyed messages

    async def update(self, channel: str, ts: str, reply: Reply, *, keyed: KeyedDM | None = None) -> bool:
        """Replace the message (`channel`, `ts`) with `reply`; False (logged) if Slack refused. With `keyed`, when
        Slack failed it for a passing reason (`transient`: a 5xx, a 429 longer than waited out, the network) and the
        message is that key's direct message, the edit is made later from the outbox (`_edit_later`): an accepted
        offer's DM does not keep its live Accept / Decline."""
        failed = await self._edit(channel, ts, message(reply))
        if failed is None:
            return True
        if keyed is not None and (failure := transient(failed)) is not None:
            await self._edit_later(keyed, (channel, ts), reply, failure)
        return False

    async def edit(self, channel: str, ts: str, body: dict[str, Any]) -> bool:
        """Replace the message (`channel`, `ts`) with `body` (its ``text`` and ``blocks``); False (logged) if Slack
        refused."""
        return await self._edit(channel, ts, body) is None

    async def _edit(self, channel: str, ts: str, body: dict[str, Any]) -> Exception | None:
        """`edit`: None when Slack took it, else the failure (logged)."""
        try:
            await self.client.chat_update(channel=channel, ts=ts, **body)
        except SEND_ERRORS as exc:
            log.warning("could not update message %s in %s: %s", ts, channel, failure_reason(exc))
            return exc
        return None

    async def _edit_later(
        self, keyed: KeyedDM, where: tuple[str, str], reply: Reply, failure: TransientFailure
    ) -> None:
        """Slack failed to edit `where` into `reply` for a passing reason: when `where` is the direct message recorded
        for `keyed` (`sent`), `reply` goes to the outbox as the newest version of that key for its member (older ones
        still waiting superseded), released at once for a later try (`MentorBot.retry_later`: not before the
        ``Retry-After`` Slack gave, then backing off; held for their next command after its last try). Its delivery
        edits that message in place (`_notify_one`), by whichever process claims it: a restart loses nothing. A
        failure here is logged: the member was shown the answer already."""
        try:
            if await self.sent.get(keyed.community, keyed.user_id, keyed.key) != where:
                return  # not the keyed message (a copy elsewhere): nothing to make later
            if not await self.bot.edit_later(
                keyed.community, keyed.user_id, keyed.key, reply, retry_after=failure.retry_after
            ):
                return
            log.info("the edit of %s's message %s is tried again later from the outbox", keyed.user_id, keyed.key)
        except Exception as exc:
            log.warning(
                "could not keep the edit of %s's message %s for later: %s",
                keyed.user_id,
                keyed.key,
                failure_reason(exc),
                exc_info=database_failure(exc) is None,
            )

    # ---------------------------------------------------------------- notifications

    async def notify(self, notes: Iterable[Notification]) -> None:
        """Deliver notifications in order, each by direct message (see the module's docstring), each reported
        delivered to the outbox as soon as Slack took it (`app.Sending`: a slow batch, or one cancelled half-way,
        leaves claimable only what was not sent); one Slack failed to take for a transient reason goes back to the
        outbox, to be tried again later (`MentorBot.retry_later`), and is not reported. Those the batch had no
        time for (a share of their lease) are given back to the outbox for the next round."""
        async with Sending(self.bot) as sending:
            for note in notes:
                if not sending.may_send(note):
                    continue
                failure = await self._notify_one(note)
                if failure is None:
                    sending.took(note)
                    await sending.report()
                else:
                    await self.bot.retry_later(note, retry_after=failure.retry_after)

    async def _notify_one(self, note: Notification) -> TransientFailure | None:
        """Deliver one notification (or fall back, or have it held); the transient failure that stopped it."""
        user_id = note.platform_user_id
        if live_offer(note) and await self._offer_to_leaver(note):
            return None  # not sent: the departure withdrew the offer (its new version replaced it in the outbox)
        if not await still_to_send(note):
            # Superseded, out of date or taken over since its batch claimed it (a member's command meanwhile): sent
            # now, it would edit the newer version's message back into the old one. Not sent, nothing reported.
            return None
        if note.key and (where := await self.sent.get(note.community, user_id, note.key)) is not None:
            try:
                await self.client.chat_update(channel=where[0], ts=where[1], **message(note.reply))
            except SEND_ERRORS as exc:
                if (failure := transient(exc)) is not None:
                    log.warning("update of %s's message %s failed for now (%s)", user_id, note.key, failure.reason)
                    return failure  # the message is still there: edit it later rather than post a second one
                log.warning("could not update message %s in %s: %s", where[1], where[0], failure_reason(exc))
            else:
                took(note)
                return None
        try:
            sent = await self.client.chat_postMessage(channel=user_id, **message(note.reply))
        except SEND_ERRORS as exc:
            if (failure := transient(exc)) is not None:
                log.warning("direct message to %s failed for now (%s)", user_id, failure.reason)
                return failure
            await self._refused(note, failure_reason(exc))
            return None
        took(note)  # the member has it: reported delivered even if the batch stops before the chart is uploaded
        channel, ts = sent.get("channel"), sent.get("ts")
        if note.key and isinstance(channel, str) and isinstance(ts, str):
            await self.sent.remember(note.community, user_id, note.key, (channel, ts))
        if note.reply.attachments:  # the digest's chart: uploaded after its text, into the same DM
            await self.send_files(user_id, Reply("", attachments=note.reply.attachments))
        return None

    async def _refused(self, note: Notification, reason: str) -> None:
        """Slack refused `note`'s direct message for good (`reason`, its error code). Slack is asked afresh whether
        the member is still in the workspace: one who is not is reported gone (`_left`) and the notice is kept for
        their next command, should they come back. Else a refusal that says the account is not there
        (`NO_SUCH_ACCOUNT`) is held at once, as refused (a mentor's offer handed on); any other falls back to
        their last channel (`_fall_back`)."""
        user_id = note.platform_user_id
        if await self._left(note.community, user_id, fresh=True):
            log.warning("direct message to %s failed (%s): they are no longer a member; holding it", user_id, reason)
            # A version of its key the departure wrote (an offer withdrawn) replaced it already: not held twice.
            await self.bot.hold_undelivered(note)
            return
        if reason in NO_SUCH_ACCOUNT:
            log.warning("direct message to %s failed (%s); holding it (no channel would show it)", user_id, reason)
            await self.bot.hold_undelivered(note, refused=True)
            return
        log.warning("direct message to %s failed (%s); trying their last channel", user_id, reason)
        await self._fall_back(note, refused=reason in MEMBER_UNREACHABLE)

    async def _offer_to_leaver(self, note: Notification) -> bool:
        """Before an offer with live buttons goes out: whether its mentor (who `note` is for) or the mentee who asked
        is no longer a member of the workspace (`_left`, an answer kept a few minutes taken as it is); their
        departure is then recorded, which withdraws the offer. False when both are members, or Slack cannot tell."""
        if await self._left(note.community, note.platform_user_id, fresh=False):
            return True
        mentee = await self._mentee_of(note)
        return mentee is not None and await self._left(note.community, mentee, fresh=False)

    async def _mentee_of(self, note: Notification) -> str | None:
        """The Slack user id of the member whose request the offer `note` carries (its Accept button names the
        offer), or None when it cannot be found."""
        ref = next((b.ref for b in note.reply.buttons if b.action == OFFER_ACCEPT), "")
        if not ref.isdigit():
            return None
        store = self.bot.store
        offer = await store.get_offer(int(ref))
        request = await store.get_request(offer.request_id) if offer is not None else None
        mentee = await store.get_member(request.member_id) if request is not None else None
        if mentee is None or mentee.community != note.community:
            return None
        return mentee.platform_user_id

    async def _left(self, community: str, user_id: str, *, fresh: bool) -> bool:
        """Whether Slack says `user_id` is no longer a member of the workspace (`Membership.lookup`: deactivated, or
        unknown to it; `fresh`: not from what was kept); then their departure is recorded (`report_departure`)
        before anything else is done. False when they are a member, or when Slack cannot tell now."""
        if await self.membership.lookup(user_id, fresh=fresh) is not Lookup.GONE:
            return False
        log.info("Slack says %s is no longer a member of %s: recording their departure", user_id, community)
        await self.report_departure(community, user_id)
        return True

    async def report_departure(self, community: str, user_id: str) -> None:
        """`user_id` is no longer a member of `community` (`MentorBot.member_left`: their requests cancelled, paused
        as a mentor with their offers handed on, their partners told; what that says goes to the outbox)."""
        await self.bot.member_left(community, user_id)

    async def _fall_back(self, note: Notification, *, refused: bool) -> None:
        """A notice that could not go by DM: ephemeral in the member's last channel, else held by the core
        (`refused`: Slack refused the member's DM, not the message or the app: see `MEMBER_UNREACHABLE`)."""
        member = await self.bot.store.get_member(note.member_id)  # not routing: where they last used the bot
        channel = member.last_channel if member else None
        if channel:
            body = message(note.reply, note=translator(note.language)("slack.dm.fallback"))
            try:
                await self.client.chat_postEphemeral(channel=channel, user=note.platform_user_id, **body)
            except SEND_ERRORS as exc:
                log.warning(
                    "ephemeral fallback to %s in %s failed too (%s); holding the notice",
                    note.platform_user_id,
                    channel,
                    failure_reason(exc),
                )
            else:
                return
        await self.bot.hold_undelivered(note, refused=refused)

    # ---------------------------------------------------------------- replies to the caller

    def posts_left(self, response_url: str) -> int:
        """How many more posts Slack takes to `response_url` (`RESPONSE_URL_POSTS`, less this process's)."""
        return max(RESPONSE_URL_POSTS - self._url_posts.get(response_url, 0), 0)

    async def respond(self, response_url: str, body: dict[str, Any]) -> bool:
        """Post `body` to an interaction's response_url (over the Web API client's connections); False (logged)
        if that failed or it expired, or when Slack would refuse it (its `RESPONSE_URL_POSTS` are used: nothing is
        posted)."""
        if ANSWERING_LATE.get() is not None:
            log.info("response_url not used: the interaction is older than its response_url's life")
            return False
        if not self.posts_left(response_url):
            log.info("response_url not used: Slack takes %s posts to one", RESPONSE_URL_POSTS)
            return False
        # Every try counts: one that failed on its way back may have been taken.
        self._url_posts[response_url] = self._url_posts.pop(response_url, 0) + 1
        if len(self._url_posts) > RESPONSE_URLS_KEPT:
            del self._url_posts[next(iter(self._url_posts))]
        webhook = AsyncWebhookClient(
            response_url, session=self.client.session, retry_handlers=list(self._webhook_retry_handlers)
        )
        try:
            answer = await webhook.send_dict(body)
        except SEND_ERRORS as exc:
            log.warning("response_url post failed: %s", failure_reason(exc))
            return False
        if answer.status_code != 200:
            log.warning("response_url post refused: HTTP %s", answer.status_code)
            return False
        return True

    async def reply(
        self,
        route: ReplyRoute,
        reply: Reply,
        *,
        t: Translator,
        note: str | None = None,
        replace_original: bool = False,
    ) -> None:
        """Show `reply` to the member who acted, only to them (see the module's docstring for where). Answering
        late (`ANSWERING_LATE`): by DM under the late answer's line, held for their next command when refused."""
        late = ANSWERING_LATE.get()
        if late is None:
            await self._show(route, message(reply, note=note), reply, t=t, replace_original=replace_original)
            return
        preface = late.preface(t)
        if await self._dm(route.user_id, message(reply, note=f"{preface}\n{note}" if note else preface)):
            return
        held = replace(reply, text=f"{preface}\n\n{reply.text}" if reply.text else preface)
        await self._hold_again(late.community, route.user_id, [held])

    async def reply_held(
        self,
        community: str,
        route: ReplyRoute,
        held: Sequence[Reply],
        *,
        t: Translator,
        note: str,
        keys: Sequence[str | None] = (),
    ) -> None:
        """Show the notices held for the member who acted (of `community`), packed into as few messages as Slack
        takes (`blocks.packed`). A response_url takes `RESPONSE_URL_POSTS` posts (the answer has used one): the
        packs past those go where `_show` tries next. The notices that could be shown nowhere are held again
        for the member's next command (they were taken from the outbox already). A keyed one (`keys`, the message
        key of each of `held`: `Outcome.held_keys`) whose direct message was posted before is also edited there
        into the held version (`_edit_held`): an offer DM posted before a long outage loses its buttons."""
        unshown: list[Reply] = []
        for body, replies in packed(held, note=note):
            if not await self._show(route, body, held_notice_words(replies, note, t), t=t):
                unshown.extend(replies)
        if unshown:
            await self._hold_again(community, route.user_id, unshown)
        if len(keys) == len(held):
            for key, reply in zip(keys, held, strict=True):
                if key is not None:
                    await self._edit_held(community, route.user_id, key, reply)

    async def _edit_held(self, community: str, user_id: str, key: str, reply: Reply) -> None:
        """Edit the direct message recorded for `key` (`message_refs`), if any, into `reply`, the held version of
        that key just shown to the member (its buttons as it has them: an expiry's none). Its edit could not be made
        while Slack refused it (a token refused past the last retry held it instead). A failure is logged, no more:
        the reply showed the notice; one that passes is made later from the outbox (`update`'s `KeyedDM`)."""
        try:
            where = await self.sent.get(community, user_id, key)
        except Exception as exc:
            log.warning("could not look up %s's message %s to edit it: %s", user_id, key, failure_reason(exc))
            return
        if where is not None and await self.update(where[0], where[1], reply, keyed=KeyedDM(community, user_id, key)):
            log.info("edited %s's message %s into its held version", user_id, key)

    async def _hold_again(self, community: str, user_id: str, notices: Sequence[Reply]) -> None:
        """Hold `notices` again for `user_id`'s next command; when even that fails, they are lost: logged."""
        try:
            held = await self.bot.hold_again(community, user_id, notices)
        except Exception as exc:
            log.error(
                "%s held notice(s) for %s could not be shown nor held again (%s): they are lost",
                len(notices),
                user_id,
                failure_reason(exc),
            )
            return
        if held < len(notices):
            log.error("%s held notice(s) for %s could not be shown nor held again", len(notices) - held, user_id)
        else:
            log.warning("%s held notice(s) for %s could not be shown: held again for their next command", held, user_id)

    async def _show(
        self, route: ReplyRoute, body: dict[str, Any], reply: Reply, *, t: Translator, replace_original: bool = False
    ) -> bool:
        """Post `body` (`reply` as Block Kit) where the member who acted sees it, only them: the response_url,
        an ephemeral in the channel, a notice modal, or their DMs, the first that takes it; False when none
        did. Answering late (`ANSWERING_LATE`), only their DMs."""
        if ANSWERING_LATE.get() is not None:
            return await self._dm(route.user_id, body)
        if route.response_url:
            payload = {**body, "response_type": "ephemeral", "replace_original": replace_original}
            if await self.respond(route.response_url, payload):
                return True
        if route.channel_id:
            try:
                await self.client.chat_postEphemeral(channel=route.channel_id, user=route.user_id, **body)
            except SEND_ERRORS as exc:
                log.warning(
                    "ephemeral reply to %s in %s failed: %s", route.user_id, route.channel_id, failure_reason(exc)
                )
            else:
                return True
        if route.trigger_id:
            try:
                await self.client.views_open(trigger_id=route.trigger_id, view=notice_modal(reply, t))
            except SEND_ERRORS as exc:
                log.warning("notice modal for %s failed: %s", route.user_id, failure_reason(exc))
            else:
                return True
        return await self._dm(route.user_id, body)

    async def _dm(self, user_id: str, body: dict[str, Any]) -> bool:
        """Post `body` into `user_id`'s DMs with the app; False (logged) when Slack refused it."""
        try:
            await self.client.chat_postMessage(channel=user_id, **body)
        except SEND_ERRORS as exc:
            log.warning("could not reply to %s by direct message: %s", user_id, failure_reason(exc))
            return False
        return True

    async def send_files(self, user_id: str, reply: Reply) -> bool:
        """Upload `reply`'s attachments into the member's direct messages (exports are private)."""
        try:
            opened = await self.client.conversations_open(users=user_id)
            channel = (opened.get("channel") or {}).get("id")
            await self.client.files_upload_v2(
                channel=channel,
                initial_comment=escape(reply.text),
                file_uploads=[
                    # A chart's alt text is read out to members who cannot see it.
                    {"content": a.content, "filename": a.filename, "title": a.filename}
                    | ({"alt_txt": a.description} if a.description else {})
                    for a in reply.attachments
                ],
            )
        except SEND_ERRORS as exc:
            log.warning("file upload to %s failed: %s", user_id, failure_reason(exc))
            return False
        return True

    # ---------------------------------------------------------------- App Home

    async def publish_home(
        self, community: str, user_id: str, *, lang: str | None = None, event_id: str | None = None
    ) -> None:
        """Publish `user_id`'s App Home: their status (`MentorBot.home_view`), or a welcome before they have
        used the bot. `lang` is the member's language when the caller knows it already.

        With an `event_id` (``app_home_opened``), the core claims the event: a redelivery publishes nothing for a
        member. `home_view` answers None both for a redelivery and for a newcomer, so None is followed by a
        second `home_view` without the event id: a member then means a redelivery (nothing to do), nobody
        means a newcomer, who gets the welcome. A newcomer's redelivered event publishes that same welcome
        again, which is harmless (views.publish of an identical view changes nothing).
        """
        lock = self._home_locks.setdefault(user_id, asyncio.Lock())
        async with lock:  # the last of concurrent refreshes reads the newest state
            try:
                reply = await self.bot.home_view(community, user_id, event_id=event_id)
                maybe_redelivered = reply is None and event_id is not None
                if maybe_redelivered and await self.bot.home_view(community, user_id) is not None:
                    return  # a redelivery of an event already handled, for a member
                t = translator(lang) if lang else await self.translator_for(Caller(community, user_id, user_id))
                view = home_view(reply or welcome_reply(t), t)
                await self.client.views_publish(user_id=user_id, view=view)
            except SEND_ERRORS as exc:
                log.warning("could not publish the App Home of %s: %s", user_id, failure_reason(exc))
        if len(self._home_locks) > HOME_LOCKS_KEPT:
            for idle in [uid for uid, held in self._home_locks.items() if not held.locked()]:
                del self._home_locks[idle]

    async def publish_home_page(self, user_id: str, reply: Reply, t: Translator) -> bool:
        """Publish `reply` (a page of the member's status a paging button asked for) as their App Home, under the
        same lock as `publish_home`; False when Slack refused it."""
        async with self._home_locks.setdefault(user_id, asyncio.Lock()):
            try:
                await self.client.views_publish(user_id=user_id, view=home_view(reply, t))
            except SEND_ERRORS as exc:
                log.warning("could not page the App Home of %s: %s", user_id, failure_reason(exc))
                return False
        return True

    async def refresh_homes_of(self, notes: Iterable[Notification]) -> None:
        """Publish the App Home of every member a notification went to (once each), in their language."""
        seen: set[int] = set()
        for note in notes:
            if note.member_id in seen:
                continue
            seen.add(note.member_id)
            await self.publish_home(note.community, note.platform_user_id, lang=note.language)
