"""The core (src/mentorbot) imports no platform SDK and names no adapter: Discord, Slack and console code lives in
adapters/, and plugs into the core through entry points (mentorbot.adapters, mentorbot.cli, mentorbot.locales).

The check parses every module with `ast` (so it needs none of the SDKs and sees imports hidden under
``if TYPE_CHECKING:`` or inside functions) and lists each offending ``file:line``. ruff's banned-api rule
(src/mentorbot/ruff.toml) enforces the same list; a test keeps the two lists equal.
"""

from __future__ import annotations

import ast
import shutil
import tomllib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
CORE = REPO_ROOT / "src" / "mentorbot"
PLATFORM_MODULES = frozenset({"discord", "slack_bolt", "slack_sdk"})
DYNAMIC_IMPORTERS = frozenset({"import_module", "__import__"})


def _is_platform(module: str) -> bool:
    return module.split(".")[0] in PLATFORM_MODULES


def _imported_modules(node: ast.AST) -> list[str]:
    """The absolute module names `node` imports (relative imports never reach another package)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module] if node.module and node.level == 0 else []
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        first = node.args[0]
        if name in DYNAMIC_IMPORTERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            return [first.value]
    return []


def platform_imports(root: Path) -> list[str]:
    """``file:line: module`` for every import of a platform SDK in the .py files under `root`."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for module in _imported_modules(node):
                if _is_platform(module):
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {module}")
    return sorted(found)


def test_core_has_modules_to_check() -> None:
    names = {path.name for path in CORE.rglob("*.py")}
    assert {"__init__.py", "settings.py", "i18n.py"} <= names


def test_core_imports_no_platform_sdk() -> None:
    offending = platform_imports(CORE)
    assert not offending, "the core must stay platform-agnostic; move these to adapters/:\n" + "\n".join(offending)


@pytest.mark.parametrize(
    "source",
    [
        "import discord.ext.commands",
        "import discord",
        "import slack_bolt.async_app as bolt",
        "import os, slack_sdk",
        "from discord import app_commands",
        "from discord.ext import commands",
        "from slack_sdk.web.async_client import AsyncWebClient",
        "from slack_bolt.app.async_app import AsyncApp",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import discord",
        "def start() -> None:\n    from slack_bolt import App",
        "import importlib\nimportlib.import_module('discord.ui')",
        "__import__('slack_sdk')",
    ],
)
def test_checker_flags_platform_imports(tmp_path: Path, source: str) -> None:
    copy = tmp_path / "mentorbot"
    shutil.copytree(CORE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert platform_imports(copy) == []
    (copy / "nested").mkdir(exist_ok=True)
    (copy / "nested" / "sneaky.py").write_text(f'"""Not allowed."""\n\n{source}\n', encoding="utf-8")
    offending = platform_imports(copy)
    assert len(offending) == 1, offending
    line = source.count("\n") + 3
    assert offending[0].startswith(f"mentorbot/nested/sneaky.py:{line}: ")


@pytest.mark.parametrize(
    "source",
    [
        "import discordant",
        "from slack_sdk_extras import x",
        "import mentorbot.discord_names",
        "from . import discord",
        "from .slack_sdk import x",
        "name = 'discord'",
    ],
)
def test_checker_ignores_lookalikes(tmp_path: Path, source: str) -> None:
    assert platform_imports(package(tmp_path, {"lookalike.py": source})) == []


def package(tmp_path: Path, files: dict[str, str]) -> Path:
    """A folder ``pkg`` under `tmp_path` with `files` (name → source)."""
    root = tmp_path / "pkg"
    root.mkdir()
    for name, source in files.items():
        (root / name).write_text(source + "\n", encoding="utf-8")
    return root


def test_ruff_bans_the_same_modules() -> None:
    config = tomllib.loads((CORE / "ruff.toml").read_text(encoding="utf-8"))
    banned = config["lint"]["flake8-tidy-imports"]["banned-api"]
    assert set(banned) == PLATFORM_MODULES


ADAPTER_PACKAGES = frozenset({"mentorbot_console", "mentorbot_discord", "mentorbot_slack"})


def adapter_mentions(root: Path) -> list[str]:
    """``file:line: name`` for every import of an adapter package in the .py files under `root`, and every line of
    any text file there (code, comments, strings, TOML) that names one: the core finds adapters by entry point."""
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        where = path.relative_to(root.parent)
        if path.suffix == ".py":
            for node in ast.walk(ast.parse(text, filename=str(path))):
                found.extend(
                    f"{where}:{node.lineno}: import {module}"
                    for module in _imported_modules(node)
                    if module.split(".")[0] in ADAPTER_PACKAGES
                )
        for number, line in enumerate(text.splitlines(), start=1):
            found.extend(f"{where}:{number}: {name}" for name in sorted(ADAPTER_PACKAGES) if name in line)
    return sorted(set(found))


def test_core_names_no_adapter() -> None:
    found = adapter_mentions(CORE)
    assert found == [], "the core names an adapter (register it through an entry point instead):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "import mentorbot_discord.cli",
        "from mentorbot_console.session import valid_name",
        "import importlib\nimportlib.import_module('mentorbot_slack.runner')",
        "RUNNER = 'mentorbot_slack.runner'",
        "# the Discord adapter (mentorbot_discord) does this",
    ],
)
def test_adapter_check_flags_names_and_imports(tmp_path: Path, source: str) -> None:
    fine = "ADAPTER_GROUP = 'mentorbot.adapters'  # discord, slack"
    found = adapter_mentions(package(tmp_path, {"sneaky.py": source, "fine.py": fine}))
    assert found and all(line.startswith("pkg/sneaky.py:") for line in found), found
