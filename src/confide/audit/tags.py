"""The typed tags of audit events: `<scope>:<resource>:<action>`.

Code passes these rather than spelling tags out, so a typo cannot create a new kind of event.
Tags are readable by anyone holding the database: they name kinds of access, never a person.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

__all__ = ["UNKNOWN_ACTOR", "Tag", "actor_id_for", "mfa_tag", "subject_detail"]

# The actor of an event whose person is not known, such as a sign-in attempt for an address that
# has no account. The address typed is never stored.
UNKNOWN_ACTOR = "unknown"


class Tag(StrEnum):
    """Every kind of event Confide writes to the audit log."""

    SIGNIN_SUCCEEDED = "auth:signin:succeeded"
    SIGNIN_FAILED = "auth:signin:failed"
    SIGNOUT_SUCCEEDED = "auth:signout:succeeded"
    MFA_FAILED = "auth:mfa:failed"
    MFA_TOTP_ADDED = "auth:mfa_totp:added"
    MFA_TOTP_REMOVED = "auth:mfa_totp:removed"
    MFA_RECOVERY_CODES_ADDED = "auth:mfa_recovery_codes:added"
    MFA_RECOVERY_CODES_REMOVED = "auth:mfa_recovery_codes:removed"
    MFA_WEBAUTHN_ADDED = "auth:mfa_webauthn:added"
    MFA_WEBAUTHN_REMOVED = "auth:mfa_webauthn:removed"
    PRACTICE_CREATED = "practice:practice:created"
    PRACTICE_SETTINGS_CHANGED = "practice:settings:changed"
    STAFF_INVITED = "practice:invitation:sent"
    STAFF_INVITATION_REVOKED = "practice:invitation:revoked"
    STAFF_INVITATION_ACCEPTED = "practice:invitation:accepted"
    STAFF_SUSPENDED = "practice:member:suspended"
    STAFF_RESTORED = "practice:member:restored"
    AUDIT_LOG_READ = "audit:log:read"
    # The client record. Each carries the client's opaque id; none carries a name.
    CLIENT_CREATED = "record:client:created"
    CLIENT_READ = "record:client:read"
    CLIENT_UPDATED = "record:client:updated"
    CASELOAD_LISTED = "record:caseload:listed"
    NOTES_LISTED = "record:notes:listed"
    NOTE_CREATED = "record:note:created"
    NOTE_READ = "record:note:read"
    NOTE_UPDATED = "record:note:updated"
    NOTE_SIGNED = "record:note:signed"
    NOTE_ADDENDUM_ADDED = "record:note:addended"
    PSYCHOTHERAPY_NOTE_CREATED = "record:psychotherapy_note:created"
    PSYCHOTHERAPY_NOTE_READ = "record:psychotherapy_note:read"
    PSYCHOTHERAPY_NOTE_UPDATED = "record:psychotherapy_note:updated"
    PSYCHOTHERAPY_NOTE_SIGNED = "record:psychotherapy_note:signed"
    PSYCHOTHERAPY_NOTE_ADDENDUM_ADDED = "record:psychotherapy_note:addended"
    DOCUMENT_UPLOADED = "record:document:uploaded"
    DOCUMENT_READ = "record:document:read"
    DOCUMENTS_LISTED = "record:documents:listed"
    EPISODE_OPENED = "record:episode:opened"
    EPISODE_CLOSED = "record:episode:closed"
    EPISODES_LISTED = "record:episodes:listed"
    APPOINTMENT_CREATED = "record:appointment:created"
    APPOINTMENT_READ = "record:appointment:read"
    APPOINTMENT_UPDATED = "record:appointment:updated"
    APPOINTMENTS_LISTED = "record:appointments:listed"
    TREATMENT_PLAN_READ = "record:plan:read"
    TREATMENT_PLAN_UPDATED = "record:plan:updated"
    INTEGRITY_FAILED = "record:integrity:failed"
    CARE_TEAM_READ = "access:careteam:read"
    CARE_TEAM_GRANTED = "access:careteam:granted"
    CARE_TEAM_REVOKED = "access:careteam:revoked"
    RECOVERY_REASSIGNED = "access:recovery:reassigned"
    RECOVERY_PASSWORD_RESET = "access:recovery:password_reset"  # noqa: S105  (an event tag)
    # The client portal (ADR 0008). Each carries the client's opaque id.
    PORTAL_INVITED = "portal:invitation:sent"
    PORTAL_INVITATION_ACCEPTED = "portal:invitation:accepted"
    PORTAL_RECOVERY_STARTED = "portal:recovery:started"
    PORTAL_RECOVERY_PASSWORD_SET = "portal:recovery:password_set"  # noqa: S105  (an event tag)
    PORTAL_RECOVERY_RESTORED = "portal:recovery:restored"
    # Consultations on a de-identified summary (ADR 0019). Each carries the client's opaque id.
    CONSULTATION_PREPARED = "consultation:summary:prepared"
    CONSULTATION_EDITED = "consultation:summary:edited"
    CONSULTATION_APPROVED = "consultation:summary:approved"
    CONSULTATION_SHARED = "consultation:summary:shared"
    CONSULTATION_LINK_CREATED = "consultation:link:created"
    CONSULTATION_LINK_OPENED = "consultation:link:opened"
    CONSULTATION_READ = "consultation:summary:read"
    CONSULTATION_REPLIED = "consultation:reply:added"
    CONSULTATION_REPLY_FILED = "consultation:reply:filed"
    CONSENT_READ = "consent:document:read"
    CONSENT_SIGNED = "consent:document:signed"
    CONSENT_COPY_DOWNLOADED = "consent:copy:downloaded"
    CONSENT_SIGNATURES_LISTED = "consent:signatures:listed"
    CONSENT_OVERRIDE_RECORDED = "consent:override:recorded"
    CHECKIN_SUBMITTED = "portal:checkin:submitted"
    CHECKINS_READ = "portal:checkins:read"
    # Disclosures (promise 6). Each carries the client's opaque id; recipients and purposes are sealed.
    AUTHORIZATION_CREATED = "disclosure:authorization:created"
    AUTHORIZATION_READ = "disclosure:authorization:read"
    AUTHORIZATION_REVOKED = "disclosure:authorization:revoked"
    AUTHORIZATION_EXPIRY_EVENT = "disclosure:authorization:expired"
    AUTHORIZATIONS_LISTED = "disclosure:authorizations:listed"
    PART2_FLAG_CHANGED = "disclosure:part2_flag:changed"
    PACKET_CREATED = "disclosure:packet:created"
    AUTHORIZED_DISCLOSURE_MADE = "disclosure:authorized:made"
    RELEASE_LINK_CREATED = "disclosure:release_link:created"
    RELEASE_LINK_OPENED = "disclosure:release_link:opened"
    RELEASE_LINK_REFUSED = "disclosure:release_link:refused"
    EMERGENCY_DRAFTED = "disclosure:emergency:drafted"
    EMERGENCY_READ = "disclosure:emergency:read"
    EMERGENCY_MADE = "disclosure:emergency:made"
    COURT_REQUEST_CREATED = "disclosure:court_request:created"
    COURT_REQUEST_UPDATED = "disclosure:court_request:updated"
    COURT_DISCLOSURE_MADE = "disclosure:court:made"
    OTHER_DISCLOSURE_MADE = "disclosure:other:made"
    DISCLOSURES_LISTED = "disclosure:record:read"
    ACCOUNTING_READ = "disclosure:accounting:read"
    AUTHORIZATION_PREPARED = "disclosure:authorization:prepared"
    AUTHORIZATION_REQUEST_WITHDRAWN = "disclosure:authorization_request:withdrawn"
    # Disclosures on the client's side of the portal (ADR 0009): the client is the actor.
    PORTAL_ACCOUNTING_READ = "portal:accounting:read"
    PORTAL_ACCOUNTING_DOWNLOADED = "portal:accounting:downloaded"
    PORTAL_AUTHORIZATIONS_READ = "portal:authorizations:read"
    PORTAL_AUTHORIZATION_REQUEST_READ = "portal:authorization_request:read"
    PORTAL_AUTHORIZATION_SIGNED = "portal:authorization:signed"
    PORTAL_AUTHORIZATION_REVOKED = "portal:authorization:revoked"
    # The right of access and amendments (45 CFR 164.524, 164.526; ADR 0023). Each carries the client's id.
    ACCESS_REQUEST_CREATED = "portal:access_request:created"
    ACCESS_REQUESTS_READ = "portal:access_requests:read"
    RECORD_COPY_DOWNLOADED = "portal:record_copy:downloaded"
    ACCESS_REVIEW_REQUESTED = "portal:access_review:requested"
    AMENDMENT_REQUESTED = "portal:amendment_request:created"
    ACCESS_REQUESTS_LISTED = "access:access_requests:listed"
    ACCESS_REQUEST_READ = "access:access_request:read"
    ACCESS_REQUEST_FULFILLED = "access:access_request:fulfilled"
    ACCESS_REQUEST_DENIED = "access:access_request:denied"
    ACCESS_REQUEST_EXTENDED = "access:access_request:extended"
    AMENDMENT_ANSWERED = "access:amendment_request:answered"
    RECORD_EXPORTED = "record:export:created"
    MESSAGE_SENT = "message:message:sent"
    MESSAGES_READ = "message:thread:read"
    MESSAGE_ATTACHMENT_READ = "message:attachment:read"
    MESSAGE_FILED = "message:message:filed"
    MESSAGES_DESTROYED = "message:messages:destroyed"
    # Video sessions (ADR 0021): who entered, left and admitted; never anything of the media.
    VIDEO_ROOM_OPENED = "telehealth:room:opened"
    VIDEO_PRIVACY_CHECK_RECORDED = "telehealth:privacy_check:recorded"
    VIDEO_PRIVACY_CHECK_READ = "telehealth:privacy_check:read"
    VIDEO_JOINED = "telehealth:session:joined"
    VIDEO_LEFT = "telehealth:session:left"
    VIDEO_CLIENT_ADMITTED = "telehealth:client:admitted"
    VIDEO_ENDED = "telehealth:session:ended"
    REMINDERS_CHOSEN = "portal:reminders:changed"
    JURISDICTION_CHANGED = "practice:jurisdiction:changed"
    JURISDICTION_CONFIRMED = "practice:jurisdiction:confirmed"
    CONSENT_POLICY_CHANGED = "practice:consent_policy:changed"
    BREAKGLASS_OPENED = "access:breakglass:opened"
    BREAKGLASS_DENIED = "access:breakglass:denied"
    BREAKGLASS_ENDED = "access:breakglass:ended"
    BREAKGLASS_SEARCHED = "access:breakglass:searched"
    BREAKGLASS_REVIEWED = "access:breakglass:reviewed"
    EMERGENCY_HOLDER_DESIGNATED = "practice:emergency_holder:designated"
    EMERGENCY_HOLDER_REVOKED = "practice:emergency_holder:revoked"
    EMERGENCY_HOLDERS_COMPLETED = "practice:emergency_holder:completed"
    ALERT_RAISED = "oversight:alert:raised"
    ALERT_ACKNOWLEDGED = "oversight:alert:acknowledged"
    # After therapy ends (ADR 0016). Each carries the client's opaque id except the practice-wide ones.
    CLIENT_DISCHARGED = "lifecycle:client:discharged"
    RETENTION_OVERRIDDEN = "lifecycle:retention:overridden"
    RETENTION_POLICY_CHANGED = "lifecycle:policy:changed"
    LEGAL_HOLD_PLACED = "lifecycle:legal_hold:placed"
    LEGAL_HOLD_LIFTED = "lifecycle:legal_hold:lifted"
    DESTRUCTION_QUEUE_READ = "lifecycle:destruction_queue:read"
    DESTRUCTION_APPROVED = "lifecycle:destruction:approved"
    DESTRUCTION_CANCELLED = "lifecycle:destruction:cancelled"
    RECORD_DESTROYED = "lifecycle:record:destroyed"
    CERTIFICATE_DOWNLOADED = "lifecycle:certificate:downloaded"
    PORTAL_RETENTION_READ = "portal:retention:read"
    # Backups (ADR 0016): the operator's command is the actor.
    BACKUP_CREATED = "backup:archive:created"
    BACKUP_RESTORED = "backup:archive:restored"
    # Guessing and refusals (ADR 0013). A wrong password outside the sign-in form (the unlock
    # pages, `confide token create`), a check refused because the account or address is locked,
    # refused access to a client's data, and an owner's reset of a staff member's second factor.
    PASSWORD_FAILED = "auth:password:failed"  # noqa: S105  (an event tag, not a password)
    PASSWORD_LOCKED = "auth:password:locked"  # noqa: S105  (an event tag, not a password)
    ACCESS_DENIED = "access:client:denied"
    MFA_RESET = "practice:member_mfa:reset"
    # Intake, measures, client uploads and the calendar (issue 15, ADR 0020).
    MEASURE_SENT = "measure:assignment:changed"
    MEASURE_SUBMITTED = "measure:measure:submitted"
    INTAKE_SUBMITTED = "measure:intake:submitted"
    MEASURES_READ = "measure:submissions:read"
    MEASURE_REVIEWED = "measure:submission:reviewed"
    TREND_SHARE_CHANGED = "measure:trend_share:changed"
    PORTAL_MEASURES_READ = "portal:measures:read"
    PORTAL_DOCUMENT_UPLOADED = "portal:document:uploaded"
    PORTAL_APPOINTMENTS_READ = "portal:appointments:read"
    CALENDAR_READ = "record:calendar:read"


def mfa_tag(authenticator_type: str, action: str) -> str:
    """Return the tag for an MFA change, e.g. `auth:mfa_totp:added`, from allauth's type names."""
    return f"auth:mfa_{authenticator_type}:{action}"


def actor_id_for(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """Return the opaque actor id of a person: `user:<id>`, or `unknown` when there is nobody."""
    if user is None or user.pk is None:
        return UNKNOWN_ACTOR
    return f"user:{user.pk}"


def subject_detail(user: AbstractBaseUser) -> bytes:
    """Return the detail naming the staff member an event is about, e.g. `subject=user:5`.

    It is not encrypted: like the actor, it is an opaque staff id, and names no client.
    """
    return f"subject={actor_id_for(user)}".encode("ascii")
