"""Services of the care around the notes: episodes of care, appointments and the treatment plan.

What is sealed follows docs/adr/0004-vault-and-client-record.md:
- an episode's opening and closing dates are clear (they order the record); its discharge or
  termination summary is sealed in the clinical scope;
- an appointment's start and length are clear (scheduling without keys); its modality and
  attendance are sealed in the admin scope, so the front desk can schedule and record them;
- the treatment plan (problems, goals, interventions, review date, diagnoses) is sealed whole in
  the clinical scope.

Episodes and the treatment plan are written by the clinicians of the care team (the primary
clinician and clinicians with clinical access); a supervisor with a grant reads them. Anyone
without the scope gets `NotFoundError`, as everywhere in the record.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.db import transaction
from django.utils import timezone

from confide import crypto
from confide.audit.tags import Tag
from confide.jurisdictions.loader import available_codes, normalise_code
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError, StaleVersionError
from confide.records.models import Appointment, CareTeamMember, Client, Episode, TreatmentPlan
from confide.records.sealing import client_in_vault, field_context, open_value, seal_value, staff_membership

Scope = ScopeKeyVersion.Scope

MAX_SUMMARY_CHARS = 20_000
MAX_PLAN_SECTION_CHARS = 10_000
MAX_DIAGNOSES = 20
MAX_DIAGNOSIS_DESCRIPTION = 200
MIN_DURATION, MAX_DURATION = 15, 240
# How far ahead a session may be booked.
MAX_BOOKING_AHEAD = dt.timedelta(days=2 * 366)
# A diagnosis code is free text (ICD-10, ICD-11, DSM-5, SNOMED CT...): no list is built in, only its shape.
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-]{0,19}")
# The clinical day may run a little ahead of the server's date in another time zone.
_DATE_SLACK = dt.timedelta(days=1)

_WRITING_ROLES = (CareTeamMember.Role.PRIMARY, CareTeamMember.Role.CLINICIAN)


def _has_control_characters(text: str, *, multiline: bool) -> bool:
    allowed = "\n\r\t" if multiline else ""
    return any(ord(ch) < 32 and ch not in allowed for ch in text)


def _clean_text(value: object, label: str, limit: int, *, multiline: bool = True) -> str:
    if not isinstance(value, str):
        raise RecordError(f"{label} must be text.")
    text = value.strip()
    if len(text) > limit:
        raise RecordError(f"{label} is longer than {limit:,} characters.")
    if _has_control_characters(text, multiline=multiline):
        raise RecordError(f"{label} contains control characters.")
    return text


def _parse_date(value: dt.date | str, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise RecordError(f"{label} must be a date such as 2026-11-26.")
    if isinstance(value, dt.date):
        parsed = value
    else:
        try:
            parsed = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise RecordError(f"{label} must be a date such as 2026-11-26.") from None
    if parsed.year < 1900:
        raise RecordError(f"{label} must be a real date.")
    return parsed


def _require_clinical_writer(vault: Vault, client: Client) -> None:
    """Episodes and plans are written by the clinicians of the care team, not by supervisors or staff."""
    membership = staff_membership(vault)
    member = CareTeamMember.objects.filter(client=client, user_id=membership.user_id, clinical_access=True).first()
    if member is None:
        raise NotFoundError
    if member.role not in _WRITING_ROLES:
        raise RecordError("Only the clinicians of the care team can change this; supervisors can read it.")


# ----------------------------------------------------------------------------- episodes of care


@dataclass(frozen=True)
class OpenedEpisode:
    """An episode of care. `summary` is None for someone who holds only the admin scope."""

    episode: Episode
    summary: str | None

    @property
    def is_open(self) -> bool:
        return self.episode.closed_on is None


def _episode_context(client: Client, episode: Episode, version: int) -> crypto.SealContext:
    return field_context(client, "episode", str(episode.pk), "summary", version, Scope.CLINICAL)


@transaction.atomic
def open_episode(vault: Vault, client_id: uuid.UUID | str, *, opened_on: dt.date | str) -> Episode:
    """Open an episode of care. Only one may be open at a time, and it starts after the last one closed."""
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    _require_clinical_writer(vault, client)
    opened = _parse_date(opened_on, "The opening date")
    if opened > timezone.localdate() + _DATE_SLACK:
        raise RecordError("The opening date cannot be in the future.")
    # Lock the client so that two people opening an episode at once cannot both succeed.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    episodes = Episode.objects.filter(client=client)
    if episodes.filter(closed_on__isnull=True).exists():
        raise RecordError("An episode of care is already open; close it before opening another.")
    last = episodes.order_by("-closed_on").values_list("closed_on", flat=True).first()
    if last is not None and opened < last:
        raise RecordError("The opening date must be on or after the day the last episode closed.")
    episode = Episode.objects.create(client=client, opened_on=opened)
    audit(vault, Tag.EPISODE_OPENED, client)
    return episode


@transaction.atomic
def close_episode(vault: Vault, client_id: uuid.UUID | str, episode_id: int | str, *, closed_on: dt.date | str,
                  summary: str = "", expected_version: int) -> Episode:
    """Close an episode with an optional discharge or termination summary (sealed, clinical scope)."""
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    _require_clinical_writer(vault, client)
    try:
        pk = int(episode_id)
    except (TypeError, ValueError):
        raise NotFoundError from None
    episode = Episode.objects.select_for_update().filter(pk=pk, client=client).first()
    if episode is None:
        raise NotFoundError
    if episode.closed_on is not None:
        raise RecordError("This episode of care is already closed.")
    if episode.version != expected_version:
        raise StaleVersionError("Someone else changed this episode; reload to see their version.")
    closed = _parse_date(closed_on, "The closing date")
    if closed < episode.opened_on:
        raise RecordError("The closing date cannot be before the opening date.")
    if closed > timezone.localdate() + _DATE_SLACK:
        raise RecordError("The closing date cannot be in the future.")
    text = _clean_text(summary, "The summary", MAX_SUMMARY_CHARS)
    key = vault.current_key(client.pk, Scope.CLINICAL)
    episode.version += 1
    episode.closed_on = closed
    episode.summary = seal_value(key, text, _episode_context(client, episode, episode.version))
    episode.save(update_fields=["closed_on", "summary", "version"])
    audit(vault, Tag.EPISODE_CLOSED, client)
    return episode


def list_episodes(vault: Vault, client_id: uuid.UUID | str) -> list[OpenedEpisode]:
    """The client's episodes of care, newest first. Summaries are opened only for the clinical scope."""
    client = client_in_vault(vault, client_id)
    clinical = vault.holds(client.pk, Scope.CLINICAL)
    result = []
    for episode in Episode.objects.filter(client=client).order_by("-opened_on", "-pk"):
        summary = None
        if clinical and episode.summary is not None:
            summary = open_value(vault, bytes(episode.summary), _episode_context(client, episode, episode.version))
        result.append(OpenedEpisode(episode=episode, summary=summary))
    audit(vault, Tag.EPISODES_LISTED, client)
    return result


