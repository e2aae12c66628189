"""allauth's sign-in and second-factor pages, answering a refused attempt with a 4xx status.

allauth renders a failed sign-in, a lockout and a wrong code with status 200, so scripts and
monitoring saw success (finding 8 of issue 21). The page is the same; the status now says what
happened: 400 for a wrong password or code, 429 while the account or address is locked out.
"""

from __future__ import annotations

from collections.abc import Callable

from allauth.account.views import login as allauth_login
from allauth.mfa.base.views import authenticate as allauth_mfa_authenticate
from django.http import HttpRequest, HttpResponse

_LOCKED_CODES = frozenset({"too_many_login_attempts"})


def _with_refusal_status(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if request.method == "POST" and response.status_code == 200 and form is not None and form.errors:
            codes = {error.code for errors in form.errors.as_data().values() for error in errors}
            response.status_code = 429 if codes & _LOCKED_CODES else 400
        return response

    wrapped.__doc__ = view.__doc__
    return wrapped


login = _with_refusal_status(allauth_login)
mfa_authenticate = _with_refusal_status(allauth_mfa_authenticate)
