"""Who may call which route: the expected outcome of every route for every persona.

The authorization matrix (`test_authorization_matrix.py`) calls every route of the URL
configuration and every operation of /api/v1/openapi.json as each persona and compares the
outcome with this table. A route or operation missing here fails the matrix with its name, so a
new route is classified the day it is added: add one line to `WEB_ROUTES` or `API_OPERATIONS`,
naming a policy (or write a new policy if none fits).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ----------------------------------------------------------------------------- personas

# The staff personas of `tests.security.world.build_world`, plus "anonymous". The emergency
# holder is a clinician on no care team who holds break-glass access (with a live session on
# another client's record, not ours).
STAFF_PERSONAS = (
    "anonymous", "owner", "clinician_on_team", "clinician_off_team", "supervisor_granted",
    "supervisor_not_granted", "front_desk", "other_practice", "emergency_holder",
)

# Portal clients (ADR 0008): "client" is our client; "another_client" is another client of the
# same practice, who must never see anything of ours.
CLIENT_PERSONAS = ("client", "another_client")


def personas() -> list[str]:
    """The personas the matrix runs as."""
    return [*STAFF_PERSONAS, *CLIENT_PERSONAS]


# ----------------------------------------------------------------------------- outcomes

OK = "ok"            # 2xx, or a redirect that is not to sign-in
INVALID = "invalid"  # 400/422: the request reached the view, which refused the (empty) input
LOGIN = "login"      # a redirect to sign-in (pages) or 401 (API)
FORBIDDEN = "403"
NOT_FOUND = "404"
NOT_ALLOWED = "405"
ANY = "any"          # anything but a 5xx (allauth's own pages, which hold no client data)

REACHED = frozenset({OK, INVALID})


def outcome_of(status: int, location: str, *, api: bool) -> str:
    """The outcome class of a response."""
    if status >= 500:
        return f"{status} (server error)"
    if (api and status == 401) or (status in (301, 302, 303) and location.startswith("/accounts/login/")):
        return LOGIN
    if status in (400, 422):
        return INVALID
    if 200 <= status < 400:
        return OK
    return str(status)


# ----------------------------------------------------------------------------- policies


# A portal client on a staff page: staff_required answers 403 (ADR 0008), never the page.
CLIENT_REFUSED = frozenset({FORBIDDEN})


@dataclass(frozen=True)
class Policy:
    """The set of acceptable outcomes for each persona.

    A staff persona not named is refused with `others` (404 unless said otherwise); a portal
    client not named gets `clients` (403: a client never reaches a staff page).
    """

    name: str
    allowed: dict[str, frozenset[str]]
    anonymous: frozenset[str] = frozenset({LOGIN})
    others: frozenset[str] = frozenset({NOT_FOUND})
    clients: frozenset[str] = field(default=CLIENT_REFUSED)

    def expected(self, persona: str, *, api: bool = False) -> frozenset[str]:
        if persona == "anonymous":
            return self.anonymous
        if persona in self.allowed:
            return self.allowed[persona]
        if persona in CLIENT_PERSONAS:
            # The API is for staff: a client's own token is refused as invalid (401).
            return frozenset({LOGIN}) if api and self.clients == CLIENT_REFUSED else self.clients
        return self.others


def _everyone(outcomes: frozenset[str]) -> dict[str, frozenset[str]]:
    return dict.fromkeys(STAFF_PERSONAS[1:], outcomes)


_CLIENTS_DENIED = frozenset({LOGIN, FORBIDDEN, NOT_FOUND})

PUBLIC = Policy("public", _everyone(frozenset({OK})), anonymous=frozenset({OK}), others=frozenset({OK}),
                clients=frozenset({OK}))
# Any staff member of any practice; a client (portal) never reaches a staff page.
STAFF = Policy("staff", _everyone(REACHED))
# The home page: staff see their dashboard; a client is sent on to the portal's home.
HOME = Policy("home", _everyone(REACHED), clients=frozenset({OK}))
# Practice-level owner pages (no client record): the owner of either practice reaches their own.
OWNER = Policy("owner", {"owner": REACHED, "other_practice": REACHED}, others=frozenset({NOT_FOUND, LOGIN}))
# An owner page about one thing of our practice (an alert): another practice's owner gets 404.
OWNER_RECORD = Policy("owner record", {"owner": REACHED})
# Demographics, appointments, the care team and the access log: the admin scope key.
ADMIN_SCOPE = Policy("admin scope", dict.fromkeys(
    ("owner", "clinician_on_team", "supervisor_granted", "front_desk"), REACHED))
# Notes, documents, episodes, the treatment plan: the clinical scope key.
CLINICAL_SCOPE = Policy("clinical scope", dict.fromkeys(("clinician_on_team", "supervisor_granted"), REACHED))
# Writing the treatment plan: treating clinicians; a supervisor reads it but may not change it.
CLINICAL_WRITE = Policy("clinical write", {"clinician_on_team": REACHED, "supervisor_granted": frozenset({FORBIDDEN})})
# Managing the care team: team members holding the clinical key, and the owner (admin grants only).
TEAM_MANAGE = Policy("team manage", dict.fromkeys(("owner", "clinician_on_team", "supervisor_granted"), REACHED))
# allauth's pages: no client data; whatever allauth answers, it must not be a server error.
ACCOUNT = Policy("account", _everyone(frozenset({ANY})), anonymous=frozenset({ANY}), others=frozenset({ANY}),
                 clients=frozenset({ANY}))
# The session probes answer in JSON: 401 without a session, so a page's script can tell.
SESSION_PROBE = Policy("session probe", _everyone(REACHED), anonymous=frozenset({"401"}),
                       others=frozenset({"401"}), clients=REACHED)


# Emergency disclosures in progress are their author's until recorded (bob started ours).
DRAFT_AUTHOR = Policy("draft author", {"clinician_on_team": REACHED})
# Inviting the client to the portal: care-team members with clinical access (posted with a valid
# address, `WEB_BODIES`; the client already has an account, so the answer is a message).
PORTAL_INVITE = Policy("portal invite", dict.fromkeys(("clinician_on_team", "supervisor_granted"), REACHED))
# Break-glass pages: only a designated emergency-access holder (ADR 0006).
EMERGENCY_HOLDER = Policy("emergency holder", {"emergency_holder": REACHED})

# The portal (ADR 0008): a signed-in client only. Staff are refused with 403 (client_required).
PORTAL = Policy("portal", dict.fromkeys(CLIENT_PERSONAS, REACHED), others=frozenset({FORBIDDEN}))
# One of our client's own things in the portal (a signed copy): another client gets 404.
PORTAL_OWN = Policy("portal own", {"client": REACHED}, others=frozenset({FORBIDDEN}),
                    clients=frozenset({NOT_FOUND}))
# Messaging (ADR 0018): the client's thread is sealed under the portal scope, so only the care
# team members with clinical access (who hold the portal key) reach it; front desk and the owner
# off the team get 404 like any record they hold no key for.
MESSAGING = Policy("messaging", dict.fromkeys(("clinician_on_team", "supervisor_granted"), REACHED))
# Video sessions (ADR 0021): only the appointment's two people. On the staff side that is the
# appointment's clinician (bob), not the supervisor or a colleague holding the same portal key,
# nor the owner or front desk; on the portal side the client whose appointment it is.
VIDEO_SESSION = Policy("video session", {"clinician_on_team": REACHED})
VIDEO_SESSION_CLIENT = Policy("video session client", {"client": REACHED}, others=frozenset({FORBIDDEN}),
                              clients=frozenset({NOT_FOUND}))

# Pages opened from an e-mailed link (a portal invitation): no client data; anyone may open them,
# and opening one signs the current person out.
LINK = Policy("link", _everyone(frozenset({OK})), anonymous=frozenset({OK}), others=frozenset({OK}),
              clients=frozenset({OK}))

# Web forms posted empty: a persona without access may be told the form is empty (400) before
# the record is looked up; that answer is the same for every id, so it reveals nothing. Valid
# forms from such a persona get 404 (test_authorization_matrix.py checks the autosave routes).
EMPTY_FORM_DENIED = frozenset({NOT_FOUND, INVALID})
CLINICAL_FORM = Policy("clinical form", dict.fromkeys(("clinician_on_team", "supervisor_granted"), REACHED),
                       others=EMPTY_FORM_DENIED)
TEAM_FORM = Policy("team form", dict.fromkeys(("owner", "clinician_on_team", "supervisor_granted"), REACHED),
                   others=EMPTY_FORM_DENIED)
# Signing out everywhere ends the caller's own session: the answer is the sign-in page.
SIGN_OUT = Policy("sign out", _everyone(frozenset({LOGIN, OK})), others=_CLIENTS_DENIED,
                  clients=frozenset({LOGIN, OK}))
# The invitation page holds no client data; the owner revoked this invitation earlier in the walk.
INVITATION = Policy("invitation", _everyone(frozenset({OK})) | {"owner": frozenset({OK, NOT_FOUND})},
                    anonymous=frozenset({OK}), others=frozenset({OK, NOT_FOUND}), clients=frozenset({OK}))

# A de-identified consultation summary (ADR 0019): the consultants it is shared with (sam, who
# holds no key of the chart) read it; everyone else gets 404, the care team included.
CONSULTANT = Policy("consultant", {"supervisor_not_granted": REACHED})
# A token that is not a consultation link: 404 for everyone (the world's token is a packet's).
NOT_A_CONSULTATION_LINK = Policy("not a consultation link", _everyone(frozenset({NOT_FOUND})),
                                 anonymous=frozenset({NOT_FOUND}), clients=frozenset({NOT_FOUND}))
# `/metrics` (ADR 0022): the operator's bearer token only; no session of anyone opens it (404).
OPERATOR_TOKEN = Policy("operator token", _everyone(frozenset({NOT_FOUND})),
                        anonymous=frozenset({NOT_FOUND}), clients=frozenset({NOT_FOUND}))


# After therapy ends (ADR 0016): the retention page is for owners and clinicians of the practice;
# confirming a destruction is a second owner's or a clinician's act (posted empty: 400 for anyone).
RETENTION = Policy("retention", dict.fromkeys(
    ("owner", "clinician_on_team", "clinician_off_team", "emergency_holder", "other_practice"), REACHED))
DESTRUCTION_CONFIRM = Policy("destruction confirm", dict.fromkeys(
    ("owner", "clinician_on_team", "clinician_off_team", "emergency_holder", "other_practice"), REACHED),
    others=EMPTY_FORM_DENIED)


# Intake and measures (ADR 0020): the page and its forms are the clinical scope's (front desk and
# the owner off the team get 404); stopping a form or marking one reviewed is a treating
# clinician's act (a supervisor on the team gets 404 like anyone else).
MEASURE_WRITE = Policy("measure write", {"clinician_on_team": REACHED})
# Practice pages of treating clinicians (intake packets, one's availability): clinicians, and
# owners who are also clinicians (the world's owners are); supervisors and front desk get 404.
TREATING_STAFF = Policy("treating staff", dict.fromkeys(
    ("owner", "clinician_on_team", "clinician_off_team", "emergency_holder", "other_practice"), REACHED))
# The right of access (ADR 0023): the practice's list of requests is for owners and clinicians of
# the practice; reviewing one needs the client's clinical and portal keys and a clinician's role
# (a supervisor holds the keys but does not decide); posted empty, a form is refused before the lookup.
ACCESS_LIST = Policy("access list", dict.fromkeys(
    ("owner", "clinician_on_team", "clinician_off_team", "emergency_holder", "other_practice"), REACHED))
ACCESS_REVIEW = Policy("access review", {"clinician_on_team": REACHED})
ACCESS_FORM = Policy("access form", {"clinician_on_team": REACHED}, others=EMPTY_FORM_DENIED)
# A client's forgotten portal password: the care team members with clinical access (ADR 0023).
RECOVERY_FORM = Policy("recovery form", dict.fromkeys(("clinician_on_team", "supervisor_granted"), REACHED),
                       others=EMPTY_FORM_DENIED)


@dataclass(frozen=True)
class Route:
    policy: Policy
    method: str = "GET"
    # Routes that end the caller's session run after all the others.
    ends_session: bool = False


# Pages, keyed by their pattern in the URL configuration (as in tests/routes.py). POST-only
# routes are called with an empty form: a persona that may use them gets a validation answer.
WEB_ROUTES: dict[str, Route] = {
    "": Route(HOME),
    "healthz": Route(PUBLIC),
    "readyz": Route(PUBLIC),
    "metrics": Route(OPERATOR_TOKEN),
    "session/status": Route(SESSION_PROBE),
    "session/keepalive": Route(SESSION_PROBE, "POST"),
    "vault/unlock": Route(STAFF),
    "account/security/": Route(STAFF),
    "account/sign-out-everywhere": Route(SIGN_OUT, "POST", ends_session=True),
    "invite/<str:token>/": Route(INVITATION, ends_session=True),
    "practice/settings/": Route(STAFF),
    "practice/messaging/": Route(STAFF),
    "account/notifications/": Route(STAFF),
    "practice/staff/": Route(STAFF),
    "practice/staff/<int:member_id>/active": Route(OWNER, "POST"),
    "practice/staff/<int:member_id>/reset-second-factor": Route(OWNER, "POST"),
    "practice/invitations/<int:invitation_id>/revoke": Route(OWNER, "POST"),
    "clients/": Route(STAFF),
    "clients/summary": Route(STAFF),
    "clients/new": Route(STAFF),
    "clients/<uuid:client_id>/": Route(ADMIN_SCOPE),
    "clients/<uuid:client_id>/details": Route(ADMIN_SCOPE),
    "clients/<uuid:client_id>/access-log/": Route(ADMIN_SCOPE),
    "clients/<uuid:client_id>/team/": Route(ADMIN_SCOPE),
    "clients/<uuid:client_id>/team/revoke": Route(TEAM_FORM, "POST"),
    "clients/<uuid:client_id>/sessions/": Route(ADMIN_SCOPE),
    "clients/<uuid:client_id>/sessions/new": Route(ADMIN_SCOPE),
    "clients/<uuid:client_id>/sessions/<uuid:appointment_id>/": Route(ADMIN_SCOPE),
    "clients/<uuid:client_id>/notes/new": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/notes/autosave": Route(CLINICAL_FORM, "POST"),
    "clients/<uuid:client_id>/notes/<uuid:note_id>/": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/notes/<uuid:note_id>/autosave": Route(CLINICAL_FORM, "POST"),
    "clients/<uuid:client_id>/notes/<uuid:note_id>/addenda": Route(CLINICAL_SCOPE, "POST"),
    "clients/<uuid:client_id>/psychotherapy-notes/": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/documents/": Route(CLINICAL_SCOPE, "POST"),
    "clients/<uuid:client_id>/documents/<uuid:document_id>": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/episodes/": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/episodes/close": Route(CLINICAL_SCOPE, "POST"),
    "clients/<uuid:client_id>/plan/": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/plan/edit": Route(CLINICAL_WRITE),
    # Disclosures (ADR 0009): the clinical scope, front desk excluded.
    "clients/<uuid:client_id>/disclosures/": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/disclosures/part2": Route(CLINICAL_SCOPE, "POST"),
    "clients/<uuid:client_id>/disclosures/authorizations/new": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/expired":
        Route(CLINICAL_SCOPE, "POST"),
    "clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/packet":
        Route(CLINICAL_SCOPE, "POST"),
    "clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/revoke":
        Route(CLINICAL_SCOPE, "POST"),
    "clients/<uuid:client_id>/disclosures/emergency/new": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/disclosures/emergency/<uuid:disclosure_id>/": Route(DRAFT_AUTHOR),
    "clients/<uuid:client_id>/disclosures/court/new": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/disclosures/court/<uuid:request_id>/outcome": Route(CLINICAL_FORM, "POST"),
    "clients/<uuid:client_id>/disclosures/other/new": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/disclosures/accounting/": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/disclosures/accounting.pdf": Route(CLINICAL_SCOPE),
    # The recipient's page of a release link: a passcode form that names nothing.
    "release/<str:token>/": Route(PUBLIC),
    # Consultations (ADR 0019).
    "clients/<uuid:client_id>/consultations/": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/consultations/new": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/consultations/<uuid:consultation_id>/": Route(CLINICAL_SCOPE),
    "consultations/": Route(STAFF),
    "consultations/<uuid:consultation_id>/": Route(CONSULTANT),
    "consult/<str:token>/": Route(NOT_A_CONSULTATION_LINK),
    # Break-glass and alerts (ADR 0006).
    "practice/emergency-access/": Route(OWNER),
    "practice/emergency-access/revoke": Route(OWNER, "POST"),
    "emergency/": Route(EMERGENCY_HOLDER),
    "emergency/<uuid:session_id>/end": Route(EMERGENCY_HOLDER, "POST"),
    "clients/<uuid:client_id>/emergency": Route(EMERGENCY_HOLDER),
    "alerts/": Route(OWNER),
    "alerts/<int:alert_id>/": Route(OWNER_RECORD),
    "alerts/<int:alert_id>/acknowledge": Route(OWNER_RECORD, "POST"),
    # Jurisdiction and consent policies (ADR 0007): the owner's, practice-level.
    # Retention, legal holds, destruction and backups (ADR 0016).
    "clients/<uuid:client_id>/retention/": Route(ADMIN_SCOPE),
    "practice/retention/": Route(RETENTION),
    "practice/retention/<uuid:client_id>/approve": Route(OWNER_RECORD, "POST"),
    "practice/retention/requests/<uuid:destruction_id>/confirm": Route(DESTRUCTION_CONFIRM, "POST"),
    "practice/retention/certificates/<uuid:destroyed_client_id>.pdf": Route(OWNER_RECORD),
    "practice/jurisdiction/": Route(OWNER),
    "practice/consent/": Route(OWNER),
    "practice/consent/preview": Route(OWNER),
    "practice/consent/preview.pdf": Route(OWNER),
    # The portal (ADR 0008): the client's own pages, and its staff actions.
    "portal/": Route(PORTAL),
    "portal/unlock": Route(PORTAL),
    "portal/consent/": Route(PORTAL),
    "portal/documents/": Route(PORTAL),
    "portal/messages/": Route(PORTAL),
    "portal/reminders/": Route(PORTAL),
    "portal/messages/attachments/<uuid:attachment_id>": Route(PORTAL_OWN),
    "clients/<uuid:client_id>/messages/": Route(MESSAGING),
    "clients/<uuid:client_id>/messages/<uuid:message_id>/file": Route(MESSAGING, "POST"),
    "clients/<uuid:client_id>/messages/attachments/<uuid:attachment_id>": Route(MESSAGING),
    "portal/documents/<uuid:signature_id>.pdf": Route(PORTAL_OWN),
    "portal/sessions/": Route(PORTAL),
    "portal/sessions/<uuid:appointment_id>/": Route(VIDEO_SESSION_CLIENT),
    "portal/sessions/<uuid:appointment_id>/signal": Route(VIDEO_SESSION_CLIENT, "POST"),
    "clients/<uuid:client_id>/sessions/<uuid:appointment_id>/video/": Route(VIDEO_SESSION),
    "clients/<uuid:client_id>/sessions/<uuid:appointment_id>/video/signal": Route(VIDEO_SESSION, "POST"),
    "portal/privacy/": Route(PORTAL),
    "portal/access/": Route(PORTAL),
    "portal/access/history.csv": Route(PORTAL),
    "portal/access/history.pdf": Route(PORTAL),
    "portal/retention/": Route(PORTAL),
    "portal/check-in/": Route(PORTAL),
    "portal/security/": Route(PORTAL),
    "portal/join/<str:token>/": Route(LINK, ends_session=True),
    "clients/<uuid:client_id>/portal/invite": Route(PORTAL_INVITE, "POST"),
    "portal/notices/<int:notice_id>/dismiss": Route(STAFF, "POST"),
    "practice/consent-process/": Route(STAFF),
    # Authorizations prepared for the client to sign in the portal (ADR 0009).
    "clients/<uuid:client_id>/disclosures/authorizations/prepare": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/disclosures/authorization-requests/<uuid:prepared_id>/withdraw":
        Route(CLINICAL_SCOPE, "POST"),
    # The client's side of disclosures: the signed-in client only; staff get 403, and another
    # client gets 404 for this client's ids (ADR 0009).
    "portal/disclosures/": Route(PORTAL),
    "portal/disclosures/accounting.pdf": Route(PORTAL),
    "portal/authorizations/": Route(PORTAL),
    "portal/authorizations/sign/<uuid:prepared_id>/": Route(PORTAL_OWN),
    "portal/authorizations/<uuid:authorization_id>/revoke": Route(PORTAL_OWN, "POST"),
    # Intake, measures, client uploads and the calendar (issue 15, ADR 0020).
    "clients/<uuid:client_id>/measures/": Route(CLINICAL_SCOPE),
    "clients/<uuid:client_id>/measures/send": Route(CLINICAL_SCOPE, "POST"),
    "clients/<uuid:client_id>/measures/share": Route(CLINICAL_SCOPE, "POST"),
    "clients/<uuid:client_id>/measures/<uuid:assignment_id>/stop": Route(MEASURE_WRITE, "POST"),
    "clients/<uuid:client_id>/measures/submissions/<uuid:submission_id>/review": Route(MEASURE_WRITE, "POST"),
    "practice/packets/": Route(TREATING_STAFF),
    "calendar/": Route(STAFF),
    "calendar/availability/": Route(TREATING_STAFF),
    "portal/forms/": Route(PORTAL),
    "portal/forms/<uuid:assignment_id>/": Route(PORTAL_OWN),
    "portal/results/": Route(PORTAL),
    "portal/appointments/": Route(PORTAL),
    "portal/uploads/": Route(PORTAL),
    # The right of access and amendments (ADR 0023).
    "practice/access-requests/": Route(ACCESS_LIST),
    "clients/<uuid:client_id>/access-requests/": Route(ACCESS_REVIEW),
    "clients/<uuid:client_id>/access-requests/<uuid:access_request_id>/fulfil": Route(ACCESS_REVIEW, "POST"),
    "clients/<uuid:client_id>/access-requests/<uuid:access_request_id>/deny": Route(ACCESS_FORM, "POST"),
    "clients/<uuid:client_id>/access-requests/<uuid:access_request_id>/extend": Route(ACCESS_FORM, "POST"),
    "clients/<uuid:client_id>/amendments/<uuid:amendment_id>/answer": Route(ACCESS_FORM, "POST"),
    "portal/record/": Route(PORTAL),
    "portal/record/request": Route(PORTAL, "POST"),
    "portal/record/copies/<uuid:copy_id>": Route(PORTAL_OWN),
    "portal/record/requests/<uuid:access_request_id>/review": Route(PORTAL_OWN, "POST"),
    "portal/record/amendments": Route(PORTAL, "POST"),
    # A client's forgotten portal password (ADR 0023). The e-mailed link is a page like an invitation's.
    "clients/<uuid:client_id>/portal/recovery/": Route(PORTAL_INVITE),
    "clients/<uuid:client_id>/portal/recovery/start": Route(PORTAL_INVITE, "POST"),
    "clients/<uuid:client_id>/portal/recovery/restore": Route(RECOVERY_FORM, "POST"),
    "portal/recover/<str:token>/": Route(LINK, ends_session=True),
}

# Valid forms for POST pages whose empty form would be refused before any lookup (so the matrix
# sees who may really use them).
WEB_BODIES: dict[str, dict[str, str]] = {
    "clients/<uuid:client_id>/portal/invite": {"email": "wren.again@example.test"},
    "clients/<uuid:client_id>/portal/recovery/start": {"identity_check": "in_person", "confirmed": "on"},
}

# allauth's routes, classified by prefix: its pages hold no client data.
WEB_PREFIXES: dict[str, Route] = {"accounts/": Route(ACCOUNT)}

API_ANONYMOUS = frozenset({LOGIN})

# API operations, keyed "METHOD /api/v1/path" as in the OpenAPI document. Writes are sent with
# the valid body of `API_BODIES`, so an allowed persona really writes.
API_OPERATIONS: dict[str, Route] = {
    "GET /api/v1/health": Route(PUBLIC),
    "GET /api/v1/clients": Route(Policy("api staff", _everyone(frozenset({OK})), anonymous=API_ANONYMOUS,
                                        others=_CLIENTS_DENIED)),
    "POST /api/v1/clients": Route(Policy("api staff write", _everyone(REACHED), anonymous=API_ANONYMOUS,
                                         others=_CLIENTS_DENIED), "POST"),
    "POST /api/v1/clients/search": Route(Policy("api staff search", _everyone(frozenset({OK})),
                                                anonymous=API_ANONYMOUS, others=_CLIENTS_DENIED), "POST"),
    "GET /api/v1/clients/{client_id}": Route(ADMIN_SCOPE),
    "GET /api/v1/clients/{client_id}/access-log": Route(ADMIN_SCOPE),
    "GET /api/v1/clients/{client_id}/care-team": Route(ADMIN_SCOPE),
    "GET /api/v1/clients/{client_id}/messages": Route(MESSAGING),
    "POST /api/v1/clients/{client_id}/messages": Route(MESSAGING, "POST"),
    "POST /api/v1/clients/{client_id}/messages/{message_id}/file": Route(MESSAGING, "POST"),
    "POST /api/v1/clients/{client_id}/care-team": Route(TEAM_MANAGE, "POST"),
    "DELETE /api/v1/clients/{client_id}/care-team/{user_id}": Route(TEAM_MANAGE, "DELETE"),
    "DELETE /api/v1/clients/{client_id}/care-team": Route(TEAM_MANAGE, "DELETE"),
    "GET /api/v1/clients/{client_id}/notes": Route(CLINICAL_SCOPE),
    "POST /api/v1/clients/{client_id}/notes": Route(CLINICAL_SCOPE, "POST"),
    "GET /api/v1/clients/{client_id}/notes/{note_id}": Route(CLINICAL_SCOPE),
    # The clinician's copy of the record (ADR 0023): treating clinicians (a supervisor holds the key
    # but does not export). Called without `format`, it is a 400 for them after the access check
    # (the formats themselves are tested in tests/access_rights/test_api.py).
    "GET /api/v1/clients/{client_id}/export": Route(Policy("api export", {"clinician_on_team": frozenset({INVALID})},
                                                           anonymous=API_ANONYMOUS)),
    # The audit log's proofs (ADR 0014): checkpoints and consistency proofs hold no client data, so
    # any staff member may fetch them; entries of a range (every access's opaque ids) only owners.
    "GET /api/v1/audit-log/checkpoint": Route(Policy("api staff", _everyone(frozenset({OK})),
                                                     anonymous=API_ANONYMOUS, others=_CLIENTS_DENIED)),
    "GET /api/v1/audit-log/consistency": Route(Policy("api staff", _everyone(REACHED),
                                                      anonymous=API_ANONYMOUS, others=_CLIENTS_DENIED)),
    "GET /api/v1/audit-log/entries": Route(Policy("api owner", {"owner": REACHED, "other_practice": REACHED},
                                                  anonymous=API_ANONYMOUS, others=_CLIENTS_DENIED)),
}

API_BODIES: dict[str, dict[str, object]] = {
    "POST /api/v1/clients/{client_id}/messages": {"text": "A reply."},
    "POST /api/v1/clients": {"given_name": "Fictional", "family_name": "Person"},
    "POST /api/v1/clients/search": {"query": "Fictional"},
    "POST /api/v1/clients/{client_id}/care-team": {"email": "sam@example.test", "role": "supervisor",
                                                   "clinical": False},
    "DELETE /api/v1/clients/{client_id}/care-team": {"user_id": "{body_user_id}"},
    "POST /api/v1/clients/{client_id}/notes": {"kind": "progress", "session_date": "2026-11-21",
                                               "body": "A fictional session."},
}


def web_route(pattern: str) -> Route | None:
    """The classification of a page pattern, or None when nobody classified it."""
    if pattern in WEB_ROUTES:
        return WEB_ROUTES[pattern]
    return next((route for prefix, route in WEB_PREFIXES.items() if pattern.startswith(prefix)), None)
