"""An export that fails half-way (a full disk at its fourth file) takes back the files it wrote (a data hunt,
session 39): before, the folder kept a partial set and the same export run again was refused as already there."""

from __future__ import annotations

import errno
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from mentorbot import cli
from mentorbot.cli import main
from tests.console.test_export_files_s32 import EXPORTED, db

__all__ = ["db"]  # the fixture, used by name


def test_an_export_that_fails_half_way_leaves_nothing_and_can_run_again(
    cli_env: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = cli.write_private
    calls: list[str] = []

    def full_disk_at_the_fourth(path: Path, content: bytes, *, replace: bool) -> None:
        calls.append(path.name)
        if len(calls) == 4:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, content, replace=replace)

    monkeypatch.setattr(cli, "write_private", full_disk_at_the_fourth)
    failed = CliRunner().invoke(main, ["admin", "export", "out", "--db", str(db)])
    assert failed.exit_code == 1, failed.output
    assert "No space left on device" in failed.output
    out = cli_env / "out"
    assert list(out.iterdir()) == [], "the three files written before the failure are taken back"
    monkeypatch.setattr(cli, "write_private", real)
    again = CliRunner().invoke(main, ["admin", "export", "out", "--db", str(db)])
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in out.iterdir()) == EXPORTED


def test_without_hard_links_a_write_that_fails_leaves_no_half_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a file system without hard links (FAT, a network share) the file is written at its name: a full disk
    half-way took the name with half a file, which the export's take-back did not know of."""
    import os

    def no_links(source: str, target: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    class FullDisk(io.BufferedWriter):
        def write(self, data: object) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    real_fdopen = os.fdopen

    def fdopen(fd: int, *args: object, **kwargs: object) -> object:
        if args and args[0] == "wb" and not os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).startswith("."):
            return FullDisk(io.FileIO(fd, "wb"))
        return real_fdopen(fd, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(os, "fdopen", fdopen)
    path = tmp_path / "members.csv"
    with pytest.raises(OSError, match="No space"):
        cli.write_private(path, b"data", replace=False)
    assert not path.exists() and sorted(p.name for p in tmp_path.iterdir()) == []
