"""Settings: defaults, environment and ``.env`` overrides, readable errors that never echo secrets, and
`config/.env.example` kept in step with `Settings` (every field documented, with its true default).

The machine's own environment and ``.env`` never leak in: every ``MENTORBOT_*`` variable is removed and
each test runs in its own empty working directory.
"""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr

from mentorbot import defaults
from mentorbot.errors import MentorBotError
from mentorbot.settings import (
    ENV_PREFIX,
    DiscordSettings,
    Settings,
    SettingsError,
    SlackSettings,
    load_settings,
    masked_settings,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENV_EXAMPLE = PROJECT_ROOT / "config" / ".env.example"
SECRET = "s3cr3t-DO-NOT-PRINT-4f9a"
# `# MENTORBOT_X=value` (documented default) or `MENTORBOT_X=value` (active line).
ASSIGNMENT = re.compile(r"^#?\s*(MENTORBOT_[A-Z0-9_]+)=(.*)$")


def _walk_fields(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The location of every leaf setting, descending into nested sections."""
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _walk_fields(annotation, (*prefix, name))
        else:
            yield (*prefix, name)


def _env_name(loc: tuple[str, ...]) -> str:
    return ENV_PREFIX + "__".join(part.upper() for part in loc)


def _get(model: BaseModel, loc: tuple[str, ...]) -> Any:
    value: Any = model
    for part in loc:
        value = getattr(value, part)
    return value


FIELDS = list(_walk_fields(Settings))
FIELD_NAMES = {_env_name(loc): loc for loc in FIELDS}


def _documented() -> dict[str, str]:
    """``MENTORBOT_*`` name -> the value shown in config/.env.example."""
    out: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = ASSIGNMENT.match(line.strip())
        if match:
            out[match.group(1)] = match.group(2).strip()
    return out


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No MENTORBOT_* variable of the machine, and an empty working directory (so no stray ``.env``)."""
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


def _error(env_file: Path | None = None, **overrides: Any) -> str:
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=env_file, **overrides)
    return str(info.value)


def _all_text(exc: BaseException) -> str:
    """Everything a crash report could show: str, repr and the traceback as Python would print it."""
    return "\n".join([str(exc), repr(exc), *traceback.format_exception(exc)])


# --- defaults and overrides -----------------------------------------------------------------------------------


def test_defaults() -> None:
    settings = load_settings(env_file=None)
    assert settings.database_url == "sqlite:///data/mentorbot.sqlite3"
    assert settings.default_language == "en"
    assert settings.default_capacity == 2
    assert settings.offer_ttl_hours == 48
    assert settings.max_open_requests == 3
    assert settings.max_expired_offers == 3
    assert settings.checkin_days == 14
    assert settings.repeat_pair_days == 180
    assert settings.rate_limit_per_minute == 20
    assert settings.admin_ids == []
    # the copies of config/skills.toml and config/courses.toml shipped inside the package
    assert settings.skills_file == defaults.skills_path()
    assert settings.courses_file == defaults.courses_path()
    assert settings.skills_file.read_bytes() == (PROJECT_ROOT / "config" / "skills.toml").read_bytes()
    assert settings.courses_file.read_bytes() == (PROJECT_ROOT / "config" / "courses.toml").read_bytes()
    assert settings.skills_file.is_file()
    assert settings.courses_file.is_file()
    assert settings.log_level == "INFO"
    assert settings.discord == DiscordSettings()
    assert settings.discord.token is None
    assert settings.discord.dev_guild_ids == []
    assert settings.discord.shard_ids == []
    assert settings.slack == SlackSettings()
    assert settings.slack.bot_token is None
    assert settings.slack.mode == "socket"
    assert settings.slack.host == "127.0.0.1"
    assert settings.slack.port == 3000


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", "postgresql://mentorbot@db.example.org:5432/mentorbot")
    monkeypatch.setenv("MENTORBOT_DEFAULT_LANGUAGE", "sw")
    monkeypatch.setenv("MENTORBOT_DEFAULT_CAPACITY", "10")
    monkeypatch.setenv("MENTORBOT_OFFER_TTL_HOURS", "0.5")
    monkeypatch.setenv("MENTORBOT_LOG_LEVEL", "debug")
    monkeypatch.setenv("MENTORBOT_SKILLS_FILE", "/etc/mentorbot/skills.toml")
    monkeypatch.setenv("MENTORBOT_SLACK__MODE", "http")
    monkeypatch.setenv("MENTORBOT_SLACK__PORT", "8080")
    monkeypatch.setenv("MENTORBOT_DISCORD__SHARD_COUNT", "4")
    settings = load_settings(env_file=None)
    assert settings.database_url == "postgresql://mentorbot@db.example.org:5432/mentorbot"
    assert settings.default_language == "sw"
    assert settings.default_capacity == 10
    assert settings.offer_ttl_hours == 0.5
    assert settings.log_level == "DEBUG"
    assert settings.skills_file == Path("/etc/mentorbot/skills.toml")
    assert settings.slack.mode == "http"
    assert settings.slack.port == 8080
    assert settings.slack.host == "127.0.0.1"  # the rest of the section keeps its defaults
    assert settings.discord.shard_count == 4


def test_comma_separated_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_ADMIN_IDS", " U0123ABC, 123456789012345678 ,,U0456DEF ")
    monkeypatch.setenv("MENTORBOT_DISCORD__DEV_GUILD_IDS", "111111111111111111,222222222222222222")
    monkeypatch.setenv("MENTORBOT_DISCORD__SHARD_IDS", "0, 1")
    settings = load_settings(env_file=None)
    assert settings.admin_ids == ["U0123ABC", "123456789012345678", "U0456DEF"]
    assert settings.discord.dev_guild_ids == [111111111111111111, 222222222222222222]
    assert settings.discord.shard_ids == [0, 1]


@pytest.mark.parametrize("value", ["", " ", ","])
def test_empty_lists(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MENTORBOT_ADMIN_IDS", value)
    monkeypatch.setenv("MENTORBOT_DISCORD__DEV_GUILD_IDS", value)
    settings = load_settings(env_file=None)
    assert settings.admin_ids == []
    assert settings.discord.dev_guild_ids == []


def test_keyword_overrides_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DEFAULT_CAPACITY", "5")
    assert load_settings(env_file=None, default_capacity=7).default_capacity == 7


def test_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / "mentorbot.env"
    env_file.write_text(
        "# a comment line\n"
        "MENTORBOT_DEFAULT_LANGUAGE=sw\n"
        'MENTORBOT_ADMIN_IDS="U0123ABC,U0456DEF"\n'
        "MENTORBOT_DATABASE_URL=sqlite:////srv/mentorbot/db.sqlite3\n"
        "MENTORBOT_SLACK__MODE=http\n"
        f"MENTORBOT_SLACK__BOT_TOKEN=xoxb-{SECRET}\n"
        "MENTORBOT_DISCORD__DEV_GUILD_IDS=111111111111111111\n"
        "UNRELATED_VARIABLE=ignored\n",
        encoding="utf-8",
    )
    settings = load_settings(env_file=env_file)
    assert settings.default_language == "sw"
    assert settings.admin_ids == ["U0123ABC", "U0456DEF"]
    assert settings.database_url == "sqlite:////srv/mentorbot/db.sqlite3"
    assert settings.slack.mode == "http"
    assert settings.slack.bot_token is not None
    assert settings.slack.bot_token.get_secret_value() == f"xoxb-{SECRET}"
    assert settings.discord.dev_guild_ids == [111111111111111111]


def test_environment_wins_over_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / "mentorbot.env"
    env_file.write_text("MENTORBOT_DEFAULT_CAPACITY=4\nMENTORBOT_SLACK__MODE=http\n", encoding="utf-8")
    monkeypatch.setenv("MENTORBOT_DEFAULT_CAPACITY", "6")
    settings = load_settings(env_file=env_file)
    assert settings.default_capacity == 6
    assert settings.slack.mode == "http"


def test_dot_env_in_working_directory_is_read_by_default() -> None:
    Path(".env").write_text("MENTORBOT_MAX_OPEN_REQUESTS=5\n", encoding="utf-8")
    assert load_settings().max_open_requests == 5


def test_missing_env_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(env_file=tmp_path / "absent.env") == load_settings(env_file=None)


# --- bad values: one line that names the variable -------------------------------------------------------------


BAD_VALUES = [
    ("MENTORBOT_OFFER_TTL_HOURS", "soon"),
    ("MENTORBOT_OFFER_TTL_HOURS", "0"),
    ("MENTORBOT_DEFAULT_CAPACITY", "0"),
    ("MENTORBOT_DEFAULT_CAPACITY", "11"),
    ("MENTORBOT_DEFAULT_CAPACITY", "two"),
    ("MENTORBOT_DEFAULT_LANGUAGE", "fr"),
    ("MENTORBOT_DATABASE_URL", "mysql://mentorbot@db.example.org/mentorbot"),
    ("MENTORBOT_DATABASE_URL", "data/mentorbot.sqlite3"),
    ("MENTORBOT_LOG_LEVEL", "chatty"),
    ("MENTORBOT_SLACK__MODE", "carrier-pigeon"),
    ("MENTORBOT_SLACK__PORT", "70000"),
    ("MENTORBOT_SLACK__API_URL", "slack.example.org"),
    ("MENTORBOT_DISCORD__SHARD_COUNT", "0"),
    ("MENTORBOT_DISCORD__GATEWAY_URL", "https://gateway.example.org"),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES, ids=[f"{n}={v}" for n, v in BAD_VALUES])
def test_bad_value_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None)
    message = str(info.value)
    assert isinstance(info.value, MentorBotError)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    assert len(message) > len(name) + 2  # says what is expected
    if not value.isdigit():
        assert value not in message  # the value itself is not echoed


def test_bad_value_in_env_file_names_the_variable(tmp_path: Path) -> None:
    env_file = tmp_path / "mentorbot.env"
    env_file.write_text("MENTORBOT_SLACK__MODE=carrier-pigeon\n", encoding="utf-8")
    assert _error(env_file).startswith("MENTORBOT_SLACK__MODE: ")


def test_several_bad_values_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DEFAULT_CAPACITY", "0")
    monkeypatch.setenv("MENTORBOT_SLACK__MODE", "carrier-pigeon")
    message = _error()
    assert "\n" not in message
    assert "MENTORBOT_DEFAULT_CAPACITY: " in message
    assert "MENTORBOT_SLACK__MODE: " in message


def test_bad_list_item_names_the_list_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DISCORD__DEV_GUILD_IDS", "111111111111111111,general")
    message = _error()
    assert message.startswith("MENTORBOT_DISCORD__DEV_GUILD_IDS: ")


# --- secrets are never echoed ---------------------------------------------------------------------------------


def test_bad_value_beside_a_secret_does_not_echo_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_SLACK__BOT_TOKEN", f"xoxb-{SECRET}")
    monkeypatch.setenv("MENTORBOT_SLACK__APP_TOKEN", f"xapp-{SECRET}")
    monkeypatch.setenv("MENTORBOT_SLACK__MODE", "carrier-pigeon")
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None)
    assert str(info.value).startswith("MENTORBOT_SLACK__MODE: ")
    assert SECRET not in _all_text(info.value)


