"""The owner's page: choose the practice's jurisdiction, review its rules with their sources, confirm."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from confide.jurisdictions import services
from confide.jurisdictions.forms import ChooseJurisdictionForm, ConfirmPackForm
from confide.jurisdictions.loader import DISCLAIMER, TOPICS
from confide.practice.models import Membership
from confide.web.decorators import owner_required


@owner_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    """Show the practice's pack rule by rule; let the owner change the jurisdiction or confirm the pack."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    practice = membership.practice
    choose_form = ChooseJurisdictionForm(initial={"code": practice.jurisdiction})
    confirm_form: ConfirmPackForm | None = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "choose":
            choose_form = ChooseJurisdictionForm(request.POST)
            if choose_form.is_valid():
                try:
                    chosen = services.choose_jurisdiction(actor=request.user, code=choose_form.cleaned_data["code"])  # type: ignore[arg-type]
                except services.JurisdictionError as exc:
                    choose_form.add_error("code", str(exc))
                else:
                    messages.success(request, f"Jurisdiction set to {chosen.name}. Review its rules, then confirm.")
                    return redirect("jurisdiction-review")
            status = 400
        elif action == "confirm":
            confirm_form = ConfirmPackForm(request.POST)
            if confirm_form.is_valid():
                try:
                    services.confirm_pack(
                        actor=request.user,  # type: ignore[arg-type]
                        code=confirm_form.cleaned_data["code"],
                        fingerprint=confirm_form.cleaned_data["fingerprint"],
                    )
                except services.JurisdictionError as exc:
                    confirm_form.add_error(None, str(exc))
                else:
                    messages.success(request, "You confirmed the practice's jurisdiction rules.")
                    return redirect("jurisdiction-review")
            status = 400
        else:
            return HttpResponse("Unknown action.", status=400)
    # The hidden code and fingerprint are always the pack's current ones (see the template), so a
    # page rendered after a failed confirmation confirms what it shows.
    pack = services.practice_pack(practice)
    if confirm_form is None:
        confirm_form = ConfirmPackForm()
    confirmation = services.current_confirmation(practice)
    groups = []
    if pack is not None:
        groups = [(label, pack.rules_for(topic)) for topic, label in TOPICS.items() if pack.rules_for(topic)]
    return render(
        request,
        "jurisdictions/review.html",
        {
            "practice": practice,
            "pack": pack,
            "groups": groups,
            "confirmed": services.pack_confirmed(practice),
            "confirmation": confirmation,
            "stale": confirmation is not None and not services.pack_confirmed(practice),
            "choose_form": choose_form,
            "confirm_form": confirm_form,
            "disclaimer": DISCLAIMER,
        },
        status=status,
    )