# ----------------------------------------------------------------------------- appointments


class Modality:
    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"
    CHOICES = ((IN_PERSON, "In person"), (VIDEO, "Video"), (PHONE, "Phone"))


class Attendance:
    SCHEDULED = "scheduled"
    ATTENDED = "attended"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    LATE_CANCELLED = "late_cancelled"
    CHOICES = ((SCHEDULED, "Scheduled"), (ATTENDED, "Attended"), (CANCELLED, "Cancelled"),
               (NO_SHOW, "No-show"), (LATE_CANCELLED, "Late-cancelled"))
    # What can only be said of a session that has begun.
    AFTER_START = (ATTENDED, NO_SHOW)


@dataclass(frozen=True)
class OpenedAppointment:
    """An appointment with its sealed details opened."""

    appointment: Appointment
    modality: str
    attendance: str
    # The jurisdiction (pack code) the client was in for this session when it differs from the
    # practice's, e.g. a video session with a client travelling in another state; "" means the
    # practice's own. Sealed with the other details (ADR 0015).
    client_location: str = ""

    @property
    def modality_label(self) -> str:
        return dict(Modality.CHOICES).get(self.modality, self.modality)

    @property
    def attendance_label(self) -> str:
        return dict(Attendance.CHOICES).get(self.attendance, self.attendance)

    @property
    def ends_at(self) -> dt.datetime:
        return self.appointment.starts_at + dt.timedelta(minutes=self.appointment.duration_minutes)


