"""The shipped package stands on its own: it installs anywhere and needs no source checkout.

- The packaged default skills and courses (``src/mentorbot/defaults/``) are byte-identical to the
  documented ``config/skills.toml`` and ``config/courses.toml`` (so the two cannot drift).
- No shipped module imports ``tests`` or ``benchmarks`` (checked with `ast`, like test_boundaries.py).
- Every data file of a shipped package is listed in ``[tool.setuptools.package-data]``.
- The wheel test (marker ``wheel``) builds the wheel, installs it into a fresh venv and, from an empty
  directory, runs ``mentorbot console --demo`` and ``mentorbot config check``. Its dependencies come from
  PyPI or pip's cache, so it takes about half a minute to a minute; ``make test`` and CI run it.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from mentorbot import defaults
from mentorbot.library import Library

REPO_ROOT = Path(__file__).resolve().parents[1]
SHIPPED_ROOTS = (REPO_ROOT / "src", REPO_ROOT / "adapters")
CHECKOUT_ONLY = frozenset({"tests", "benchmarks"})
SHIPPED_PACKAGES = frozenset({"mentorbot", "mentorbot_console", "mentorbot_discord", "mentorbot_slack"})
# Files beside the code that are for development only: ruff's per-folder configuration.
NOT_SHIPPED = frozenset({"ruff.toml"})
INSTALL_TIMEOUT = 900


def _is_build_or_cache(name: str) -> bool:
    """A folder of tool output, never shipped: ``__pycache__``, ``.ruff_cache`` and the like, ``*.egg-info``."""
    return name == "__pycache__" or name.startswith(".") or name.endswith(".egg-info")


def _shipped_modules() -> list[Path]:
    return sorted(
        path
        for root in SHIPPED_ROOTS
        for path in root.rglob("*.py")
        if not any(_is_build_or_cache(part) for part in path.relative_to(root).parts)
    )


def _top_level_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """``(line, top-level package)`` of every absolute import in `tree`, including ``import_module("x")``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        found.extend((node.lineno, name.split(".")[0]) for name in names)
    return found


# --- the packaged defaults -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [defaults.SKILLS, defaults.COURSES])
def test_packaged_default_is_byte_identical_to_the_documented_config_file(name: str) -> None:
    documented = REPO_ROOT / "config" / name
    packaged = REPO_ROOT / "src" / "mentorbot" / "defaults" / name
    assert defaults.packaged_file(name) == packaged
    assert packaged.read_bytes() == documented.read_bytes(), (
        f"src/mentorbot/defaults/{name} differs from config/{name}: copy config/{name} over it"
    )


def test_packaged_defaults_are_recognised() -> None:
    assert defaults.is_packaged(defaults.skills_path())
    assert defaults.is_packaged(defaults.courses_path())
    assert not defaults.is_packaged(REPO_ROOT / "config" / defaults.SKILLS)


# --- nothing shipped imports the checkout ----------------------------------------------------------------------


def test_shipped_modules_import_nothing_from_tests_or_benchmarks() -> None:
    modules = _shipped_modules()
    assert any(path.name == "cli.py" for path in modules)
    offending = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {name}"
        for path in modules
        for line, name in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        if name in CHECKOUT_ONLY
    ]
    assert not offending, "the installed package has no tests/ or benchmarks/:\n" + "\n".join(offending)


def test_the_import_check_sees_every_form() -> None:
    tree = ast.parse(
        "import tests.fakes\nfrom benchmarks.runner import run\nfrom . import sibling\n"
        "def f():\n    importlib.import_module('benchmarks.report')\n"
    )
    assert _top_level_imports(tree) == [(1, "tests"), (2, "benchmarks"), (5, "benchmarks")]


# --- package data --------------------------------------------------------------------------------------------


def test_every_data_file_of_a_shipped_package_is_package_data() -> None:
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    covered: set[Path] = set()
    for package, globs in patterns.items():
        parts = package.split(".")
        folder = next(root / Path(*parts) for root in SHIPPED_ROOTS if (root / parts[0]).is_dir())
        for pattern in globs:
            covered.update(folder.glob(pattern))
    data = {
        path
        for root in SHIPPED_ROOTS
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix not in (".py", ".pyc")
        and not any(_is_build_or_cache(part) for part in path.relative_to(root).parts)
        and path.name not in NOT_SHIPPED
    }
    missing = sorted(str(path.relative_to(REPO_ROOT)) for path in data - covered)
    assert not missing, "add to [tool.setuptools.package-data] in pyproject.toml: " + ", ".join(missing)
    assert {"py.typed", "skills.toml", "courses.toml"} <= {path.name for path in covered}


