"""What every clinician page of the client record shares: the request's vault and membership,
the answers to the record services' refusals (`record_page`), and small form helpers.

The record pages live by family in `caseload_views`, `chart_views`, `notes_views`,
`care_team_views`, `documents_views` and `care_views`. Three rules hold on every page: client
data never goes into a URL (only opaque UUIDs), a page title (titles end up in browser history)
or a flash message; anyone without access gets a 404 that says nothing about what exists; and a
record that fails its integrity check shows an error page, never its contents.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.practice.models import Membership
from confide.practice.services import treating_clinicians
from confide.records import denials, services
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError, StaleVersionError
from confide.records.models import Client
from confide.records.services import Demographics
from confide.web.decorators import vault_required

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]

INTEGRITY_STATUS = 500


def request_vault(request: HttpRequest) -> Vault:
    """The signed-in staff member's vault (set by `vault_required`)."""
    return request.vault  # type: ignore[attr-defined,no-any-return]


def request_membership(request: HttpRequest) -> Membership:
    """The signed-in staff member's membership of their practice."""
    return request.membership  # type: ignore[attr-defined,no-any-return]


def age_on(date_of_birth: str, today: dt.date) -> int | None:
    """Whole years between an ISO date of birth and `today`; None when the date is missing or bad."""
    try:
        born = dt.date.fromisoformat(date_of_birth)
    except ValueError:
        return None
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return years if years >= 0 else None


def attach_service_error(form: forms.Form, message: str) -> None:
    """Show a service's message next to the field it names, or above the form.

    Record services name the field at fault in plain words ("Date of birth must be ..."), so
    the message is matched against each field's label and name.
    """
    lowered = message.casefold()
    for name, field in form.fields.items():
        phrases = {str(field.label or "").casefold(), name.replace("_", " ").casefold()}
        if any(phrase and phrase in lowered for phrase in phrases):
            form.add_error(name, message)
            return
    form.add_error(None, message)


def save_versioned(form: forms.Form, context: dict[str, Any], save: Callable[[], object]) -> int | None:
    """Run a save that checks the record's version; None when it worked, else the status to answer.

    A stale version (someone saved in between) is 409 with the form kept; a refused save is 400
    with the message next to its field. No access and integrity failures propagate as usual.
    """
    try:
        save()
    except StaleVersionError as exc:
        form.add_error(None, str(exc))
        context["stale"] = True
        return 409
    except (NotFoundError, RecordIntegrityError):
        raise
    except RecordError as exc:
        attach_service_error(form, str(exc))
        return 400
    return None


def problem_page(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """A refusal in plain words, with its status (400 or 409)."""
    return render(request, "web/records/problem.html", {"message": message}, status=status)


def record_errors(view: View) -> View:
    """Turn the record services' refusals into answers: 404, 409, 400 or the integrity page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFoundError:
            raise Http404 from None
        except RecordIntegrityError:
            # The path holds only opaque ids; the alert goes to the operator's log.
            logger.error("A record failed its integrity check at %s", request.path)
            return render(request, "web/records/integrity.html", status=INTEGRITY_STATUS)
        except StaleVersionError as exc:
            return problem_page(request, str(exc), 409)
        except RecordError as exc:
            return problem_page(request, str(exc), 400)

    return wrapper


def record_page(view: View) -> View:
    """A page of the client record: a signed-in staff member with an unlocked vault."""
    return vault_required(record_errors(view))


def clinical_client(vault: Vault, client_id: str) -> tuple[Client, Demographics]:
    """A client whose clinical scope this person holds (front desk and others get NotFoundError)."""
    client, demographics = services.get_client(vault, client_id)
    if not vault.holds(client.pk, ScopeKeyVersion.Scope.CLINICAL):
        denials.note_denied(vault, client)
        raise NotFoundError
    return client, demographics


def clinicians(practice_id: int) -> list[Membership]:
    """The practice's active treating clinicians (an owner only if also a clinician)."""
    return treating_clinicians(practice_id)
