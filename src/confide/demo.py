"""The fictional demo practice that `confide demo` serves.

Every name here is invented. Passwords are generated per run and printed once.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from confide.accounts.models import User
from confide.disclosures import client_side
from confide.disclosures.authorizations import AuthorizationInput
from confide.keys import services as keys
from confide.keys.vault import Vault, vault_from_password
from confide.measures import services as measures
from confide.measures.models import Submission
from confide.portal import services as portal
from confide.portal.models import ClientInvitation
from confide.practice import services
from confide.practice.models import Membership, Role
from confide.records import care, documents
from confide.records import services as records
from confide.records.models import Client, Note
from confide.records.services import Demographics

_WORDS = (
    "harbour",
    "lantern",
    "meadow",
    "cedar",
    "pebble",
    "orchard",
    "willow",
    "compass",
    "quiet",
    "river",
    "maple",
    "ember",
    "saffron",
    "tundra",
    "violet",
    "garnet",
    "juniper",
    "sparrow",
)


@dataclass(frozen=True)
class DemoPerson:
    role: str
    email: str
    password: str


def _passphrase() -> str:
    return "-".join(secrets.choice(_WORDS) for _ in range(4)) + f"-{secrets.randbelow(90) + 10}"


@transaction.atomic
def seed_demo_practice() -> list[DemoPerson]:
    """Create the demo practice: an owner, a clinician, a supervisor, a front-desk person and their clients."""
    people = [
        DemoPerson("owner", "owner@demo.confide.invalid", _passphrase()),
        DemoPerson("clinician", "clinician@demo.confide.invalid", _passphrase()),
        DemoPerson("supervisor", "supervisor@demo.confide.invalid", _passphrase()),
        DemoPerson("front_desk", "frontdesk@demo.confide.invalid", _passphrase()),
    ]
    owner = services.create_practice(
        name="Quiet Harbour Counselling (demo)",
        jurisdiction="US-CA",
        owner_email=people[0].email,
        owner_password=people[0].password,
        owner_name="Dr. Robin Vale",
        owner_is_clinician=True,  # the owner of the group practice sees clients too
    ).membership
    # The demo must sign in with the printed passwords alone; the banner says MFA is optional here.
    owner.practice.mfa_required = False
    owner.practice.save(update_fields=["mfa_required"])
    names = {"clinician": "Sam Okafor, LMFT", "supervisor": "Dr. Ines Marlow", "front_desk": "Jo Finch"}
    vaults = {"owner": vault_from_password(owner.user_id, owner.practice_id, people[0].password)}
    for person in people[1:]:
        user = User.objects.create_user(email=person.email, password=person.password, display_name=names[person.role])
        Membership.objects.create(practice=owner.practice, user=user, role=Role(person.role))
        keys.provision_user_keys(user.pk, owner.practice_id, person.password)
        vaults[person.role] = vault_from_password(user.pk, owner.practice_id, person.password)
    maggie = _seed_caseload(vaults)
    people.append(_seed_portal_client(vaults["clinician"], maggie))
    people.extend(_seed_solo_practice())
    return people


def _seed_solo_practice() -> list[DemoPerson]:
    """A second, solo practice: its owner is its only clinician (`confide init --owner-is-clinician`).

    Its client has a portal account and has answered a PHQ-9 and a GAD-7 three times.
    """
    person = DemoPerson("solo_owner", "solo@demo.confide.invalid", _passphrase())
    owner = services.create_practice(
        name="Linden Street Therapy (demo, solo)", jurisdiction="US-CA", owner_email=person.email,
        owner_password=person.password, owner_name="Alex Linden, LCSW", owner_is_clinician=True,
    ).membership
    owner.practice.mfa_required = False
    owner.practice.save(update_fields=["mfa_required"])
    vault = vault_from_password(owner.user_id, owner.practice_id, person.password)
    # Registered without naming anyone: the owner, who treats clients, becomes the primary clinician.
    client_id = str(records.create_client(vault, _SOLO_CLIENT).public_id)
    _note(vault, client_id, 6, _SOAP.format(
        s="First session. Low mood and poor sleep since moving cities for work.", o="Video session; engaged.",
        a="Adjustment with depressed mood; risk screen negative.", p="Weekly sessions; activity scheduling."))
    client_person = DemoPerson("solo_client", "wren@demo.confide.invalid", _passphrase())
    client = Client.objects.get(public_id=client_id)
    token = secrets.token_urlsafe(32)
    ClientInvitation.objects.create(client=client, token_hash=portal._token_hash(token), invited_by_id=vault.person_id,
                                    expires_at=timezone.now() + dt.timedelta(hours=1))
    account = portal.accept_client_invitation(token=token, email=client_person.email, password=client_person.password)
    client_vault = portal.client_vault(account, client_person.password)
    version, _ = portal.read_consent(account)
    portal.sign_consent(client_vault, account, version_number=version.number, understood=True,
                        typed_name="Wren Calloway")
    # Staff vaults made before the portal existed do not know its key yet: open a fresh one.
    vault = vault_from_password(owner.user_id, owner.practice_id, person.password)
    answers = {"phq9": ([2, 2, 2, 1, 2, 1, 1, 1, 0], [1, 2, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 1, 0, 1, 0, 0]),
               "gad7": ([2, 2, 2, 1, 1, 1, 1], [1, 2, 1, 1, 1, 1, 1], [1, 1, 1, 0, 1, 0, 0])}
    for code, rounds in answers.items():
        for weeks_ago, items in zip((4, 2, 0), rounds, strict=True):
            assignment = measures.send_measure(vault, client_id, kind=code)
            submission = measures.submit_measure(client_vault, account, assignment.public_id, items)
            Submission.objects.filter(pk=submission.pk).update(
                submitted_at=timezone.now() - dt.timedelta(weeks=weeks_ago, hours=1))
    measures.set_trend_shared(vault, client_id, shared=True)
    return [person, client_person]


# ----------------------------------------------------------------------------- fictional clients

_SOAP = """Subjective: {s}

