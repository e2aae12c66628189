"""Measurement-based care and intake packets: the rules (ADR 0020).

The care team sends forms to the client's portal: an intake packet (consent acknowledgement,
demographics, history questions and the packet's measures) or a single PHQ-9 or GAD-7, once or
on a schedule (`repeat_days`: the next one becomes available that many days after each
completion). The client answers in the portal; the answers, the total, the severity band and the
PHQ-9 item-9 flag are sealed together under the client's portal scope, which the client and their
clinical care team hold, and only they can open them. The chart shows the trend and flags a
positive item 9 with a link to the risk workflow (a risk note, the duty-to-warn and emergency
disclosures); the clinician may share the trend with the client.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.measures.instruments import INSTRUMENTS, Instrument, score
from confide.measures.models import Assignment, IntakePacket, Kind, Submission, TrendShare
from confide.portal.models import ClientAccount, ClinicianNotice
from confide.practice.models import Role
from confide.records import sealing, validation
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import Appointment, CareTeamMember, Client

Scope = ScopeKeyVersion.Scope

MAX_PACKET_NAME = 120
MAX_CONSENT_CHARS = 20_000
MAX_QUESTIONS = 30
MAX_QUESTION_CHARS = 300
MAX_ANSWER_CHARS = 5_000
REPEAT_CHOICES = (7, 14, 28)
INTAKE_FIELDS = ("preferred_name", "pronouns", "date_of_birth", "phone", "emergency_contact")
INTAKE_LABELS = {"preferred_name": "Preferred name", "pronouns": "Pronouns", "date_of_birth": "Date of birth",
                 "phone": "Phone number", "emergency_contact": "Emergency contact"}
MAX_TREND_POINTS = 52


class MeasureError(RecordError):
    """Bad input for a packet, a form sent or a form answered; the message says what to fix."""


# ----------------------------------------------------------------------------- sealing


def _context(client: Client, submission: Submission) -> Any:
    return sealing.field_context(client, "measure_submission", str(submission.public_id), "answers", 1,
                                 Scope.PORTAL)


def _open(vault: Vault, client: Client, submission: Submission) -> dict[str, Any]:
    value = sealing.open_value(vault, bytes(submission.answers), _context(client, submission))
    return value if isinstance(value, dict) else {}


def _client_event(account: ClientAccount, tag: Tag) -> None:
    record_event(tag, actor_id=f"user:{account.user_id}", purpose=PurposeOfUse.PATIENT_REQUEST,
                 outcome=Outcome.SUCCESS, client_id=str(account.client.public_id))


def _clinical_writer(vault: Vault, client_id: uuid.UUID | str) -> Client:
    """The client, if this person is on their care team as a treating clinician (else NotFoundError)."""
    client = sealing.client_in_vault(vault, client_id, Scope.CLINICAL)
    if not CareTeamMember.objects.filter(client=client, user_id=vault.person_id, clinical_access=True,
                                         role__in=(CareTeamMember.Role.PRIMARY, CareTeamMember.Role.CLINICIAN)
                                         ).exists():
        raise NotFoundError
    return client


# ----------------------------------------------------------------------------- intake packets


def _clean_text(value: object, label: str, limit: int, *, required: bool = False) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise MeasureError(f"{label} is required.")
    if len(text) > limit:
        raise MeasureError(f"{label} is longer than {limit} characters.")
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise MeasureError(f"{label} holds characters that cannot be stored.")
    return text


def clean_measures(codes: list[str] | tuple[str, ...]) -> list[str]:
    """The instrument codes, each known and listed once; `MeasureError` otherwise."""
    result: list[str] = []
    for code in codes:
        if code not in INSTRUMENTS:
            raise MeasureError("Choose measures from the list (PHQ-9, GAD-7).")
        if code not in result:
            result.append(code)
    return result


@transaction.atomic
def create_packet(vault: Vault, *, name: str, consent_text: str = "", ask_demographics: bool = True,
                  history_questions: list[str] | tuple[str, ...] = (),
                  measures: list[str] | tuple[str, ...] = ()) -> IntakePacket:
    """Define an intake packet of the practice (owners and clinicians)."""
    actor = sealing.staff_membership(vault)
    if not (actor.role == Role.OWNER or actor.treats_clients):
        raise NotFoundError
    questions = [_clean_text(q, "Each history question", MAX_QUESTION_CHARS) for q in history_questions]
    questions = [q for q in questions if q]
    if len(questions) > MAX_QUESTIONS:
        raise MeasureError(f"A packet holds at most {MAX_QUESTIONS} history questions.")
    packet = IntakePacket.objects.create(
        practice_id=actor.practice_id, name=_clean_text(name, "The packet's name", MAX_PACKET_NAME, required=True),
        consent_text=_clean_text(consent_text, "The consent text", MAX_CONSENT_CHARS),
        ask_demographics=bool(ask_demographics), history_questions=questions, measures=clean_measures(measures),
        created_by_id=vault.user_id)
    if not (packet.consent_text or packet.ask_demographics or packet.history_questions or packet.measures):
        raise MeasureError("A packet needs at least one part: consent, demographics, questions or a measure.")
    return packet


def practice_packets(practice_id: int) -> list[IntakePacket]:
    """The practice's intake packets, by name."""
    return list(IntakePacket.objects.filter(practice_id=practice_id))


