"""Helpers for tests that run the real `confide` command and server processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

OWNER_PASSWORD = "quiet harbour lantern orchard"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def base_env(data_dir: Path, database_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a child `confide` process: no inherited Confide or Django settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONFIDE_", "DJANGO_")) and k != "DATABASE_URL"}
    env["CONFIDE_DATA_DIR"] = str(data_dir)
    env["CONFIDE_MODE"] = extra.pop("CONFIDE_MODE", "test")
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def confide(
    *args: str, env: dict[str, str], check: bool = False, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the confide command and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "confide", *args], env=env, capture_output=True, text=True, timeout=timeout, check=check
    )


@contextmanager
def scratch_database() -> Iterator[str | None]:
    """A fresh, empty PostgreSQL database when the suite runs on PostgreSQL; None on SQLite."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield None
        return
    import psycopg

    name = f"confide_t_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def init_practice(data_dir: Path, env: dict[str, str], email: str = "alice@example.test", *,
                  owner_is_clinician: bool = True) -> None:
    password_file = data_dir.parent / f"{data_dir.name}-password"
    password_file.write_text(OWNER_PASSWORD + "\n", encoding="utf-8")
    confide(
        "init",
        "--practice-name",
        "Quiet Harbour Counselling",
        "--owner-email",
        email,
        "--owner-password-file",
        str(password_file),
        "--jurisdiction",
        "US-CA",
        "--recovery-kit-dir",
        str(data_dir.parent / f"{data_dir.name}-kit"),
        "--owner-is-clinician" if owner_is_clinician else "--no-owner-is-clinician",
        env=env,
        check=True,
    )


class Server:
    """A running `confide serve` process; stopped on exit."""

    def __init__(self, env: dict[str, str], port: int, workers: int = 2) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = Path(env["CONFIDE_DATA_DIR"]).parent / f"serve-{port}.log"
        self._log_handle = self.log.open("w", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "confide", "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"confide serve exited early:\n{self.log.read_text()}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError(f"confide serve did not come up:\n{self.log.read_text()}")

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_handle.close()
        return self.log.read_text(encoding="utf-8")
