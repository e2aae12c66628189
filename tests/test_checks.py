"""Production mode refuses unsafe settings before serving anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from confide.conf import env as confenv
from tests.processes import base_env, confide, init_practice

STRONG_SECRET = "v3ry-l0ng-r4nd0m-s3cr3t-" + "QmZ8pX2wT7kR4nY6" * 4


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("checks") / "data"
    init_practice(directory, base_env(directory, None, CONFIDE_KEY_DIR=str(key_dir_of(directory))))
    return directory


def key_dir_of(data_dir: Path) -> Path:
    return data_dir.parent / f"{data_dir.name}-keys"


def production(data_dir: Path, **extra: str) -> dict[str, str]:
    settings = {
        "CONFIDE_MODE": "production",
        "CONFIDE_SECRET_KEY": STRONG_SECRET,
        "CONFIDE_SMTP_HOST": "mail.example.test",
        "CONFIDE_KEY_DIR": str(key_dir_of(data_dir)),
    } | extra
    return base_env(data_dir, None, **settings)


def test_safe_production_settings_pass(data_dir: Path) -> None:
    result = confide("check", env=production(data_dir))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"CONFIDE_DEBUG": "true"}, "CONFIDE_DEBUG is on"),
        ({"CONFIDE_SECRET_KEY": "short"}, "secret key is too weak"),
        ({"CONFIDE_SECRET_KEY": "django-insecure-" + "a1b2c3d4e5" * 6}, "secret key is too weak"),
        ({"CONFIDE_SECRET_KEY": "a" * 80}, "secret key is too weak"),
        ({"CONFIDE_HTTPS": "false"}, "SESSION_COOKIE_SECURE is off"),
        ({"CONFIDE_ALLOWED_HOSTS": "*"}, "must not contain '*'"),
        # Issue 21, finding 8: the console backend prints client addresses and join links.
        ({"CONFIDE_EMAIL_BACKEND": "console"}, "console backend would print client addresses"),
    ],
)
def test_unsafe_production_settings_are_refused(data_dir: Path, extra: dict[str, str], message: str) -> None:
    result = confide("check", env=production(data_dir, **extra))
    assert result.returncode == 2
    assert message in result.stderr
    assert STRONG_SECRET not in result.stderr


def test_serve_refuses_to_start_with_unsafe_settings(data_dir: Path) -> None:
    result = confide("serve", "--port", "1", env=production(data_dir, CONFIDE_DEBUG="1"))
    assert result.returncode == 2 and "refuses to start" in result.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"CONFIDE_MODE": "staging"}, "CONFIDE_MODE must be one of"),
        ({"CONFIDE_DEBUG": "perhaps"}, "CONFIDE_DEBUG must be true or false"),
        ({"CONFIDE_HSTS_SECONDS": "a year"}, "CONFIDE_HSTS_SECONDS must be a whole number"),
        (
            {"CONFIDE_SECRET_KEY_FILE": "/nonexistent/secret"},
            "CONFIDE_SECRET_KEY_FILE points to a file that cannot be read",
        ),
    ],
)
def test_malformed_settings_fail_loudly(data_dir: Path, extra: dict[str, str], message: str) -> None:
    result = confide("check", env=production(data_dir, **extra))
    assert result.returncode != 0
    assert message in result.stderr


def test_a_secret_may_come_from_a_file(data_dir: Path, tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(STRONG_SECRET + "\n", encoding="utf-8")
    env = production(data_dir, CONFIDE_SECRET_KEY_FILE=str(secret_file))
    env.pop("CONFIDE_SECRET_KEY")
    assert confide("check", env=env).returncode == 0


def test_env_helpers_bound_integers(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("CONFIDE_X", "5")
    assert confenv.envint("CONFIDE_X", 1, minimum=1, maximum=10) == 5
    with pytest.raises(ImproperlyConfigured, match="at most 3"):
        confenv.envint("CONFIDE_X", 1, maximum=3)
    with pytest.raises(ImproperlyConfigured, match="at least 6"):
        confenv.envint("CONFIDE_X", 1, minimum=6)


def test_production_refuses_key_files_inside_the_data_directory(data_dir: Path) -> None:
    """Issue 21, finding 1: a copy of the data must not carry its keys."""
    inside = data_dir / "audit-signing-key-copy"
    inside.write_bytes((key_dir_of(data_dir) / "audit-signing-key").read_bytes())
    result = confide("check", env=production(data_dir, CONFIDE_AUDIT_SIGNING_KEY_FILE=str(inside)))
    assert result.returncode == 2
    assert "CONFIDE_AUDIT_SIGNING_KEY_FILE is inside" in result.stderr
    files = data_dir / "files"
    files.mkdir(exist_ok=True)
    secret = files / "secret"
    secret.write_text(STRONG_SECRET, encoding="utf-8")
    env = production(data_dir, CONFIDE_SECRET_KEY_FILE=str(secret))
    env.pop("CONFIDE_SECRET_KEY")
    result = confide("check", env=env)
    assert result.returncode == 2 and "CONFIDE_SECRET_KEY_FILE is inside" in result.stderr
    # Without CONFIDE_KEY_DIR the keys `init` wrote default to the data directory: refused too.
    env = production(data_dir)
    env.pop("CONFIDE_KEY_DIR")
    assert "confide.E008" in confide("check", env=env).stderr


def test_the_operator_may_acknowledge_keys_in_the_data_directory(data_dir: Path) -> None:
    inside = data_dir / "audit-signing-key-ack"
    inside.write_bytes((key_dir_of(data_dir) / "audit-signing-key").read_bytes())
    env = production(data_dir, CONFIDE_AUDIT_SIGNING_KEY_FILE=str(inside), CONFIDE_ALLOW_KEYS_IN_DATA_DIR="true")
    result = confide("check", env=env)
    assert result.returncode == 0, result.stderr
