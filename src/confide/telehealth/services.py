"""The rules of video sessions: who may enter, the privacy check, the waiting room, signalling.

Media never reaches Confide: the two browsers connect to each other (or through the practice's
TURN relay, which sees only DTLS-SRTP ciphertext). Confide carries only the signalling, stored in
the database so that any app process can answer any request, sealed under the client's portal
scope key (ADR 0021). A session's two people are the appointment's clinician (who must be on the
care team with clinical access, so holding the portal key) and its client; everyone else gets
`NotFoundError`, like any record they may not see.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from confide import crypto
from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.jurisdictions import PackError, load_pack
from confide.jurisdictions.loader import available_codes
from confide.keys.vault import Vault
from confide.messaging import crisis
from confide.portal.models import ClientAccount
from confide.records import care, sealing
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import Appointment, CareTeamMember, Client
from confide.telehealth.models import PrivacyCheck, Side, Signal, VideoSession

PORTAL = crypto.Scope.PORTAL
# The room opens this long before the appointment and stays open this long after its end.
OPENS_BEFORE = dt.timedelta(minutes=30)
STAYS_OPEN_AFTER = dt.timedelta(minutes=60)
# A side that has not polled for this long is shown as gone (a closed tab, a lost connection).
PRESENCE_TIMEOUT = dt.timedelta(seconds=15)
# Bounds on what the signalling carries: an SDP is a few kilobytes, a candidate a line.
MAX_DESCRIPTION_BYTES = 16 * 1024
MAX_CANDIDATE_BYTES = 1024
MAX_SIGNALS_PER_ROUND = 200
MAX_NOTE_CHARS = 200
SIGNAL_KINDS = ("offer", "answer", "candidate")


class TelehealthError(RecordError):
    """A request that cannot be done as given (outside the session's window, a bad signal, ...)."""


class StaleRoundError(TelehealthError):
    """A signal for a round of negotiation that is over: the sender starts again."""


# ----------------------------------------------------------------------------- the room


def note_modality(appointment: Appointment, modality: str) -> None:
    """After a booking or a change: an appointment booked as video has a room; one changed away has it closed."""
    if modality == care.Modality.VIDEO:
        session, created = VideoSession.objects.get_or_create(appointment=appointment,
                                                              defaults={"client": appointment.client})
        if not created and not session.open:
            VideoSession.objects.filter(pk=session.pk).update(open=True)
    else:
        VideoSession.objects.filter(appointment=appointment).update(open=False)


def staff_session(vault: Vault, client_id: uuid.UUID | str, appointment_id: uuid.UUID | str) -> VideoSession:
    """The room of an appointment, for its clinician only (care team, clinical access, holding the portal key)."""
    sealing.staff_membership(vault)
    client = sealing.client_in_vault(vault, client_id, PORTAL)
    try:
        session = _session_of(client, appointment_id)
    except NotFoundError:
        session = _room_of_earlier_booking(vault, client, appointment_id)
    appointment = session.appointment
    if appointment.clinician_id is None or appointment.clinician_id != vault.user_id:
        raise NotFoundError
    if not CareTeamMember.objects.filter(client=client, user_id=vault.user_id, clinical_access=True,
                                         user__is_active=True).exists():
        raise NotFoundError
    return session


def _room_of_earlier_booking(vault: Vault, client: Client, appointment_id: uuid.UUID | str) -> VideoSession:
    """A video appointment booked before this context existed has no room yet: its clinician opens one."""
    opened = care.open_appointment(vault, client.public_id, appointment_id)
    appointment = opened.appointment
    if (opened.modality != care.Modality.VIDEO or appointment.clinician_id != vault.user_id
            or VideoSession.objects.filter(appointment=appointment).exists()):
        raise NotFoundError
    return VideoSession.objects.create(appointment=appointment, client=client)


def client_session(account: ClientAccount, appointment_id: uuid.UUID | str) -> VideoSession:
    """The room of one of the signed-in client's own video appointments."""
    return _session_of(account.client, appointment_id)


def _session_of(client: Client, appointment_id: uuid.UUID | str) -> VideoSession:
    try:
        public_id = uuid.UUID(str(appointment_id))
    except ValueError:
        raise NotFoundError from None
    session = (VideoSession.objects.select_related("appointment", "client")
               .filter(client=client, appointment__client=client, appointment__public_id=public_id, open=True)
               .first())
    if session is None:
        raise NotFoundError
    return session


def client_sessions(account: ClientAccount) -> list[VideoSession]:
    """The client's video sessions that have not ended and whose window has not closed, soonest first."""
    now = timezone.now()
    sessions = (VideoSession.objects.select_related("appointment")
                .filter(client=account.client, open=True, ended_at__isnull=True,
                        appointment__starts_at__gte=now - dt.timedelta(hours=6))
                .order_by("appointment__starts_at"))
    return [s for s in sessions if window(s)[1] >= now]


def window(session: VideoSession) -> tuple[dt.datetime, dt.datetime]:
    """When the room of a session is open: from 30 minutes before to an hour after the appointment."""
    starts = session.appointment.starts_at
    ends = starts + dt.timedelta(minutes=session.appointment.duration_minutes)
    return starts - OPENS_BEFORE, ends + STAYS_OPEN_AFTER


def room_problem(session: VideoSession, now: dt.datetime | None = None) -> str:
    """Why the room cannot be entered now, in words ("" when it can)."""
    now = now or timezone.now()
    opens, closes = window(session)
    if session.ended_at is not None:
        return "This video session has ended."
    if now < opens:
        return "The room opens 30 minutes before the session starts."
    if now > closes:
        return "This session's room has closed."
    return ""


def _event(session: VideoSession, tag: Tag, side: str, vault: Vault, account: ClientAccount | None) -> None:
    if side == Side.CLIENT:
        if account is None:
            raise ValueError("a client's event needs the client's account")
        record_event(tag, actor_id=f"user:{account.user_id}", purpose=PurposeOfUse.PATIENT_REQUEST,
                     outcome=Outcome.SUCCESS, client_id=str(session.client.public_id))
    else:
        audit(vault, tag, session.client)


def room_opened(vault: Vault, session: VideoSession) -> None:
    """The clinician opened the room's page (logged: the page is about this client's session)."""
    audit(vault, Tag.VIDEO_ROOM_OPENED, session.client)


# ----------------------------------------------------------------------------- the privacy check


@dataclass(frozen=True)
class PrivacyAnswers:
    """One side's privacy check. `location` and `emergency_contact` are the client's only."""

    private_space: bool
    headphones: bool
    alone: bool
    others_note: str = ""
    relay_only: bool = False
    location: str = ""
    emergency_contact: str = ""


@dataclass(frozen=True)
class Resource:
    name: str
    call: str
    text: str | None
    emergency: str
    source_url: str
    status: str


@dataclass(frozen=True)
class ClientCheck:
    """The client's privacy check as the clinician sees it, with the rules of where the client is."""

    answers: PrivacyAnswers
    location_name: str
    duty_to_warn: dict[str, Any] | None
    resources: Resource | None

    def as_dict(self) -> dict[str, Any]:
        return {"answers": asdict(self.answers), "location_name": self.location_name,
                "duty_to_warn": self.duty_to_warn,
                "resources": asdict(self.resources) if self.resources else None}


def location_choices() -> list[tuple[str, str]]:
    """The places a client may say they are: every state or country Confide has a pack for."""
    choices = []
    for code in available_codes():
        if code == "US":
            continue  # a state is needed: the rules that matter are the state's
        try:
            choices.append((code, load_pack(code).name))
        except PackError:
            continue
    return sorted(choices, key=lambda item: item[1])


def _clean_note(value: str, label: str) -> str:
    text = (value or "").strip()
    if len(text) > MAX_NOTE_CHARS:
        raise TelehealthError(f"{label} may be at most {MAX_NOTE_CHARS} characters.")
    if any(ord(ch) < 32 for ch in text):
        raise TelehealthError(f"{label} contains control characters.")
    return text


def clean_answers(side: str, answers: PrivacyAnswers) -> PrivacyAnswers:
    """The answers with their text checked; TelehealthError names what is missing or wrong."""
    others = _clean_note(answers.others_note, "Who else is there")
    if not answers.alone and not others:
        raise TelehealthError("Say who else is in the room (for example, \u201ca child asleep next door\u201d).")
    if side == Side.CLINICIAN:
        return PrivacyAnswers(private_space=answers.private_space, headphones=answers.headphones,
                              alone=answers.alone, others_note=others, relay_only=answers.relay_only)
    try:
        location = care.clean_client_location(answers.location)
    except RecordError as exc:
        raise TelehealthError(str(exc)) from None
    if not location:
        raise TelehealthError("Say where you are for this session (the state or country).")
    contact = _clean_note(answers.emergency_contact, "The emergency contact")
    if not contact:
        raise TelehealthError("Give an emergency contact for this session (a name and a phone number).")
    return PrivacyAnswers(private_space=answers.private_space, headphones=answers.headphones, alone=answers.alone,
                          others_note=others, relay_only=answers.relay_only, location=location,
                          emergency_contact=contact)


def _check_context(session: VideoSession, side: str, version: int) -> crypto.SealContext:
    return sealing.field_context(session.client, "video-privacy-check", f"{session.public_id}/{side}", "answers",
                                 version, PORTAL)


@transaction.atomic
def record_privacy_check(vault: Vault, session: VideoSession, side: str, answers: PrivacyAnswers, *,
                         account: ClientAccount | None = None) -> PrivacyCheck:
    """Seal one side's answers (replacing earlier ones for this session) and log it."""
    if VideoSession.objects.filter(pk=session.pk, ended_at__isnull=False).exists():
        raise TelehealthError("This video session has ended.")
    cleaned = clean_answers(side, answers)
    existing = PrivacyCheck.objects.select_for_update().filter(session=session, side=side).first()
    check = existing or PrivacyCheck(session=session, side=side, answers=b"", version=0)
    check.version += 1
    check.answers = sealing.seal_in_scope(vault, session.client, PORTAL, asdict(cleaned),
                                          _check_context(session, side, check.version))
    check.created_at = timezone.now()
    check.save()
    _event(session, Tag.VIDEO_PRIVACY_CHECK_RECORDED, side, vault, account)
    return check


def has_privacy_check(session: VideoSession, side: str) -> bool:
    return PrivacyCheck.objects.filter(session=session, side=side).exists()


def open_privacy_check(vault: Vault, session: VideoSession, side: str) -> PrivacyAnswers | None:
    """One side's answers (None if not given). Not logged: the caller logs what it shows."""
    check = PrivacyCheck.objects.filter(session=session, side=side).first()
    if check is None:
        return None
    opened = sealing.open_value(vault, bytes(check.answers), _check_context(session, side, check.version))
    return PrivacyAnswers(**opened)


def client_check_for_clinician(vault: Vault, session: VideoSession) -> ClientCheck | None:
    """The client's answers with the duty-to-warn rule and emergency resources of where they are (logged)."""
    answers = open_privacy_check(vault, session, Side.CLIENT)
    if answers is None:
        return None
    audit(vault, Tag.VIDEO_PRIVACY_CHECK_READ, session.client)
    try:
        pack = load_pack(answers.location)
    except PackError:
        return ClientCheck(answers=answers, location_name=answers.location, duty_to_warn=None, resources=None)
    rule = pack.first("duty_to_warn")
    duty = None
    if rule is not None:
        duty = {"title": rule.title, "summary": rule.summary, "citation": rule.citation,
                "source_url": rule.source_url, "status": rule.status_text, "pack": rule.pack_code}
    line = crisis.crisis_line(pack.code)
    resources = Resource(name=line.name, call=line.call, text=line.text, emergency=line.emergency,
                         source_url=line.source_url, status=line.status) if line else None
    return ClientCheck(answers=answers, location_name=pack.name, duty_to_warn=duty, resources=resources)


def _record_location(vault: Vault, session: VideoSession, location: str) -> None:
    """Write the client's location into the appointment, where duty-to-warn looks for it (ADR 0015)."""
    opened = care.open_appointment(vault, session.client.public_id, session.appointment.public_id)
    if opened.client_location == location:
        return
    appointment = opened.appointment
    care.update_appointment(vault, session.client.public_id, appointment.public_id,
                            starts_at=appointment.starts_at, duration_minutes=appointment.duration_minutes,
                            modality=opened.modality, attendance=opened.attendance,
                            expected_version=appointment.version, client_location=location)


# ----------------------------------------------------------------------------- presence and the waiting room


def _locked(session: VideoSession) -> VideoSession:
    return VideoSession.objects.select_for_update().select_related("appointment", "client").get(pk=session.pk)


def _next_round(session: VideoSession) -> None:
    session.generation += 1
    Signal.objects.filter(session=session, generation__lt=session.generation).delete()


@transaction.atomic
def join(vault: Vault, session: VideoSession, side: str, *, account: ClientAccount | None = None) -> VideoSession:
    """Enter the room (or re-enter it after leaving). The client waits until admitted once."""
    locked = _locked(session)
    problem = room_problem(locked)
    if problem:
        raise TelehealthError(problem)
    if not has_privacy_check(locked, side):
        raise TelehealthError("Answer the privacy check first.")
    now = timezone.now()
    if side == Side.CLINICIAN:
        locked.clinician_left, locked.clinician_seen_at = False, now
    else:
        locked.client_left, locked.client_seen_at = False, now
        if locked.admitted_at is None and locked.client_waiting_since is None:
            locked.client_waiting_since = now
    _next_round(locked)
    locked.save()
    _event(locked, Tag.VIDEO_JOINED, side, vault, account)
    return locked


@transaction.atomic
def admit(vault: Vault, session: VideoSession) -> VideoSession:
    """The clinician lets the waiting client in; the client's location goes into the appointment."""
    locked = _locked(session)
    if locked.ended_at is not None:
        raise TelehealthError("This video session has ended.")
    if locked.client_left or locked.client_waiting_since is None:
        raise TelehealthError("The client is not in the waiting room.")
    if not has_privacy_check(locked, Side.CLINICIAN):
        raise TelehealthError("Answer your privacy check first.")
    answers = open_privacy_check(vault, locked, Side.CLIENT)
    if answers is None:
        raise TelehealthError("The client has not answered the privacy check yet.")
    _record_location(vault, locked, answers.location)
    locked.admitted_at = timezone.now()
    locked.client_waiting_since = None
    _next_round(locked)
    locked.save()
    audit(vault, Tag.VIDEO_CLIENT_ADMITTED, locked.client)
    return locked


@transaction.atomic
def leave(vault: Vault, session: VideoSession, side: str, *, account: ClientAccount | None = None) -> VideoSession:
    """Leave the room; either side may come back while the room is open."""
    locked = _locked(session)
    if side == Side.CLINICIAN:
        locked.clinician_left = True
    else:
        locked.client_left = True
        locked.client_waiting_since = None
    _next_round(locked)
    locked.save()
    _event(locked, Tag.VIDEO_LEFT, side, vault, account)
    return locked


@transaction.atomic
def end(vault: Vault, session: VideoSession) -> VideoSession:
    """The clinician ends the session for both; its signalling is deleted."""
    locked = _locked(session)
    if locked.ended_at is None:
        locked.ended_at = timezone.now()
        locked.clinician_left = locked.client_left = True
        locked.client_waiting_since = None
        locked.save()
        Signal.objects.filter(session=locked).delete()
        audit(vault, Tag.VIDEO_ENDED, locked.client)
    return locked


def _present(seen: dt.datetime | None, left: bool, now: dt.datetime) -> bool:
    return not left and seen is not None and now - seen <= PRESENCE_TIMEOUT


def state(session: VideoSession, side: str) -> dict[str, Any]:
    """What a side's page needs to know: the round, who is here, whether the client waits or is in."""
    now = timezone.now()
    clinician_here = _present(session.clinician_seen_at, session.clinician_left, now)
    client_here = _present(session.client_seen_at, session.client_left, now)
    admitted = session.admitted_at is not None
    return {
        "generation": session.generation,
        "ended": session.ended_at is not None,
        "admitted": admitted,
        "client_waiting": client_here and session.client_waiting_since is not None and not admitted,
        "peer_present": client_here if side == Side.CLINICIAN else clinician_here,
        "client_checked": has_privacy_check(session, Side.CLIENT) if side == Side.CLINICIAN else None,
        "in_call": admitted and clinician_here and client_here,
    }


def touch(session: VideoSession, side: str) -> VideoSession:
    """A poll: this side is still here."""
    field = "clinician_seen_at" if side == Side.CLINICIAN else "client_seen_at"
    VideoSession.objects.filter(pk=session.pk).update(**{field: timezone.now()})
    return VideoSession.objects.select_related("appointment", "client").get(pk=session.pk)


# ----------------------------------------------------------------------------- signalling


def _signal_context(session: VideoSession, signal: Signal) -> crypto.SealContext:
    return sealing.field_context(session.client, "video-signal", str(signal.public_id), "body", 1, PORTAL)


def clean_signal(side: str, kind: object, data: object) -> dict[str, Any]:
    """A signal's data as the other browser will get it; TelehealthError if it is not one."""
    if kind not in SIGNAL_KINDS:
        raise TelehealthError("A signal is an offer, an answer or a candidate.")
    if kind == "offer" and side != Side.CLINICIAN:
        raise TelehealthError("Only the clinician makes the offer.")
    if kind == "answer" and side != Side.CLIENT:
        raise TelehealthError("Only the client answers.")
    if not isinstance(data, dict):
        raise TelehealthError("A signal's data must be an object.")
    if kind in ("offer", "answer"):
        sdp = data.get("sdp")
        if data.get("type") != kind or not isinstance(sdp, str) or not sdp.startswith("v=0"):
            raise TelehealthError("An offer or answer carries a session description.")
        if len(sdp.encode("utf-8")) > MAX_DESCRIPTION_BYTES:
            raise TelehealthError("The session description is too long.")
        if "\x00" in sdp:
            raise TelehealthError("The session description contains control characters.")
        return {"type": kind, "sdp": sdp}
    candidate, mid, index = data.get("candidate"), data.get("sdpMid"), data.get("sdpMLineIndex")
    if not isinstance(candidate, str) or len(candidate.encode("utf-8")) > MAX_CANDIDATE_BYTES:
        raise TelehealthError("A candidate is one line of text.")
    if candidate and not candidate.startswith("candidate:"):
        raise TelehealthError("A candidate is one line of text.")
    if any(ord(ch) < 32 for ch in candidate):
        raise TelehealthError("A candidate is one line of text.")
    if mid is not None and (not isinstance(mid, str) or len(mid) > 32):
        raise TelehealthError("A candidate names its media line.")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < 16):
        raise TelehealthError("A candidate names its media line.")
    return {"candidate": candidate, "sdpMid": mid, "sdpMLineIndex": index}


