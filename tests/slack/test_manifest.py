"""config/slack-manifest.yml declares everything the adapter listens to and needs."""

from __future__ import annotations

import re
from pathlib import Path

from mentorbot_slack.adapter import EVENTS_PATH, SLASH_COMMANDS

MANIFEST = Path(__file__).resolve().parents[2] / "config" / "slack-manifest.yml"
TEXT = MANIFEST.read_text(encoding="utf-8")
LINES = [line.split("#", 1)[0].rstrip() for line in TEXT.splitlines()]


def values(key: str) -> list[str]:
    """Every value written ``key: value`` (comments stripped)."""
    return [m.group(1).strip().strip('"') for line in LINES if (m := re.match(rf"\s*-?\s*{key}:\s*(.+)$", line))]


def items_under(section: str) -> list[str]:
    """The ``- item`` lines right under ``section:``."""
    start = next(i for i, line in enumerate(LINES) if line.strip() == f"{section}:")
    indent = len(LINES[start]) - len(LINES[start].lstrip())
    found = []
    for line in LINES[start + 1 :]:
        if not line.strip():
            continue
        if len(line) - len(line.lstrip()) <= indent:
            break
        if line.strip().startswith("- "):
            found.append(line.strip()[2:].strip())
    return found


def test_every_slash_command_is_declared() -> None:
    assert sorted(values("command")) == sorted(SLASH_COMMANDS)
    assert set(values("should_escape")) == {"false"}


def test_scopes_events_home_interactivity_and_socket_mode() -> None:
    assert set(items_under("bot")) == {"commands", "chat:write", "im:write", "users:read", "files:write"}
    assert items_under("bot_events") == ["app_home_opened", "app_uninstalled", "tokens_revoked", "user_change"]
    assert values("home_tab_enabled") == ["true"] and values("is_enabled") == ["true"]
    assert values("socket_mode_enabled") == ["true"]
    assert len(values("display_name")[0]) <= 80
    assert len(values("description")[0]) <= 140


def test_http_mode_urls_point_at_the_events_path() -> None:
    commented = re.findall(r"#\s*(?:url|request_url|message_menu_options_url):\s*(\S+)", TEXT)
    assert len(commented) == len(SLASH_COMMANDS) + 3
    assert all(url.endswith(EVENTS_PATH) for url in commented)


def test_the_skills_pickers_options_load_url_is_the_request_url() -> None:
    """The signup and request forms' skills picker is an external select: Slack asks the interactivity
    section's options load URL for its options, which must be the one Request URL the adapter serves."""
    [options_url] = re.findall(r"#\s*message_menu_options_url:\s*(\S+)", TEXT)
    [interactivity_url] = re.findall(r"interactivity:.*?#\s*request_url:\s*(\S+)", TEXT, re.S)
    assert options_url == interactivity_url and options_url.endswith(EVENTS_PATH)
    assert "seven of them" in TEXT
