"""`confide token ...`: tokens are created at the terminal with the person's password, and work at once.

Most tests call `confide.cli.main` in this process, on the test database; one runs the real
command and server processes end to end.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.test import Client as HttpClient

from confide.cli import main
from confide.keys.commands import WRONG_CREDENTIALS
from confide.keys.models import PersonalAccessToken
from confide.records.models import Client
from tests.api.conftest import Api, assert_problem
from tests.conftest import Person
from tests.processes import OWNER_PASSWORD, Server, base_env, confide, free_port, init_practice, scratch_database

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """`run(*args)` runs `confide token ...` in this process: (exit code, stdout, stderr)."""
    # The command points CONFIDE_DATA_DIR at its --data-dir; the test's own directory keeps it unchanged.
    monkeypatch.setenv("CONFIDE_DATA_DIR", os.environ["CONFIDE_DATA_DIR"])

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["token", *args, "--data-dir", str(settings.DATA_DIR)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def password_file(tmp_path: Path, bob: Person) -> Path:
    path = tmp_path / "password"
    path.write_text(bob.password + "\n", encoding="utf-8")
    return path


def test_create_prints_a_working_token_as_its_last_line(run: Run, bob: Person, password_file: Path,
                                                        client: HttpClient, client_record: Client) -> None:
    code, out, _ = run("create", "--email", bob.email, "--password-file", str(password_file), "--name", "laptop")
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("cfd_")
    response = Api(client, token).get(f"/clients/{client_record.public_id}")
    assert response.status_code == 200 and response.json()["family_name"] == "Quastenbrook"
    assert PersonalAccessToken.objects.get(user=bob.user).name == "laptop"


@pytest.mark.parametrize(("email", "password"), [
    ("bob@example.test", "not the password at all"),
    ("nobody@example.test", "correct horse battery staple lantern"),
    ("charlie-is-not-here", "x"),
])
def test_a_wrong_password_and_an_unknown_address_look_the_same(run: Run, bob: Person, tmp_path: Path,
                                                               email: str, password: str) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text(password, encoding="utf-8")
    code, out, err = run("create", "--email", email, "--password-file", str(wrong), "--name", "laptop")
    assert code == 2 and out == ""
    assert err.strip() == f"confide: {WRONG_CREDENTIALS}"
    assert not PersonalAccessToken.objects.exists()


def test_a_suspended_person_gets_no_token(run: Run, bob: Person, password_file: Path) -> None:
    bob.user.is_active = False
    bob.user.save()
    code, _, err = run("create", "--email", bob.email, "--password-file", str(password_file), "--name", "laptop")
    assert code == 2 and "suspended" in err
    assert not PersonalAccessToken.objects.exists()


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "tab\there"])
def test_a_token_needs_a_sensible_name(run: Run, bob: Person, password_file: Path, name: str) -> None:
    code, _, err = run("create", "--email", bob.email, "--password-file", str(password_file), "--name", name)
    assert code == 2 and "token name" in err


def test_list_and_revoke(run: Run, bob: Person, password_file: Path, client: HttpClient) -> None:
    _, out, _ = run("create", "--email", bob.email, "--password-file", str(password_file), "--name", "laptop")
    token = out.strip().splitlines()[-1]
    code, _, err = run("create", "--email", bob.email, "--password-file", str(password_file), "--name", "laptop")
    assert code == 2 and "already has a token named 'laptop'" in err

    code, out, _ = run("list", "--email", bob.email)
    assert code == 0 and "laptop" in out and token not in out

    assert run("revoke", "--email", bob.email, "--name", "laptop")[0] == 0
    assert_problem(Api(client, token).get("/clients"), 401)
    code, _, err = run("revoke", "--email", bob.email, "--name", "laptop")
    assert code == 2 and "No live token" in err
    assert run("list", "--email", "nobody@example.test")[1].strip() == "No tokens."


@pytest.mark.server
def test_the_real_command_makes_a_token_for_the_real_server(tmp_path: Path) -> None:
    with scratch_database() as database_url:
        data_dir = tmp_path / "data"
        env = base_env(data_dir, database_url, CONFIDE_KDF_PROFILE="unsafe-test")
        init_practice(data_dir, env)
        created = confide("token", "create", "--email", "alice@example.test", "--password-file",
                          str(tmp_path / "data-password"), "--name", "e2e", env=env)
        assert created.returncode == 0, created.stderr
        token = created.stdout.strip().splitlines()[-1]
        wrong = confide("token", "create", "--email", "alice@example.test", "--password-file", "/dev/null",
                        "--name", "e2e", env=env)
        assert wrong.returncode == 2 and "password file is empty" in wrong.stderr

        server = Server(env, free_port())
        try:
            headers = {"Authorization": f"Bearer {token}"}
            url = f"{server.url}/api/v1/clients"
            made = requests.post(url, json={"given_name": "Ada", "family_name": "Brook"}, headers=headers,
                                 timeout=10)
            assert made.status_code == 201, made.text
            assert made.headers["Cache-Control"] == "no-store"
            assert [c["family_name"] for c in requests.get(url, headers=headers, timeout=10).json()] == ["Brook"]
            bad = requests.post(url, data="{oops", headers=headers | {"Content-Type": "application/json"}, timeout=10)
            assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/problem+json"

            assert confide("token", "revoke", "--email", "alice@example.test", "--name", "e2e",
                           env=env).returncode == 0
            refused = requests.get(url, headers=headers, timeout=10)
            assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
        finally:
            log = server.stop()
        assert token[4:] not in log and "Brook" not in log
        assert OWNER_PASSWORD not in log
