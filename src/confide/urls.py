"""Top-level URL configuration. Every path carries opaque ids only, never client data."""

from django.urls import include, path

from confide.api.v1 import api
from confide.web import errors

urlpatterns = [
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("confide.web.urls")),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
