"""The confide command as an operator uses it: init, check and their failures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import base_env, confide, init_practice, scratch_database


@pytest.fixture
def database_url() -> Iterator[str | None]:
    with scratch_database() as url:
        yield url


def test_init_creates_a_practice_non_interactively(tmp_path: Path, database_url: str | None) -> None:
    data_dir = tmp_path / "data"
    env = base_env(data_dir, database_url)
    init_practice(data_dir, env)
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
    assert data_dir.stat().st_mode & 0o777 == 0o700
    shares = sorted((tmp_path / "data-kit").glob("recovery-share-*"))
    assert [p.name for p in shares] == [f"recovery-share-{i}-of-3.txt" for i in (1, 2, 3)]
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in shares)
    assert "CONFIDE-RECOVERY-1 2-of-3" in shares[0].read_text()
    again = confide(
        "init",
        "--practice-name",
        "Again",
        "--owner-email",
        "b@example.test",
        "--owner-password-file",
        str(tmp_path / "data-password"),
        "--jurisdiction",
        "US",
        "--recovery-kit-dir",
        str(tmp_path / "kit2"),
        env=env,
    )
    assert again.returncode == 2 and "already holds a practice" in again.stderr
    assert not (tmp_path / "kit2").exists()


def test_init_refuses_a_recovery_kit_inside_the_data_dir(tmp_path: Path) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text("quiet harbour lantern orchard\n", encoding="utf-8")
    result = confide(
        "init",
        "--practice-name",
        "Cedar",
        "--owner-email",
        "o@example.test",
        "--owner-password-file",
        str(password_file),
        "--jurisdiction",
        "US",
        "--recovery-kit-dir",
        str(tmp_path / "data" / "kit"),
        env=base_env(tmp_path / "data", None),
    )
    assert result.returncode == 2 and "must not be written inside the data directory" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jurisdiction", "XX"], "Unknown jurisdiction"),
        (["--owner-email", "nope"], "valid e-mail"),
        (["--shares", "2", "--threshold", "3"], "--threshold"),
        (["--owner-password-file", "/nonexistent/file"], "Cannot read the password file"),
    ],
)
def test_init_refuses_bad_input_with_a_clear_message(
    tmp_path: Path, database_url: str | None, args: list[str], message: str
) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text("quiet harbour lantern orchard\n", encoding="utf-8")
    base = {
        "--practice-name": "Cedar",
        "--owner-email": "o@example.test",
        "--owner-password-file": str(password_file),
        "--jurisdiction": "US-NY",
        "--recovery-kit-dir": str(tmp_path / "kit"),
    }
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = [item for pair in base.items() for item in pair]
    result = confide("init", *argv, env=base_env(tmp_path / "data", database_url))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_init_refuses_a_weak_owner_password(tmp_path: Path, database_url: str | None) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text("password12345678\n", encoding="utf-8")
    result = confide(
        "init",
        "--practice-name",
        "Cedar",
        "--owner-email",
        "o@example.test",
        "--owner-password-file",
        str(password_file),
        "--jurisdiction",
        "US",
        "--recovery-kit-dir",
        str(tmp_path / "kit"),
        env=base_env(tmp_path / "data", database_url),
    )
    assert result.returncode == 2 and "not acceptable" in result.stderr
    assert "password12345678" not in result.stderr + result.stdout


def test_init_without_a_terminal_asks_for_missing_options(tmp_path: Path) -> None:
    result = confide("init", env=base_env(tmp_path / "data", None))
    assert result.returncode == 2 and "Missing practice name" in result.stderr


def test_serve_without_a_data_dir_says_what_to_do(tmp_path: Path) -> None:
    env = base_env(tmp_path / "missing", None)
    result = confide("serve", env=env)
    assert result.returncode == 2 and "confide init" in result.stderr


def test_the_command_without_arguments_prints_usage() -> None:
    result = confide(env=base_env(Path("/nonexistent"), None))
    assert result.returncode == 2 and "usage: confide" in result.stderr
