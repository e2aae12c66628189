"""Messaging pages: the client's thread in the portal, and the thread in the chart for the care team.

Paths carry opaque ids only. Every page with a message is `Cache-Control: no-store`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from confide.keys.vault import Vault
from confide.messaging import crisis, practice_settings, reminders, services
from confide.messaging.models import ReminderChoice
from confide.notifications import sms
from confide.notifications.preferences import practice_settings as practice_settings_of
from confide.portal.models import ClientAccount
from confide.portal.views import client_required
from confide.practice.models import Membership, Role
from confide.records.errors import NotFoundError
from confide.web.decorators import staff_required, vault_required

MAX_POST_BYTES = services.MAX_ATTACHMENT_BYTES + 64 * 1024


class ComposeForm(forms.Form):
    text = forms.CharField(label="Your message", widget=forms.Textarea(attrs={"rows": 5}),
                           max_length=services.MAX_MESSAGE_CHARS)
    attachment = forms.FileField(label="Attach a file (optional: PDF, PNG, JPEG or text, up to 5 MB)",
                                 required=False)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _upload(form: ComposeForm) -> services.Upload | None:
    file = form.cleaned_data.get("attachment")
    if not file:
        return None
    if (file.size or 0) > services.MAX_ATTACHMENT_BYTES:
        raise services.MessagingError("Attachments may be at most 5 MB.")
    return services.Upload(filename=file.name or "", content=file.read())


def _download(meta: services.OpenedAttachment, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=meta.content_type)
    # A neutral file name: the real one is shown on the page, never put in a header a proxy logs.
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(meta.content_type, "txt")
    response["Content-Disposition"] = f'attachment; filename="attachment.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return _no_store(response)


# ----------------------------------------------------------------------------- the client's side


@client_required
@require_http_methods(["GET", "POST"])
def portal_thread(request: HttpRequest) -> HttpResponse:
    account: ClientAccount = request.account  # type: ignore[attr-defined]
    vault: Vault = request.vault  # type: ignore[attr-defined]
    form = ComposeForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_POST_BYTES:
            form.add_error(None, "Attachments may be at most 5 MB.")
        elif form.is_valid():
            try:
                services.send_as_client(vault, account, text=form.cleaned_data["text"], upload=_upload(form))
            except services.MessagingError as exc:
                form.add_error(None, str(exc))
            else:
                flash.success(request, "Your message was sent to your care team.")
                return redirect("portal-messages")
    try:
        thread = services.read_as_client(vault, account)
    except NotFoundError:
        thread = []
    line = crisis.crisis_line(account.practice.jurisdiction)
    return _no_store(render(request, "messaging/portal_thread.html",
                            {"thread": thread, "form": form, "crisis": line}, status=status))


@client_required
def portal_attachment(request: HttpRequest, attachment_id: str) -> HttpResponse:
    account: ClientAccount = request.account  # type: ignore[attr-defined]
    try:
        meta, content = services.open_attachment(request.vault, account.client, attachment_id,  # type: ignore[attr-defined]
                                                 account=account)
    except NotFoundError:
        raise Http404 from None
    return _download(meta, content)


# ----------------------------------------------------------------------------- the care team's side


def _staff_page(request: HttpRequest, client_id: str, form: ComposeForm, status: int = 200) -> HttpResponse:
    vault: Vault = request.vault  # type: ignore[attr-defined]
    try:
        thread = services.read_as_staff(vault, client_id)
    except NotFoundError:
        raise Http404 from None
    context: dict[str, Any] = {"thread": thread, "form": form, "client_id": client_id}
    return _no_store(render(request, "messaging/staff_thread.html", context, status=status))


@vault_required
@require_http_methods(["GET", "POST"])
def staff_thread(request: HttpRequest, client_id: str) -> HttpResponse:
    vault: Vault = request.vault  # type: ignore[attr-defined]
    form = ComposeForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_POST_BYTES:
            form.add_error(None, "Attachments may be at most 5 MB.")
        elif form.is_valid():
            try:
                services.send_as_staff(vault, str(client_id), text=form.cleaned_data["text"], upload=_upload(form))
            except NotFoundError:
                raise Http404 from None
            except services.MessagingError as exc:
                form.add_error(None, str(exc))
            else:
                flash.success(request, "Reply sent. The client is told only that something is waiting.")
                return redirect("client-messages", client_id=client_id)
        return _staff_page(request, str(client_id), form, status=400)
    return _staff_page(request, str(client_id), form)


@vault_required
@require_POST
def file_message(request: HttpRequest, client_id: str, message_id: str) -> HttpResponse:
    try:
        services.file_message(request.vault, str(client_id), str(message_id))  # type: ignore[attr-defined]
    except NotFoundError:
        raise Http404 from None
    except services.MessagingError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, "Filed into the clinical record as a document.")
    return redirect(reverse("client-messages", args=[client_id]))


@vault_required
def staff_attachment(request: HttpRequest, client_id: str, attachment_id: str) -> HttpResponse:
    try:
        meta, content = services.staff_attachment(request.vault, str(client_id), attachment_id)  # type: ignore[attr-defined]
    except NotFoundError:
        raise Http404 from None
    return _download(meta, content)


class ReminderForm(forms.Form):
    channel = forms.ChoiceField(label="Remind me by", choices=(("email", "E-mail"), ("sms", "Text message")),
                                widget=forms.RadioSelect)
    contact = forms.CharField(label="E-mail address or phone number for reminders", max_length=254)
    hours_before = forms.IntegerField(label="How many hours before", min_value=1, max_value=168, initial=24)
    include_format = forms.BooleanField(label="Also say whether it is in person, by video or by phone",
                                        required=False)


@client_required
@require_http_methods(["GET", "POST"])
def portal_reminders(request: HttpRequest) -> HttpResponse:
    account: ClientAccount = request.account  # type: ignore[attr-defined]
    current = ReminderChoice.objects.filter(client=account.client).first()
    form = ReminderForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "stop":
        reminders.stop(account)
        flash.success(request, "Reminders are off. The address or number you gave was deleted.")
        return redirect("portal-reminders")
    if request.method == "POST" and form.is_valid():
        try:
            reminders.choose(account, channel=form.cleaned_data["channel"], contact=form.cleaned_data["contact"],
                             include_format=form.cleaned_data["include_format"],
                             hours_before=form.cleaned_data["hours_before"])
        except reminders.ReminderError as exc:
            form.add_error(None, str(exc))
        else:
            flash.success(request, "Reminders are on.")
            return redirect("portal-reminders")
    return _no_store(render(request, "messaging/portal_reminders.html",
                            {"form": form, "current": current, "sms_available": sms.available()},
                            status=400 if request.method == "POST" else 200))


# ----------------------------------------------------------------------------- settings

class MessagingSettingsForm(forms.Form):
    sender_name = forms.CharField(
        label="Sender name of every notification", max_length=practice_settings.MAX_SENDER,
        help_text="The only thing a notification says about the practice. A clinic's own name can itself "
                  "disclose (an eating disorder centre, an addiction service): a neutral name such as "
                  "“Secure portal” is safest.")
    messaging_period_days = forms.IntegerField(
        label="Keep messages not filed into the record for (days)", min_value=practice_settings.MIN_PERIOD_DAYS,
        max_value=practice_settings.MAX_PERIOD_DAYS,
        help_text="After this many days a message nobody filed is destroyed. A shorter period destroys older "
                  "unfiled messages at the next retention run.")


@staff_required
@require_http_methods(["GET", "POST"])
def messaging_settings(request: HttpRequest) -> HttpResponse:
    """The practice's messaging choices: staff read them, the owner changes them."""
    membership: Membership = request.membership  # type: ignore[attr-defined]
    current = practice_settings_of(membership.practice_id)
    is_owner = membership.role == Role.OWNER
    form = MessagingSettingsForm(request.POST or None, initial={
        "sender_name": current.sender_name, "messaging_period_days": current.messaging_period_days})
    status = 200
    if request.method == "POST":
        if not is_owner:
            return HttpResponse("Only the practice owner can change these settings.", status=403,
                                content_type="text/plain; charset=utf-8")
        status = 400
        if form.is_valid():
            try:
                practice_settings.update_messaging_settings(actor=request.user,  # type: ignore[arg-type]
                                                            **form.cleaned_data)
            except practice_settings.SettingsError as exc:
                form.add_error(None, str(exc))
            else:
                flash.success(request, "Messaging settings saved.")
                return redirect("messaging-settings")
    return render(request, "messaging/settings.html", {"form": form, "current": current, "is_owner": is_owner},
                  status=status)


class QuietHoursForm(forms.Form):
    HOURS = [(h, f"{h:02d}:00") for h in range(24)]
    start = forms.TypedChoiceField(label="Quiet from", choices=HOURS, coerce=int)
    end = forms.TypedChoiceField(label="Quiet until", choices=HOURS, coerce=int,
                                 help_text="The same hour in both means no quiet hours.")


@staff_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """A staff member's own quiet hours for the digest that says something is waiting."""
    hours = practice_settings.quiet_hours_of(int(request.user.pk or 0))
    form = QuietHoursForm(request.POST or None, initial={"start": hours.start, "end": hours.end})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                practice_settings.set_own_quiet_hours(request.user,  # type: ignore[arg-type]
                                                      start=form.cleaned_data["start"], end=form.cleaned_data["end"])
            except practice_settings.SettingsError as exc:
                form.add_error(None, str(exc))
            else:
                flash.success(request, "Your quiet hours are saved.")
                return redirect("notification-preferences")
    return render(request, "messaging/notification_preferences.html", {"form": form, "hours": hours},
                  status=status)
