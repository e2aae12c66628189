"""Top-level URL configuration. Every path carries opaque ids only, never client data."""

from django.urls import include, path

from confide.api.v1 import api
from confide.web import errors
from confide.web.views import password_reset_unavailable

urlpatterns = [
    path("api/v1/", api.urls),
    # Resetting a password by e-mail would leave the person's keys locked under the old one,
    # so Confide explains the real path instead (docs/recovery.md).
    path("accounts/password/reset/", password_reset_unavailable, name="account_reset_password"),
    path("accounts/", include("allauth.urls")),
    path("", include("confide.messaging.urls")),
    path("", include("confide.web.urls")),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
