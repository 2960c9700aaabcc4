"""Session 30 (SPEC conformance, Configuration: "a wrong setting stops start-up with a message that names the
setting and what is expected").

- A ``MENTORBOT_*`` name that is no setting (``MENTORBOT_SLACK_BOT_TOKEN`` for ``MENTORBOT_SLACK__BOT_TOKEN``,
  ``MENTORBOT_ADMIN_ID``, ``MENTORBOT_CHECKIN_DAY``, ``MENTORBOT_OFFER_TTL``), in the environment or the env file,
  was silently ignored: ``config check`` said ok, ``run`` said no platform was configured. Now it is refused,
  named, with the nearest setting ("did you mean …?"). The variables the project reads outside the settings (the
  tests' and benchmarks') and the adapters' own are not refused.
- ``MENTORBOT_ADMIN_IDS="alice bob"`` (or ``alice;bob``) was one id nobody has: refused, naming the setting.
- A skills or courses file that cannot be read was reported by ``config check`` and ``run`` without its setting.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot import runners
from mentorbot import settings as settings_module
from mentorbot.cli import main
from mentorbot.runners import AdapterSpec
from mentorbot.settings import ENV_PREFIX, NOT_SETTINGS, SettingsError, load_settings, setting_names

REPO = Path(__file__).resolve().parents[1]
SECRET = "s3cr3t-DO-NOT-PRINT-30"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """No MENTORBOT_* variable of the machine, an empty working directory (no stray ``.env``), and ``run``'s
    process-wide logging set-up kept out."""
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr("mentorbot.app.configure_logging", lambda settings: None)
    yield work


@pytest.fixture
def idle_adapter(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> AdapterSpec:
    """`mentorbot run`'s only adapter: one that waits until cancelled, configured by ``MENTORBOT_FAKE__TOKEN`` (a
    variable of its own, not a setting)."""
    module = clean_env.parent / "mods" / "s30_idle_adapter" / "runner.py"
    module.parent.mkdir(parents=True)
    (module.parent / "__init__.py").write_text("", encoding="utf-8")
    module.write_text(
        "import asyncio\n\n\nasync def run(bot, settings, *, dispatcher=None):\n    await asyncio.Event().wait()\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(clean_env.parent / "mods"))
    token = "MENTORBOT_FAKE__TOKEN"
    spec = AdapterSpec("fake", "s30_idle_adapter.runner", "fake:", token, lambda s: bool(os.environ.get(token)))
    monkeypatch.setattr(runners, "adapters", lambda: (spec,))
    monkeypatch.setattr(settings_module, "adapter_token_settings", lambda: [token])
    return spec


def _error(env_file: Path | None = None, **overrides: object) -> str:
    with pytest.raises(SettingsError) as info:
        load_settings(env_file=env_file, **overrides)
    return str(info.value)


# ---------------------------------------------------------------------------- names that are no setting

MISSPELLED = [
    ("MENTORBOT_SLACK_BOT_TOKEN", f"xoxb-{SECRET}", "MENTORBOT_SLACK__BOT_TOKEN"),
    ("MENTORBOT_ADMIN_ID", "U1", "MENTORBOT_ADMIN_IDS"),
    ("MENTORBOT_CHECKIN_DAY", "7", "MENTORBOT_CHECKIN_DAYS"),
    ("MENTORBOT_OFFER_TTL", "24", "MENTORBOT_OFFER_TTL_HOURS"),
    ("MENTORBOT_DISCORD_TOKEN", SECRET, "MENTORBOT_DISCORD__TOKEN"),
    ("MENTORBOT_SLACK__BOT_TOKN", SECRET, "MENTORBOT_SLACK__BOT_TOKEN"),
    ("mentorbot_default_languge", "sw", "MENTORBOT_DEFAULT_LANGUAGE"),  # any case, named in upper case
]


@pytest.mark.parametrize(("name", "value", "meant"), MISSPELLED)
def test_a_misspelled_name_in_the_env_file_is_refused_with_the_setting_meant(
    tmp_path: Path, name: str, value: str, meant: str
) -> None:
    env_file = tmp_path / "mentorbot.env"
    env_file.write_text(f"MENTORBOT_DEFAULT_CAPACITY=3\n{name}={value}\n", encoding="utf-8")
    said = _error(env_file)
    assert said == f"{name.upper()}: not a MentorBot setting (set in {env_file}); did you mean {meant}?"
    assert SECRET not in said


@pytest.mark.parametrize(("name", "value", "meant"), MISSPELLED)
def test_a_misspelled_name_in_the_environment_is_refused_with_the_setting_meant(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, meant: str
) -> None:
    monkeypatch.setenv(name, value)
    said = _error()
    assert said == f"{name.upper()}: not a MentorBot setting (set in the environment); did you mean {meant}?"
    assert SECRET not in said


def test_every_unknown_name_and_every_wrong_value_are_said_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("MENTORBOT_ADMIN_ID=U1\nMENTORBOT_PIZZA=yes\n", encoding="utf-8")
    monkeypatch.setenv("MENTORBOT_ADMIN_ID", "U2")
    monkeypatch.setenv("MENTORBOT_DEFAULT_CAPACITY", "0")
    said = _error(env_file)
    assert said.startswith(
        f"MENTORBOT_ADMIN_ID: not a MentorBot setting (set in the environment and {env_file}); "
        "did you mean MENTORBOT_ADMIN_IDS?; "
        f"MENTORBOT_PIZZA: not a MentorBot setting (set in {env_file}); config/.env.example lists every setting; "
        "MENTORBOT_DEFAULT_CAPACITY: "
    ), said


def test_what_is_not_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every setting (any case, a section as one JSON object), an empty unknown name (``NAME=`` means "not set"),
    other programs' variables, and the variables the project reads outside the settings."""
    names, sections = setting_names()
    assert "MENTORBOT_SLACK__BOT_TOKEN" in names and "MENTORBOT_ADMIN_IDS" in names
    assert sections == {"MENTORBOT_SLACK", "MENTORBOT_DISCORD"}
    env_file = tmp_path / ".env"
    env_file.write_text(
        "MENTORBOT_ADMIN_IDS=U1, U2 # two admins\nMENTORBOT_OFFER_TTL=\nUNRELATED=1\nMENTORBOT_FAULTS_SEED=3\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("mentorbot_default_language", "sw")
    monkeypatch.setenv("MENTORBOT_SLACK", '{"mode": "http"}')
    monkeypatch.setenv("MENTORBOT_CHECKIN_DAY", "")
    for name in NOT_SETTINGS:
        monkeypatch.setenv(name, "1")
    settings = load_settings(env_file)
    assert settings.admin_ids == ["U1", "U2"]
    assert settings.default_language == "sw"
    assert settings.slack.mode == "http"


def _read_outside_settings() -> set[str]:
    """The ``MENTORBOT_*`` names the repository reads from the environment itself (``os.environ.get("…")``,
    ``os.environ["…"]``, ``export …`` in the CI script), wherever they are."""
    read = re.compile(r"""environ(?:\.get\(|\[)\s*["'](MENTORBOT_[A-Z0-9_]+)["']""")
    exported = re.compile(r"^\s*export\s+(MENTORBOT_[A-Z0-9_]+)=", re.MULTILINE)
    found: set[str] = set()
    for folder in ("src", "adapters", "tests", "benchmarks"):
        for path in (REPO / folder).rglob("*.py"):
            found |= set(read.findall(path.read_text(encoding="utf-8")))
    for path in (REPO / ".ci").rglob("*"):
        if path.is_file():
            found |= set(exported.findall(path.read_text(encoding="utf-8", errors="replace")))
    return found


def test_every_variable_the_project_reads_itself_is_a_setting_or_a_known_non_setting() -> None:
    read = _read_outside_settings()
    assert {"MENTORBOT_FAULTS_HEAVY", "MENTORBOT_TEST_POSTGRES_URL", "MENTORBOT_BENCH_POSTGRES_URL"} <= read
    names, _ = setting_names()
    assert read - names - NOT_SETTINGS == set()
    assert not NOT_SETTINGS & names


def test_the_deployment_files_set_only_settings() -> None:
    names, _ = setting_names()
    text = (REPO / "deploy" / "compose.yaml").read_text(encoding="utf-8")
    used = set(re.findall(r"^\s*(MENTORBOT_[A-Z0-9_]+):", text, re.MULTILINE))
    assert used and used <= names, used - names


def test_an_adapters_own_variables_are_not_refused_but_a_misspelling_of_them_is(
    idle_adapter: AdapterSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTORBOT_FAKE__TOKEN", "x")
    monkeypatch.setenv("MENTORBOT_FAKE__REGION", "eu")  # its section is the adapter's
    load_settings(env_file=None)
    monkeypatch.setenv("MENTORBOT_FAKE_TOKEN", "x")
    assert _error().startswith("MENTORBOT_FAKE_TOKEN: not a MentorBot setting (set in the environment)")


def test_config_check_and_run_refuse_a_misspelled_name_in_the_same_line(
    clean_env: Path, idle_adapter: AdapterSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: ``config check`` exited 0 and ``run`` said no platform was configured, without a hint."""
    (clean_env / ".env").write_text(
        f"MENTORBOT_CHECKIN_DAY=7\nMENTORBOT_SLACK_BOT_TOKEN=xoxb-{SECRET}\n", encoding="utf-8"
    )
    monkeypatch.setenv("MENTORBOT_FAKE__TOKEN", "x")
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", f"sqlite:///{clean_env / 'bot.sqlite3'}")
    line = (
        "error: MENTORBOT_CHECKIN_DAY: not a MentorBot setting (set in .env); did you mean MENTORBOT_CHECKIN_DAYS?; "
        "MENTORBOT_SLACK_BOT_TOKEN: not a MentorBot setting (set in .env); did you mean MENTORBOT_SLACK__BOT_TOKEN?"
    )
    for args in (["config", "check"], ["run"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert result.output.strip() == line, result.output
    assert not (clean_env / "bot.sqlite3").exists()


# ---------------------------------------------------------------------------------------------- admin ids


@pytest.mark.parametrize("value", ["alice bob", "U1;U2", "U1, U2 U3", "U1\tU2"])
def test_admin_ids_separated_otherwise_than_by_commas_are_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MENTORBOT_ADMIN_IDS", value)
    assert _error() == (
        "MENTORBOT_ADMIN_IDS: expected user ids separated by commas (123456789012345678,U0123ABC) or a JSON list "
        """of strings (["123456789012345678","U0123ABC"]); an id holds no space, ';', quote or bracket"""
    )


def test_admin_ids_separated_by_commas_and_spaces_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTORBOT_ADMIN_IDS", " alice ,bob, U0123ABC ,")
    assert load_settings(env_file=None).admin_ids == ["alice", "bob", "U0123ABC"]


# --------------------------------------------------------------------------- skills and courses files


@pytest.mark.parametrize("setting", ["MENTORBOT_SKILLS_FILE", "MENTORBOT_COURSES_FILE"])
def test_config_check_and_run_name_the_setting_of_a_missing_file(
    clean_env: Path, idle_adapter: AdapterSpec, monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    missing = clean_env / "nowhere.toml"
    monkeypatch.setenv(setting, str(missing))
    monkeypatch.setenv("MENTORBOT_FAKE__TOKEN", "x")
    monkeypatch.setenv("MENTORBOT_DATABASE_URL", f"sqlite:///{clean_env / 'bot.sqlite3'}")
    expected = f"error: {setting}: {missing}: cannot read the file (No such file or directory)"
    checked = CliRunner().invoke(main, ["config", "check"])
    assert checked.exit_code == 2, checked.output  # as `run` below (it was 1 before session 30's CLI hunt)
    assert checked.output.splitlines()[-1] == expected
    ran = CliRunner().invoke(main, ["run"])
    assert ran.exit_code == 2, ran.output
    assert ran.output.splitlines()[-1] == expected
    assert not (clean_env / "bot.sqlite3").exists(), "refused before the database was opened"


def test_an_admin_command_names_the_setting_of_a_missing_file(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = clean_env / "nowhere.toml"
    monkeypatch.setenv("MENTORBOT_SKILLS_FILE", str(missing))
    (clean_env / "m.csv").write_text("user_id,skills\nwanjiru,seo\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["admin", "import-mentors", "m.csv", "--db", str(clean_env / "x.sqlite3")])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == (
        f"error: MENTORBOT_SKILLS_FILE: {missing}: cannot read the file (No such file or directory)"
    )


async def test_open_bot_logs_the_setting_of_a_missing_file(clean_env: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The run path's own log line (a Slack HTTP worker under gunicorn has no other), led by the setting."""
    from mentorbot.app import open_bot
    from mentorbot.errors import ConfigFileError

    missing = clean_env / "nowhere.toml"
    settings = load_settings(env_file=None, courses_file=missing, database_url=f"sqlite:///{clean_env / 'bot.sqlite3'}")
    with pytest.raises(ConfigFileError):
        async with open_bot(settings):
            pass
    assert f"cannot load MENTORBOT_COURSES_FILE: {missing}: cannot read the file" in caplog.text


def test_the_adapters_variables_are_read_from_their_entry_points_as_the_runners_read_them() -> None:
    """`settings` reads the installed adapters' variables without importing the runners (which import the bot,
    which imports the settings): the same names as `runners.adapters()` gives."""
    assert sorted(settings_module.adapter_token_settings()) == sorted(s.token_setting for s in runners.adapters())
    assert settings_module.adapter_token_settings(), "the installed Discord and Slack adapters at least"


KUBERNETES_SERVICE_LINKS = {
    # What Kubernetes gives every pod of a namespace with a Service called "mentorbot" (port 3000, named http)
    # and one called "mentorbot-metrics" (enableServiceLinks is on by default).
    "MENTORBOT_SERVICE_HOST": "10.96.0.12",
    "MENTORBOT_SERVICE_PORT": "3000",
    "MENTORBOT_SERVICE_PORT_HTTP": "3000",
    "MENTORBOT_PORT": "tcp://10.96.0.12:3000",
    "MENTORBOT_PORT_3000_TCP": "tcp://10.96.0.12:3000",
    "MENTORBOT_PORT_3000_TCP_PROTO": "tcp",
    "MENTORBOT_PORT_3000_TCP_PORT": "3000",
    "MENTORBOT_PORT_3000_TCP_ADDR": "10.96.0.12",
    "MENTORBOT_METRICS_SERVICE_HOST": "10.96.0.13",
    "MENTORBOT_METRICS_PORT_9000_TCP_ADDR": "10.96.0.13",
}


def test_the_variables_kubernetes_adds_for_a_service_named_mentorbot_are_not_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by the review: a Service called ``mentorbot`` put the pod in a crash loop (exit 2 on every start)."""
    for name, value in KUBERNETES_SERVICE_LINKS.items():
        monkeypatch.setenv(name, value)
    assert load_settings(env_file=None).admin_ids == []


def test_a_misspelled_port_is_still_refused_though_kubernetes_names_end_the_same_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``MENTORBOT_SLACK_PORT=3000`` is a typo of ``MENTORBOT_SLACK__PORT``; Kubernetes' ``…_PORT`` holds a URL."""
    monkeypatch.setenv("MENTORBOT_SLACK_PORT", "3000")
    assert _error().startswith("MENTORBOT_SLACK_PORT: not a MentorBot setting")
