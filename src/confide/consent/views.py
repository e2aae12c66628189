"""The owner's consent pages: the practice's policies, and a preview of the document (HTML and PDF)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from confide.consent import services
from confide.consent.document import build_consent_document
from confide.consent.forms import ConsentPolicyForm
from confide.consent.models import ConsentPolicy
from confide.consent.pdf import ConsentPdfError, render_consent_pdf
from confide.jurisdictions.loader import DISCLAIMER
from confide.jurisdictions.services import pack_confirmed, practice_pack
from confide.practice.models import Membership
from confide.web.decorators import owner_required


@owner_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    """The practice's consent policies; saving them changes the consent document's version."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    practice = membership.practice
    stored = ConsentPolicy.objects.filter(practice=practice).first()
    status = 200
    if request.method == "POST":
        form = ConsentPolicyForm(request.POST)
        if form.is_valid():
            try:
                services.update_consent_policy(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            except services.ConsentPolicyError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Consent policies saved. The consent document has a new version.")
                return redirect("consent-policy")
        status = 400
    else:
        form = ConsentPolicyForm(initial=ConsentPolicyForm.initial_for(stored))
    return render(
        request,
        "consent/policy.html",
        {
            "form": form,
            "stored": stored,
            "pack": practice_pack(practice),
            "confirmed": pack_confirmed(practice),
            "text": build_consent_document(practice),
            "disclaimer": DISCLAIMER,
        },
        status=status,
    )


@owner_required
@require_GET
def preview(request: HttpRequest) -> HttpResponse:
    """The consent document as clients will read it, with the rules each section rests on."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    practice = membership.practice
    return render(
        request,
        "consent/preview.html",
        {
            "text": build_consent_document(practice),
            "confirmed": pack_confirmed(practice),
            "disclaimer": DISCLAIMER,
        },
    )


@owner_required
@require_GET
def preview_pdf(request: HttpRequest) -> HttpResponse:
    """The unsigned consent document as a PDF download."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    text = build_consent_document(membership.practice)
    try:
        pdf = render_consent_pdf(text)
    except ConsentPdfError:
        messages.error(request, "The PDF could not be made just now. Please try again.")
        return redirect("consent-preview")
    response = HttpResponse(pdf, content_type="application/pdf")
    # The file name holds only the version hash: never a practice, client or person name.
    response["Content-Disposition"] = f'attachment; filename="consent-{text.short_hash}.pdf"'
    return response
