"""Routes of the portal (included from web/urls.py). Only opaque tokens and UUIDs go into paths."""

from django.urls import path

from confide.portal import access, views

urlpatterns = [
    path("portal/", views.home, name="portal-home"),
    path("portal/join/<str:token>/", views.join, name="portal-join"),
    path("portal/recover/<str:token>/", views.recover, name="portal-recover"),
    path("portal/unlock", views.unlock, name="portal-unlock"),
    path("portal/consent/", views.consent, name="portal-consent"),
    path("portal/documents/", views.documents, name="portal-documents"),
    path("portal/documents/<uuid:signature_id>.pdf", views.download, name="portal-document"),
    path("portal/privacy/", views.privacy, name="portal-privacy"),
    path("portal/access/", access.access_history, name="portal-access"),
    path("portal/access/history.csv", access.access_download, {"fmt": "csv"}, name="portal-access-csv"),
    path("portal/access/history.pdf", access.access_download, {"fmt": "pdf"}, name="portal-access-pdf"),
    path("portal/check-in/", views.checkin, name="portal-checkin"),
    path("portal/security/", views.security, name="portal-security"),
    path("portal/uploads/", views.uploads, name="portal-uploads"),
    # Staff actions of the portal.
    path("clients/<uuid:client_id>/portal/invite", views.invite_client, name="portal-invite"),
    path("clients/<uuid:client_id>/portal/recovery/", views.recovery_page, name="portal-recovery"),
    path("clients/<uuid:client_id>/portal/recovery/start", views.recovery_start, name="portal-recovery-start"),
    path("clients/<uuid:client_id>/portal/recovery/restore", views.recovery_restore, name="portal-recovery-restore"),
    path("portal/notices/<int:notice_id>/dismiss", views.dismiss_notice, name="portal-notice-dismiss"),
    path("practice/consent-process/", views.consent_settings, name="consent-settings"),
]