Objective: {o}

Assessment: {a}

Plan: {p}
"""

_DAP = """Data: {d}

Assessment: {a}

Plan: {p}
"""

_CLIENTS = (
    Demographics(given_name="Margit", family_name="Lindqvist-Amare", preferred_name="Maggie", pronouns="she/her",
                 date_of_birth="1991-06-02", email="maggie.la@example.invalid", phone="+1 555 0142",
                 emergency_contact="Tomas Amare (partner), +1 555 0143"),
    Demographics(given_name="Theodore", family_name="Brightwater", pronouns="he/him", date_of_birth="1984-11-19",
                 email="t.brightwater@example.invalid", phone="+1 555 0177",
                 emergency_contact="Ruth Brightwater (sister), +1 555 0178"),
    Demographics(given_name="Priyanka", family_name="Oduya-Castell", preferred_name="Pri", pronouns="she/they",
                 date_of_birth="2002-03-27", email="pri.oc@example.invalid", phone="+1 555 0119"),
    Demographics(given_name="Aster", family_name="Vellacourt", pronouns="they/them", date_of_birth="1976-08-08",
                 email="aster.v@example.invalid", phone="+1 555 0190",
                 emergency_contact="Noor Vellacourt (spouse), +1 555 0191"),
    Demographics(given_name="Casimir", family_name="Dunmore", pronouns="he/him", date_of_birth="1958-01-30",
                 phone="+1 555 0105"),
)


_SOLO_CLIENT = Demographics(given_name="Wren", family_name="Calloway", pronouns="she/her",
                            date_of_birth="1991-11-02", email="wren.c@example.invalid", phone="+1 555 0142")


def _note(vault: Vault, client_id: str, days_ago: int, body: str, *, template: str = "soap",
          kind: str = "progress", sign: bool = True, late: bool = False) -> None:
    """A note; a progress note documents an attended appointment, signed an hour after it (or late)."""
    if kind != "progress":
        records.create_note(vault, client_id, kind=kind, template=template, body=body, sign=sign,
                            session_date=timezone.localdate() - dt.timedelta(days=days_ago))
        return
    starts = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) - dt.timedelta(days=days_ago)
    if starts > timezone.now() - dt.timedelta(hours=1):
        starts = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(hours=2)
    appointment = care.create_appointment(vault, client_id, starts_at=starts, duration_minutes=50,
                                          modality="in_person", attendance="attended")
    note = records.create_note(vault, client_id, kind=kind, template=template, body=body, sign=sign,
                               session_date=None, appointment_id=appointment.public_id)
    if sign and not late:
        # Written and signed the same day, as notes should be (the demo is seeded all at once).
        Note.objects.filter(pk=note.pk).update(signed_at=starts + dt.timedelta(minutes=110))


def _seed_caseload(vaults: dict[str, Vault]) -> str:
    """Fictional clients with signed notes, a draft, a psychotherapy note, a document and a supervisor.

    Returns the id of the client who gets a portal account.
    """
    sam, owner = vaults["clinician"], vaults["owner"]
    # Sam registers three clients of his own; the owner, who also sees clients, takes two.
    maggie, theo, pri = (str(records.create_client(sam, d).public_id) for d in _CLIENTS[:3])
    aster, casimir = (str(records.create_client(owner, d, primary_clinician_id=owner.user_id).public_id)
                      for d in _CLIENTS[3:])
    _note(sam, maggie, 21, _SOAP.format(
        s="Intake follow-up. Reports worry 'most of the day' about work deadlines, sleep 5-6 hours. GAD-7: 14.",
        o="On time, video session from home (confirmed private). Speech rapid at first, settled after 10 minutes.",
        a="Generalised anxiety, moderate. No risk indicators; denies thoughts of self-harm.",
        p="Psychoeducation on the worry cycle. Worry log daily. Weekly sessions, 50 minutes."))
    _note(sam, maggie, 14, _SOAP.format(
        s="Kept the worry log 5 of 7 days. Noticed worry peaks on Sunday evenings.",
        o="Brought the log, engaged, some tearfulness when discussing her mother's illness.",
        a="Good engagement; avoidance of family topics. Progress toward goal 1 (name worry triggers).",
        p="Introduce scheduled worry time. Explore family stressors next session."))
    _note(sam, maggie, 7, _SOAP.format(
        s="Scheduled worry time 'helped a bit'. Sleep 6-7 hours. Work conflict with a manager this week.",
        o="Calmer presentation, in person. GAD-7: 10.",
        a="Symptoms reducing (GAD-7 14 to 10). Risk screen negative.",
        p="Assertive communication role-play next session; continue worry time."))
    _note(sam, maggie, 7, "Strong pull to reassure her when she spoke of her mother; notice my own history here. "
          "Hypothesis: worry as a way to stay close to a mother she fears losing. Take to supervision "
          "without identifying details.", template="free", kind="psychotherapy")
    _note(sam, maggie, 0, _SOAP.format(s="Role-played the conversation with her manager.", o="", a="", p=""),
          sign=False)
    records.grant_access(sam, maggie, user_id=vaults["supervisor"].person_id, role="supervisor", clinical=True)
    documents.upload_document(sam, maggie, filename="consent-to-treatment-signed.txt", size=len(_CONSENT),
                              stream=io.BytesIO(_CONSENT))

    _note(sam, theo, 10, _DAP.format(
        d="Second session. Low mood since separation in spring; stopped running; PHQ-9: 16.",
        a="Moderate depressive episode. Passive thoughts of 'not waking up' two weeks ago, none since; no plan, "
          "no intent; protective factors: his daughter, his sister. Safety plan written together.",
        p="Behavioural activation: two short runs this week. Review safety plan each session."), template="dap",
        late=True)
    _note(sam, theo, 3, _DAP.format(
        d="Ran twice. Spent Saturday with his daughter. PHQ-9: 13.",
        a="Mood improving with activation. Denies suicidal thoughts; safety plan reviewed.",
        p="Add one social contact per week. Continue weekly."), template="dap")

    _note(sam, pri, 5, "Behavior: Arrived late, apologetic; described panic on the train.\n\n"
          "Intervention: Paced breathing; interoceptive exposure explained.\n\n"
          "Response: Breathing slowed; agreed to practise twice daily.\n\n"
          "Plan: Graded exposure hierarchy next session.\n", template="birp")

    _note(owner, aster, 12, _SOAP.format(
        s="Grief after the death of their father in March; difficulty returning to work.",
        o="Composed, reflective, low energy.", a="Adjustment disorder with depressed mood; no risk indicators.",
        p="Fortnightly sessions; grief-focused work."))
    _note(owner, casimir, 2, _SOAP.format(
        s="Retired in January; reports loss of purpose and irritability at home.", o="Telephone session.",
        a="Adjustment to retirement; no risk indicators.", p="Values exploration; invite spouse to one session."))
    return maggie


def _seed_portal_client(sam: Vault, client_id: str) -> DemoPerson:
    """Give Maggie a portal account with a signed consent, a check-in and an authorization waiting for her.

    The invitation is stored directly rather than e-mailed, so the demo prints no mail; from there on
    the client's side goes through the same services as a real client's.
    """
    person = DemoPerson("client", "maggie@demo.confide.invalid", _passphrase())
    client = Client.objects.get(public_id=client_id)
    token = secrets.token_urlsafe(32)
    ClientInvitation.objects.create(client=client, token_hash=portal._token_hash(token), invited_by_id=sam.person_id,
                                    expires_at=timezone.now() + dt.timedelta(hours=1))
    account = portal.accept_client_invitation(token=token, email=person.email, password=person.password)
    vault = portal.client_vault(account, person.password)
    version, _ = portal.read_consent(account)
    portal.sign_consent(vault, account, version_number=version.number, understood=True,
                        typed_name="Margit Lindqvist-Amare")
    portal.submit_checkin(vault, account, {"comfort": 4, "informed": 3, "trust": 4,
                                           "comment": "I would like to know who else can read my notes."})
    client_side.prepare_authorization(sam, client_id, AuthorizationInput(
        categories=("treatment_plan",), description="The current treatment plan and diagnoses",
        discloser="Sam Okafor, LMFT, Quiet Harbour Counselling", recipient_name="Dr. Lena Marsh (primary care)",
        recipient_address="4 Orchard Lane, Springfield (fictional)",
        purposes="Coordination of care at the request of the client",
        expires_on=timezone.localdate() + dt.timedelta(days=365), signer_name="Margit Lindqvist-Amare"))
    return person


_CONSENT = (b"Consent to treatment (fictional demo document)\n\n"
            b"The client has read the practice policies, including the limits of confidentiality, "
            b"and agrees to begin therapy.\n\nSigned electronically at intake.\n")
