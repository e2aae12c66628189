"""A small practice with real records, shared by the security tests.

Every client field and every note carries a canary: a string that must never appear anywhere
but in a page or API answer that is meant to show it (`CANARY`). charlie's practice holds a
record of its own, so tests can ask for another practice's ids.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from django.core import mail
from django.test import Client as HttpClient
from django.utils import timezone

from confide.access_rights import services as access_rights
from confide.consultation import services as consultation
from confide.disclosures import authorizations, client_side, packets, required
from confide.disclosures.authorizations import AuthorizationInput
from confide.keys.vault import create_access_token
from confide.lifecycle import services as lifecycle
from confide.lifecycle.models import DestructionRequest
from confide.measures import services as measures
from confide.messaging import services as messaging
from confide.oversight import alerts
from confide.oversight import services as oversight
from confide.oversight.models import Alert
from confide.portal import recovery
from confide.portal import services as portal
from confide.portal.models import ClientAccount, ClinicianNotice
from confide.practice import services as practice_services
from confide.practice.models import Membership, Practice, Role
from confide.records import care, documents, services
from confide.records.models import Client
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
    """The ids of one client's record, by the name of the URL parameter that carries them.

    Three routes take a `token` (a staff invitation, a portal invitation, a release link): their
    tokens are in `tokens`, by the route's first segments, and `ids_for` picks the right one.
    """

    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def ids_for(self, pattern: str) -> dict[str, str]:
        """The ids to fill `pattern` with (a path of the URL configuration, without its leading slash)."""
        prefix = next((p for p in self.tokens if pattern.lstrip("/").startswith(p)), None)
        return self.ids if prefix is None else self.ids | {"token": self.tokens[prefix]}


@dataclass
class World:
    practice: Practice
    people: dict[str, Person]
    ours: Record
    theirs: Record
    # The release link's passcode (the link's token is `ours.ids["token"]` of release/<str:token>/).
    passcode: str = ""
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, persona: str) -> str:
        if persona not in self._tokens:
            person = self.people[persona]
            account = ClientAccount.objects.filter(user=person.user).first()
            # A portal client holds a key pair too; with a token of their own they must still be
            # refused by every staff operation of the API.
            vault = vault_of(person) if account is None else portal.client_vault(account, person.password)
            self._tokens[persona] = create_access_token(vault, "security tests")
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
    a clinician on the team (the one whom revocation routes remove); frank holds emergency access
    and has a break-glass session open on another client of bob's; wren (our client) and yara
    (that other client) use the portal; charlie owns another practice.
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
    ours.tokens["invite/"] = _token(issued.link)
    ours.ids |= _disclosures(bob, client_id, "")
    issued_link = _release_link(bob, client_id, ours.ids["authorization_id"])
    ours.tokens["release/"] = issued_link.token

    # Emergency access: frank holds it (designated before the other client exists, so that client's
    # keys are wrapped to him as bob writes the record).
    people["emergency_holder"] = Person(add_member(practice, "frank@example.test", Role.CLINICIAN), PASSWORD)
    holder = people["emergency_holder"]
    oversight.designate_holder(vault_of(people["owner"]), user_id=holder.user.pk,
                               fingerprint=holder.user.key_pair.fingerprint)
    another = _record(bob, "Another")

    # The portal: our client and another client of the same practice have accounts, have signed
    # the consent document and answered a check-in; a third client's invitation is pending.
    people["client"] = _portal_account(bob, client_id, "wren@example.test", "")
    people["another_client"] = _portal_account(bob, another.ids["client_id"], "yara@example.test", "Another")
    account = ClientAccount.objects.get(user=people["client"].user)
    ours.ids |= _measures(bob, client_id, people["client"], "")
    _measures(bob, another.ids["client_id"], people["another_client"], "Another")
    ours.ids["signature_id"] = str(account.client.consent_signatures.get().public_id)
    ours.ids["notice_id"] = str(ClinicianNotice.objects.filter(recipient=bob.user, client=account.client)
                                .order_by("pk")[0].pk)
    ours.ids["prepared_id"] = _prepared(bob, client_id, "")
    ours.ids |= _destruction(people["owner"], bob, another.ids["client_id"])
    ours.ids["consultation_id"] = _consultation(bob, client_id, people["supervisor_not_granted"])
    message = messaging.send_as_client(portal.client_vault(account, PASSWORD), account, text="A message.",
                                       upload=messaging.Upload("note.txt", b"An attachment."))
    ours.ids["message_id"] = str(message.public_id)
    ours.ids["attachment_id"] = str(message.attachments.get().public_id)
    ours.ids |= _access_rights(bob, people["client"], fulfil=True)
    # A forgotten-password link of the other client (ours is started again by the matrix itself).
    another_account = ClientAccount.objects.get(user=people["another_client"].user)
    recovery.start_recovery(vault, another.ids["client_id"], identity_check="in_person", identity_confirmed=True)
    [recovery_mail] = [m for m in mail.outbox if "new password" in m.subject]
    ours.tokens["portal/recover/"] = _token(re.findall(r"https?://\S+", str(recovery_mail.body))[0])
    assert another_account.recoveries.count() == 1
    pending = services.create_client(vault, services.Demographics(given_name="Pending", family_name="Person"))
    ours.tokens["portal/join/"] = _token(portal.invite_client(vault, pending.public_id,
                                                              email="zed@example.test").link)

    # frank opens a break-glass session on the other client's record (not ours): it raises an alert.
    session = oversight.open_break_glass(vault_of(holder), another.ids["client_id"], BREAK_GLASS_REASON)
    ours.ids["session_id"] = str(session.public_id)
    ours.ids["alert_id"] = str(Alert.objects.get(session=session).pk)
    mail.outbox.clear()

    other = make_practice("charlie@example.test", name="Elsewhere Therapy")
    other.practice.mfa_required = False
    other.practice.save()
    people["other_practice"] = Person(other.user, PASSWORD)
    their_clinician = Person(add_member(other.practice, "ivan@example.test", Role.CLINICIAN), PASSWORD)
    theirs = _record(their_clinician, "Theirs")
    theirs.ids["user_id"] = str(other.user.pk)
    other_invite = practice_services.invite_staff(inviter=other.user, email="hal@example.test", role=Role.CLINICIAN)
    theirs.ids["invitation_id"] = str(other_invite.invitation.pk)
    theirs.tokens["invite/"] = _token(other_invite.link)
    theirs.ids |= _disclosures(their_clinician, theirs.ids["client_id"], "Theirs")
    their_client = _portal_account(their_clinician, theirs.ids["client_id"], "xavi@example.test", "Theirs")
    theirs.ids |= _measures(their_clinician, theirs.ids["client_id"], their_client, "Theirs")
    theirs.ids |= _access_rights(their_clinician, their_client, fulfil=False)
    theirs.ids["prepared_id"] = _prepared(their_clinician, theirs.ids["client_id"], "Theirs")
    theirs.ids["alert_id"] = str(alerts.raise_alert(other.practice.pk, Alert.Kind.NEW_DEVICE, other.user.pk).pk)
    mail.outbox.clear()
    return World(practice, people, ours, theirs, passcode=issued_link.passcode)


BREAK_GLASS_REASON = "A fictional emergency: the client is unreachable and at risk."


def _token(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[-1]


def _destruction(owner: Person, clinician: Person, client_id: str) -> dict[str, str]:
    """A destruction waiting for confirmation (of another client), and a record already destroyed."""
    waiting = DestructionRequest.objects.create(client=Client.objects.get(public_id=client_id),
                                                approved_by=owner.user)
    gone = services.create_client(vault_of(clinician), services.Demographics(given_name="Gone", family_name="Away"))
    lifecycle.destroy_record(gone, reason="matrix", rule=None, last_contact=None, kept_until=None, people={},
                             actor_id=f"user:{owner.user.pk}")
    return {"destruction_id": str(waiting.public_id), "destroyed_client_id": str(gone.public_id)}


def _disclosures(person: Person, client_id: str, tag: str) -> dict[str, str]:
    """An authorization, a court request and an emergency disclosure in progress, with canaries."""
    vault = vault_of(person)
    today = timezone.localdate()
    auth = authorizations.sign_authorization(vault, client_id, AuthorizationInput(
        categories=("progress_notes",), description=canary(f"AuthDescription{tag}"), discloser="The practice",
        recipient_name=canary(f"Recipient{tag}"), recipient_address=canary(f"RecipientAddress{tag}"),
        purposes=canary(f"Purpose{tag}"), expiry_event="One year after signing", signer_name=canary(f"Signer{tag}"),
        signed_on=today, states_right_to_revoke=True, states_conditioning=True, states_redisclosure=True))
    court = required.create_court_request(vault, client_id, received_on=today, deadline=today + dt.timedelta(days=14),
                                          data={"court": canary(f"Court{tag}"), "reference": "2026-CV-0001",
                                                "requested_by": "A fictional firm", "requested": "Records of 2026"})
    draft = required.start_emergency_disclosure(vault, client_id, basis="duty_to_warn")
    required.save_emergency_step(vault, client_id, draft.public_id, "risk", {
        "threat": canary(f"Threat{tag}"), "victim": canary(f"Victim{tag}"), "imminence": "soon",
        "means": "None known", "history": ""})
    return {"authorization_id": str(auth.public_id), "request_id": str(court.public_id),
            "disclosure_id": str(draft.public_id)}


def _release_link(person: Person, client_id: str, authorization_id: str) -> packets.IssuedLink:
    vault = vault_of(person)
    packet = packets.create_packet(vault, client_id, authorization_id,
                                   packets.PacketSelection(categories=("progress_notes",)), delivery="link")
    return packets.create_release_link(vault, packet, days=7)


def _prepared(person: Person, client_id: str, tag: str) -> str:
    """An authorization prepared for the client to sign in the portal, with canaries."""
    request = client_side.prepare_authorization(vault_of(person), client_id, AuthorizationInput(
        categories=("progress_notes",), description=canary(f"PreparedDescription{tag}"),
        discloser="The practice", recipient_name=canary(f"PreparedRecipient{tag}"),
        recipient_address=canary(f"PreparedAddress{tag}"), purposes=canary(f"PreparedPurpose{tag}"),
        expiry_event="One year after signing", signer_name=canary(f"PreparedSigner{tag}"), signed_on=None,
        states_right_to_revoke=True,
        states_conditioning=True, states_redisclosure=True))
    return str(request.public_id)


def _portal_account(clinician: Person, client_id: str, email: str, tag: str) -> Person:
    """Invite the client, accept as them, sign the consent document and answer a check-in."""
    issued = portal.invite_client(vault_of(clinician), client_id, email=email)
    account = portal.accept_client_invitation(token=_token(issued.link), email=email, password=PASSWORD)
    vault = portal.client_vault(account, PASSWORD)
    version, _ = portal.read_consent(account)
    portal.sign_consent(vault, account, version_number=version.number, understood=True,
                        typed_name=canary(f"TypedName{tag}"))
    portal.submit_checkin(vault, account, {"comfort": 4, "informed": 4, "trust": 5,
                                           "comment": canary(f"CheckInComment{tag}")})
    return Person(account.user, PASSWORD)


def _measures(clinician: Person, client_id: str, client: Person, tag: str) -> dict[str, str]:
    """Intake answered (a canary in the history), a PHQ-9 answered, a GAD-7 waiting and a client upload."""
    vault = vault_of(clinician)
    account = ClientAccount.objects.get(user=client.user)
    client_vault = portal.client_vault(account, PASSWORD)
    packet = measures.create_packet(vault, name="Intake", consent_text="Read me", history_questions=["History?"],
                                    measures=["phq9"])
    intake, phq9 = measures.send_intake(vault, client_id, packet.public_id)
    measures.submit_intake(client_vault, account, intake.public_id, consent_acknowledged=True, demographics={},
                           history=[canary(f"IntakeAnswer{tag}")])
    answered = measures.submit_measure(client_vault, account, phq9.public_id, [1, 1, 1, 1, 1, 1, 1, 1, 1])
    waiting = measures.send_measure(vault, client_id, kind="gad7")
    content = b"%PDF-1.4 a fictional referral letter"
    portal.upload_document(client_vault, account, filename=f"{canary(f'ClientFile{tag}')}.pdf",
                           stream=io.BytesIO(content), size=len(content))
    return {"assignment_id": str(waiting.public_id), "submission_id": str(answered.public_id)}


def _access_rights(clinician: Person, client: Person, *, fulfil: bool) -> dict[str, str]:
    """A copy of the record delivered (when `fulfil`), a request waiting for review and an amendment request."""
    account = ClientAccount.objects.get(user=client.user)
    vault = portal.client_vault(account, client.password)
    ids: dict[str, str] = {}
    if fulfil:
        done = access_rights.request_copy(vault, account)
        copies = access_rights.fulfil(vault_of(clinician), account.client.public_id, done.public_id)
        ids["copy_id"] = str(next(c for c in copies if c.format == "fhir").public_id)
    waiting = access_rights.request_copy(vault, account)
    amendment = access_rights.request_amendment(vault, account, text=canary(f"Amendment{client.user.pk}"))
    return ids | {"access_request_id": str(waiting.public_id), "amendment_id": str(amendment.public_id)}


def _consultation(bob: Person, client_id: str, consultant: Person) -> str:
    """A de-identified summary of our client, approved and shared with sam (who holds no key of the chart)."""
    vault = vault_of(bob)
    made = consultation.prepare(vault, client_id, question="How would you pace exposure work here?", note_ids=[],
                                plan_sections=[])
    consultation.approve(vault, client_id, made.public_id)
    consultation.share_with(vault, client_id, made.public_id, consultant_id=consultant.user.pk)
    return str(made.public_id)
