"""The internal record of disclosures and the client's accounting of disclosures (45 CFR 164.528).

Every disclosure, exempt or not, is a `Disclosure` row and an audit event. The accounting is the
part of that record a client may ask for: the six years before the request, without the exempt
categories (treatment, payment, operations, to the client, under an authorization ...).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from confide.audit.tags import Tag
from confide.disclosures import hooks
from confide.disclosures.models import Disclosure
from confide.disclosures.pdf import render_pdf
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.practice.models import Practice
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import Client
from confide.records.sealing import client_in_vault, field_context, open_value, seal_value, staff_membership
from confide.records.services import open_demographics

Scope = ScopeKeyVersion.Scope

ACCOUNTING_YEARS = 6
# Disclosures a client's accounting leaves out (164.528(a)(1)); all others are listed.
EXEMPT_BASES = frozenset({
    Disclosure.Basis.AUTHORIZATION, Disclosure.Basis.TREATMENT, Disclosure.Basis.PAYMENT,
    Disclosure.Basis.OPERATIONS, Disclosure.Basis.TO_CLIENT,
})
# Bases a clinician may record by hand (the others come from their own workflows).
MANUAL_BASES = (Disclosure.Basis.TREATMENT, Disclosure.Basis.PAYMENT, Disclosure.Basis.OPERATIONS,
                Disclosure.Basis.TO_CLIENT)
MAX_FIELD = 2000


def _disclosure_context(disclosure: Disclosure, version: int) -> Any:
    return field_context(disclosure.client, "disclosure", str(disclosure.public_id), "content", version, Scope.CLINICAL)


def seal_disclosure(vault: Vault, disclosure: Disclosure, content: dict[str, Any]) -> None:
    """Seal a disclosure's content under the client's clinical key, at the disclosure's version."""
    key = vault.current_key(disclosure.client.pk, Scope.CLINICAL)
    disclosure.content = seal_value(key, content, _disclosure_context(disclosure, disclosure.version))


def open_disclosure_content(vault: Vault, disclosure: Disclosure) -> dict[str, Any]:
    """Open a disclosure's sealed content."""
    content = open_value(vault, bytes(disclosure.content), _disclosure_context(disclosure, disclosure.version))
    if not isinstance(content, dict):
        raise TypeError("a disclosure's content is a JSON object")
    return content


@dataclass(frozen=True)
class DisclosureEntry:
    """One disclosure with its content opened, for the internal record and the accounting."""

    disclosure: Disclosure
    recipient: str
    recipient_address: str
    description: str
    purpose: str

    @property
    def date(self) -> dt.date:
        when = self.disclosure.disclosed_at or self.disclosure.created_at
        return timezone.localtime(when).date()

    @property
    def exempt(self) -> bool:
        return self.disclosure.basis in EXEMPT_BASES


def _entry(vault: Vault, disclosure: Disclosure) -> DisclosureEntry:
    content = open_disclosure_content(vault, disclosure)
    return DisclosureEntry(disclosure=disclosure, recipient=str(content.get("recipient_name", "")),
                           recipient_address=str(content.get("recipient_address", "")),
                           description=str(content.get("description", "")),
                           purpose=str(content.get("purpose", "")))


def _client_for_disclosures(vault: Vault, client_id: uuid.UUID | str) -> Client:
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    staff_membership(vault)
    return client


def disclosure_record(vault: Vault, client_id: uuid.UUID | str) -> list[DisclosureEntry]:
    """Every recorded disclosure of a client, exempt or not, newest first (audited)."""
    client = _client_for_disclosures(vault, client_id)
    rows = client.disclosures.filter(status=Disclosure.Status.RECORDED).select_related("client", "made_by")
    entries = [_entry(vault, d) for d in rows]
    audit(vault, Tag.DISCLOSURES_LISTED, client)
    _backfill_portal(vault, client)
    return entries


def accountable_disclosures(client: Client, *, years: int | None = None,
                            today: dt.date | None = None) -> QuerySet[Disclosure]:
    """The recorded, non-exempt disclosures of `client`, oldest first; with `years`, only those of the last years.

    The one definition of what an accounting lists, for the staff page and the portal alike.
    """
    rows = client.disclosures.filter(status=Disclosure.Status.RECORDED).exclude(basis__in=EXEMPT_BASES)
    if years is not None:
        today = today or timezone.localdate()
        try:
            since_day = today.replace(year=today.year - years)
        except ValueError:  # 29 February
            since_day = today.replace(year=today.year - years, day=28)
        rows = rows.filter(disclosed_at__gte=timezone.make_aware(dt.datetime.combine(since_day, dt.time.min)))
    return rows.order_by("disclosed_at", "pk")  # pk: a stable order for disclosures made at the same time