def test_bad_json_section_does_not_echo_its_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DISCORD", f'{{"token": "{SECRET}", "shard_count": 0}}')
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None)
    assert str(info.value).startswith("MENTORBOT_DISCORD__SHARD_COUNT: ")
    assert SECRET not in _all_text(info.value)


def test_secret_of_wrong_type_is_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_SLACK", f'{{"bot_token": ["{SECRET}"]}}')
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None)
    assert str(info.value).startswith("MENTORBOT_SLACK__BOT_TOKEN: ")
    assert SECRET not in _all_text(info.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MENTORBOT_DISCORD", f'{{"token": "{SECRET}", '),
        ("MENTORBOT_SLACK", f"xoxb-{SECRET}"),
    ],
    ids=["truncated-json", "token-instead-of-section"],
)
def test_malformed_section_is_a_settings_error_without_the_secret(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=None)
    assert str(info.value).startswith(name)
    assert "\n" not in str(info.value)
    assert SECRET not in _all_text(info.value)


def test_secrets_are_not_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DISCORD__TOKEN", SECRET)
    monkeypatch.setenv("MENTORBOT_SLACK__SIGNING_SECRET", SECRET)
    settings = load_settings(env_file=None)
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings)
    assert SECRET not in settings.model_dump_json()


def test_masked_settings_masks_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DISCORD__TOKEN", SECRET)
    monkeypatch.setenv("MENTORBOT_SLACK__BOT_TOKEN", f"xoxb-{SECRET}")
    monkeypatch.setenv("MENTORBOT_SLACK__APP_TOKEN", "")
    monkeypatch.setenv("MENTORBOT_ADMIN_IDS", "U0123ABC,U0456DEF")
    masked = masked_settings(load_settings(env_file=None))
    assert masked["MENTORBOT_DISCORD__TOKEN"] == "********"
    assert masked["MENTORBOT_SLACK__BOT_TOKEN"] == "********"
    assert masked["MENTORBOT_SLACK__APP_TOKEN"] == "(not set)", "NAME= means not set (env_ignore_empty)"
    assert masked["MENTORBOT_SLACK__SIGNING_SECRET"] == "(not set)"
    assert masked["MENTORBOT_ADMIN_IDS"] == "U0123ABC,U0456DEF"
    assert masked["MENTORBOT_DISCORD__DEV_GUILD_IDS"] == "(none)"
    assert masked["MENTORBOT_SLACK__MODE"] == "socket"
    assert masked["MENTORBOT_DEFAULT_CAPACITY"] == "2"
    assert not any(SECRET in value for value in masked.values())


