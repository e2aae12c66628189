"""`confide audit` as an operator runs it, on a real data directory, and a crash mid-append."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.processes import base_env, confide, init_practice, scratch_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database_url() -> Iterator[str | None]:
    with scratch_database() as url:
        yield url


@pytest.fixture
def practice_env(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    data_dir = tmp_path / "data"
    env = base_env(data_dir, database_url)
    init_practice(data_dir, env)
    return env


def run_appender(env: dict[str, str], count: int) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.audit.appender", str(count)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return [int(line) for line in result.stdout.split()]


def tamper(env: dict[str, str], statement: str, params: tuple[Any, ...] = ()) -> None:
    """Change the database behind Confide's back, as someone with write access would."""
    if env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute(statement, params)  # type: ignore[arg-type]
    else:
        with sqlite3.connect(Path(env["CONFIDE_DATA_DIR"]) / "confide.sqlite3") as conn:
            conn.execute(statement.replace("%s", "?"), params)


def test_init_creates_a_private_signing_key_and_the_log_verifies(practice_env: dict[str, str]) -> None:
    key = Path(practice_env["CONFIDE_DATA_DIR"]) / "audit-signing-key"
    assert key.stat().st_mode & 0o777 == 0o600
    run_appender(practice_env, 20)
    result = confide("audit", "verify", env=practice_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "intact" in result.stdout


def test_verify_names_the_first_bad_position_and_against_catches_truncation(
    practice_env: dict[str, str], tmp_path: Path
) -> None:
    run_appender(practice_env, 30)
    head = confide("audit", "head", env=practice_env, check=True).stdout
    saved = tmp_path / "head.txt"
    saved.write_text(head, encoding="utf-8")
    assert head.splitlines()[1] == str(int(head.splitlines()[1])) and "\n\n\u2014 " in head  # a C2SP checkpoint

    tamper(practice_env, "UPDATE audit_entry SET entry = entry || %s WHERE position = 17", (b"x",))
    result = confide("audit", "verify", env=practice_env)
    assert result.returncode == 1
    assert "First bad position: 17" in result.stdout

    tamper(practice_env, "DELETE FROM audit_entry WHERE position >= 17")
    result = confide("audit", "verify", env=practice_env)
    assert result.returncode == 1 and "beyond the log's size" in result.stdout, "left-over subtree hashes show"
    # A clean cut also removes the subtree hashes that cover the removed rows.
    for level in range(6):
        tamper(practice_env, 'DELETE FROM audit_node WHERE level = %s AND "index" >= %s', (level, 17 >> level))
    assert confide("audit", "verify", env=practice_env).returncode == 0, "a clean cut is invisible alone"
    result = confide("audit", "verify", "--against", str(saved), env=practice_env)
    assert result.returncode == 1
    assert "First bad position: 17" in result.stdout


def test_publish_writes_heads_that_verify_then_uses(practice_env: dict[str, str], tmp_path: Path) -> None:
    heads = tmp_path / "heads"
    env = {**practice_env, "CONFIDE_AUDIT_HEAD_DIR": str(heads), "CONFIDE_AUDIT_PUBLISH_EVERY": "10"}
    head = confide("audit", "head", env=env, check=True).stdout
    before = int(head.splitlines()[1])  # the checkpoint's second line is the tree size
    run_appender(env, 25 - before)
    assert sorted(p.name for p in heads.iterdir()) == ["head-10.txt", "head-20.txt"]
    assert "head-25.txt" in confide("audit", "publish", env=env, check=True).stdout
    tamper(env, "DELETE FROM audit_entry WHERE position >= 22")
    result = confide("audit", "verify", env=env)
    assert result.returncode == 1 and "First bad position: 22" in result.stdout


def test_a_process_killed_while_appending_leaves_a_log_that_verifies(practice_env: dict[str, str]) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.audit.appender", "100000"],
        env=practice_env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    committed = -1
    deadline = time.monotonic() + 120
    while committed < 300 and time.monotonic() < deadline:
        committed = int(child.stdout.readline())
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert committed >= 300

    result = confide("audit", "verify", env=practice_env)
    assert result.returncode == 0, result.stdout + result.stderr
    size = int(result.stdout.split("intact: ")[1].split(" entries")[0])
    assert size >= committed + 1, "everything reported as committed survived"

    # The log goes on growing after the crash, and still verifies.
    assert run_appender(practice_env, 5)[0] == size
    assert confide("audit", "verify", env=practice_env).returncode == 0
