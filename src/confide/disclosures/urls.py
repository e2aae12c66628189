"""Routes of the disclosures pages. Only opaque UUIDs and the random release token go into paths."""

from django.urls import path

from confide.disclosures import portal_views, views

urlpatterns = [
    path("clients/<uuid:client_id>/disclosures/", views.overview, name="disclosures"),
    path("clients/<uuid:client_id>/disclosures/part2", views.part2_flag, name="disclosures-part2"),
    path("clients/<uuid:client_id>/disclosures/authorizations/new", views.new_authorization,
         name="authorization-new"),
    path("clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/", views.authorization,
         name="authorization"),
    path("clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/revoke", views.revoke,
         name="authorization-revoke"),
    path("clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/expired", views.expiry_event,
         name="authorization-expired"),
    path("clients/<uuid:client_id>/disclosures/authorizations/<uuid:authorization_id>/packet", views.packet,
         name="authorization-packet"),
    path("clients/<uuid:client_id>/disclosures/emergency/new", views.new_emergency, name="emergency-new"),
    path("clients/<uuid:client_id>/disclosures/emergency/<uuid:disclosure_id>/", views.emergency, name="emergency"),
    path("clients/<uuid:client_id>/disclosures/court/new", views.new_court_request, name="court-new"),
    path("clients/<uuid:client_id>/disclosures/court/<uuid:request_id>/outcome", views.settle_court_request,
         name="court-settle"),
    path("clients/<uuid:client_id>/disclosures/other/new", views.new_other_disclosure, name="disclosure-other-new"),
    path("clients/<uuid:client_id>/disclosures/accounting/", views.accounting, name="accounting"),
    path("clients/<uuid:client_id>/disclosures/accounting.pdf", views.accounting_pdf, name="accounting-pdf"),
    path("clients/<uuid:client_id>/disclosures/authorizations/prepare", views.prepare_authorization,
         name="authorization-prepare"),
    path("clients/<uuid:client_id>/disclosures/authorization-requests/<uuid:prepared_id>/withdraw",
         views.withdraw_request, name="authorization-request-withdraw"),
    path("release/<str:token>/", views.release, name="release"),
    # The client's side, in the portal (ADR 0009).
    path("portal/disclosures/", portal_views.accounting, name="portal-accounting"),
    path("portal/disclosures/accounting.pdf", portal_views.accounting_pdf, name="portal-accounting-pdf"),
    path("portal/authorizations/", portal_views.authorizations, name="portal-authorizations"),
    path("portal/authorizations/sign/<uuid:prepared_id>/", portal_views.sign, name="portal-authorization-sign"),
    path("portal/authorizations/<uuid:authorization_id>/revoke", portal_views.revoke,
         name="portal-authorization-revoke"),
]
