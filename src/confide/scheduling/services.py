"""The calendar (issue 15): a day or a week of sessions, availability, and the client's upcoming sessions.

A calendar shows the sessions of the clients whose admin scope this person holds (front desk
and owners: every client; a clinician: their care team's), with the client's name opened from
the sealed demographics, the clinician, the time and the format. Every client shown gets an
audit event (`record:calendar:read`), as a caseload does. The portal shows the client their own
upcoming sessions: the time from the clear schedule and the format from its portal copy.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.portal.models import ClientAccount
from confide.practice.models import Membership
from confide.practice.services import treating_clinicians
from confide.records import care, sealing
from confide.records import services as records
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import Appointment, Client
from confide.scheduling.models import Availability

Scope = ScopeKeyVersion.Scope
MAX_BLOCKS = 21


@dataclass(frozen=True)
class Slot:
    appointment: Appointment
    client: Client
    client_name: str
    modality: str
    attendance: str
    clinician_name: str
    overlaps: bool

    @property
    def ends_at(self) -> dt.datetime:
        return self.appointment.starts_at + dt.timedelta(minutes=self.appointment.duration_minutes)


@dataclass(frozen=True)
class Day:
    date: dt.date
    slots: list[Slot]
    available: list[tuple[dt.time, dt.time]]


def _bounds(first: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=days)


def calendar(vault: Vault, first: dt.date, days: int, *, clinician_id: int | None = None) -> list[Day]:
    """`days` days of sessions from `first` (1 for a day view, 7 for a week), optionally one clinician's.

    Only clients whose admin key this person holds appear; each appears in the audit log once.
    """
    if days not in (1, 7):
        raise RecordError("Show one day or one week.")
    membership = sealing.staff_membership(vault)
    start, end = _bounds(first, days)
    rows = Appointment.objects.filter(client__practice_id=membership.practice_id, starts_at__gte=start,
                                      starts_at__lt=end).select_related("client", "clinician").order_by("starts_at")
    if clinician_id is not None:
        rows = rows.filter(clinician_id=clinician_id)
    by_day: dict[dt.date, list[Slot]] = defaultdict(list)
    names: dict[int, str] = {}
    shown: dict[int, Client] = {}
    appointments = [a for a in rows if vault.holds(a.client_id, Scope.ADMIN)]
    for a in appointments:
        if a.client_id not in names:
            names[a.client_id] = records.open_demographics(vault, a.client).display_name
            shown[a.client_id] = a.client
        details = care.open_appointment_details(vault, a.client, a)
        overlaps = any(o.pk != a.pk and o.clinician_id == a.clinician_id and a.clinician_id is not None
                       and o.starts_at < a.starts_at + dt.timedelta(minutes=a.duration_minutes)
                       and a.starts_at < o.starts_at + dt.timedelta(minutes=o.duration_minutes) for o in appointments)
        clinician = a.clinician.display_name or a.clinician.email if a.clinician else "No clinician"
        by_day[timezone.localtime(a.starts_at).date()].append(Slot(
            a, a.client, names[a.client_id], details.modality_label, details.attendance_label, clinician, overlaps))
    for client in shown.values():
        audit(vault, Tag.CALENDAR_READ, client)
    hours = Availability.objects.filter(user__membership__practice_id=membership.practice_id)
    if clinician_id is not None:
        hours = hours.filter(user_id=clinician_id)
    blocks: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for block in hours:
        blocks[block.weekday].append((block.starts, block.ends))
    return [Day(first + dt.timedelta(days=n), by_day.get(first + dt.timedelta(days=n), []),
                blocks.get((first + dt.timedelta(days=n)).weekday(), [])) for n in range(days)]


def availability(user_id: int) -> list[Availability]:
    return list(Availability.objects.filter(user_id=user_id))


@transaction.atomic
def set_availability(vault: Vault, blocks: list[tuple[int, dt.time, dt.time]]) -> list[Availability]:
    """Replace this clinician's weekly hours; `RecordError` for a block that ends before it starts."""
    membership = sealing.staff_membership(vault)
    if not membership.treats_clients:
        raise NotFoundError
    if len(blocks) > MAX_BLOCKS:
        raise RecordError(f"At most {MAX_BLOCKS} blocks a week.")
    for weekday, starts, ends in blocks:
        if not 0 <= weekday <= 6:
            raise RecordError("Choose a day of the week.")
        if ends <= starts:
            raise RecordError("Each block must end after it starts.")
    Availability.objects.filter(user_id=membership.user_id).delete()
    return [Availability.objects.create(user_id=membership.user_id, weekday=w, starts=s, ends=e) for w, s, e in blocks]


def outside_availability(clinician_id: int | None, starts_at: dt.datetime, duration_minutes: int) -> bool:
    """True when the clinician set weekly hours and this session falls outside them."""
    if clinician_id is None:
        return False
    hours = list(Availability.objects.filter(user_id=clinician_id))
    if not hours:
        return False
    local = timezone.localtime(starts_at)
    end = (local + dt.timedelta(minutes=duration_minutes)).time()
    return not any(h.weekday == local.weekday() and h.starts <= local.time() and end <= h.ends for h in hours)


def clinicians_of(practice_id: int) -> list[Membership]:
    """Whose calendar can be shown: the practice's treating clinicians."""
    return treating_clinicians(practice_id)


@dataclass(frozen=True)
class Upcoming:
    starts_at: dt.datetime
    duration_minutes: int
    format: str


def upcoming_for_client(vault: Vault, account: ClientAccount, *, limit: int = 10) -> list[Upcoming]:
    """The client's own upcoming sessions: time and format only (audited as the client's read)."""
    client = account.client
    rows = list(Appointment.objects.filter(client=client, starts_at__gte=timezone.now()).order_by("starts_at")[:limit])
    record_event(Tag.PORTAL_APPOINTMENTS_READ, actor_id=f"user:{account.user_id}",
                 purpose=PurposeOfUse.PATIENT_REQUEST, outcome=Outcome.SUCCESS, client_id=str(client.public_id))
    return [Upcoming(a.starts_at, a.duration_minutes, care.open_portal_format(vault, client, a)) for a in rows]