@transaction.atomic
def send_signal(vault: Vault, session: VideoSession, side: str, *, generation: object, kind: object,
                data: object) -> Signal:
    """Store one signal for the other side, for the current round only."""
    cleaned = clean_signal(side, kind, data)
    locked = _locked(session)
    if locked.ended_at is not None:
        raise TelehealthError("This video session has ended.")
    if locked.admitted_at is None:
        raise TelehealthError("The client has not been let in yet.")
    if isinstance(generation, bool) or not isinstance(generation, int) or generation != locked.generation:
        raise StaleRoundError("That round of negotiation is over.")
    if Signal.objects.filter(session=locked, generation=locked.generation).count() >= MAX_SIGNALS_PER_ROUND:
        raise TelehealthError("Too many signals in this round.")
    text = json.dumps(cleaned, separators=(",", ":"))
    signal = Signal(session=locked, sender=side, generation=locked.generation, kind=str(kind), body=b"",
                    size=len(text.encode("utf-8")))
    signal.body = sealing.seal_in_scope(vault, locked.client, PORTAL, cleaned, _signal_context(locked, signal))
    signal.save()
    return signal


def signals_for(vault: Vault, session: VideoSession, side: str, after: int) -> list[dict[str, Any]]:
    """The other side's signals of the current round after the one numbered `after`, oldest first."""
    other = Side.CLIENT if side == Side.CLINICIAN else Side.CLINICIAN
    found = Signal.objects.filter(session=session, sender=other, generation=session.generation,
                                  id__gt=after).order_by("id")[:50]
    return [{"id": s.pk, "kind": s.kind, "generation": s.generation,
             "data": sealing.open_value(vault, bytes(s.body), _signal_context(session, s))} for s in found]


def delete_stale_signals(now: dt.datetime | None = None) -> int:
    """Delete the signalling of rooms whose window has closed (a session nobody ended); returns how many.

    Run by `confide worker` with the other periodic jobs: no signal outlives its room.
    """
    now = now or timezone.now()
    closed = [session.pk for session in VideoSession.objects.filter(signals__isnull=False)
              .select_related("appointment").distinct() if window(session)[1] < now]
    if not closed:
        return 0
    deleted, _ = Signal.objects.filter(session_id__in=closed).delete()
    return deleted
