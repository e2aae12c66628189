"""Practice rules: creating a practice, inviting staff, accepting invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from confide.accounts.models import User
from confide.notifications.models import OutgoingMail
from confide.practice import services
from confide.practice.models import Invitation, Membership, Practice, Role
from tests.conftest import PASSWORD, Person


def _token_from_mail() -> str:
    body = mail.outbox[-1].body
    link = next(line for line in body.splitlines() if "/invite/" in line)
    return link.rstrip("/").rsplit("/", 1)[-1]


class TestCreatePractice:
    def test_it_creates_the_practice_and_its_owner(self, db: None) -> None:
        membership = services.create_practice(
            name="  Cedar Therapy ", jurisdiction="US-NY", owner_email="Owner@Example.TEST", owner_password=PASSWORD
        ).membership
        assert membership.role == Role.OWNER
        assert membership.practice.name == "Cedar Therapy"
        assert membership.practice.mfa_required is True
        assert membership.user.email == "owner@example.test"

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"name": ""}, "needs a name"),
            ({"name": "x" * 201}, "needs a name"),
            ({"jurisdiction": "XX-YY"}, "Unknown jurisdiction"),
            ({"owner_email": "not an address"}, "valid e-mail"),
        ],
    )
    def test_it_refuses_bad_input_and_writes_nothing(self, db: None, kwargs: dict[str, str], message: str) -> None:
        args = {
            "name": "Cedar Therapy",
            "jurisdiction": "US-NY",
            "owner_email": "o@example.test",
            "owner_password": PASSWORD,
        } | kwargs
        with pytest.raises(services.PracticeError, match=message):
            services.create_practice(**args)
        assert not Practice.objects.exists() and not User.objects.exists()

    def test_it_refuses_a_weak_owner_password_and_writes_nothing(self, db: None) -> None:
        with pytest.raises(ValidationError):
            services.create_practice(
                name="Cedar", jurisdiction="US", owner_email="o@example.test", owner_password="short"
            )
        assert not Practice.objects.exists() and not User.objects.exists()

    def test_it_refuses_an_address_already_in_use(self, alice: Person) -> None:
        with pytest.raises(services.PracticeError, match="already exists"):
            services.create_practice(name="Second", jurisdiction="US", owner_email=alice.email, owner_password=PASSWORD)
        assert Practice.objects.count() == 1


class TestInvitations:
    def test_the_owner_invites_and_the_invitee_accepts_once(self, alice: Person) -> None:
        issued = services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.CLINICIAN)
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["erin@example.test"]
        assert issued.link in message.body and "Quiet Harbour Counselling" in message.subject
        token = _token_from_mail()
        assert token not in issued.invitation.token_hash, "only a hash of the token is stored"
        user = services.accept_invitation(token=token, password="a brand new passphrase here", display_name="Erin")
        assert user.membership.role == Role.CLINICIAN
        assert user.membership.practice == alice.user.membership.practice
        with pytest.raises(services.InvalidInvitationError):
            services.accept_invitation(token=token, password="another passphrase entirely")
        assert User.objects.filter(email="erin@example.test").count() == 1

    def test_an_expired_invitation_does_not_work(self, alice: Person) -> None:
        services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.CLINICIAN)
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        with pytest.raises(services.InvalidInvitationError):
            services.accept_invitation(token=_token_from_mail(), password="a brand new passphrase here")
        assert not User.objects.filter(email="erin@example.test").exists()

    def test_a_withdrawn_invitation_does_not_work(self, alice: Person) -> None:
        issued = services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.CLINICIAN)
        services.revoke_invitation(actor=alice.user, invitation_id=issued.invitation.pk)
        with pytest.raises(services.InvalidInvitationError):
            services.find_invitation(_token_from_mail())

    def test_a_new_invitation_replaces_the_old_one(self, alice: Person) -> None:
        services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.CLINICIAN)
        first = _token_from_mail()
        services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.SUPERVISOR)
        with pytest.raises(services.InvalidInvitationError):
            services.find_invitation(first)
        assert services.find_invitation(_token_from_mail()).role == Role.SUPERVISOR

    def test_an_unknown_token_does_not_work(self, db: None) -> None:
        with pytest.raises(services.InvalidInvitationError):
            services.find_invitation("made-up-token")

    def test_a_weak_password_keeps_the_invitation_open(self, alice: Person) -> None:
        services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.CLINICIAN)
        token = _token_from_mail()
        with pytest.raises(ValidationError):
            services.accept_invitation(token=token, password="short")
        assert not User.objects.filter(email="erin@example.test").exists()
        assert services.find_invitation(token).status == "pending"

    def test_only_the_owner_invites(self, bob: Person) -> None:
        with pytest.raises(services.NotAllowedError):
            services.invite_staff(inviter=bob.user, email="erin@example.test", role=Role.CLINICIAN)
        assert not Invitation.objects.exists() and not mail.outbox

    @pytest.mark.parametrize(
        ("email", "role"),
        [
            ("bad", Role.CLINICIAN),
            ("e@example.test", "owner"),
            ("e@example.test", "janitor"),
            ("bob@example.test", Role.CLINICIAN),
        ],
    )
    def test_it_refuses_bad_invitations(self, alice: Person, bob: Person, email: str, role: str) -> None:
        with pytest.raises(services.PracticeError):
            services.invite_staff(inviter=alice.user, email=email, role=role)
        assert not Invitation.objects.exists() and not mail.outbox

    def test_an_unreachable_mail_server_keeps_the_invitation_and_its_mail_queued(  # type: ignore[no-untyped-def]
            self, alice: Person, settings) -> None:
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
            }
        }
        services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.CLINICIAN)
        assert Invitation.objects.count() == 1
        [row] = OutgoingMail.objects.filter(kind="staff-invitation")
        assert row.status == OutgoingMail.Status.QUEUED and row.attempts == 1  # the worker retries it

    def test_an_invitation_whose_mail_cannot_be_queued_is_not_kept(  # type: ignore[no-untyped-def]
            self, alice: Person, monkeypatch) -> None:
        def refuse(**kwargs: object) -> None:
            raise OSError("outbox unavailable")

        monkeypatch.setattr(services, "queue_mail", refuse)
        with pytest.raises(OSError):
            services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.CLINICIAN)
        assert not Invitation.objects.exists()

    def test_another_practice_cannot_withdraw_alices_invitation(self, alice: Person, charlie: Person) -> None:
        issued = services.invite_staff(inviter=alice.user, email="erin@example.test", role=Role.CLINICIAN)
        with pytest.raises(services.PracticeError):
            services.revoke_invitation(actor=charlie.user, invitation_id=issued.invitation.pk)
        assert services.find_invitation(_token_from_mail()).status == "pending"


class TestSettings:
    def test_the_owner_changes_the_policy(self, alice: Person) -> None:
        practice = services.update_practice_settings(
            actor=alice.user, name="Renamed", mfa_required=False, session_idle_minutes=30
        )
        assert (practice.name, practice.mfa_required, practice.session_idle_minutes) == ("Renamed", False, 30)

    @pytest.mark.parametrize("minutes", [0, 4, 121, -1])
    def test_it_refuses_an_out_of_range_timeout(self, alice: Person, minutes: int) -> None:
        with pytest.raises(services.PracticeError):
            services.update_practice_settings(
                actor=alice.user, name="X", mfa_required=True, session_idle_minutes=minutes
            )
        assert Practice.objects.get().session_idle_minutes == 15

    def test_a_clinician_cannot_change_the_policy(self, bob: Person) -> None:
        with pytest.raises(services.NotAllowedError):
            services.update_practice_settings(actor=bob.user, name="X", mfa_required=False, session_idle_minutes=30)

    def test_the_owner_suspends_and_restores_a_member(self, alice: Person, bob: Person) -> None:
        member = Membership.objects.get(user=bob.user)
        services.set_member_active(actor=alice.user, member_id=member.pk, active=False)
        bob.user.refresh_from_db()
        assert not bob.user.is_active
        services.set_member_active(actor=alice.user, member_id=member.pk, active=True)
        bob.user.refresh_from_db()
        assert bob.user.is_active

    def test_the_owner_cannot_suspend_themself_or_strangers(self, alice: Person, charlie: Person) -> None:
        with pytest.raises(services.PracticeError):
            services.set_member_active(actor=alice.user, member_id=alice.user.membership.pk, active=False)
        with pytest.raises(services.PracticeError):
            services.set_member_active(actor=alice.user, member_id=charlie.user.membership.pk, active=False)