def _appointment_context(client: Client, appointment: Appointment, version: int) -> crypto.SealContext:
    return field_context(client, "appointment", str(appointment.public_id), "details", version, Scope.ADMIN)


def clean_client_location(value: str | None) -> str:
    """A client location as a pack code ("" for the practice's own); RecordError if Confide has no such pack."""
    text = (value or "").strip()
    if not text:
        return ""
    code = normalise_code(text)
    if code not in available_codes() or code == "US":
        raise RecordError("The client's location must be a state or country Confide has rules for (e.g. US-NJ, UK).")
    return code


def _clean_appointment(starts_at: dt.datetime | str, duration_minutes: int | str, modality: str,
                       attendance: str) -> tuple[dt.datetime, int]:
    if isinstance(starts_at, str):
        try:
            starts_at = dt.datetime.fromisoformat(starts_at.strip())
        except ValueError:
            raise RecordError("The date and time must look like 2026-11-26 14:00.") from None
    if not isinstance(starts_at, dt.datetime):
        raise RecordError("The date and time must look like 2026-11-26 14:00.")
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    now = timezone.now()
    if starts_at.year < 2000 or starts_at > now + MAX_BOOKING_AHEAD:
        raise RecordError("The date and time must be after 2000 and at most two years ahead.")
    if isinstance(duration_minutes, bool):
        raise RecordError("The duration must be a whole number of minutes.")
    try:
        duration = int(duration_minutes)
    except (TypeError, ValueError):
        raise RecordError("The duration must be a whole number of minutes.") from None
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise RecordError(f"The duration must be between {MIN_DURATION} and {MAX_DURATION} minutes.")
    if modality not in dict(Modality.CHOICES):
        raise RecordError("The modality must be in person, video or phone.")
    if attendance not in dict(Attendance.CHOICES):
        raise RecordError("The attendance must be scheduled, attended, cancelled, no-show or late-cancelled.")
    if attendance in Attendance.AFTER_START and starts_at > now:
        raise RecordError("The attendance can be attended or no-show only once the session has begun.")
    return starts_at, duration


def _check_clinician(client: Client, clinician_id: int | None) -> None:
    if clinician_id is None:
        return
    if not CareTeamMember.objects.filter(client=client, user_id=clinician_id, clinical_access=True,
                                         role__in=_WRITING_ROLES, user__is_active=True).exists():
        raise RecordError("The clinician must be a clinician on this client's care team.")


def default_clinician(vault: Vault, client: Client) -> int | None:
    """Who a session is booked with when nobody is named (see `_default_clinician`)."""
    return _default_clinician(vault, client)


def _default_clinician(vault: Vault, client: Client) -> int | None:
    """The person booking if they treat the client, else the primary clinician."""
    team = dict(CareTeamMember.objects.filter(client=client, clinical_access=True, role__in=_WRITING_ROLES)
                .values_list("user_id", "role"))
    if vault.user_id in team:
        return vault.user_id
    return next((user for user, role in team.items() if role == CareTeamMember.Role.PRIMARY), None)


# Called with (appointment, modality) after a booking or a change, in its transaction: messaging
# keeps the format for reminders of clients who asked for it (records imports nothing of it).
APPOINTMENT_OBSERVERS: list[Callable[[Appointment, str], None]] = []


