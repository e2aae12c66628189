"""Practice settings and staff changes are on the record, in the same transaction as the change."""

from __future__ import annotations

import pytest

from confide.audit.models import LogEntry
from confide.auditlog import decode_entry
from confide.practice import services
from confide.practice.models import Invitation, Role
from tests.conftest import Person


def events() -> list[tuple[str, str, bytes | None]]:
    decoded = (decode_entry(bytes(entry)) for entry in LogEntry.objects.values_list("entry", flat=True))
    return [(event.tag, event.actor_id, event.sealed_detail) for event in decoded]


def test_creating_a_practice_is_logged(alice: Person) -> None:
    assert events() == [("practice:practice:created", f"user:{alice.user.pk}", None)]


def test_a_settings_change_is_logged(alice: Person) -> None:
    services.update_practice_settings(actor=alice.user, name="Calm Waters", mfa_required=True, session_idle_minutes=30)
    assert events()[-1] == ("practice:settings:changed", f"user:{alice.user.pk}", None)


def test_a_refused_settings_change_is_not_logged(alice: Person) -> None:
    with pytest.raises(services.PracticeError):
        services.update_practice_settings(actor=alice.user, name="", mfa_required=True, session_idle_minutes=30)
    assert [tag for tag, _, _ in events()] == ["practice:practice:created"]


def test_an_invitation_its_withdrawal_and_acceptance_are_logged_without_the_address(alice: Person) -> None:
    first = services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.CLINICIAN)
    services.revoke_invitation(actor=alice.user, invitation_id=first.invitation.pk)
    second = services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.CLINICIAN)
    erin = services.accept_invitation(
        token=second.link.rstrip("/").rsplit("/", 1)[1], password="a long enough passphrase here"
    )
    assert [(tag, actor) for tag, actor, _ in events()[1:]] == [
        ("practice:invitation:sent", f"user:{alice.user.pk}"),
        ("practice:invitation:revoked", f"user:{alice.user.pk}"),
        ("practice:invitation:sent", f"user:{alice.user.pk}"),
        ("practice:invitation:accepted", f"user:{erin.pk}"),
    ]
    stored = b"".join(bytes(e) for e in LogEntry.objects.values_list("entry", flat=True))
    assert b"erin" not in stored
    assert Invitation.objects.filter(accepted_at__isnull=False).count() == 1


def test_suspending_and_restoring_a_member_is_logged(alice: Person, bob: Person) -> None:
    member = bob.user.membership
    services.set_member_active(actor=alice.user, member_id=member.pk, active=False)
    services.set_member_active(actor=alice.user, member_id=member.pk, active=True)
    subject = f"subject=user:{bob.user.pk}".encode()
    assert events()[-2:] == [
        ("practice:member:suspended", f"user:{alice.user.pk}", subject),
        ("practice:member:restored", f"user:{alice.user.pk}", subject),
    ]
