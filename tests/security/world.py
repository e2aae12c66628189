"""A small practice with real records, shared by the security tests.

Every client field and every note carries a canary: a string that must never appear anywhere
but in a page or API answer that is meant to show it (`CANARY`). charlie's practice holds a
record of its own, so tests can ask for another practice's ids.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.test import Client as HttpClient

from confide.keys.vault import create_access_token
from confide.practice import services as practice_services
from confide.practice.models import Membership, Practice, Role
from confide.records import care, documents, services
from tests.accounts.test_signin import sign_in
from tests.conftest import PASSWORD, Person, add_member, make_practice
from tests.records.conftest import vault_of

# One prefix that no page, log line or header of Confide holds by itself; each field gets its own
# suffix so that a leak names the field it came from.
CANARY = "Zqx7canary"


def canary(name: str) -> str:
    return f"{CANARY}{name}Zqx"


# A phone number may hold digits only; this one is the canary for the phone field.
PHONE_CANARY = "+1 555 0199 7731"


@dataclass
class Record:
    """The ids of one client's record, by the name of the URL parameter that carries them."""

    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    practice: Practice
    people: dict[str, Person]
    ours: Record
    theirs: Record
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, persona: str) -> str:
        if persona not in self._tokens:
            self._tokens[persona] = create_access_token(vault_of(self.people[persona]), "security tests")
        return self._tokens[persona]

    def browser(self, persona: str) -> HttpClient:
        """A Django test client signed in as the persona (or anonymous for "anonymous")."""
        http = HttpClient(raise_request_exception=False)
        if persona != "anonymous":
            person = self.people[persona]
            response = sign_in(http, person.email, person.password)
            assert response.status_code == 302, f"{persona} could not sign in"
        return http


def demographics(tag: str = "") -> services.Demographics:
    return services.Demographics(
        given_name=canary(f"Given{tag}"), family_name=canary(f"Family{tag}"),
        preferred_name=canary(f"Preferred{tag}"), pronouns=canary(f"Pronouns{tag}"), date_of_birth="1987-03-14",
        email=f"{canary(f'mail{tag}').lower()}@example.test", phone=PHONE_CANARY if not tag else "+1 555 0100",
        emergency_contact=canary(f"Emergency{tag}"))


def _record(person: Person, tag: str) -> Record:
    vault = vault_of(person)
    client = services.create_client(vault, demographics(tag))
    note = services.create_note(vault, client.public_id, kind="progress", session_date="2026-11-20",
                                body=canary(f"ProgressNote{tag}"), sign=True)
    private = services.create_note(vault, client.public_id, kind="psychotherapy", session_date="2026-11-20",
                                   body=canary(f"PsychotherapyNote{tag}"))
    content = f"%PDF-1.4 {canary(f'DocumentBody{tag}')}".encode()
    doc = documents.upload_document(vault, client.public_id, filename=f"{canary(f'File{tag}')}.pdf",
                                    stream=io.BytesIO(content), size=len(content))
    appointment = care.create_appointment(vault, client.public_id, starts_at="2026-11-20T10:00",
                                          duration_minutes=50, modality="video")
    membership = Membership.objects.get(user=person.user)
    return Record({"client_id": str(client.public_id), "note_id": str(note.public_id),
                   "private_note_id": str(private.public_id), "document_id": str(doc.public_id),
                   "appointment_id": str(appointment.public_id), "member_id": str(membership.pk)})


def build_world() -> World:
    """alice owns the practice; bob treats the client; carol supervises it; dana is its front desk.

    erin is a clinician and sam a supervisor of the same practice who are on no care team; gus is
    a clinician on the team (the one whom revocation routes remove); charlie owns another practice.
    """
    owner = make_practice("alice@example.test")
    practice = owner.practice
    practice.mfa_required = False
    practice.save()
    people = {"owner": Person(owner.user, PASSWORD)}
    for persona, email, role in (
        ("clinician_on_team", "bob@example.test", Role.CLINICIAN),
        ("supervisor_granted", "carol@example.test", Role.SUPERVISOR),
        ("front_desk", "dana@example.test", Role.FRONT_DESK),
        ("clinician_off_team", "erin@example.test", Role.CLINICIAN),
        ("supervisor_not_granted", "sam@example.test", Role.SUPERVISOR),
        ("revocable", "gus@example.test", Role.CLINICIAN),
        ("revocable_by_body", "gwen@example.test", Role.CLINICIAN),
    ):
        people[persona] = Person(add_member(practice, email, role), PASSWORD)
    bob = people["clinician_on_team"]
    ours = _record(bob, "")
    vault = vault_of(bob)
    client_id = ours.ids["client_id"]
    services.grant_access(vault, client_id, user_id=people["supervisor_granted"].user.pk, role="supervisor")
    services.grant_access(vault, client_id, user_id=people["front_desk"].user.pk, role="front_desk",
                          clinical=False)
    services.grant_access(vault, client_id, user_id=people["revocable"].user.pk, role="clinician")
    services.grant_access(vault, client_id, user_id=people["revocable_by_body"].user.pk, role="clinician")
    ours.ids["user_id"] = str(people["revocable"].user.pk)
    ours.ids["body_user_id"] = str(people["revocable_by_body"].user.pk)
    issued = practice_services.invite_staff(inviter=people["owner"].user, email="fay@example.test",
                                            role=Role.CLINICIAN)
    ours.ids["invitation_id"] = str(issued.invitation.pk)
    ours.ids["token"] = issued.link.rstrip("/").rsplit("/", 1)[-1]

    other = make_practice("charlie@example.test", name="Elsewhere Therapy")
    other.practice.mfa_required = False
    other.practice.save()
    people["other_practice"] = Person(other.user, PASSWORD)
    their_clinician = Person(add_member(other.practice, "ivan@example.test", Role.CLINICIAN), PASSWORD)
    theirs = _record(their_clinician, "Theirs")
    theirs.ids["user_id"] = str(other.user.pk)
    other_invite = practice_services.invite_staff(inviter=other.user, email="hal@example.test", role=Role.CLINICIAN)
    theirs.ids["invitation_id"] = str(other_invite.invitation.pk)
    theirs.ids["token"] = other_invite.link.rstrip("/").rsplit("/", 1)[-1]
    return World(practice, people, ours, theirs)