def _first_appointment_date(client: Client) -> dt.date | None:
    first = (Appointment.objects.filter(client=client, starts_at__gte=timezone.now()).order_by("starts_at")
             .values_list("starts_at", flat=True).first())
    return timezone.localtime(first).date() if first else None


def _portal_account(client: Client) -> ClientAccount:
    account = ClientAccount.objects.filter(client=client).first()
    if account is None:
        raise MeasureError("Invite the client to the portal first: forms are completed there.")
    return account


@transaction.atomic
def send_intake(vault: Vault, client_id: uuid.UUID | str, packet_id: uuid.UUID | str) -> list[Assignment]:
    """Send an intake packet to the client's portal: its forms, then each of its measures.

    Due before the first upcoming appointment when one is booked.
    """
    client = _clinical_writer(vault, client_id)
    _portal_account(client)
    try:
        packet = IntakePacket.objects.get(public_id=uuid.UUID(str(packet_id)), practice_id=client.practice_id)
    except (ValueError, IntakePacket.DoesNotExist):
        raise MeasureError("Choose one of the practice's intake packets.") from None
    today, due = timezone.localdate(), _first_appointment_date(client)
    made = []
    if packet.consent_text or packet.ask_demographics or packet.history_questions:
        made.append(Assignment.objects.create(client=client, kind=Kind.INTAKE, packet=packet, sent_by_id=vault.user_id,
                                              available_on=today, due_on=due))
    for code in packet.measures:
        made.append(Assignment.objects.create(client=client, kind=code, packet=packet, sent_by_id=vault.user_id,
                                              available_on=today, due_on=due))
    audit(vault, Tag.MEASURE_SENT, client)
    return made


@transaction.atomic
def send_measure(vault: Vault, client_id: uuid.UUID | str, *, kind: str, repeat_days: int | None = None,
                 start_on: dt.date | str | None = None) -> Assignment:
    """Send one PHQ-9 or GAD-7 to the portal, from `start_on` (today by default), optionally repeating."""
    client = _clinical_writer(vault, client_id)
    _portal_account(client)
    if kind not in INSTRUMENTS:
        raise MeasureError("Choose a measure: PHQ-9 or GAD-7.")
    if repeat_days is not None and repeat_days not in REPEAT_CHOICES:
        raise MeasureError("Repeat every 7, 14 or 28 days, or not at all.")
    today = timezone.localdate()
    start = today if start_on in (None, "") else validation.clean_session_date(start_on)
    if start < today or start > today + dt.timedelta(days=366):
        raise MeasureError("Start today or on a date within the next year.")
    if Assignment.objects.filter(client=client, kind=kind, completed_at__isnull=True,
                                 cancelled_at__isnull=True).exists():
        raise MeasureError("This measure is already waiting in the client's portal; stop it first to change it.")
    assignment = Assignment.objects.create(client=client, kind=kind, sent_by_id=vault.user_id, available_on=start,
                                           repeat_days=repeat_days)
    audit(vault, Tag.MEASURE_SENT, client)
    return assignment


