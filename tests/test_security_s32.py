"""What a security hunt found (session 32), checked without a database: lookalike (homograph) course addresses are
refused for a suggestion and in a courses file; a `$` in a chart's text is drawn as written (no mathtext); the log
masks Discord interaction and webhook tokens, Slack response URLs and quoted tokens, and the platform libraries'
DEBUG lines stay out of it."""

from __future__ import annotations

import io
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot import charts
from mentorbot.app import configure_logging
from mentorbot.catalog_cli import catalog
from mentorbot.courses import ascii_host, host_problem, load_catalog, url_problem
from mentorbot.errors import ConfigFileError, UserError
from mentorbot.i18n import translator
from mentorbot.observability import LIBRARY_LOGGERS, logging_handler, redact
from mentorbot.settings import Settings
from mentorbot.skills import Taxonomy, default_skills_path
from mentorbot.usecases.curation import check_url

ROOT = Path(__file__).resolve().parents[1]
en = translator("en")
sw = translator("sw")

CYRILLIC = "https://www.c\u043eursera.org/learn/seo-fundamentals"  # the "о" is Cyrillic
CYRILLIC_ASCII = "www.xn--cursera-9ig.org"
FRACTION_SLASH = "https://google.com\u2044search.evil.example/"  # reads as a Google path; the host is evil.example


# --- lookalike addresses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "ascii_form"),
    [
        (CYRILLIC, CYRILLIC_ASCII),
        (FRACTION_SLASH, "google.xn--comsearch-sn0e.evil.example"),
        ("https://\u24d6oogle.com/course", "google.com"),  # a circled g: a browser opens google.com
        ("https://ex\u00e4mple.org/x", "xn--exmple-cua.org"),  # a real international name: typed as xn--
    ],
)
def test_a_suggested_address_whose_host_is_not_ascii_is_refused_with_its_xn_form(url: str, ascii_form: str) -> None:
    """Before: each was accepted as typed, shown so to the admin and, approved, recommended to every member."""
    assert url_problem(url) is None  # the address itself is well formed: the host is the problem
    assert host_problem(url) is not None
    with pytest.raises(UserError) as refused:
        check_url(url)
    assert refused.value.key == "curation.lookalike_host_ascii"
    assert refused.value.params == {"url": url, "ascii": ascii_form}
    assert ascii_form in en(refused.value.key, **refused.value.params)
    assert "xn--" in en(refused.value.key, **refused.value.params)
    assert "xn--" in sw(refused.value.key, **refused.value.params)


def test_a_host_with_no_ascii_form_is_refused_without_one() -> None:
    url = "https://" + "\u043e" * 70 + ".org/x"  # a label too long for IDNA
    assert ascii_host("\u043e" * 70 + ".org") is None
    with pytest.raises(UserError) as refused:
        check_url(url)
    assert refused.value.key == "curation.lookalike_host"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.xn--cursera-9ig.org/learn/seo-fundamentals",  # the xn-- form is what the admin sees
        "https://Academy.HubSpot.com/courses/seo-training",
        "https://my-site.example.org./guide",
    ],
)
def test_an_ascii_host_is_accepted(url: str) -> None:
    assert host_problem(url) is None
    assert check_url(url) == url


def test_a_backslash_before_the_path_is_a_bad_address() -> None:
    """A browser reads `\\` as `/`: https://evil.example\\@example.org/ opens evil.example, Python reads example.org."""
    url = "https://evil.example\\@example.org/course"
    assert url_problem(url) is not None
    with pytest.raises(UserError) as refused:
        check_url(url)
    assert refused.value.key == "curation.bad_url"