# --- the wheel, installed into a fresh venv ------------------------------------------------------------------


def _run(args: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None, stdin: str = "") -> str:
    """Run `args`; the combined output, or a test failure that shows it."""
    result = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(map(str, args))} exited with {result.returncode}:\n{output}"
    return output


def _build_wheel(tmp_path: Path) -> Path:
    """Build the wheel from a copy of the files a build needs (the checkout stays free of build output)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, source / name)
    for folder in ("src", "adapters"):
        shutil.copytree(
            REPO_ROOT / folder,
            source / folder,
            ignore=lambda _, names: [name for name in names if _is_build_or_cache(name) or name.endswith(".pyc")],
        )
    dist = tmp_path / "dist"
    output = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--verbose", "-w", dist, source], cwd=tmp_path)
    for warning in ("SetuptoolsDeprecationWarning", "BuildBackendWarning", "SetuptoolsWarning"):
        assert warning not in output, f"the build warns:\n{output}"
    (wheel,) = dist.glob("mentorbot-*.whl")
    return wheel


def _clean_env(venv: Path) -> dict[str, str]:
    """The environment of a user of the installed package: no MENTORBOT_* settings, no path into the checkout."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MENTORBOT_") and key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    env["PATH"] = str(venv / "bin") + os.pathsep + env.get("PATH", "")
    return env


@pytest.mark.wheel
def test_the_wheel_installs_into_a_fresh_venv_and_runs_from_an_empty_directory(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == SHIPPED_PACKAGES
    for expected in (
        "mentorbot/py.typed",
        "mentorbot/defaults/skills.toml",
        "mentorbot/defaults/courses.toml",
        "mentorbot/locales/en/cli.toml",
        "mentorbot/locales/sw/cli.toml",
        "mentorbot/migrations/sqlite/0001_initial.sql",
        "mentorbot/migrations/postgresql/0001_initial.sql",
    ):
        assert expected in names, expected

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=tmp_path)
    _run([venv / "bin" / "python", "-m", "pip", "install", "--disable-pip-version-check", wheel], cwd=tmp_path)

    empty = tmp_path / "empty"
    empty.mkdir()
    env = _clean_env(venv)
    mentorbot = venv / "bin" / "mentorbot"
    script = "/skills\n/as wanjiru\n/mentor status\n/quit\n"
    console = _run([mentorbot, "console", "--demo"], cwd=empty, env=env, stdin=script)
    assert "Demo community:" in console
    assert "Crisis communications (expert)" in console  # a label of the packaged skills taxonomy
    assert "Head of communications at a Nairobi telco" in console  # a demo mentor's bio
    assert "Bye!" in console

    check = _run([mentorbot, "config", "check"], cwd=empty, env=env)
    where = "import mentorbot, pathlib; print(pathlib.Path(mentorbot.__file__).parent)"
    site = _run([venv / "bin" / "python", "-c", where], cwd=empty, env=env).strip()
    assert not site.startswith(str(REPO_ROOT)), f"mentorbot was imported from the checkout: {site}"
    for setting, name in (("MENTORBOT_SKILLS_FILE", "skills.toml"), ("MENTORBOT_COURSES_FILE", "courses.toml")):
        line = next(line for line in check.splitlines() if line.startswith(setting))
        assert line.endswith(f"{site}/defaults/{name} (the packaged default: a copy of config/{name})"), line
    library = Library(REPO_ROOT / "config" / defaults.SKILLS, REPO_ROOT / "config" / defaults.COURSES)
    assert f"ok: {len(library.taxonomy)} skills, {len(library.catalog)} courses" in check

    assert "bench" not in _run([mentorbot, "--help"], cwd=empty, env=env)
    assert sorted(path.name for path in empty.iterdir()) == ["data"]  # the demo's SQLite file, nothing else
