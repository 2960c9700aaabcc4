"""``mentorbot run``: the platform adapters, found through their entry points and run in one process.

An adapter package registers an `AdapterSpec` under the entry-point group ``mentorbot.adapters`` (in its
``pyproject.toml``: ``[project.entry-points."mentorbot.adapters"]``); the core names no adapter. The spec says
where the adapter's runner is, the communities it serves and the setting that turns it on. The runner module
has one coroutine function (see docs/console.md):

    async def run(bot: MentorBot, settings: Settings, *, dispatcher: Dispatcher | None = None) -> None

It connects to its platform and serves until cancelled. Without a `dispatcher` it runs on its own, with its
own timer loop. With one (several adapters in one process), it calls ``await dispatcher.register(prefix,
deliver)`` so that notifications for members of its communities (``"discord:"``, ``"slack:"``) reach it, and
runs no timer loop: ``mentorbot run`` owns the one loop (offer expiry, check-ins, pause ends) and hands each
notification to the adapter of the member's community, so two adapters never deliver each other's messages.
A runner is imported only when its token is set, so a missing platform library costs nothing otherwise.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, cast

from mentorbot.app import Deliver, run_timers
from mentorbot.bot import MentorBot
from mentorbot.replies import Notification
from mentorbot.settings import ADAPTER_GROUP, Settings, SettingsError

log = logging.getLogger("mentorbot.run")


Runner = Callable[..., Coroutine[Any, Any, None]]
"""An adapter's ``run(bot, settings, *, dispatcher=None)`` coroutine function."""


def takes_dispatcher(run: Runner) -> bool:
    """Whether a runner accepts ``dispatcher=`` (so it can share the process with another adapter)."""
    try:
        parameters = inspect.signature(run).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "dispatcher" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def secret_set(value: object) -> bool:
    """Whether a secret setting (a pydantic ``SecretStr``, or None) holds a non-empty value."""
    getter = getattr(value, "get_secret_value", None)
    return callable(getter) and bool(getter())


@dataclass(frozen=True)
class AdapterSpec:
    """A platform adapter `mentorbot run` can start: its name, the module of its runner, the prefix of the
    communities it serves (``"<platform>:"``), the setting that configures it and the test that it is set.

    `check`, when given, is the adapter's own check of its settings (what its runner would refuse at start,
    such as a mode without the token it needs): it raises `SettingsError` naming the setting. ``mentorbot run``
    calls it before opening the database and ``mentorbot config check`` calls it too, so both refuse the same
    settings with the same line."""

    name: str
    module: str
    community_prefix: str
    token_setting: str
    configured: Callable[[Settings], bool]
    check: Callable[[Settings], None] | None = None


def adapters() -> tuple[AdapterSpec, ...]:
    """Every installed adapter (entry points of `ADAPTER_GROUP`), by name; an entry that is not an
    `AdapterSpec` (or cannot be loaded) is logged and left out."""
    found: list[AdapterSpec] = []
    for entry in entry_points(group=ADAPTER_GROUP):
        try:
            spec = entry.load()
        except Exception:
            log.exception("the adapter entry point %s (%s) cannot be loaded", entry.name, entry.value)
            continue
        if isinstance(spec, AdapterSpec):
            found.append(spec)
        else:
            log.warning("the adapter entry point %s (%s) is not an AdapterSpec", entry.name, entry.value)
    return tuple(sorted(found, key=lambda spec: spec.name))


class AdapterUnavailable(Exception):
    """A configured adapter's runner cannot be used: its module or `run` is missing, or it cannot share."""

    def __init__(self, spec: AdapterSpec, reason: str) -> None:
        super().__init__(f"{spec.name}: {reason}")
        self.spec = spec
        self.reason = reason


def configured_adapters(settings: Settings) -> list[AdapterSpec]:
    """The installed adapters whose token is set."""
    return [spec for spec in adapters() if spec.configured(settings)]


def load_runner(spec: AdapterSpec) -> Runner:
    """Import the adapter's runner; `AdapterUnavailable` says why it cannot be."""
    try:
        module = importlib.import_module(spec.module)
    except ModuleNotFoundError as exc:
        raise AdapterUnavailable(spec, f"module {exc.name or spec.module} not found") from None
    run = getattr(module, "run", None)
    if not callable(run):
        raise AdapterUnavailable(spec, f"{spec.module} has no run() function")
    return cast(Runner, run)


