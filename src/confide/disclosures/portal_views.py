"""Disclosure pages of the client portal: the accounting, and signing and revoking authorizations.

For a signed-in client only (`client_required`: staff get 403). Another client's ids answer 404.
Nothing about the client goes into a URL, a title, a flash message or a file name.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from confide.disclosures import client_side
from confide.disclosures.authorizations import DisclosureError
from confide.disclosures.records import ACCOUNTING_YEARS
from confide.portal.views import client_required, no_store, request_account, request_vault
from confide.records.errors import NotFoundError


class SignAuthorizationForm(forms.Form):
    document_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    understood = forms.BooleanField(
        label="I have read this authorization and I understand it.",
        error_messages={"required": "Tick the box to confirm that you read and understood the authorization."})
    typed_name = forms.CharField(label="Type your full name to sign", max_length=200,
                                 error_messages={"required": "Type your full name to sign."},
                                 widget=forms.TextInput(attrs={"autocomplete": "off"}))


@client_required
@require_GET
def accounting(request: HttpRequest) -> HttpResponse:
    """The client's accounting of disclosures: who received their information without their authorization."""
    lines = client_side.own_accounting(request_vault(request), request_account(request))
    return no_store(render(request, "disclosures/portal/accounting.html", {
        "lines": lines, "years": ACCOUNTING_YEARS}))


@client_required
@require_GET
def accounting_pdf(request: HttpRequest) -> HttpResponse:
    """The same list as a PDF, named generically."""
    pdf = client_side.own_accounting_pdf(request_vault(request), request_account(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="accounting-of-disclosures.pdf"'
    return no_store(response)


@client_required
@require_GET
def authorizations(request: HttpRequest) -> HttpResponse:
    """Authorizations waiting for the client's signature, and every authorization they gave, with revoke buttons."""
    waiting, given = client_side.own_authorizations(request_vault(request), request_account(request))
    return no_store(render(request, "disclosures/portal/authorizations.html", {"waiting": waiting, "given": given}))


@client_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, prepared_id: str) -> HttpResponse:
    """Read an authorization the therapist prepared, tick "I understand", type your name, sign."""
    account, vault = request_account(request), request_vault(request)
    try:
        opened = client_side.open_request(vault, account, str(prepared_id))
    except NotFoundError:
        raise Http404 from None
    form = SignAuthorizationForm(request.POST or None, initial={"document_hash": opened.request.document_hash})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                client_side.sign_request(vault, account, str(prepared_id),
                                         document_hash=form.cleaned_data["document_hash"],
                                         understood=form.cleaned_data["understood"],
                                         typed_name=form.cleaned_data["typed_name"])
            except NotFoundError:
                raise Http404 from None
            except DisclosureError as exc:
                message = str(exc)
                field = "understood" if "Tick" in message else "typed_name" if "name" in message else None
                form.add_error(field, message)
            else:
                messages.success(request, "Thank you. The authorization is signed; you can revoke it here at any time.")
                return redirect("portal-authorizations")
    return no_store(render(request, "disclosures/portal/sign.html", {"opened": opened, "text": opened.text,
                                                                       "form": form}, status=status))


@client_required
@require_POST
def revoke(request: HttpRequest, authorization_id: str) -> HttpResponse:
    """Revoke one of your authorizations: from now on nothing more is disclosed under it."""
    try:
        client_side.revoke_own_authorization(request_account(request), str(authorization_id))
    except NotFoundError:
        raise Http404 from None
    except DisclosureError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The authorization is revoked. Nothing more will be disclosed under it.")
    return redirect("portal-authorizations")