@transaction.atomic
def create_appointment(vault: Vault, client_id: uuid.UUID | str, *, starts_at: dt.datetime | str,
                       duration_minutes: int | str, modality: str, attendance: str = Attendance.SCHEDULED,
                       clinician_id: int | None = None, client_location: str = "") -> Appointment:
    """Book a session (admin scope: the front desk may). The clinician defaults to the one booking.

    `client_location` is the pack code of where the client is for the session when it differs
    from the practice's jurisdiction ("" when it does not).
    """
    client = client_in_vault(vault, client_id)
    staff_membership(vault)
    starts, duration = _clean_appointment(starts_at, duration_minutes, modality, attendance)
    location = clean_client_location(client_location)
    _check_clinician(client, clinician_id)
    appointment = Appointment(client=client, starts_at=starts, duration_minutes=duration, details=b"",
                              clinician_id=clinician_id if clinician_id is not None
                              else _default_clinician(vault, client))
    key = vault.current_key(client.pk, Scope.ADMIN)
    appointment.details = seal_value(key, _details(modality, attendance, location),
                                _appointment_context(client, appointment, 1))
    _seal_portal_copy(vault, client, appointment, modality)
    appointment.save()
    audit(vault, Tag.APPOINTMENT_CREATED, client)
    for observer in APPOINTMENT_OBSERVERS:
        observer(appointment, modality)
    return appointment


def _get_appointment(client: Client, appointment_id: uuid.UUID | str) -> Appointment:
    try:
        public_id = uuid.UUID(str(appointment_id))
    except ValueError:
        raise NotFoundError from None
    appointment = Appointment.objects.filter(client=client, public_id=public_id).select_related("clinician").first()
    if appointment is None:
        raise NotFoundError
    return appointment


def _opened(vault: Vault, client: Client, appointment: Appointment) -> OpenedAppointment:
    context = _appointment_context(client, appointment, appointment.version)
    details = open_value(vault, bytes(appointment.details), context)
    return OpenedAppointment(appointment=appointment, modality=details["modality"],
                             attendance=details["attendance"], client_location=str(details.get("client_location", "")))


def _portal_context(client: Client, appointment: Appointment, version: int) -> crypto.SealContext:
    return field_context(client, "appointment", str(appointment.public_id), "portal_details", version, Scope.PORTAL)


def _seal_portal_copy(vault: Vault, client: Client, appointment: Appointment, modality: str) -> None:
    """The format again under the portal scope, for the client's portal, when this person holds it."""
    if vault.holds(client.pk, Scope.PORTAL):
        key = vault.current_key(client.pk, Scope.PORTAL)
        appointment.portal_details = seal_value(key, {"modality": modality},
                                                _portal_context(client, appointment, appointment.version))
    else:
        appointment.portal_details = None


def open_portal_format(vault: Vault, client: Client, appointment: Appointment) -> str:
    """The format label of an appointment for the client's portal ("" when it was not shared)."""
    if not appointment.portal_details:
        return ""
    value = open_value(vault, bytes(appointment.portal_details),
                       _portal_context(client, appointment, appointment.version))
    return dict(Modality.CHOICES).get(str(value.get("modality", "")), "")


def overlapping(clinician_id: int | None, starts_at: dt.datetime, duration_minutes: int, *,
                practice_id: int, exclude: uuid.UUID | None = None) -> list[Appointment]:
    """The clinician's other sessions that overlap this time (times only: nothing is opened).

    Start times and lengths are clear for scheduling, so the check needs no key and covers
    every client of the practice, including those the person booking cannot read.
    """
    if clinician_id is None:
        return []
    ends_at = starts_at + dt.timedelta(minutes=duration_minutes)
    window = Appointment.objects.filter(clinician_id=clinician_id, client__practice_id=practice_id,
                                        starts_at__lt=ends_at, starts_at__gt=starts_at - dt.timedelta(hours=12))
    if exclude is not None:
        window = window.exclude(public_id=exclude)
    return [a for a in window.order_by("starts_at")
             if a.starts_at + dt.timedelta(minutes=a.duration_minutes) > starts_at]


def open_appointment_details(vault: Vault, client: Client, appointment: Appointment) -> OpenedAppointment:
    """An appointment's sealed details, for a caller that checked access and audits its own read."""
    return _opened(vault, client, appointment)


def _details(modality: str, attendance: str, location: str) -> dict[str, str]:
    details = {"modality": modality, "attendance": attendance}
    if location:
        details["client_location"] = location
    return details