def test_masked_settings_say_when_the_packaged_default_is_in_use(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    masked = masked_settings(load_settings(env_file=None))
    packaged = defaults.skills_path()
    assert masked["MENTORBOT_SKILLS_FILE"] == f"{packaged} (the packaged default: a copy of config/skills.toml)"
    assert masked["MENTORBOT_COURSES_FILE"].endswith("(the packaged default: a copy of config/courses.toml)")
    own = tmp_path / "skills.toml"
    monkeypatch.setenv("MENTORBOT_SKILLS_FILE", str(own))
    assert masked_settings(load_settings(env_file=None))["MENTORBOT_SKILLS_FILE"] == str(own)


def test_masked_settings_lists_every_setting() -> None:
    assert set(masked_settings(load_settings(env_file=None))) == set(FIELD_NAMES)


def test_masked_settings_masks_database_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", f"postgresql://mentorbot:{SECRET}@db.example.org:5432/mentorbot")
    shown = masked_settings(load_settings(env_file=None))["MENTORBOT_DATABASE_URL"]
    assert "db.example.org" in shown
    assert SECRET not in shown


# --- config/.env.example stays in step with Settings ----------------------------------------------------------


def test_every_setting_is_documented() -> None:
    missing = sorted(set(FIELD_NAMES) - set(_documented()))
    assert not missing, f"add to config/.env.example: {', '.join(missing)}"


def test_every_documented_name_is_a_setting() -> None:
    stale = sorted(set(_documented()) - set(FIELD_NAMES))
    assert not stale, f"config/.env.example names settings that do not exist: {', '.join(stale)}"


def test_every_documented_setting_has_a_description() -> None:
    lines = [line.strip() for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()]
    undocumented = []
    for index, line in enumerate(lines):
        match = ASSIGNMENT.match(line)
        if not match:
            continue
        comments = []
        for previous in reversed(lines[:index]):
            if not previous.startswith("#") or ASSIGNMENT.match(previous):
                break
            comments.append(previous.lower())
        text = "\n".join(comments)
        if "default:" not in text or "allowed:" not in text:
            undocumented.append(match.group(1))
    assert not undocumented, f"needs a comment with 'Allowed:' and 'Default:' above it: {', '.join(undocumented)}"


def test_copied_env_example_changes_nothing() -> None:
    assert load_settings(env_file=ENV_EXAMPLE) == load_settings(env_file=None)


@pytest.mark.parametrize("loc", FIELDS, ids=[_env_name(loc) for loc in FIELDS])
def test_documented_default_is_the_real_default(monkeypatch: pytest.MonkeyPatch, loc: tuple[str, ...]) -> None:
    name = _env_name(loc)
    documented = _documented().get(name)
    if documented is None:
        pytest.fail(f"{name} is not in config/.env.example")
    default = _get(load_settings(env_file=None), loc)
    if documented == "" or (name == "MENTORBOT_ADMIN_IDS" and default == []):
        # an empty line documents "not set"; the admin ids line shows the format instead of the (empty) default
        assert default in (None, []), f"{name} shows no default but defaults to {default!r}"
        return
    monkeypatch.setenv(name, documented)
    value = _get(load_settings(env_file=None), loc)
    if isinstance(default, Path):
        # the documented file in the checkout is the one shipped as the default, byte for byte
        documented_file = PROJECT_ROOT / value
        assert documented_file.read_bytes() == default.read_bytes(), f"{name}: {documented} is not {default}"
    elif isinstance(default, SecretStr):
        pytest.fail(f"{name} is a secret: its example must stay empty")
    else:
        assert value == default, f"{name}: documented {documented!r}, real default {default!r}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://bot:s3cret@db/mb", "postgresql://bot:********@db/mb"),
        ("postgresql://bot@db/mb?password=s3cret", "postgresql://bot@db/mb?password=********"),
        (
            "postgresql://db/mb?sslmode=require&PASSWORD=s3cret&x=1",
            "postgresql://db/mb?sslmode=require&PASSWORD=********&x=1",
        ),
        ("postgresql://db/mb?sslpassword=s3cret", "postgresql://db/mb?sslpassword=********"),
        ("postgresql://u:a@db/mb?password=b", "postgresql://u:********@db/mb?password=********"),
        ("sqlite:///data/mentorbot.sqlite3", "sqlite:///data/mentorbot.sqlite3"),
    ],
)
def test_mask_url_password_masks_the_userinfo_and_the_query(url: str, expected: str) -> None:
    from mentorbot.settings import mask_url_password

    assert mask_url_password(url) == expected


