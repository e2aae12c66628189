"""Routes of the right of access. Only opaque UUIDs go into paths."""

from django.urls import path

from confide.access_rights import portal_views, views

urlpatterns = [
    path("practice/access-requests/", views.practice_list, name="access-requests"),
    path("clients/<uuid:client_id>/access-requests/", views.review, name="access-review"),
    path("clients/<uuid:client_id>/access-requests/<uuid:access_request_id>/fulfil", views.fulfil,
         name="access-fulfil"),
    path("clients/<uuid:client_id>/access-requests/<uuid:access_request_id>/deny", views.deny, name="access-deny"),
    path("clients/<uuid:client_id>/access-requests/<uuid:access_request_id>/extend", views.extend,
         name="access-extend"),
    path("clients/<uuid:client_id>/amendments/<uuid:amendment_id>/answer", views.answer_amendment,
         name="amendment-answer"),
    # The client's side, in the portal.
    path("portal/record/", portal_views.record, name="portal-record"),
    path("portal/record/request", portal_views.request_copy, name="portal-record-request"),
    path("portal/record/copies/<uuid:copy_id>", portal_views.download, name="portal-record-copy"),
    path("portal/record/requests/<uuid:access_request_id>/review", portal_views.request_review,
         name="portal-record-review"),
    path("portal/record/amendments", portal_views.request_amendment, name="portal-amendment-new"),
]