@transaction.atomic
def cancel_assignment(vault: Vault, client_id: uuid.UUID | str, assignment_id: uuid.UUID | str) -> None:
    """Stop a form waiting in the portal (and its schedule)."""
    client = _clinical_writer(vault, client_id)
    try:
        assignment = Assignment.objects.select_for_update().get(
            public_id=uuid.UUID(str(assignment_id)), client=client, completed_at__isnull=True,
            cancelled_at__isnull=True)
    except (ValueError, Assignment.DoesNotExist):
        raise NotFoundError from None
    assignment.cancelled_at = timezone.now()
    assignment.save(update_fields=["cancelled_at"])
    audit(vault, Tag.MEASURE_SENT, client)


# ----------------------------------------------------------------------------- the client's side


def open_assignments(account: ClientAccount, *, today: dt.date | None = None) -> list[Assignment]:
    """The forms waiting for the client today (no client data: kinds and dates only)."""
    day = today or timezone.localdate()
    return list(Assignment.objects.filter(client=account.client, completed_at__isnull=True, cancelled_at__isnull=True,
                                          available_on__lte=day).select_related("packet"))


def _client_assignment(account: ClientAccount, assignment_id: uuid.UUID | str) -> Assignment:
    try:
        public_id = uuid.UUID(str(assignment_id))
    except ValueError:
        raise NotFoundError from None
    assignment = (Assignment.objects.select_for_update(of=("self",)).select_related("packet")
                  .filter(public_id=public_id, client=account.client).first())
    if (assignment is None or assignment.completed_at or assignment.cancelled_at
            or assignment.available_on > timezone.localdate()):
        raise NotFoundError
    return assignment


def assignment_for(account: ClientAccount, assignment_id: uuid.UUID | str) -> Assignment:
    """One waiting form of this client (NotFoundError for anything else)."""
    with transaction.atomic():
        return _client_assignment(account, assignment_id)


def _store(vault: Vault, account: ClientAccount, assignment: Assignment, value: dict[str, Any]) -> Submission:
    client = account.client
    submission = Submission(public_id=uuid.uuid4(), client=client, assignment=assignment, kind=assignment.kind)
    submission.answers = sealing.seal_in_scope(vault, client, Scope.PORTAL, value, _context(client, submission))
    submission.save()
    assignment.completed_at = submission.submitted_at
    assignment.save(update_fields=["completed_at"])
    if assignment.repeat_days:
        Assignment.objects.create(client=client, kind=assignment.kind, sent_by_id=assignment.sent_by_id,
                                  available_on=timezone.localdate() + dt.timedelta(days=assignment.repeat_days),
                                  repeat_days=assignment.repeat_days)
    # A generic notice (its text names no form and no score); the chart says the rest.
    for user_id in CareTeamMember.objects.filter(client=client, clinical_access=True, user__is_active=True,
                                                 role__in=(CareTeamMember.Role.PRIMARY, CareTeamMember.Role.CLINICIAN)
                                                 ).values_list("user_id", flat=True):
        ClinicianNotice.objects.create(recipient_id=user_id, client=client, kind=ClinicianNotice.Kind.FORM_COMPLETED)
    return submission


@transaction.atomic
def submit_measure(vault: Vault, account: ClientAccount, assignment_id: uuid.UUID | str,
                   items: list[int]) -> Submission:
    """Score and seal the client's answers to a waiting PHQ-9 or GAD-7."""
    assignment = _client_assignment(account, assignment_id)
    if assignment.kind not in INSTRUMENTS:
        raise NotFoundError
    try:
        result = score(assignment.kind, items)
    except ValueError as exc:
        raise MeasureError(str(exc)) from None
    submission = _store(vault, account, assignment, {
        "items": list(result.items), "total": result.total, "band": result.band, "risk": result.risk_positive})
    _client_event(account, Tag.MEASURE_SUBMITTED)
    return submission


