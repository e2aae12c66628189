"""A portal client's forgotten password: the care team confirms identity, the client sets a new
password, the care team restores access by re-wrapping the portal key (ADR 0023)."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail, serializers
from django.test import Client as Browser
from django.utils import timezone

from confide import crypto
from confide.accounts.backends import BACKEND
from confide.audit.models import LogEntry
from confide.audit.tags import Tag
from confide.keys import vault as keys
from confide.keys.models import KeyWrap, UserKeyPair
from confide.portal import recovery, services
from confide.portal.models import ClientAccount, PasswordRecovery
from confide.records.errors import NotFoundError
from tests.accounts.test_signin import sign_in
from tests.conftest import Person, enrol_totp
from tests.portal.conftest import CLIENT_PASSWORD, client_vault_of
from tests.records.conftest import vault_of

NEW_PASSWORD = "orchard pewter kestrel quietly"


def _link_token() -> str:
    [message] = [m for m in mail.outbox if "new password" in m.subject]
    [link] = re.findall(r"https?://\S+", str(message.body))
    assert "Wilhelmina" not in str(message.body) and "Quastenbrook" not in str(message.body)
    return link.rstrip("/").rsplit("/", 1)[1]


def _start(bob: Person, account: ClientAccount) -> str:
    mail.outbox.clear()
    recovery.start_recovery(vault_of(bob), account.client.public_id, identity_check="video", identity_confirmed=True)
    return _link_token()


@pytest.fixture
def with_checkin(client_account: ClientAccount) -> ClientAccount:
    services.submit_checkin(client_vault_of(client_account), client_account,
                            {"comfort": 4, "informed": 5, "trust": 4, "comment": "Feels safe (fictional)."})
    return client_account


def test_recovery_works_and_the_client_reads_their_portal_again(with_checkin: ClientAccount, bob: Person) -> None:
    account = with_checkin
    token = _start(bob, account)
    [message] = mail.outbox
    assert message.to == ["wq.portal@example.test"], "the link goes to the client, not to the staff member"
    recovery.complete_recovery(token=token, password=NEW_PASSWORD)
    pending = recovery.awaiting_restore(account)
    assert pending is not None and pending.new_fingerprint == UserKeyPair.objects.get(user=account.user).fingerprint

    wrapped = recovery.restore_access(vault_of(bob), account.client.public_id,
                                      fingerprint=pending.new_fingerprint[:19].lower())
    assert wrapped >= 1
    assert recovery.awaiting_restore(account) is None
    fresh = services.client_vault(account, NEW_PASSWORD)
    [checkin] = services.own_checkins(fresh, account)
    assert checkin.answers.comment == "Feels safe (fictional)."
    tags = list(LogEntry.objects.filter(client_id=str(account.client.public_id)).values_list("tag", flat=True))
    assert {Tag.PORTAL_RECOVERY_STARTED, Tag.PORTAL_RECOVERY_PASSWORD_SET, Tag.PORTAL_RECOVERY_RESTORED} <= set(tags)


def test_without_the_care_teams_action_the_new_password_opens_nothing(with_checkin: ClientAccount,
                                                                     bob: Person) -> None:
    account = with_checkin
    recovery.complete_recovery(token=_start(bob, account), password=NEW_PASSWORD)
    vault = services.client_vault(account, NEW_PASSWORD)
    assert not vault.holds(account.client.pk, "portal")
    assert not KeyWrap.objects.filter(recipient=account.user).exists()
    with pytest.raises(NotFoundError):
        services.own_checkins(vault, account)
    http = Browser()
    assert sign_in(http, account.user.email, NEW_PASSWORD).status_code == 302
    page = http.get("/portal/")
    assert page.status_code == 403 and b"restores your access" in page.content
    assert page["Cache-Control"] == "no-store"
    assert b"Feels safe" not in http.get("/portal/check-in/").content


def test_the_old_password_no_longer_works(client_account: ClientAccount, bob: Person) -> None:
    recovery.complete_recovery(token=_start(bob, client_account), password=NEW_PASSWORD)
    with pytest.raises(crypto.WrongPasswordError):
        services.client_vault(client_account, CLIENT_PASSWORD)
    assert sign_in(Browser(), client_account.user.email, CLIENT_PASSWORD).status_code == 400


def test_a_stolen_database_copy_gains_nothing(with_checkin: ClientAccount, bob: Person) -> None:
    account = with_checkin
    token = _start(bob, account)
    dump = serializers.serialize("json", [*PasswordRecovery.objects.all(), *UserKeyPair.objects.all(),
                                          *KeyWrap.objects.all()])
    assert token not in dump, "only a hash of the link's token is stored"
    stored = PasswordRecovery.objects.get()
    with pytest.raises(recovery.RecoveryError):
        recovery.find_recovery(stored.token_hash)  # the stored hash does not open the link
    recovery.complete_recovery(token=token, password=NEW_PASSWORD)
    # Every wrap of the client's portal key needs a password (the care team's) or the paper kit.
    for wrap in KeyWrap.objects.filter(key_version__client=account.client, key_version__scope="portal"):
        assert wrap.recipient_id != account.user_id
    pair = UserKeyPair.objects.get(user=account.user)
    for guess in (CLIENT_PASSWORD, stored.token_hash, stored.new_fingerprint or "x" * 64):
        with pytest.raises(crypto.WrongPasswordError):
            keys.vault_from_password(account.user_id, account.practice_id, guess)
    assert b"Feels safe" not in bytes(pair.password_wrap)


def test_the_fingerprint_must_match_and_a_wrong_one_wraps_nothing(client_account: ClientAccount,
                                                                  bob: Person) -> None:
    recovery.complete_recovery(token=_start(bob, client_account), password=NEW_PASSWORD)
    for typed in ("", "ABCD", "A" * 16, "not the fingerprint at all"):
        with pytest.raises(recovery.RecoveryError):
            recovery.restore_access(vault_of(bob), client_account.client.public_id, fingerprint=typed)
    assert not KeyWrap.objects.filter(recipient=client_account.user).exists()
    assert recovery.awaiting_restore(client_account) is not None


def test_identity_must_be_confirmed_and_only_the_care_team_may_start(
        client_account: ClientAccount, bob: Person, carol: Person, dana: Person, alice: Person) -> None:
    client_id = client_account.client.public_id
    with pytest.raises(recovery.RecoveryError, match="how you confirmed"):
        recovery.start_recovery(vault_of(bob), client_id, identity_check="email", identity_confirmed=True)
    with pytest.raises(recovery.RecoveryError, match="yourself"):
        recovery.start_recovery(vault_of(bob), client_id, identity_check="in_person", identity_confirmed=False)
    for person in (carol, dana, alice):
        with pytest.raises(NotFoundError):
            recovery.start_recovery(vault_of(person), client_id, identity_check="in_person", identity_confirmed=True)
    assert not PasswordRecovery.objects.exists() and not [m for m in mail.outbox if "new password" in m.subject]


def test_a_link_works_once_and_expires(client_account: ClientAccount, bob: Person) -> None:
    token = _start(bob, client_account)
    with pytest.raises(recovery.RecoveryError):
        recovery.complete_recovery(token="not-the-token", password=NEW_PASSWORD)
    with pytest.raises(Exception, match=r"too short|too common|similar"):
        recovery.complete_recovery(token=token, password="short")
    assert recovery.awaiting_restore(client_account) is None, "a weak password changes nothing"
    services.client_vault(client_account, CLIENT_PASSWORD)  # the old password still works until then
    recovery.complete_recovery(token=token, password=NEW_PASSWORD)
    with pytest.raises(recovery.RecoveryError):
        recovery.complete_recovery(token=token, password="another long enough passphrase here")
    second = _start(bob, client_account)
    PasswordRecovery.objects.filter(accepted_at=None).update(expires_at=timezone.now())
    with pytest.raises(recovery.RecoveryError):
        recovery.complete_recovery(token=second, password="another long enough passphrase here")


def test_starting_again_cancels_the_earlier_link(client_account: ClientAccount, bob: Person) -> None:
    first = _start(bob, client_account)
    _start(bob, client_account)
    with pytest.raises(recovery.RecoveryError):
        recovery.complete_recovery(token=first, password=NEW_PASSWORD)


def test_the_authenticator_app_sealed_to_the_old_key_is_removed(client_account: ClientAccount, bob: Person) -> None:
    enrol_totp(client_account.user)
    recovery.complete_recovery(token=_start(bob, client_account), password=NEW_PASSWORD)
    assert not Authenticator.objects.filter(user=client_account.user, type="totp").exists()


def test_the_pages_of_each_step(client_account: ClientAccount, bob: Person, dana: Person, relaxed: object) -> None:
    client_id = client_account.client.public_id
    staff = Browser()
    sign_in(staff, bob.email, bob.password)
    page = staff.get(f"/clients/{client_id}/portal/recovery/")
    assert page.status_code == 200 and b"confirm the client" in page.content
    assert staff.post(f"/clients/{client_id}/portal/recovery/start", {}).status_code == 400
    assert not PasswordRecovery.objects.exists()
    mail.outbox.clear()
    response = staff.post(f"/clients/{client_id}/portal/recovery/start",
                          {"identity_check": "in_person", "confirmed": "on"})
    assert response.status_code == 302
    token = _link_token()

    visitor = Browser()
    assert visitor.get(f"/portal/recover/{token}/").status_code == 200
    assert visitor.get("/portal/recover/forged-token/").status_code == 404
    assert visitor.post(f"/portal/recover/{token}/", {"password1": NEW_PASSWORD,
                                                      "password2": "different"}).status_code == 400
    response = visitor.post(f"/portal/recover/{token}/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    waiting = visitor.get("/portal/")
    assert waiting.status_code == 403
    fingerprint = UserKeyPair.objects.get(user=client_account.user).fingerprint
    assert fingerprint[:4].encode() in waiting.content

    page = staff.get(f"/clients/{client_id}/portal/recovery/")
    assert b"restore access" in page.content
    assert staff.post(f"/clients/{client_id}/portal/recovery/restore",
                      {"fingerprint": "0000 0000 0000 0000"}).status_code == 400
    assert staff.post(f"/clients/{client_id}/portal/recovery/restore",
                      {"fingerprint": fingerprint}).status_code == 302
    assert visitor.get("/portal/").status_code in (200, 302)

    front_desk = Browser()
    front_desk.force_login(dana.user, backend=BACKEND)
    assert front_desk.get(f"/clients/{client_id}/portal/recovery/").status_code in (302, 404)
