"""Settings, read from the environment and a ``.env`` file (prefix ``MENTORBOT_``, nested with ``__``).

Nothing is read at import time: `load_settings()` is called once by the composition root. Tokens are
`SecretStr`, so they never appear in a repr, a log line or `mentorbot config check`.
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv.parser import parse_stream
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, DotEnvSettingsSource, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as PydanticSettingsError

from mentorbot import defaults
from mentorbot.errors import MentorBotError
from mentorbot.schedule import parse_weekly

ADAPTER_GROUP: Final = "mentorbot.adapters"
"""The entry-point group adapters register their `runners.AdapterSpec` under (read here for their variables'
names, and by `runners.adapters()`)."""

ENV_PREFIX = "MENTORBOT_"


_NOT_IN_AN_ID: Final = re.compile(r"[\s;\[\]\"']")
"""What no user id holds (Discord's digits, Slack's U0123ABC, a console name): a space or ';' between two ids,
or the brackets and quotes of a list written in some other way than the two a list setting reads."""

ADMIN_IDS_EXPECTED: Final = (
    "expected user ids separated by commas (123456789012345678,U0123ABC) or a JSON list of strings "
    '(["123456789012345678","U0123ABC"]); an id holds no space, \';\', quote or bracket'
)
NUMBERS_EXPECTED: Final = "expected whole numbers separated by commas (0,1) or a JSON list ([0, 1])"


def _split_list(value: Any, expected: str) -> Any:
    """A list setting's text as a list: comma-separated (``U0123ABC,U0456DEF``) or a JSON list
    (``["U0123ABC","U0456DEF"]``, pydantic-settings' own form for a list). Text that starts with ``[`` and is no
    JSON list raises ValueError(`expected`), so it is never read as comma-separated junk. Other values (a list
    from a section given as a JSON object, or from the code) are returned as they are."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text.startswith("["):
        return [item.strip() for item in text.split(",") if item.strip()]
    try:
        items = json.loads(text)
    except ValueError:
        raise ValueError(expected) from None
    if not isinstance(items, list):  # for the type checker: JSON text that starts with "[" is a list
        raise ValueError(expected)
    items = [item.strip() if isinstance(item, str) else item for item in items]
    return [item for item in items if item != ""]


def _numbers(value: Any) -> Any:
    return _split_list(value, NUMBERS_EXPECTED)


def _masked_repr(args: Iterable[tuple[str | None, Any]]) -> Iterable[tuple[str | None, Any]]:
    """A model's repr arguments with the password of each URL setting masked (`mask_url_password`)."""
    for name, value in args:
        yield name, mask_url_password(value) if name and name.endswith("_url") and isinstance(value, str) else value


class DiscordSettings(BaseModel):
    """``MENTORBOT_DISCORD__*``: the Discord adapter (started when TOKEN is set)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key of MENTORBOT_DISCORD={...} is refused, not ignored
    token: SecretStr | None = None
    application_id: int | None = None
    api_url: str | None = Field(default=None, pattern=r"^https?://")
    gateway_url: str | None = Field(default=None, pattern=r"^wss?://")
    dev_guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    _lists = field_validator("dev_guild_ids", "shard_ids", mode="before")(_numbers)

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        return _masked_repr(super().__repr_args__())


class SlackSettings(BaseModel):
    """``MENTORBOT_SLACK__*``: the Slack adapter (started when BOT_TOKEN is set)."""

    model_config = ConfigDict(extra="forbid")  # a misspelt key of MENTORBOT_SLACK={...} is refused, not ignored
    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    mode: Literal["socket", "http"] = "socket"
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=1, le=65535)
    api_url: str | None = Field(default=None, pattern=r"^https?://")
    answer_in_ack_seconds: float = Field(default=1.0, ge=0, le=1.0)
    """How long a slash command's acknowledgement waits for the command's answer, to carry it (the member then
    sees the answer in one round trip); past it, the acknowledgement goes as it is and the answer follows
    through the response_url. 0: acknowledge at once. At most 1 s: Slack allows 3 s, network included."""

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        return _masked_repr(super().__repr_args__())


class Settings(BaseSettings):
    """Every setting of MentorBot; `config/.env.example` documents each one with its default."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
        env_ignore_empty=True,  # `NAME=` as config/.env.example writes it means "not set": the default
    )

    database_url: str = Field(
        default="sqlite:///data/mentorbot.sqlite3",
        # A SQLite URL names a file (an empty path would quietly be a database in memory, lost at every restart);
        # ``sqlite:///:memory:`` says so on purpose.
        pattern=r"^(sqlite:///?[^/]|sqlite:////.|postgres(ql)?://)",
    )
    postgres_flush_before_ack: bool = False
    """PostgreSQL only: whether recording a platform event before its acknowledgement waits for the server to
    flush the commit to disk. Off (the default), the record is as durable as SQLite's WAL with ``synchronous =
    NORMAL``: it survives a crash of the bot and a restart of the database, but a power loss or crash of the
    database server may lose its last fraction of a second. On: that too, for about a millisecond per command."""
    default_language: Literal["en", "sw"] = "en"
    default_capacity: int = Field(default=2, ge=1, le=10)
    offer_ttl_hours: float = Field(default=48.0, gt=0, le=24 * 30)
    max_open_requests: int = Field(default=3, ge=1, le=20)
    max_expired_offers: int = Field(default=3, ge=1, le=50)
    late_expiry_grace_minutes: float = Field(default=10.0, gt=0, le=24 * 60)
    """An offer expired more than this long after its time (the bot was down) does not count towards the
    mentor's streak of `max_expired_offers`: they may have answered while nothing could hear them."""
    reoffer_after_days: float = Field(default=3.0, ge=0, le=365)
    """How long a mentor who declined a member's request, let it expire or paused over it is not offered that
    member's requests again (unless, for an expiry or a pause, the mentor is back and no one else is eligible):
    docs/matching.md."""
    checkin_days: float = Field(default=14.0, gt=0, le=365)
    checkin_repeat_days: float = Field(default=30.0, ge=0, le=365)
    """How long after a check-in the next one goes, while the mentorship lasts (`timers.send_checkin`); 0: only
    the first, `checkin_days` after the start."""
    repeat_pair_days: int = Field(default=180, ge=0, le=36_500)
    rate_limit_per_minute: int = Field(default=20, ge=1)
    suggestions_per_day: int = Field(default=5, ge=1, le=100)
    max_inflight: int = Field(default=200, ge=1, le=100_000)
    sweep_minutes: float = Field(default=10.0, gt=0, le=24 * 60)
    lease_seconds: float = Field(default=120.0, gt=0, le=24 * 3600)
    """How long the process that recorded a command (inbox) or wrote a notification (outbox) has to finish it
    before any other process may (after a crash, the wait before recovery)."""
    delivery_attempts: int = Field(default=8, ge=1, le=50)
    """How many times a notification is tried when the platform fails for a transient reason (5xx, 429, the
    network) before it is held for the member's next command (`mentorbot.retries`: about an hour with 8)."""
    admin_ids: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """Admins besides the platform's own (Manage Server, workspace admins). A plain user id is an admin in every
    community where they use the bot; ``<community>:<user id>`` (``discord:<server id>:<user id>``,
    ``slack:<workspace id>:<user id>``, ``console:<name>``) only in that community (`Core.admin_keys`)."""
    skills_file: Path = Field(default_factory=defaults.skills_path)
    courses_file: Path = Field(default_factory=defaults.courses_path)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    round_schedule: str | None = None
    """When the optimal round runs by itself each week (``mon 09:00``, in `programme_timezone`); None: never."""
    programme_timezone: str = "UTC"
    """The IANA time zone the schedules (`round_schedule`, `digest`) are read in."""
    matching: Literal["live", "rounds"] = "live"
    """``live`` offers each request the moment it comes; ``rounds`` lets requests wait for the next scheduled
    round (a cohort programme: needs `round_schedule`)."""
    digest: str | None = None
    """When each admin gets the week's digest by direct message (``mon 08:00``); None: no digest."""
    log_format: Literal["text", "json"] = "text"
    """``json``: one JSON object per log line (level, logger, event, correlation id, community, command)."""
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Serve ``/metrics``, ``/healthz`` and ``/readyz`` on this port (off by default; Slack's HTTP mode serves
    them on its own port anyway)."""
    metrics_host: str = "127.0.0.1"
    shutdown_grace_seconds: float = Field(default=20.0, gt=0, le=600)
    """On SIGTERM: how long the events in flight have to finish before the process stops anyway."""
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)

    def __repr_args__(self) -> Iterable[tuple[str | None, Any]]:
        return _masked_repr(super().__repr_args__())

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        # Commas or a JSON list only: "alice bob", "U1;U2" or '"U1","U2"' would otherwise be ids nobody has, and
        # nobody an admin. A Discord id written as a JSON number is its digits.
        value = _split_list(value, ADMIN_IDS_EXPECTED)
        if not isinstance(value, list):
            return value
        ids = [str(item) if isinstance(item, int) and not isinstance(item, bool) else item for item in value]
        if any(not isinstance(item, str) or _NOT_IN_AN_ID.search(item) for item in ids):
            raise ValueError(ADMIN_IDS_EXPECTED)
        # An entry with a ':' names its community, as the adapters name it (`Caller.community`); one naming none
        # (the server id forgotten, a platform misspelt) would silently make nobody an admin. The entry is not
        # echoed, as no setting's value is: its place in the list is.
        scoped = r"console:[^:]+|discord:[0-9]+:[0-9]+|slack:[A-Z0-9]+:[A-Z0-9]+"
        for place, entry in enumerate(ids, start=1):
            if ":" in entry and not re.fullmatch(scoped, entry):
                raise ValueError(
                    f"entry {place}: expected a user id, or <community>:<user id> for an admin of that community "
                    "only: console:<name>, discord:<server id>:<user id> (digits, as "
                    "discord:123456789012345678:234567890123456789) or slack:<workspace id>:<user id> (as "
                    "slack:T0123ABC:U0456DEF)"
                )
        return ids

    @field_validator("database_url")
    @classmethod
    def _server_url(cls, value: str) -> str:
        if value.startswith("postgres"):
            check_server_url(value)
        return value

    @field_validator("round_schedule", "digest", mode="before")
    @classmethod
    def _weekly(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str):
            return str(parse_weekly(value))
        return value

    @field_validator("programme_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError("expected an IANA time zone such as 'UTC' or 'Africa/Nairobi'") from None
        return value

    @field_validator("matching")
    @classmethod
    def _rounds_need_a_schedule(cls, value: str, info: ValidationInfo) -> str:
        # A schedule that was given but refused is told once, by its own line: it is not missing.
        if value == "rounds" and "round_schedule" in info.data and info.data["round_schedule"] is None:
            raise ValueError("'rounds' needs MENTORBOT_ROUND_SCHEDULE (such as 'mon 09:00')")
        return value

    @field_validator("slack")
    @classmethod
    def _one_port_each(cls, value: SlackSettings, info: ValidationInfo) -> SlackSettings:
        if value.mode == "http" and info.data.get("metrics_port") == value.port:
            raise ValueError(
                f"Slack's HTTP mode listens on port {value.port}, which MENTORBOT_METRICS_PORT takes too: leave "
                "MENTORBOT_METRICS_PORT unset (HTTP mode serves /metrics on its own port) or choose another"
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class SettingsError(MentorBotError):
    """A setting has a wrong value; the message names it and what is expected, never its value.

    `problems` holds one line per wrong setting (``mentorbot config check`` prints each on its own); the message
    is them joined with ``"; "``."""

    def __init__(self, *problems: str) -> None:
        super().__init__("; ".join(problems))
        self.problems: tuple[str, ...] = problems


class SettingUnusableNow(SettingsError):
    """A setting that cannot be used at this moment but may be in a moment (the port is still taken by the process
    before, the address or the name server not up yet at boot): `mentorbot run` exits 1, which a service manager
    restarts, rather than 2, which it does not (``RestartPreventExitStatus=2``)."""


def _env_name(loc: tuple[int | str, ...]) -> str:
    # Integer parts of a location are list indexes (the third admin id…), not part of a variable's name.
    return ENV_PREFIX + "__".join(str(part).upper() for part in loc if not isinstance(part, int))


def validation_problems(
    error: ValidationError, skip: frozenset[str] = frozenset(), refused_keys: tuple[str, ...] = ()
) -> list[str]:
    """One line per wrong setting: the variable's name and what it expects (values are not echoed). A key of a
    section that is no setting (``{"mdoe": "http"}`` in ``MENTORBOT_SLACK``) is named as a misspelt variable is
    (`not_a_setting`), unless its name is in `skip` (already told, or an adapter's own) or begins one of
    `refused_keys` (names read from lines refused as not NAME=value, whose text may run into a token)."""
    parts = []
    for item in error.errors():
        name = _env_name(tuple(item["loc"]))
        if item["type"] == "extra_forbidden":
            if name not in skip and not any(key.startswith(name) for key in refused_keys):
                section = _env_name(tuple(item["loc"])[:-1])
                parts.append(not_a_setting(name, f"a key of {section}"))
            continue
        message = item["msg"]
        if item["type"] == "value_error":  # our validators' own text, without pydantic's "Value error, "
            message = str((item.get("ctx") or {}).get("error", message))
        if name == f"{ENV_PREFIX}DATABASE_URL" and item["type"] == "string_pattern_mismatch":
            message = "expected sqlite:///path/to/file.sqlite3 (a file) or postgresql://user@host/database"
        parts.append(f"{name}: {message}")
    return parts


def describe_validation_error(error: ValidationError) -> str:
    """`validation_problems` in one line, joined with ``"; "``."""
    return "; ".join(validation_problems(error))


NOT_SETTINGS: Final = frozenset(
    {
        # The test suite's PostgreSQL server, and whether it must answer (tests/conftest.py; .ci/run sets it).
        "MENTORBOT_TEST_POSTGRES_URL",
        "MENTORBOT_TEST_REQUIRE_POSTGRES",
        # The opt-in heavy test runs, their seed and length (tests/faults, tests/usecases/test_programme_model*.py).
        "MENTORBOT_FUZZ_EXAMPLES",
        "MENTORBOT_FUZZ_STEPS",
        "MENTORBOT_FAULTS_HEAVY",
        "MENTORBOT_FAULTS_SEED",
        "MENTORBOT_MODEL_SKIP_PAUSE",
        # The benchmarks' PostgreSQL server (benchmarks/engines.py).
        "MENTORBOT_BENCH_POSTGRES_URL",
    }
)
"""``MENTORBOT_*`` variables the project reads outside `Settings` (tests, benchmarks): not settings, and not
refused as misspelled ones (`unknown_settings`). A new such variable must be added here."""


def setting_names() -> tuple[frozenset[str], frozenset[str]]:
    """Every setting's variable name (``MENTORBOT_SLACK__BOT_TOKEN``), and the sections given whole as a JSON
    object (``MENTORBOT_SLACK``)."""
    names: set[str] = set()
    sections: set[str] = set()

    def walk(prefix: tuple[str, ...], model: type[BaseModel]) -> None:
        for name, field in model.model_fields.items():
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                sections.add(_env_name((*prefix, name)))
                walk((*prefix, name), annotation)
            else:
                names.add(_env_name((*prefix, name)))

    walk((), Settings)
    return frozenset(names), frozenset(sections)


def adapter_token_settings() -> list[str]:
    """The setting each installed adapter is configured by (`runners.AdapterSpec.token_setting`), read from the
    entry points themselves: `runners.adapters()` is not imported here, as the runners import the bot, which imports
    these settings. A broken entry point is left out (`runners.adapters()` logs it where the adapters start)."""
    found: list[str] = []
    for entry in entry_points(group=ADAPTER_GROUP):
        try:
            token_setting = getattr(entry.load(), "token_setting", None)
        except Exception:
            continue
        if isinstance(token_setting, str):
            found.append(token_setting)
    return found


def _adapter_names(sections: frozenset[str]) -> tuple[set[str], set[str]]:
    """The variables installed adapters name as theirs (`AdapterSpec.token_setting`) outside `Settings`: the name
    itself, and its section (``MENTORBOT_TEAMS__``) when `Settings` has none of that name (the adapter reads it)."""
    names: set[str] = set()
    prefixes: set[str] = set()
    for token_setting in adapter_token_settings():
        token = token_setting.upper()
        names.add(token)
        section, nested, _ = token.partition("__")
        if nested and section not in sections:
            prefixes.add(section + "__")
    return names, prefixes


SERVICE_LINK: Final = re.compile(
    r"^MENTORBOT(?:_\w+)?_(?:SERVICE_HOST|SERVICE_PORT(?:_\w+)?|PORT_\d+_(?:TCP|UDP|SCTP)(?:_(?:PROTO|PORT|ADDR))?)$"
)
"""The names Kubernetes gives every pod of a namespace for a Service called ``mentorbot`` or ``mentorbot-…``
(``MENTORBOT_SERVICE_HOST``, ``MENTORBOT_PORT_3000_TCP_ADDR``): not settings, and not typos of one."""
SERVICE_URL: Final = re.compile(r"^(?:tcp|udp|sctp)://", re.IGNORECASE)


def service_link(name: str, value: str | None) -> bool:
    """Whether ``name=value`` is one of the variables Kubernetes adds for a Service (`SERVICE_LINK`, or
    ``MENTORBOT[_…]_PORT=tcp://10.0.0.1:3000``, told from a misspelled ``MENTORBOT_SLACK_PORT=3000`` by its value)."""
    if SERVICE_LINK.match(name):
        return True
    return name.endswith("_PORT") and SERVICE_URL.match((value or "").strip()) is not None


def not_a_setting(name: str, where: str) -> str:
    """The line for a ``MENTORBOT_*`` name that is no setting, set `where` (``set in .env``): with the nearest
    setting's name when one is close."""
    suffixes = {known.removeprefix(ENV_PREFIX): known for known in setting_names()[0]}
    close = difflib.get_close_matches(name.removeprefix(ENV_PREFIX), suffixes, n=1, cutoff=0.6)
    expected = f"did you mean {suffixes[close[0]]}?" if close else "config/.env.example lists every setting"
    return f"{name}: not a MentorBot setting ({where}); {expected}"


def env_file_path(env_file: str | Path | None) -> Path | None:
    """The file `Settings` reads for `env_file`, as pydantic-settings finds it (``~`` expanded, relative to the
    working directory, no search of the parent folders), or None when there is none."""
    if env_file is None:
        return None
    path = Path(env_file).expanduser()
    return path if path.is_file() else None


BAD_LINE_HINT: Final = "write '=' after the name, not ':' or a space, and close any quote"


def unreadable_lines(env_file: str | Path | None) -> list[str]:
    """One line for each line of `env_file` that is not ``NAME=value`` as python-dotenv reads it: one it cannot
    parse (``NAME: value`` as compose writes it, ``NAME value``, a quote left open), which it skips with a warning,
    and a ``MENTORBOT_*`` name without ``=`` (``NAME:value`` reads as one name), which it reads as "not set";
    either way the default would apply. The file and the line number are named, and the setting when the line
    begins with one's name; never the line's text, which may hold a token. A line of another program's name (not
    ``MENTORBOT_*``) in a shared file is its own affair: left alone, as before."""
    return [problem for problem, _ in _unreadable_lines(env_file)]


def _unreadable_lines(env_file: str | Path | None) -> list[tuple[str, str | None]]:
    """`unreadable_lines`, each with the name dotenv read on the line when it read one (in upper case: the line's
    text up to the end or a space, which may run into a token), so that it is told nowhere else."""
    path = env_file_path(env_file)
    if path is None:
        return []
    names, sections = setting_names()
    problems: list[tuple[str, str | None]] = []
    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            text = binding.original.string
            if not binding.error and (
                binding.value is not None or not (binding.key or "").upper().startswith(ENV_PREFIX)
            ):
                continue
            # The statement's line: dotenv counts from the end of the statement before, blank lines included.
            start = len(text) - len(text.lstrip())
            line = binding.original.line + len(re.findall(r"\r\n|\n|\r", text[:start]))
            named = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)", text)
            name = named.group(1).upper() if named else ""
            key = None if binding.error or binding.key is None else binding.key.upper()
            if name in names | sections:
                problems.append((f"{path}, line {line}: not NAME=value, so {name} is not set ({BAD_LINE_HINT})", key))
            elif name.startswith(ENV_PREFIX) or not name:
                problems.append((f"{path}, line {line}: not NAME=value ({BAD_LINE_HINT})", key))
            # else: another program's line in a shared file (its own affair; dotenv skips it, as before)
    return problems


class _DotenvParseWarnings(logging.Filter):
    """Drops python-dotenv's "could not parse statement" warning while `load_settings` reads: `unreadable_lines`
    refuses those lines itself, naming the file."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("python-dotenv could not parse")


@contextmanager
def _quiet_dotenv() -> Iterator[None]:
    logger = logging.getLogger("dotenv.main")
    quiet = _DotenvParseWarnings()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def unknown_settings(env_file: str | Path | None, environ: Mapping[str, str] | None = None) -> list[str]:
    """One line for each ``MENTORBOT_*`` variable of `environ` (default: the process's environment) and
    `env_file` that is no setting (a misspelled one would otherwise be silently ignored): its name, where it is set,
    and the nearest setting's name when one is close (``MENTORBOT_SLACK_BOT_TOKEN``: did you mean
    ``MENTORBOT_SLACK__BOT_TOKEN``?). Empty ones are left out (``NAME=`` means "not set"), and so are `NOT_SETTINGS`
    and the adapters' own variables. Names are read in upper case, as pydantic-settings reads them in any case; the
    file is read by pydantic-settings' own reader, as `Settings` reads it."""
    found: dict[str, list[str]] = {}  # name -> where it is set
    sources: list[tuple[str, Mapping[str, str | None]]] = [
        ("the environment", os.environ if environ is None else environ)
    ]
    path = env_file_path(env_file)
    if path is not None:
        read = DotEnvSettingsSource(Settings, env_file=path, env_file_encoding="utf-8")
        sources.append((str(path), read.env_vars))
    names, sections = setting_names()
    for where, variables in sources:
        for written, value in variables.items():
            name = written.upper()
            known = name in names | sections | NOT_SETTINGS or service_link(name, value)
            if name.startswith(ENV_PREFIX) and value and not known:
                found.setdefault(name, []).append(where)
    if found:
        adapter_names, adapter_sections = _adapter_names(sections)
        for name in list(found):
            if name in adapter_names or name.startswith(tuple(adapter_sections)):
                del found[name]
    return [not_a_setting(name, f"set in {' and '.join(places)}") for name, places in found.items()]


def load_settings(env_file: str | Path | None = ".env", **overrides: Any) -> Settings:
    """Read settings from the environment and `env_file`; raises `SettingsError` with a readable line for each
    problem: a line of `env_file` that is not ``NAME=value`` (`unreadable_lines`), a ``MENTORBOT_*`` name that is
    no setting (`unknown_settings`, and a key of a section given as JSON) and a wrong value."""
    found: list[str] = []
    try:
        with _quiet_dotenv():
            bad_lines = _unreadable_lines(env_file)
            unknown = unknown_settings(env_file)
            found = [*(problem for problem, _ in bad_lines), *unknown]
            settings = Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        # A name told already: misspelt (`unknown_settings`), an adapter's own, or read from a line that is not
        # NAME=value (its text, which may run into a token, is never repeated).
        told = {problem.partition(":")[0] for problem in unknown} | _adapter_names(setting_names()[1])[0]
        keys = [key for _, key in bad_lines if key]
        problems = validation_problems(exc, frozenset(told), refused_keys=tuple(keys))
        raise SettingsError(*found, *problems) from None
    except UnicodeDecodeError:
        raise SettingsError(f"{env_file}: not UTF-8 text; save it as UTF-8") from None
    except PydanticSettingsError as exc:
        # A whole section given as one variable (MENTORBOT_SLACK=...) must be a JSON object; the library's
        # message quotes the value, which may hold a token, so only the section's name is kept.
        section = str(exc).split('"')[1] if '"' in str(exc) else "settings"
        raise SettingsError(
            f"{ENV_PREFIX}{section.upper()}: expected a JSON object, or use {ENV_PREFIX}{section.upper()}__<NAME> "
            "variables for each setting"
        ) from None
    if found:
        raise SettingsError(*found)
    return settings


_PASSWORD_PARAM = re.compile(r"(^|&)([^=&]*password[^=&]*)=([^&]*)", re.IGNORECASE)

UNESCAPED_PASSWORD = (
    "not a valid PostgreSQL URL (postgresql://user:password@host:port/database); if the password holds "
    "special characters, percent-encode them (# as %23, / as %2F, ? as %3F, @ as %40, : as %3A, % as %25)"
)
"""Why a server URL is refused: the value itself is never echoed, it may hold the password."""


def check_server_url(url: str) -> None:
    """Raise ValueError (`UNESCAPED_PASSWORD`) unless `url` reads as one server URL: a password holding an
    unescaped ``#``, ``/``, ``?``, ``@`` or ``[`` otherwise ends the user part early, and the driver then reads
    the rest as a port, a host, a database name or a fragment, and repeats it in its error (password included)."""
    rest = url.partition("://")[2]
    try:
        netloc = urlsplit(url).netloc
    except ValueError:  # an unmatched "[" or "]"
        raise ValueError(UNESCAPED_PASSWORD) from None
    # A fragment means nothing to PostgreSQL, and "@" ends the user part once, before the host: more, in the path
    # or in a query part that is no ``key=value`` (``?ss@host/db``), is the rest of a password. An "@" in a query
    # value (``?application_name=bot@prod``) is the value's. A URL without a host (``postgresql:///db``: a local
    # socket, or PGHOST) is allowed.
    before_query, _, query = rest.partition("?")
    stray = "@" in before_query.partition("/")[2] or any("@" in part and "=" not in part for part in query.split("&"))
    if "#" in url or stray or netloc.count("@") > 1:
        raise ValueError(UNESCAPED_PASSWORD)
    # The port of each host (asyncpg takes a list, ``h1:5432,h2:5433``), as asyncpg reads it: a number.
    for host in netloc.partition("@")[2 if "@" in netloc else 0].split(","):
        if host.startswith("["):
            port = host.partition("]")[2].removeprefix(":")
        else:
            port = "" if host.startswith(("/", "%2F", "%2f")) else host.partition(":")[2]
        if port and not (port.isascii() and port.isdigit() and int(port) <= 65535):
            raise ValueError(UNESCAPED_PASSWORD)


_QUERY_KEY: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
"""A query parameter's name and its "=", as libpq and asyncpg name them (``sslmode=``, ``application_name=``)."""


def mask_url_password(url: str) -> str:
    """`url` with any password replaced by asterisks: everything between ``user:`` (after ``://``) and the last
    ``@``, whatever it holds (an unescaped ``#``, ``/`` or ``?`` too), and a ``?password=`` query parameter (or
    any parameter whose name holds "password", such as ``sslpassword``), which libpq and asyncpg accept too."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    # The query begins at the first "?" followed by a key=value (an "@" in a value is the value's, not the end of
    # a password: ``?application_name=bot@prod``); a "?" before that is part of an unescaped password.
    start = next((m.start() for m in re.finditer(r"\?", rest) if _QUERY_KEY.match(rest, m.end())), len(rest))
    userinfo, at, place = rest[:start].rpartition("@")
    if at and ":" in userinfo:
        prefix = userinfo.partition(":")[0] + ":********@"
    else:
        prefix, place = "", rest[:start]
    place += rest[start:]
    path, question, query = place.partition("?")
    query = _PASSWORD_PARAM.sub(r"\1\2=********", query)
    return f"{scheme}://{prefix}{path}{question}{query}"


def masked_settings(settings: Settings) -> dict[str, str]:
    """The effective settings as ``MENTORBOT_*`` names and printable values, secrets masked.

    A skills or courses file that is the default shipped inside the package says so after its path.
    """
    out: dict[str, str] = {}

    def walk(prefix: tuple[str, ...], model: BaseModel) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            loc = (*prefix, name)
            if isinstance(value, BaseModel):
                walk(loc, value)
            elif isinstance(value, SecretStr):
                out[_env_name(loc)] = "********" if value.get_secret_value() else "(empty)"
            elif value is None:
                out[_env_name(loc)] = "(not set)"
            elif name == "database_url" or name.endswith("_url"):  # a proxy's user:password@ too
                out[_env_name(loc)] = mask_url_password(str(value))
            elif isinstance(value, list):
                out[_env_name(loc)] = ",".join(str(v) for v in value) or "(none)"
            elif isinstance(value, Path) and defaults.is_packaged(value):
                out[_env_name(loc)] = f"{value} (the packaged default: a copy of config/{value.name})"
            else:
                out[_env_name(loc)] = str(value)

    walk((), settings)
    return out