@transaction.atomic
def submit_intake(vault: Vault, account: ClientAccount, assignment_id: uuid.UUID | str, *,
                  consent_acknowledged: bool, demographics: dict[str, str],
                  history: list[str]) -> Submission:
    """Seal the client's intake forms: consent acknowledgement, demographics and history answers."""
    assignment = _client_assignment(account, assignment_id)
    packet = assignment.packet
    if assignment.kind != Kind.INTAKE or packet is None:
        raise NotFoundError
    if packet.consent_text and not consent_acknowledged:
        raise MeasureError("Please confirm that you have read the consent text.")
    cleaned: dict[str, str] = {}
    if packet.ask_demographics:
        for name in INTAKE_FIELDS:
            label = name.replace("_", " ").capitalize()
            limit = 300 if name == "emergency_contact" else 100
            value = _clean_text(demographics.get(name, ""), label, limit)
            cleaned[name] = validation.clean_name(value, label) if name != "emergency_contact" else value
        if cleaned["date_of_birth"]:
            try:
                born = dt.date.fromisoformat(cleaned["date_of_birth"])
            except ValueError:
                raise MeasureError("Date of birth must be a date (YYYY-MM-DD).") from None
            if born > timezone.localdate() or born.year < 1900:
                raise MeasureError("Date of birth must be a real date in the past.")
    questions = list(packet.history_questions)
    if len(history) != len(questions):
        raise MeasureError("Answer the history questions on the form (an answer may be left empty).")
    answers = [_clean_text(a, f"The answer to question {n}", MAX_ANSWER_CHARS) for n, a in enumerate(history, 1)]
    submission = _store(vault, account, assignment, {
        "packet": packet.name, "consent_text": packet.consent_text,
        "consent_acknowledged": bool(consent_acknowledged) if packet.consent_text else None,
        "demographics": cleaned, "history": [{"question": q, "answer": a} for q, a in zip(questions, answers,
                                                                                          strict=True)]})
    _client_event(account, Tag.INTAKE_SUBMITTED)
    return submission


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Point:
    submission: Submission
    total: int
    band: str
    items: tuple[int, ...]
    risk: bool

    @property
    def on(self) -> dt.date:
        return timezone.localtime(self.submission.submitted_at).date()


@dataclass(frozen=True)
class Trend:
    instrument: Instrument
    points: list[Point]

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None


@dataclass(frozen=True)
class OpenedIntake:
    submission: Submission
    answers: dict[str, Any]

    @property
    def demographic_rows(self) -> list[tuple[str, str]]:
        given = self.answers.get("demographics") or {}
        return [(INTAKE_LABELS[name], str(given.get(name, ""))) for name in INTAKE_FIELDS if name in given]


@dataclass(frozen=True)
class Measures:
    """What the chart and the measures page show: a trend per measure, flags, intake answers."""

    trends: list[Trend]
    intakes: list[OpenedIntake]
    flags: list[Point] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.intakes) or any(t.points for t in self.trends)


def _opened(vault: Vault, client: Client, rows: list[Submission]) -> Measures:
    by_code: dict[str, list[Point]] = {code: [] for code in INSTRUMENTS}
    intakes: list[OpenedIntake] = []
    for row in rows:
        value = _open(vault, client, row)
        if row.kind == Kind.INTAKE:
            intakes.append(OpenedIntake(row, value))
        elif row.kind in by_code:
            by_code[row.kind].append(Point(row, int(value["total"]), str(value["band"]),
                                           tuple(int(i) for i in value["items"]), bool(value.get("risk"))))
    trends = [Trend(INSTRUMENTS[code], points[-MAX_TREND_POINTS:]) for code, points in by_code.items()]
    flags = [p for t in trends for p in t.points if p.risk]
    return Measures(trends, intakes, flags)


def chart_measures(vault: Vault, client: Client) -> Measures | None:
    """The client's measures and intake answers for their clinical care team (one query; audited).

    None for someone who does not hold the client's portal key (no portal: nothing to show).
    """
    if not vault.holds(client.pk, Scope.PORTAL):
        return None
    rows = list(Submission.objects.filter(client=client).select_related("reviewed_by"))
    if not rows:
        return Measures([Trend(i, []) for i in INSTRUMENTS.values()], [])
    audit(vault, Tag.MEASURES_READ, client)
    return _opened(vault, client, rows)