def _courses_with(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "courses.toml"
    text = (ROOT / "config" / "courses.toml").read_text(encoding="utf-8")
    first = text.index('url = "') + len('url = "')
    path.write_text(text[:first] + url + text[text.index('"', first) :], encoding="utf-8")
    return path


def test_a_courses_file_entry_with_a_lookalike_host_is_refused(tmp_path: Path) -> None:
    """Before: the file rule (`url_problem`) took any Unicode host, so `catalog check` passed it."""
    path = _courses_with(tmp_path, CYRILLIC)
    with pytest.raises(ConfigFileError) as refused:
        load_catalog(path, Taxonomy.load(default_skills_path()))
    assert refused.value.field == "url"
    assert CYRILLIC_ASCII in str(refused.value)
    result = CliRunner().invoke(catalog, ["check", str(path)])
    assert result.exit_code != 0 and CYRILLIC_ASCII in result.stderr
    shutil.copy(ROOT / "config" / "courses.toml", path)
    assert len(load_catalog(path, Taxonomy.load(default_skills_path()))) > 0  # every shipped host is ASCII


# --- charts: a `$` is a dollar ----------------------------------------------------------------------------

DOLLARS = ["Paid social ($ to $$$ budgets)", "Ads: $5 vs $50 budgets", "$$ campaigns", "Ads in $ and ^$"]


def _data(label: str, name: str = "supply") -> charts.ChartData:
    series = (("free $1", (1, 2)), ("waiting $2", (3, 1)))
    return charts.ChartData(name, f"Title ${label}$", "x $", "y $", (label, "SEO"), series, "empty $ $")


@pytest.mark.parametrize("label", DOLLARS)
@pytest.mark.parametrize("name", ["supply", "weekly"])
def test_a_dollar_in_a_label_is_drawn_as_written(label: str, name: str) -> None:
    """Before: two `$` made matplotlib parse mathtext: a ValueError (the stats reply lost, the digest failed every
    week), or "Ads: $5 vs $50" drawn without its dollars."""
    assert charts.render_png(_data(label, name)).startswith(b"\x89PNG")
    from matplotlib.text import Text

    figure = charts.draw(_data(label, name))
    figure.savefig(io.BytesIO(), format="png")  # laid out: every text it draws exists now
    texts = [t for t in figure.findobj(Text) if isinstance(t, Text) and t.get_text()]
    drawn = {t.get_text() for t in texts}
    assert label in drawn and "free $1" in drawn and "waiting $2" in drawn and "x $" in drawn
    assert [t.get_text() for t in texts if t.get_parse_math()] == []


def test_an_empty_chart_draws_its_text_as_written() -> None:
    data = charts.ChartData("days", "A $ title $", "x", "y", (), (), "Nothing $ to $$ show")
    assert charts.render_png(data).startswith(b"\x89PNG")
    from matplotlib.text import Text

    figure = charts.draw(data)
    assert all(not t.get_parse_math() for t in figure.findobj(Text) if isinstance(t, Text))


# --- the log ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "secret", "kept"),
    [
        (
            "Webhook ID 1 with POST https://discord.com/api/v10/interactions/1578989537097547784/"
            "aW50ZXJhY3Rpb246MTU3ODk4OTUzNzA5NzU0Nzc4NDpzZWNyZXQ/callback has returned status code 200",
            "aW50ZXJhY3Rpb246MTU3ODk4OTUzNzA5NzU0Nzc4NDpzZWNyZXQ",
            "/interactions/1578989537097547784/********/callback",
        ),
        (
            "PATCH https://discord.com/api/v10/webhooks/1234567890/tok.en_-x9/messages/@original",
            "tok.en_-x9",
            "/webhooks/1234567890/********/messages/@original",
        ),
        (
            "For Shard ID 0: WebSocket Event: {'op': 0, 'd': {'id': '1', 'token': 'aW50ZXJhY3Rpb24', 'type': 2}}",
            "aW50ZXJhY3Rpb24",
            "'token': '********'",
        ),
        ('{"token": "verif123", "type": "block_actions"}', "verif123", '"token": "********"'),
        ("{'bot_token': 'sekrit'}", "sekrit", "'bot_token': '********'"),
        (
            "Sending a request - url: https://hooks.slack.com/commands/T0123/4567/AbCdEfGh, body: {}",
            "AbCdEfGh",
            "url: https://hooks.slack.com/********, body: {}",
        ),
        ("'response_url': 'https://hooks.slack.com/actions/T1/2/xyz'", "T1/2/xyz", "https://hooks.slack.com/********'"),
        ("incoming https://hooks.slack.com/services/T0/B0/XXXX", "B0/XXXX", "https://hooks.slack.com/********"),
    ],
)
def test_redact_masks_interaction_tokens_response_urls_and_quoted_tokens(line: str, secret: str, kept: str) -> None:
    """Before: none of these was masked; discord.py and slack_sdk write each at DEBUG."""
    masked = redact(line)
    assert secret not in masked
    assert kept in masked


def test_redact_leaves_ordinary_text_alone() -> None:
    line = "offer 12 accepted in discord:1 (https://discord.com/channels/1/2 and https://example.org/interactions/x)"
    assert redact(line) == line


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """The root logger's and the libraries' levels and handlers as they were."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in (*LIBRARY_LOGGERS, "mentorbot")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


@pytest.mark.usefixtures("restored_logging")
def test_debug_level_keeps_the_platform_libraries_at_info() -> None:
    """Before: MENTORBOT_LOG_LEVEL=DEBUG put discord.py, slack_sdk, aiohttp… at DEBUG too."""
    logging.getLogger().handlers.clear()  # as a process starts: `logging.basicConfig` sets up a root with none
    configure_logging(Settings(_env_file=None, log_level="DEBUG"))  # type: ignore[call-arg]
    assert logging.getLogger("mentorbot").getEffectiveLevel() == logging.DEBUG
    for name in (*LIBRARY_LOGGERS, "discord.gateway", "slack_sdk.webhook.async_client"):
        assert logging.getLogger(name).getEffectiveLevel() == logging.INFO, name
    configure_logging(Settings(_env_file=None, log_level="WARNING"))  # type: ignore[call-arg]
    assert logging.getLogger("discord").getEffectiveLevel() == logging.WARNING


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.usefixtures("restored_logging")
def test_the_handler_drops_the_libraries_debug_lines_and_keeps_ours(log_format: str) -> None:
    out = io.StringIO()
    handler = logging_handler(log_format)
    handler.stream = out  # type: ignore[attr-defined]
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.getLogger("discord.webhook.async_").debug("POST /interactions/1/secret-one/callback")
    logging.getLogger("slack_sdk").debug("url: https://hooks.slack.com/commands/T/1/secret-two")
    logging.getLogger("discordant").debug("not a library of the list: kept")
    logging.getLogger("mentorbot").debug("our own debug line")
    logging.getLogger("aiohttp.access").info("an info line of a library: kept")
    text = out.getvalue()
    assert "secret-one" not in text and "secret-two" not in text
    assert "our own debug line" in text and "kept" in text and "an info line of a library" in text
