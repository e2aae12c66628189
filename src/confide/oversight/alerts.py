"""Anomaly alerts for the practice owner, evaluated when the event happens (no scheduled job).

The owner sees each alert on the alerts page and gets an e-mail that holds no client data and
no staff name: only that something happened and where to sign in to review it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from confide.accounts.models import User
from confide.audit.services import record_event
from confide.audit.tags import Tag, actor_id_for
from confide.auditlog import Outcome, PurposeOfUse
from confide.keys.vault import Vault
from confide.notifications.outbox import queue_mail
from confide.oversight.models import ActivityMark, Alert, BreakGlassSession
from confide.portal.models import ClientAccount
from confide.practice.models import Membership, Role
from confide.records.models import CareTeamMember, Client
from confide.records.services import team_members

logger = logging.getLogger(__name__)

# Reads that copy client data out of Confide: each one counts towards the bulk-export alert.
EXPORT_TAGS = frozenset({Tag.DOCUMENT_READ.value, "record:export:created", "record:export:downloaded"})

_SUBJECTS = {
    Alert.Kind.BREAK_GLASS: "Confide: an emergency access occurred",
    Alert.Kind.CHARTS_OUTSIDE_CASELOAD: "Confide: many records opened outside a caseload",
    Alert.Kind.NEW_DEVICE: "Confide: a sign-in from a new device",
    Alert.Kind.BULK_EXPORT: "Confide: many downloads of client data",
    Alert.Kind.GUESSING: "Confide: many wrong passwords for one account",
    Alert.Kind.DENIED: "Confide: many refused attempts to open client data",
}


def _owner_addresses(practice_id: int) -> list[str]:
    return list(Membership.objects.filter(practice_id=practice_id, role=Role.OWNER, user__is_active=True)
                .values_list("user__email", flat=True))


def _send(practice_id: int, kind: str) -> None:
    """E-mail the owners that there is an alert to review. No client data, no staff name."""
    owners = _owner_addresses(practice_id)
    if not owners:
        return
    body = (f"{_SUBJECTS[Alert.Kind(kind)].removeprefix('Confide: ').capitalize()} in your practice.\n\n"
            f"Sign in to review it: {settings.SITE_URL}/alerts/\n\n"
            "This message contains no client information.\n\n— Confide")
    try:
        queue_mail(kind="owner-alert", subject=_SUBJECTS[Alert.Kind(kind)], body=body, to=owners)
    except Exception:
        # The alert is on the alerts page and in the audit log whatever happens to the e-mail.
        logger.exception("Could not queue an alert e-mail")


def raise_alert(practice_id: int, kind: str, subject_id: int, *, count: int = 1, window_minutes: int = 0,
                detail: str = "", session: BreakGlassSession | None = None) -> Alert:
    """Record an alert (audited in the same transaction) and e-mail the owners once it is committed."""
    with transaction.atomic():
        alert = Alert.objects.create(practice_id=practice_id, kind=kind, subject_id=subject_id, count=count,
                                     window_minutes=window_minutes, detail=detail[:200], session=session)
        record_event(Tag.ALERT_RAISED, actor_id=f"user:{subject_id}", purpose=PurposeOfUse.OPERATIONS,
                     outcome=Outcome.SUCCESS, sealed_detail=f"kind={kind};alert={alert.pk}".encode("ascii"))
        transaction.on_commit(lambda: _send(practice_id, kind))
    return alert


def _recently_alerted(subject_id: int, kind: str, since: dt.datetime) -> bool:
    return Alert.objects.filter(subject_id=subject_id, kind=kind, raised_at__gte=since).exists()


def _outside_caseload(vault: Vault, client: Client) -> bool:
    """A chart opened under break-glass, or as a supervisor rather than as the treating clinician."""
    if client.pk in vault.emergency_client_ids:
        return True
    return any(member.user_id == vault.person_id and member.role == CareTeamMember.Role.SUPERVISOR
               for member in team_members(client))


def observe_access(vault: Vault, tag: str, client: Client | None) -> None:
    """Count the accesses that feed an alert and raise one when a threshold is passed."""
    if vault.user_id is None:
        return  # the recovery kit is used on the server by the operators, and audited already
    if tag == Tag.CLIENT_READ and client is not None and _outside_caseload(vault, client):
        ActivityMark.objects.create(user_id=vault.user_id, kind=ActivityMark.Kind.CHART_OUTSIDE_CASELOAD,
                                    client=client)
        _check(vault, ActivityMark.Kind.CHART_OUTSIDE_CASELOAD, Alert.Kind.CHARTS_OUTSIDE_CASELOAD,
               settings.CONFIDE_ALERT_CHARTS_COUNT, settings.CONFIDE_ALERT_CHARTS_MINUTES, distinct_clients=True)
    elif tag in EXPORT_TAGS:
        ActivityMark.objects.create(user_id=vault.user_id, kind=ActivityMark.Kind.EXPORT, client=client)
        _check(vault, ActivityMark.Kind.EXPORT, Alert.Kind.BULK_EXPORT, settings.CONFIDE_ALERT_EXPORTS_COUNT,
               settings.CONFIDE_ALERT_EXPORTS_MINUTES, distinct_clients=False)


def _check(vault: Vault, mark: str, kind: str, limit: int, minutes: int, *, distinct_clients: bool) -> None:
    assert vault.user_id is not None  # noqa: S101  (checked by the caller)
    since = timezone.now() - dt.timedelta(minutes=minutes)
    marks = ActivityMark.objects.filter(user_id=vault.user_id, kind=mark, at__gte=since)
    count = marks.values("client_id").distinct().count() if distinct_clients else marks.count()
    if count > limit and not _recently_alerted(vault.user_id, kind, since):
        raise_alert(vault.practice_id, kind, vault.user_id, count=count, window_minutes=minutes)


def open_alerts_count(practice_id: int) -> int:
    """How many alerts the owner has not acknowledged yet."""
    return Alert.objects.filter(practice_id=practice_id, acknowledged_at__isnull=True).count()


# Triage: what an owner must look at first. An emergency access, many charts opened outside a
# caseload and many downloads are serious; a sign-in from a new device is a notice.
SERIOUS = "serious"
NOTICE = "notice"
SEVERITY: dict[str, str] = {
    Alert.Kind.BREAK_GLASS: SERIOUS,
    Alert.Kind.CHARTS_OUTSIDE_CASELOAD: SERIOUS,
    Alert.Kind.BULK_EXPORT: SERIOUS,
    Alert.Kind.GUESSING: SERIOUS,
    Alert.Kind.DENIED: SERIOUS,
    Alert.Kind.NEW_DEVICE: NOTICE,
}
_RANK = {SERIOUS: 0, NOTICE: 1}
STATUSES = ("open", "reviewed", "all")


def severity_of(alert: Alert) -> str:
    return SEVERITY.get(alert.kind, SERIOUS)


def list_alerts(practice_id: int, *, limit: int = 200, kind: str = "", status: str = "all",
                severity: str = "") -> list[Alert]:
    """The practice's alerts: open before reviewed, serious before notices, then newest first.

    `kind` (an `Alert.Kind`), `status` ("open", "reviewed", "all") and `severity` ("serious",
    "notice") filter; an unknown value filters nothing away rather than failing.
    """
    query = Alert.objects.filter(practice_id=practice_id).select_related("subject", "acknowledged_by", "session")
    if kind in Alert.Kind.values:
        query = query.filter(kind=kind)
    if status == "open":
        query = query.filter(acknowledged_at__isnull=True)
    elif status == "reviewed":
        query = query.filter(acknowledged_at__isnull=False)
    if severity in _RANK:
        query = query.filter(kind__in=[k for k, v in SEVERITY.items() if v == severity])
    found = list(query.order_by("acknowledged_at", "-raised_at")[: limit * 4])
    found.sort(key=lambda a: (a.acknowledged_at is not None, _RANK[severity_of(a)], -a.raised_at.timestamp()))
    for alert in found:
        alert.severity = severity_of(alert)  # type: ignore[attr-defined]
    return found[:limit]


def open_serious_alerts(practice_id: int, *, limit: int = 5) -> list[Alert]:
    """The serious alerts no owner has reviewed yet, newest first (for the owner's home page)."""
    return list_alerts(practice_id, limit=limit, status="open", severity=SERIOUS)


class AlertError(Exception):
    """An alert action that cannot proceed; the message is safe to show."""


@transaction.atomic
def acknowledge(actor: User, alert_id: int) -> Alert:
    """Mark an alert as reviewed by an owner (audited)."""
    membership = Membership.objects.filter(user=actor, role=Role.OWNER, user__is_active=True).first()
    if membership is None:
        raise AlertError("Only the practice owner can acknowledge alerts.")
    alert = Alert.objects.select_for_update().filter(pk=alert_id, practice_id=membership.practice_id).first()
    if alert is None:
        raise AlertError("No such alert.")
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = timezone.now(), actor
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        record_event(Tag.ALERT_ACKNOWLEDGED, actor_id=actor_id_for(actor), purpose=PurposeOfUse.OPERATIONS,
                     outcome=Outcome.SUCCESS, sealed_detail=f"alert={alert.pk}".encode("ascii"))
    return alert


def observe_guessing(user_id: int, where: str) -> None:
    """An account's guessing budget ran out (`confide.accounts.guessing`): alert its owner once.

    A portal client's account raises one too, but the alert never names the client: its pages
    say "a portal client" (`Alert.subject_label`), and the failures themselves are in the audit log
    and the client's own access history.
    """
    membership = Membership.objects.filter(user_id=user_id).only("practice_id").first()
    account = None if membership is not None else ClientAccount.objects.filter(user_id=user_id).first()
    if membership is None and account is None:
        return
    practice_id = membership.practice_id if membership is not None else account.practice_id  # type: ignore[union-attr]
    minutes = settings.CONFIDE_LOGIN_ATTEMPTS_WINDOW_MINUTES
    if not _recently_alerted(user_id, Alert.Kind.GUESSING, timezone.now() - dt.timedelta(minutes=minutes)):
        raise_alert(practice_id, Alert.Kind.GUESSING, user_id, count=settings.CONFIDE_LOGIN_ATTEMPTS_PER_ACCOUNT,
                    window_minutes=minutes, detail=f"portal client · {where}" if account is not None else where)


def observe_denials(practice_id: int, user_id: int, count: int, window_minutes: int) -> None:
    """Someone was refused client data `count` times in a window (`confide.records.denials`)."""
    since = timezone.now() - dt.timedelta(minutes=window_minutes)
    if not _recently_alerted(user_id, Alert.Kind.DENIED, since):
        raise_alert(practice_id, Alert.Kind.DENIED, user_id, count=count, window_minutes=window_minutes)
