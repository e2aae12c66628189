from django.urls import include, path

from confide.oversight import views as oversight
from confide.web import access_views, views
from confide.web import records_views as records

urlpatterns = [
    path("", views.home, name="home"),
    path("practice/settings/", views.practice_settings, name="practice-settings"),
    path("practice/staff/", views.staff_list, name="staff-list"),
    path("practice/staff/<int:member_id>/active", views.set_member_active, name="staff-set-active"),
    path("practice/staff/<int:member_id>/reset-second-factor", views.reset_member_mfa, name="staff-reset-mfa"),
    path("practice/invitations/<int:invitation_id>/revoke", views.revoke_invitation, name="invitation-revoke"),
    path("practice/", include("confide.jurisdictions.urls")),
    path("invite/<str:token>/", views.accept_invitation, name="invitation-accept"),
    path("account/security/", views.account_security, name="account-security"),
    path("account/sign-out-everywhere", views.sign_out_everywhere, name="sign-out-everywhere"),
    path("session/status", views.session_status, name="session-status"),
    path("session/keepalive", views.session_keepalive, name="session-keepalive"),
    path("vault/unlock", views.vault_unlock, name="vault-unlock"),
    path("healthz", views.healthz, name="healthz"),
    # The client record. Only opaque UUIDs go into these paths: never a name or a search term.
    path("clients/", records.caseload, name="clients"),
    path("clients/summary", records.caseload_summary, name="clients-summary"),
    path("clients/new", records.register_client, name="client-new"),
    path("clients/<uuid:client_id>/", records.chart, name="client-chart"),
    path("clients/<uuid:client_id>/details", records.edit_client, name="client-edit"),
    path("clients/<uuid:client_id>/notes/new", records.new_note, name="note-new"),
    path("clients/<uuid:client_id>/notes/autosave", records.autosave_new_note, name="note-autosave-new"),
    path("clients/<uuid:client_id>/notes/<uuid:note_id>/", records.note, name="note"),
    path("clients/<uuid:client_id>/notes/<uuid:note_id>/autosave", records.autosave_note, name="note-autosave"),
    path("clients/<uuid:client_id>/notes/<uuid:note_id>/addenda", records.add_addendum, name="note-addendum"),
    path("clients/<uuid:client_id>/psychotherapy-notes/", records.psychotherapy_notes, name="psychotherapy-notes"),
    path("clients/<uuid:client_id>/team/", records.care_team, name="care-team"),
    path("clients/<uuid:client_id>/access-log/", access_views.access_log, name="access-log"),
    path("clients/<uuid:client_id>/team/revoke", records.revoke_access, name="care-team-revoke"),
    path("clients/<uuid:client_id>/documents/", records.upload_document, name="documents"),
    path("clients/<uuid:client_id>/documents/<uuid:document_id>", records.download_document, name="document"),
    path("clients/<uuid:client_id>/episodes/", records.episodes, name="episodes"),
    path("clients/<uuid:client_id>/episodes/close", records.close_episode, name="episode-close"),
    path("clients/<uuid:client_id>/sessions/", records.appointments, name="appointments"),
    path("clients/<uuid:client_id>/sessions/new", records.new_appointment, name="appointment-new"),
    path("clients/<uuid:client_id>/sessions/<uuid:appointment_id>/", records.edit_appointment,
         name="appointment"),
    path("clients/<uuid:client_id>/plan/", records.treatment_plan, name="treatment-plan"),
    path("clients/<uuid:client_id>/plan/edit", records.edit_treatment_plan, name="treatment-plan-edit"),
    # Break-glass emergency access and the owner's alerts (confide.oversight).
    path("practice/emergency-access/", oversight.holders, name="emergency-holders"),
    path("practice/emergency-access/revoke", oversight.revoke_holder, name="emergency-holders-revoke"),
    path("emergency/", oversight.emergency, name="emergency"),
    path("emergency/<uuid:session_id>/end", oversight.end_emergency, name="emergency-end"),
    path("clients/<uuid:client_id>/emergency", oversight.open_emergency, name="emergency-open"),
    path("alerts/", oversight.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/", oversight.alert_detail, name="alert"),
    path("alerts/<int:alert_id>/acknowledge", oversight.acknowledge_alert, name="alert-acknowledge"),
    # The client portal and its staff actions (ADR 0008).
    path("", include("confide.portal.urls")),
    path("", include("confide.disclosures.urls")),
]
