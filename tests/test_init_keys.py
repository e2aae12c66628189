"""`confide init` and key files (issue 21): written apart from the data, never left behind."""

from __future__ import annotations

from pathlib import Path

from tests.processes import OWNER_PASSWORD, base_env, confide

KEY_NAMES = ("secret_key", "audit-signing-key", "address-key")


def _init(data_dir: Path, password: str, *extra: str) -> object:
    password_file = data_dir.parent / "password"
    password_file.write_text(password + "\n", encoding="utf-8")
    return confide("init", "--practice-name", "Quiet Harbour Counselling", "--owner-email", "alice@example.test",
                   "--owner-password-file", str(password_file), "--jurisdiction", "US-CA",
                   "--recovery-kit-dir", str(data_dir.parent / "kit"), *extra, env=base_env(data_dir, None))


def test_a_refused_init_leaves_no_key_behind(tmp_path: Path) -> None:
    """Finding 8: a refused `confide init` left `secret_key` and `audit-signing-key` behind."""
    data_dir = tmp_path / "data"
    result = _init(data_dir, "short")
    assert result.returncode != 0  # type: ignore[attr-defined]
    assert "not acceptable" in result.stderr  # type: ignore[attr-defined]
    for name in KEY_NAMES:
        assert not (data_dir / name).exists(), f"{name} was left behind"


def test_init_writes_the_keys_to_the_key_directory(tmp_path: Path) -> None:
    data_dir, key_dir = tmp_path / "data", tmp_path / "keys"
    result = _init(data_dir, OWNER_PASSWORD, "--key-dir", str(key_dir))
    assert result.returncode == 0, result.stderr  # type: ignore[attr-defined]
    for name in KEY_NAMES:
        assert (key_dir / name).is_file() and not (data_dir / name).exists()
        assert (key_dir / name).stat().st_mode & 0o077 == 0, f"{name} is readable by others"
    assert "Key files written to" in result.stdout  # type: ignore[attr-defined]


def test_init_refuses_a_key_directory_inside_the_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = _init(data_dir, OWNER_PASSWORD, "--key-dir", str(data_dir / "keys"))
    assert result.returncode != 0 and "outside the data directory" in result.stderr  # type: ignore[attr-defined]