def latest_client_location(vault: Vault, client: Client) -> tuple[str, Appointment | None]:
    """Where the client was at their latest session that has begun (else their next one): a pack code or "".

    Opens one appointment's sealed details (audited as an appointment read). A key the caller does
    not hold counts as "not recorded".
    """
    now = timezone.now()
    latest = (Appointment.objects.filter(client=client, starts_at__lte=now).order_by("-starts_at").first()
              or Appointment.objects.filter(client=client).order_by("starts_at").first())
    if latest is None:
        return "", None
    try:
        opened = _opened(vault, client, latest)
    except NotFoundError:
        return "", latest
    audit(vault, Tag.APPOINTMENT_READ, client)
    return opened.client_location, latest


def open_appointment(vault: Vault, client_id: uuid.UUID | str,
                     appointment_id: uuid.UUID | str) -> OpenedAppointment:
    """One appointment with its details."""
    client = client_in_vault(vault, client_id)
    opened = _opened(vault, client, _get_appointment(client, appointment_id))
    audit(vault, Tag.APPOINTMENT_READ, client)
    return opened


@transaction.atomic
def update_appointment(vault: Vault, client_id: uuid.UUID | str, appointment_id: uuid.UUID | str, *,
                       starts_at: dt.datetime | str, duration_minutes: int | str, modality: str, attendance: str,
                       expected_version: int, client_location: str = "") -> Appointment:
    """Reschedule a session or record its attendance, if nobody saved in between."""
    client = client_in_vault(vault, client_id)
    staff_membership(vault)
    found = _get_appointment(client, appointment_id)
    locked = Appointment.objects.select_for_update().get(pk=found.pk)
    if locked.version != expected_version:
        raise StaleVersionError("Someone else changed this appointment; reload to see their version.")
    starts, duration = _clean_appointment(starts_at, duration_minutes, modality, attendance)
    location = clean_client_location(client_location)
    key = vault.current_key(client.pk, Scope.ADMIN)
    locked.version += 1
    locked.starts_at, locked.duration_minutes = starts, duration
    locked.details = seal_value(key, _details(modality, attendance, location),
                           _appointment_context(client, locked, locked.version))
    _seal_portal_copy(vault, client, locked, modality)
    locked.save(update_fields=["starts_at", "duration_minutes", "details", "portal_details", "version"])
    audit(vault, Tag.APPOINTMENT_UPDATED, client)
    for observer in APPOINTMENT_OBSERVERS:
        observer(locked, modality)
    return locked


def list_appointments(vault: Vault, client_id: uuid.UUID | str) -> list[OpenedAppointment]:
    """The client's appointments, latest first, with their details (admin scope)."""
    client = client_in_vault(vault, client_id)
    appointments = Appointment.objects.filter(client=client).select_related("clinician").order_by("-starts_at")
    result = [_opened(vault, client, a) for a in appointments]
    audit(vault, Tag.APPOINTMENTS_LISTED, client)
    return result


# ----------------------------------------------------------------------------- treatment plan


@dataclass(frozen=True)
class Diagnosis:
    """A diagnosis as the clinician writes it: a code from whichever classification they use, and words."""

    code: str
    description: str

    def __str__(self) -> str:
        return f"{self.code} {self.description}".strip()