class Dispatcher:
    """Routes notifications to the adapter that serves the recipient's community.

    Notifications for an adapter that is expected but has not registered yet stay in the outbox, given back untried
    (`MentorBot.give_back`: no delivery attempt used, none counted failed), so they are never reported delivered
    before they are: a process that dies before the adapter registers loses none of them. Those for a community no
    adapter serves are logged and dropped.
    """

    def __init__(self, bot: MentorBot, expected: Sequence[str] = (), *, interval: float = 15.0) -> None:
        self.bot = bot
        self.interval = interval
        """Seconds between the process's timer rounds: adapters run their own periodic work (recovering
        commands a dead process recorded) at the same pace."""
        self._routes: dict[str, Deliver] = {}
        self._expected = tuple(expected)

    async def register(self, prefix: str, deliver: Deliver) -> None:
        """Deliver notifications for communities starting with `prefix` through `deliver` from now on."""
        self._routes[prefix] = deliver

    async def deliver(self, notes: Sequence[Notification]) -> None:
        """Hand each notification to its adapter (one call per adapter). An adapter that fails does not stop the
        others, and its failure is raised after them: the timer loop then does not mark the batch delivered, so
        what was not delivered stays in the outbox and is claimed again once its lease runs out."""
        grouped: dict[str, list[Notification]] = {}
        for note in notes:
            prefix = next((p for p in [*self._routes, *self._expected] if note.community.startswith(p)), None)
            if prefix is None:
                log.warning("no adapter serves community %r; a notification is dropped", note.community)
                continue
            grouped.setdefault(prefix, []).append(note)
        failures: list[Exception] = []
        for prefix, batch in grouped.items():
            route = self._routes.get(prefix)
            if route is None:
                log.info(
                    "%d notification(s) for %s wait in the outbox: its adapter is not ready yet", len(batch), prefix
                )
                for note in batch:
                    # Claimable again after the loop's interval, as before a full batch woke the loop at once
                    # (`MentorBot.undelivered`): given back to be claimed at once, they kept it busy.
                    await self.bot.give_back(note, self.interval)
                continue
            try:
                await route(batch)
            except Exception as exc:
                failures.append(exc)
        if len(failures) == 1:
            raise failures[0]
        if failures:
            raise ExceptionGroup("delivering notifications failed", failures)


def check_adapter_settings(specs: Sequence[AdapterSpec], settings: Settings) -> None:
    """Run each adapter's own check of its settings (`AdapterSpec.check`), all of them: one refusal is raised as
    it is, several as one `SettingsError` holding every line (`SettingsError.problems`)."""
    refused: list[SettingsError] = []
    for spec in specs:
        if spec.check is not None:
            try:
                spec.check(settings)
            except SettingsError as exc:
                refused.append(exc)
    if len(refused) == 1:
        raise refused[0]
    if refused:
        raise SettingsError(*(problem for exc in refused for problem in exc.problems))


def check_runners(runners: Sequence[tuple[AdapterSpec, Runner]]) -> None:
    """Refuse (with `AdapterUnavailable`) to put an adapter that cannot share a process next to another."""
    if len(runners) > 1:
        for spec, run in runners:
            if not takes_dispatcher(run):
                raise AdapterUnavailable(
                    spec,
                    f"{spec.module}.run() takes no dispatcher=, so it cannot share one process with another "
                    "adapter; run each adapter in its own process (set one token per process)",
                )


async def run_adapters(
    bot: MentorBot,
    settings: Settings,
    runners: Sequence[tuple[AdapterSpec, Runner]],
    *,
    timer_interval: float = 15.0,
) -> None:
    """Run the adapters (and the shared timer loop) until one of them stops or fails.

    Runners that accept ``dispatcher=`` get the process's `Dispatcher` and the timer loop runs here; a single
    runner that does not is run on its own (``run(bot, settings)``) and runs its own timers.
    """
    check_runners(runners)
    if len(runners) == 1 and not takes_dispatcher(runners[0][1]):
        spec, run = runners[0]
        log.info("starting the %s adapter (it runs its own timers)", spec.name)
        await run(bot, settings)
        return
    dispatcher = Dispatcher(bot, [spec.community_prefix for spec, _ in runners], interval=timer_interval)
    async with asyncio.TaskGroup() as group:
        for spec, run in runners:
            log.info("starting the %s adapter", spec.name)
            group.create_task(run(bot, settings, dispatcher=dispatcher), name=f"adapter-{spec.name}")
        prefixes = [spec.community_prefix for spec, _ in runners]
        group.create_task(
            run_timers(bot, dispatcher.deliver, interval=timer_interval, communities=prefixes), name="timers"
        )
