"""The "stolen copy" attacker (issue 21): every way in that the review used, for each kind of theft.

The review attacked a running practice with a copy of its database and data directory. Each test
below is its attack script against one kind of theft (docs/security.md has the table):

- a database dump: session rows replayed as cookies, API token rows as bearer tokens,
  invitation rows as links, the TOTP seed computed into codes;
- the database plus the data directory and the secret key: a password-reset token forged with
  the secret key, a session forged or replayed with it;
- a backup: the production checks refuse keys inside the data they would be backed up with;
- a live server with a signed-in session (no password): unlimited guessing on the unlock pages
  and `confide token create`.

Against the code before issue 21 each of these attacks succeeded; here each fails.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import settings
from django.db import connection
from django.test import Client as Browser
from django.test import override_settings

from confide import crypto
from confide.audit.models import LogEntry
from confide.keys.vault import create_access_token
from confide.oversight.models import Alert
from confide.practice import services as practice_services
from confide.practice.models import Role
from tests.accounts.test_signin import sign_in
from tests.conftest import Person, enrol_totp, totp_code
from tests.portal.conftest import client_account, consent
from tests.records.conftest import client_record, vault_of

__all__ = ["client_account", "client_record", "consent"]  # fixtures

MFA = "/accounts/2fa/authenticate/"
SECRET = "JBSWY3DPEHPK3PXP"


def signed_in_owner(alice: Person) -> Browser:
    """Alice signs in with her password and TOTP: a live session the thief will try to ride."""
    enrol_totp(alice.user, SECRET)
    browser = Browser()
    assert sign_in(browser, alice.email, alice.password).status_code == 302
    assert browser.post(MFA, {"code": totp_code(SECRET)}).status_code == 302
    assert browser.get("/practice/settings/").status_code == 200
    return browser


def rows(sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Read the copy as a thief would: straight from the tables, no application code."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def signed_in(browser: Browser) -> bool:
    return browser.get("/practice/settings/").status_code == 200


# ----------------------------------------------------------------------------- a database dump


def test_session_rows_replayed_as_cookies_open_nothing(alice: Person) -> None:
    live = signed_in_owner(alice)
    stored = [key for (key,) in rows("SELECT session_key FROM django_session")]
    stored += [key for (key,) in rows("SELECT session_key FROM usersessions_usersession")]
    assert stored, "the copy holds the sessions"
    cookie = live.cookies[settings.SESSION_COOKIE_NAME].value
    assert cookie not in stored, "the cookie value itself is in the database"
    for key in stored:
        thief = Browser()
        thief.cookies[settings.SESSION_COOKIE_NAME] = key
        assert not signed_in(thief), "a session row replayed as a cookie signed the thief in"
    assert signed_in(live), "the real session still works"


def test_the_totp_seed_in_the_database_computes_no_code(alice: Person) -> None:
    signed_in_owner(alice)
    [(data,)] = rows("SELECT data FROM mfa_authenticator WHERE type = 'totp' AND user_id = %s", (alice.user.pk,))
    stored = str(data)
    assert SECRET not in stored, "the TOTP seed is in the clear"
    assert base64.b32encode(base64.b32decode(SECRET)).decode() not in stored
    # The thief knows the password (phished) and has the copy: a code from the stored value fails.
    candidates: list[str] = []
    for token in stored.replace('"', " ").replace(",", " ").replace("}", " ").replace(".", " ").split():
        try:
            counter = next(iter(yield_hotp_counters_from_time()))
            candidates.append(format_hotp_value(hotp_value(token, counter)))
        except (binascii.Error, ValueError):
            continue
    thief = Browser()
    assert sign_in(thief, alice.email, alice.password).status_code == 302
    for code in candidates[:3]:
        assert thief.post(MFA, {"code": code}).status_code == 400
    assert not signed_in(thief)


def test_token_and_invitation_rows_are_no_bearer_secrets(alice: Person, bob: Person, practice: Any) -> None:
    token = create_access_token(vault_of(bob), "reporting")
    practice_services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.CLINICIAN)
    thief = Browser()
    for (lookup,) in rows("SELECT lookup_hash FROM keys_personalaccesstoken"):
        for bearer in (lookup, "cfd_" + lookup):
            assert thief.get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {bearer}").status_code == 401
    for (stored,) in rows("SELECT token_hash FROM practice_invitation"):
        assert thief.get(f"/invite/{stored}/").status_code == 404
    assert Browser().get("/api/v1/clients", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


# ------------------------------------------------- the database, the data directory and the secret key


def test_a_reset_token_forged_with_the_secret_key_sets_no_password(alice: Person) -> None:
    forged = default_token_generator.make_token(alice.user)  # exactly what the secret key allows
    path = f"/accounts/password/reset/key/{user_pk_to_url_str(alice.user)}-{forged}/"
    thief = Browser()
    assert thief.get(path).status_code == 404
    assert thief.post(path, {"password1": "a brand new thief password", "password2": "a brand new thief password"},
                      follow=True).status_code == 404
    alice.user.refresh_from_db()
    assert alice.user.check_password(alice.password), "the password was changed"
    for route in ("/accounts/signup/", "/accounts/password/set/", "/accounts/email/", "/accounts/login/code/confirm/",
                  "/accounts/password/reset/done/", "/accounts/password/reset/key/done/"):
        assert thief.get(route).status_code == 404, route


def test_a_stored_session_hash_used_as_a_cookie_opens_nothing(alice: Person) -> None:
    signed_in_owner(alice)
    for (key,) in rows("SELECT session_key FROM django_session"):
        thief = Browser()
        thief.cookies[settings.SESSION_COOKIE_NAME] = key  # "h:..." straight from the copy
        assert not signed_in(thief)


# ----------------------------------------------------------------------------- a backup


def test_production_refuses_keys_kept_with_the_data() -> None:
    # Imported here, like `guessing` below, so that this file also runs against the code before
    # issue 21 (where these names do not exist) and shows the other attacks succeeding there.
    from confide.core.checks import check_key_files_apart_from_data

    inside = settings.DATA_DIR / "audit-signing-key"
    with override_settings(PRODUCTION=True, CONFIDE_ALLOW_KEYS_IN_DATA_DIR=False,
                           CONFIDE_AUDIT_SIGNING_KEY_FILE=inside):
        assert any(e.id == "confide.E008" for e in check_key_files_apart_from_data())


# ------------------------------------------------------ a live server, a signed-in session, no password


def unlock_guesses(browser: Browser, path: str, count: int) -> list[int]:
    return [browser.post(path, {"password": f"guess number {n} of the thief"}).status_code for n in range(count)]


def test_unlock_guessing_is_bounded_audited_and_alerted(alice: Person, bob: Person) -> None:
    thief = Browser()  # bob's signed-in browser, left unlocked on a desk: the key is locked again
    practice = bob.user.membership.practice
    practice.mfa_required = False
    practice.save(update_fields=["mfa_required"])
    assert sign_in(thief, bob.email, bob.password).status_code == 302
    statuses = unlock_guesses(thief, "/vault/unlock", 12)
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}
    assert thief.post("/vault/unlock", {"password": bob.password}).status_code == 429, "the right one is refused too"
    entries = [bytes(e.entry) for e in LogEntry.objects.order_by("position")]
    assert sum(b"auth:password:failed" in e for e in entries) == 5
    assert sum(b"auth:password:locked" in e for e in entries) == 8
    [alert] = Alert.objects.filter(kind=Alert.Kind.GUESSING, subject=bob.user)
    assert alert.practice_id == practice.pk
    # The lockout is the account's: sign-in from anywhere is refused as well.
    assert sign_in(Browser(REMOTE_ADDR="10.7.7.7"), bob.email, bob.password).status_code == 429


def test_token_create_guessing_shares_the_budget(bob: Person) -> None:
    """What `confide token create` calls: the command line has no request and the same limit."""
    from confide.accounts import guessing

    practice_id = bob.user.membership.practice_id
    for _ in range(5):
        with pytest.raises(crypto.WrongPasswordError):
            guessing.checked_unlock(None, bob.user.pk, practice_id, "wrong guess wrong guess", where="token-create")
    with pytest.raises(guessing.TooManyAttemptsError):
        guessing.checked_unlock(None, bob.user.pk, practice_id, bob.password, where="token-create")


def test_portal_unlock_guessing_is_bounded(client_account: Any, consent: Any) -> None:
    from tests.portal.conftest import CLIENT_PASSWORD

    thief = Browser()
    assert sign_in(thief, "wq.portal@example.test", CLIENT_PASSWORD).status_code == 302
    statuses = unlock_guesses(thief, "/portal/unlock", 7)
    assert statuses[:5] == [400] * 5 and set(statuses[5:]) == {429}
    # The owner is alerted about the burst, and the alert does not name the client.
    from confide.oversight.models import Alert

    alert = Alert.objects.get(kind=Alert.Kind.GUESSING, subject_id=client_account.user_id)
    assert alert.subject_label == "A portal client (see the audit log)" and "portal" in alert.detail
    assert Authenticator.objects.count() == 0