def test_config_check_masks_a_password_given_as_a_query_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from mentorbot.cli import main

    monkeypatch.setenv("MENTORBOT_DATABASE_URL", "postgresql://bot@db.example.org/mb?password=s3cret-value")
    result = CliRunner().invoke(main, ["config", "check"])
    assert "s3cret-value" not in result.output
    assert "password=********" in result.output


def test_a_setting_left_empty_as_the_example_writes_it_is_not_set(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "MENTORBOT_METRICS_PORT=\nMENTORBOT_DISCORD__APPLICATION_ID=\nMENTORBOT_SLACK__API_URL=\n", encoding="utf-8"
    )
    settings = load_settings(env_file=env)
    assert settings.metrics_port is None and settings.discord.application_id is None
    assert settings.slack.api_url == load_settings(env_file=None).slack.api_url


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite://"])
def test_a_sqlite_url_without_a_file_is_refused(url: str) -> None:
    # It would have been a database in memory: everything lost at each restart.
    with pytest.raises(SettingsError, match=r"MENTORBOT_DATABASE_URL: expected sqlite:///path/to/file.sqlite3"):
        load_settings(env_file=None, database_url=url)
    assert load_settings(env_file=None, database_url="sqlite:///:memory:").database_url == "sqlite:///:memory:"
    assert load_settings(env_file=None, database_url="sqlite:////var/lib/x.sqlite3").database_url.endswith("x.sqlite3")