@dataclass(frozen=True)
class PlanContent:
    """What the treatment plan holds (all of it sealed in the clinical scope)."""

    problems: str = ""
    goals: str = ""
    interventions: str = ""
    review_on: str = ""  # ISO date or empty: when the plan is next reviewed or its goals are due
    diagnoses: tuple[Diagnosis, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not (self.problems or self.goals or self.interventions or self.review_on or self.diagnoses)

    @property
    def review_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.review_on) if self.review_on else None

    def clean(self) -> PlanContent:
        """Return a normalised copy, or raise `RecordError` naming the bad field."""
        problems = _clean_text(self.problems, "Problems", MAX_PLAN_SECTION_CHARS)
        goals = _clean_text(self.goals, "Goals", MAX_PLAN_SECTION_CHARS)
        interventions = _clean_text(self.interventions, "Interventions", MAX_PLAN_SECTION_CHARS)
        review_on = ""
        if (self.review_on or "").strip():
            review = _parse_date(self.review_on.strip(), "The review date")
            if review.year > timezone.localdate().year + 10:
                raise RecordError("The review date must be within the next ten years.")
            review_on = review.isoformat()
        if len(self.diagnoses) > MAX_DIAGNOSES:
            raise RecordError(f"Diagnoses: at most {MAX_DIAGNOSES} may be listed.")
        diagnoses = []
        for number, diagnosis in enumerate(self.diagnoses, start=1):
            code = _clean_text(diagnosis.code, f"Diagnoses: the code on line {number}", 20, multiline=False)
            description = _clean_text(diagnosis.description, f"Diagnoses: the description on line {number}",
                                      MAX_DIAGNOSIS_DESCRIPTION, multiline=False)
            if code and not _CODE.fullmatch(code):
                raise RecordError(f"Diagnoses: the code on line {number} may hold letters, digits, dots and "
                                  "hyphens only, such as F41.1.")
            if not description:
                raise RecordError(f"Diagnoses: line {number} needs a description, such as "
                                  "Generalized anxiety disorder.")
            diagnoses.append(Diagnosis(code=code, description=description))
        return PlanContent(problems=problems, goals=goals, interventions=interventions, review_on=review_on,
                           diagnoses=tuple(diagnoses))

    def to_json(self) -> dict[str, object]:
        return asdict(self) | {"diagnoses": [asdict(d) for d in self.diagnoses]}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PlanContent:
        raw = data.get("diagnoses") or []
        diagnoses = tuple(Diagnosis(code=str(d["code"]), description=str(d["description"]))
                          for d in raw if isinstance(d, dict)) if isinstance(raw, list) else ()
        return cls(problems=str(data.get("problems", "")), goals=str(data.get("goals", "")),
                   interventions=str(data.get("interventions", "")), review_on=str(data.get("review_on", "")),
                   diagnoses=diagnoses)


@dataclass(frozen=True)
class OpenedPlan:
    """A treatment plan opened; `plan` is None (and `version` 0) before the first one is saved."""

    plan: TreatmentPlan | None
    content: PlanContent

    @property
    def version(self) -> int:
        return self.plan.version if self.plan is not None else 0


def _plan_context(client: Client, version: int) -> crypto.SealContext:
    return field_context(client, "treatment_plan", str(client.public_id), "content", version, Scope.CLINICAL)


def get_treatment_plan(vault: Vault, client_id: uuid.UUID | str) -> OpenedPlan:
    """The client's treatment plan and diagnoses (clinical scope), or an empty one."""
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    plan = TreatmentPlan.objects.filter(client=client).select_related("updated_by").first()
    content = PlanContent()
    if plan is not None:
        content = PlanContent.from_json(open_value(vault, bytes(plan.content), _plan_context(client, plan.version)))
    audit(vault, Tag.TREATMENT_PLAN_READ, client)
    return OpenedPlan(plan=plan, content=content)


@transaction.atomic
def save_treatment_plan(vault: Vault, client_id: uuid.UUID | str, content: PlanContent, *,
                        expected_version: int) -> TreatmentPlan:
    """Save the treatment plan if nobody saved in between (`expected_version` 0: there was none yet)."""
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    _require_clinical_writer(vault, client)
    clean = content.clean()
    # The client row serialises the first save, when there is no plan row to lock yet.
    Client.objects.select_for_update().filter(pk=client.pk).first()
    plan = TreatmentPlan.objects.select_for_update().filter(client=client).first()
    current = plan.version if plan is not None else 0
    if current != expected_version:
        raise StaleVersionError("Someone else changed this treatment plan; reload to see their version.")
    key = vault.current_key(client.pk, Scope.CLINICAL)
    if plan is None:
        plan = TreatmentPlan(client=client, version=0, content=b"")
    plan.version += 1
    plan.content = seal_value(key, clean.to_json(), _plan_context(client, plan.version))
    plan.updated_at = timezone.now()
    plan.updated_by_id = vault.user_id
    plan.save()
    audit(vault, Tag.TREATMENT_PLAN_UPDATED, client)
    return plan
