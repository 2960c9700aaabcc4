"""The container image's steps, run honestly without a container runtime: the Dockerfile's own install command
(``pip install`` of the built wheel) in a fresh venv, its environment, ``mentorbot db upgrade`` (the systemd
unit's ExecStartPre), its start command (``CMD``) in Slack HTTP mode against the fake Slack, its
``HEALTHCHECK`` command until it passes, then SIGTERM (``docker stop``, ``systemctl stop``): exit 0."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from pathlib import Path

import pytest

from tests.fakes.slack_ids import BOT_TOKEN, SIGNING_SECRET
from tests.fakes.slack_web_api import FakeSlack
from tests.slack.test_runner import free_port
from tests.test_packaging import REPO_ROOT, _build_wheel, _clean_env, _run

DOCKERFILE = REPO_ROOT / "deploy" / "Dockerfile"


def dockerfile() -> tuple[str, dict[str, str], list[str], list[str]]:
    """The Dockerfile's pip install command, its MENTORBOT_* environment, its HEALTHCHECK and CMD commands."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    install = next(
        line.split("RUN ", 1)[1].split("&&")[0].strip()
        for line in text.splitlines()
        if line.startswith("RUN python -m pip install")
    )
    env = dict(re.findall(r"(MENTORBOT_\w+)=(\S+)", text))
    health = json.loads(re.search(r"HEALTHCHECK .*?CMD (\[.*\])", text).group(1))  # type: ignore[union-attr]
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))  # type: ignore[union-attr]
    return install, env, health, cmd


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = Path(__import__("sys").executable).parent / "hadolint"
    _run([hadolint, DOCKERFILE], cwd=REPO_ROOT)


@pytest.mark.wheel
async def test_the_images_commands_install_start_answer_health_and_stop(tmp_path: Path, slack_fake: FakeSlack) -> None:
    install, image_env, health, cmd = dockerfile()
    assert install == "python -m pip install /tmp/mentorbot-*.whl" and cmd == ["mentorbot", "run"]
    wheel = _build_wheel(tmp_path)
    venv = tmp_path / "venv"
    _run(["python3", "-m", "venv", venv], cwd=tmp_path)
    _run([venv / "bin" / "python", *install.split()[1:-1], wheel], cwd=tmp_path)
    data = tmp_path / "data"
    data.mkdir()
    env = _clean_env(venv)
    env.update({k: v.replace("/data/", f"{data}/") for k, v in image_env.items()})
    metrics_port, slack_port = free_port(), free_port()
    env.update(
        MENTORBOT_METRICS_HOST="127.0.0.1",
        MENTORBOT_METRICS_PORT=str(metrics_port),
        MENTORBOT_SLACK__BOT_TOKEN=BOT_TOKEN,
        MENTORBOT_SLACK__SIGNING_SECRET=SIGNING_SECRET,
        MENTORBOT_SLACK__MODE="http",
        MENTORBOT_SLACK__PORT=str(slack_port),
        MENTORBOT_SLACK__API_URL=slack_fake.api_url,
    )
    assert "applied 0001_initial" in _run([venv / "bin" / "mentorbot", "db", "upgrade"], cwd=data, env=env)
    health = [part.replace("9100", str(metrics_port)) for part in health]
    health[0] = str(venv / "bin" / health[0])
    process = await asyncio.create_subprocess_exec(
        str(venv / "bin" / cmd[0]),
        *cmd[1:],
        cwd=data,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        for _ in range(200):
            check = await asyncio.create_subprocess_exec(*health, env=env, stderr=asyncio.subprocess.DEVNULL)
            if await check.wait() == 0:
                break
            assert process.returncode is None
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the HEALTHCHECK never passed")
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert (data / "mentorbot.sqlite3").exists()


UNIT = REPO_ROOT / "deploy" / "mentorbot.service"


def unit_service() -> dict[str, str]:
    """The [Service] section of the systemd unit (each key once)."""
    import configparser

    parser = configparser.ConfigParser(interpolation=None, strict=True, comment_prefixes=("#", ";"))
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return dict(parser["Service"])


def test_the_unit_does_not_restart_a_configuration_error_forever() -> None:
    """`mentorbot run` exits 2 for what a restart cannot mend (a wrong setting, a role without its grants, another
    program's database) and 1 for what may pass (the database down). Before: ``Restart=on-failure`` alone started it
    again every 5 s, forever, although docs/deploy.md says the service stops. systemd's RestartPreventExitStatus=
    looks at the main process only (not ExecStartPre=): `db upgrade` there is prefixed with ``-`` so that a refusal
    it meets is logged and `mentorbot run`, which meets the same one, decides with its exit status."""
    service = unit_service()
    assert service["Restart"] == "on-failure"
    assert "2" in service["RestartPreventExitStatus"].split()
    assert service["ExecStart"].endswith("mentorbot run")
    pre = service["ExecStartPre"]
    assert pre.startswith("-") and pre.endswith("mentorbot db upgrade"), pre
    docs = (REPO_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert "RestartPreventExitStatus=2" in docs
