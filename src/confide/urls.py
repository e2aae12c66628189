"""Top-level URL configuration. Every path carries opaque ids only, never client data."""

from django.urls import include, path, re_path

from confide.api.v1 import api
from confide.web import errors, signin_views
from confide.web.views import password_reset_unavailable

urlpatterns = [
    # Liveness, readiness and metrics (ADR 0022): no data, and /metrics only with the operator's token.
    path("", include("confide.ops.urls")),
    path("api/v1/", api.urls),
    # Resetting a password by e-mail would leave the person's keys locked under the old one,
    # so Confide explains the real path instead (docs/recovery.md).
    path("accounts/password/reset/", password_reset_unavailable, name="account_reset_password"),
    # allauth's routes that Confide does not use answer 404 (ADR 0013): above all the reset-by-link
    # page, where a token forged with a stolen secret key would set a new password.
    path("accounts/", include([re_path(r"^(?:password/reset/.+|password/set/|signup/|email/|confirm-email/.*"
                                       r"|login/code/.*|reauthenticate/code/.*)$", errors.page_not_found)])),
    # allauth's pages, answering a refused attempt with 400 or 429 instead of 200.
    path("accounts/login/", signin_views.login, name="account_login"),
    path("accounts/2fa/authenticate/", signin_views.mfa_authenticate, name="mfa_authenticate"),
    path("accounts/", include("allauth.urls")),
    path("", include("confide.consultation.urls")),
    path("", include("confide.messaging.urls")),
    path("", include("confide.lifecycle.urls")),
    path("", include("confide.telehealth.urls")),
    path("", include("confide.measures.urls")),
    path("", include("confide.scheduling.urls")),
    path("", include("confide.web.urls")),
]

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