def test_a_repeat_pair_window_past_a_century_is_refused() -> None:
    with pytest.raises(SettingsError, match="MENTORBOT_REPEAT_PAIR_DAYS"):
        load_settings(env_file=None, repeat_pair_days=1_000_000)


def test_an_env_file_that_is_not_utf8_is_named_not_a_traceback(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes(b"MENTORBOT_ADMIN_IDS=caf\xe9\n")
    with pytest.raises(SettingsError, match="not UTF-8"):
        load_settings(env_file=env)


def test_a_password_in_an_api_url_is_masked_like_the_database_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_SLACK__API_URL", "https://bob:PROXYPASS@proxy.example.org/api/")
    monkeypatch.setenv("MENTORBOT_DISCORD__GATEWAY_URL", "wss://bob:PROXYPASS@gw.example.org")
    masked = masked_settings(load_settings(env_file=None))
    assert masked["MENTORBOT_SLACK__API_URL"] == "https://bob:********@proxy.example.org/api/"
    assert not any("PROXYPASS" in value for value in masked.values())


def test_the_metrics_port_may_not_be_the_port_slacks_http_mode_listens_on() -> None:
    with pytest.raises(SettingsError, match=r"MENTORBOT_SLACK: .*port 3000.*MENTORBOT_METRICS_PORT"):
        load_settings(env_file=None, metrics_port=3000, slack={"mode": "http", "port": 3000})
    assert load_settings(env_file=None, metrics_port=3000, slack={"mode": "socket"}).metrics_port == 3000


def test_an_unset_address_shows_as_not_set_in_config_check() -> None:
    """Before: the API and gateway addresses left unset showed as `None` (the URL masking ran first)."""
    shown = masked_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    for name in ("MENTORBOT_SLACK__API_URL", "MENTORBOT_DISCORD__API_URL", "MENTORBOT_DISCORD__GATEWAY_URL"):
        assert shown[name] == "(not set)", name