def client_measures(vault: Vault, client_id: uuid.UUID | str) -> Measures | None:
    """`chart_measures` for a care-team member with clinical access, by client id."""
    return chart_measures(vault, sealing.client_in_vault(vault, client_id, Scope.CLINICAL))


def waiting_assignments(vault: Vault, client_id: uuid.UUID | str) -> list[Assignment]:
    """Forms sent and not yet completed or stopped, for the care team."""
    client = sealing.client_in_vault(vault, client_id, Scope.CLINICAL)
    return list(Assignment.objects.filter(client=client, completed_at__isnull=True, cancelled_at__isnull=True))


@transaction.atomic
def review(vault: Vault, client_id: uuid.UUID | str, submission_id: uuid.UUID | str) -> Submission:
    """Mark a completed form as reviewed by this clinician (the flag stays, marked as seen)."""
    client = _clinical_writer(vault, client_id)
    try:
        row = Submission.objects.select_for_update().get(public_id=uuid.UUID(str(submission_id)), client=client)
    except (ValueError, Submission.DoesNotExist):
        raise NotFoundError from None
    if row.reviewed_at is None:
        row.reviewed_at, row.reviewed_by_id = timezone.now(), vault.user_id
        row.save(update_fields=["reviewed_at", "reviewed_by"])
        audit(vault, Tag.MEASURE_REVIEWED, client)
    return row


def trend_shared(client: Client) -> bool:
    return TrendShare.objects.filter(client=client, shared=True).exists()


@transaction.atomic
def set_trend_shared(vault: Vault, client_id: uuid.UUID | str, *, shared: bool) -> None:
    """Share the measure trend with the client in the portal, or stop sharing it."""
    client = _clinical_writer(vault, client_id)
    TrendShare.objects.update_or_create(client=client, defaults={
        "shared": shared, "changed_by_id": vault.user_id, "changed_at": timezone.now()})
    audit(vault, Tag.TREND_SHARE_CHANGED, client)


def own_trend(vault: Vault, account: ClientAccount) -> Measures | None:
    """The client's own measure trend, when their clinician shares it (audited as the client's read)."""
    client = account.client
    if not trend_shared(client):
        return None
    rows = list(Submission.objects.filter(client=client).exclude(kind=Kind.INTAKE))
    _client_event(account, Tag.PORTAL_MEASURES_READ)
    opened = _opened(vault, client, rows)
    return Measures(opened.trends, [], [])


# ----------------------------------------------------------------------------- FHIR


def fhir_observations(vault: Vault, client: Client) -> list[dict[str, Any]]:
    """The client's PHQ-9 and GAD-7 totals as FHIR R4 Observation resources (dicts).

    LOINC 44261-6 (PHQ-9 total) and 70274-6 (GAD-7 total), `valueInteger`, `effectiveDateTime`,
    status final, category survey; the severity band as an interpretation text. The subject is
    `Patient/<client public id>`. Opening needs the portal key (the care team's or the client's
    vault); callers audit the export they are part of.
    """
    if not vault.holds(client.pk, Scope.PORTAL):
        return []
    rows = list(Submission.objects.filter(client=client).exclude(kind=Kind.INTAKE))
    result: list[dict[str, Any]] = []
    for trend in _opened(vault, client, rows).trends:
        for point in trend.points:
            result.append({
                "resourceType": "Observation",
                "id": str(point.submission.public_id),
                "status": "final",
                "category": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                    "code": "survey", "display": "Survey"}]}],
                "code": {"coding": [{"system": "http://loinc.org", "code": trend.instrument.loinc,
                                     "display": trend.instrument.loinc_display}],
                         "text": f"{trend.instrument.name} total score"},
                "subject": {"reference": f"Patient/{client.public_id}"},
                "effectiveDateTime": point.submission.submitted_at.isoformat(),
                "valueInteger": point.total,
                "interpretation": [{"text": f"{point.band} ({trend.instrument.source})"}],
            })
    return result
