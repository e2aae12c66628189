"""The owner resets a staff member's lost second factor (issue 21): audited, told, keys untouched."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client as Browser

from confide.audit.models import LogEntry
from confide.keys import services as keys
from confide.keys.models import UserKeyPair
from confide.practice.second_factor import reset_second_factor
from confide.practice.services import PracticeError
from tests.accounts.test_signin import sign_in
from tests.conftest import Person, enrol_totp, recovery_codes, totp_code


def test_the_owner_resets_a_lost_second_factor(alice: Person, bob: Person,
                                               django_capture_on_commit_callbacks: object) -> None:
    enrol_totp(bob.user)
    recovery_codes(bob)
    fingerprint = UserKeyPair.objects.get(user=bob.user).fingerprint
    owner = Browser()
    alice_secret = enrol_totp(alice.user, "KRSXG5CTMVRXEZLU")
    sign_in(owner, alice.email, alice.password)
    owner.post("/accounts/2fa/authenticate/", {"code": totp_code(alice_secret)})
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = owner.post(f"/practice/staff/{bob.user.membership.pk}/reset-second-factor",
                              {"identity_checked": "1"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=bob.user).exists()
    assert any(b"practice:member_mfa:reset" in bytes(e.entry) for e in LogEntry.objects.all())
    [notice] = [m for m in mail.outbox if m.to == [bob.email]]
    assert "second factor was reset" in notice.subject
    # Nothing about bob's keys changed: the same key pair, still opened by his password.
    assert UserKeyPair.objects.get(user=bob.user).fingerprint == fingerprint
    keys.unlock_private_key(bob.user.pk, bob.password)
    # At his next sign-in he must enrol a new factor before anything else.
    again = Browser()
    assert sign_in(again, bob.email, bob.password).status_code == 302
    response = again.get("/clients/")
    assert response.status_code == 302 and response["Location"] == "/account/security/"


def test_a_reset_needs_the_identity_check_and_is_never_ones_own(alice: Person, bob: Person) -> None:
    enrol_totp(bob.user)
    enrol_totp(alice.user)
    with pytest.raises(PracticeError, match="checked who is asking"):
        reset_second_factor(actor=alice.user, member_id=bob.user.membership.pk, identity_checked=False)
    with pytest.raises(PracticeError, match="your own"):
        reset_second_factor(actor=alice.user, member_id=alice.user.membership.pk, identity_checked=True)
    with pytest.raises(PracticeError, match="Only the practice owner"):
        reset_second_factor(actor=bob.user, member_id=alice.user.membership.pk, identity_checked=True)
    assert Authenticator.objects.filter(user=bob.user).exists()


def test_someone_elses_practice_cannot_be_reset(alice: Person, charlie: Person) -> None:
    enrol_totp(alice.user)
    with pytest.raises(PracticeError, match="no such staff member"):
        reset_second_factor(actor=charlie.user, member_id=alice.user.membership.pk, identity_checked=True)