def accounting_entries(vault: Vault, client: Client, *, today: dt.date | None = None) -> list[DisclosureEntry]:
    """The accounting of disclosures of `client` (164.528): six years back, exempt ones left out, oldest first.

    For the portal as well: it opens the entries with whatever vault holds the client's clinical
    key and writes the `disclosure:accounting:read` event itself.
    """
    rows = accountable_disclosures(client, years=ACCOUNTING_YEARS, today=today).select_related("client")
    entries = [_entry(vault, d) for d in rows]
    audit(vault, Tag.ACCOUNTING_READ, client)
    return entries


def accounting(vault: Vault, client_id: uuid.UUID | str, *, today: dt.date | None = None) -> list[DisclosureEntry]:
    """The accounting of disclosures for a client, by a member of the care team (audited)."""
    client = _client_for_disclosures(vault, client_id)
    _backfill_portal(vault, client)
    return accounting_entries(vault, client, today=today)


def _backfill_portal(vault: Vault, client: Client) -> None:
    """Copy what the client's portal shows of their disclosures, if they have a portal (ADR 0009)."""
    hooks.seal_portal_copies(vault, client)


def accounting_pdf(vault: Vault, client_id: uuid.UUID | str) -> bytes:
    """The accounting of disclosures as a PDF (audited as a read of the accounting)."""
    client = _client_for_disclosures(vault, client_id)
    demographics = open_demographics(vault, client)
    entries = accounting_entries(vault, client)
    return render_pdf("disclosures/pdf/accounting.html", {
        "practice": Practice.objects.get(pk=client.practice_id),
        "client_name": f"{demographics.given_name} {demographics.family_name}", "entries": entries,
        "generated_at": timezone.localtime(), "years": ACCOUNTING_YEARS})


@transaction.atomic
def record_disclosure(vault: Vault, client_id: uuid.UUID | str, *, basis: str, recipient_name: str,
                      recipient_address: str = "", description: str, purpose: str,
                      disclosed_on: dt.date | None = None) -> Disclosure:
    """Record a disclosure made outside Confide's workflows (to another provider for treatment, say).

    Only the bases in `MANUAL_BASES`: disclosures under an authorization, legal duties, emergencies
    and court orders go through their own workflows, which check what they must.
    """
    client = _client_for_disclosures(vault, client_id)
    if basis not in MANUAL_BASES:
        raise RecordError("Choose treatment, payment, operations or to the client.")
    values = {"recipient_name": recipient_name, "recipient_address": recipient_address,
              "description": description, "purpose": purpose}
    labels = {"recipient_name": "Recipient", "recipient_address": "Recipient address",
              "description": "Description", "purpose": "Purpose"}
    for name, value in values.items():
        value = (value or "").strip()
        if not value and name != "recipient_address":
            raise RecordError(f"{labels[name]} is required.")
        if len(value) > MAX_FIELD:
            raise RecordError(f"{labels[name]} is longer than {MAX_FIELD} characters.")
        values[name] = value
    day = disclosed_on or timezone.localdate()
    if day > timezone.localdate():
        raise RecordError("The date of the disclosure cannot be in the future.")
    disclosure = Disclosure(client=client, basis=basis, status=Disclosure.Status.RECORDED, made_by_id=vault.user_id,
                            disclosed_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))), content=b"")
    seal_disclosure(vault, disclosure, values)
    disclosure.save()
    audit(vault, Tag.OTHER_DISCLOSURE_MADE, client)
    hooks.after_disclosure(vault, client)
    return disclosure


def get_disclosure(vault: Vault, client_id: uuid.UUID | str, disclosure_id: uuid.UUID | str) -> Disclosure:
    """A disclosure of a client this person may see, or `NotFoundError`."""
    client = _client_for_disclosures(vault, client_id)
    try:
        public_id = uuid.UUID(str(disclosure_id))
    except ValueError:
        raise NotFoundError from None
    disclosure = client.disclosures.filter(public_id=public_id).select_related("client").first()
    if disclosure is None:
        raise NotFoundError
    return disclosure
