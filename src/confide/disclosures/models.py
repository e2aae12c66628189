"""Authorizations, disclosures, release links and court requests.

Every word about the client (recipients, descriptions, purposes, risk documentation, who was
consulted) is sealed under the client's clinical scope key. What stays in the clear is what the
rules need before any key is opened: kinds, dates (signature, expiry, disclosure, deadlines),
statuses and opaque ids. docs/adr/0009-disclosures.md explains the choices.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Authorization(models.Model):
    """A client's authorization to disclose (45 CFR 164.508), or a 42 CFR Part 2 consent."""

    class Kind(models.TextChoices):
        STANDARD = "standard", "Authorization to disclose health information"
        PSYCHOTHERAPY_NOTES = "psychotherapy_notes", "Authorization to disclose psychotherapy notes"
        PART2 = "part2", "42 CFR Part 2 consent (substance use disorder records)"

    class SignatureMethod(models.TextChoices):
        PAPER = "paper", "On paper (scan attached)"
        PORTAL = "portal", "In the client portal"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="authorizations")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    content = models.BinaryField()  # sealed (clinical): every element of the form
    signature_method = models.CharField(max_length=8, choices=SignatureMethod.choices)
    signed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    expiry_event_occurred_on = models.DateField(null=True, blank=True)
    scan = models.ForeignKey("records.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revocation = models.BinaryField(null=True)  # sealed: how the client asked
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("-signed_on", "-created_at")

    def __str__(self) -> str:
        return f"Authorization {self.public_id}"


class Disclosure(models.Model):
    """One disclosure of client information: the internal record of every disclosure, exempt or not."""

    class Basis(models.TextChoices):
        AUTHORIZATION = "authorization", "Under the client's authorization"
        DUTY_TO_WARN = "duty_to_warn", "Duty to warn or protect"
        MANDATORY_REPORT = "mandatory_report", "Mandatory report (abuse or neglect)"
        EMERGENCY = "emergency", "Emergency (serious and imminent threat)"
        COURT_ORDER = "court_order", "Court order or subpoena"
        TREATMENT = "treatment", "Treatment"
        PAYMENT = "payment", "Payment"
        OPERATIONS = "operations", "Health care operations"
        TO_CLIENT = "to_client", "To the client"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        RECORDED = "recorded", "Recorded"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="disclosures")
    basis = models.CharField(max_length=24, choices=Basis.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RECORDED)
    step = models.PositiveSmallIntegerField(default=0)  # the guided workflow's next step (drafts)
    authorization = models.ForeignKey(Authorization, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="disclosures")
    content = models.BinaryField()  # sealed (clinical): recipient, description, purpose, workflow answers
    version = models.PositiveIntegerField(default=1)
    disclosed_at = models.DateTimeField(null=True, blank=True)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-disclosed_at", "-created_at")
        indexes = [models.Index(fields=["client", "status", "disclosed_at"])]

    def __str__(self) -> str:
        return f"Disclosure {self.public_id}"


class ReleaseLink(models.Model):
    """An expiring, passcode-protected link to one packet, sealed under the packet's own key."""

    lookup = models.CharField(max_length=64, unique=True)  # SHA-256 of the token; the token is never stored
    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="release_links")
    packet = models.BinaryField()  # sealed under the packet key
    packet_key = models.BinaryField()  # the packet key, sealed under the key derived from the token
    passcode_hash = models.CharField(max_length=256)
    expires_at = models.DateTimeField()
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    revoked_at = models.DateTimeField(null=True, blank=True)
    opened_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Release link {self.pk}"


class CourtRequest(models.Model):
    """A court order or subpoena for records: a request with a deadline and an outcome."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        COMPLIED = "complied", "Records disclosed as ordered"
        CLIENT_AUTHORIZED = "client_authorized", "Disclosed with the client's authorization"
        OBJECTED = "objected", "Objection or motion to quash filed"
        WITHDRAWN = "withdrawn", "Withdrawn or quashed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="court_requests")
    received_on = models.DateField()
    deadline = models.DateField()
    outcome = models.CharField(max_length=24, choices=Outcome.choices, default=Outcome.PENDING)
    content = models.BinaryField()  # sealed: court, case number, what is asked, notes
    version = models.PositiveIntegerField(default=1)
    disclosure = models.ForeignKey(Disclosure, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("deadline",)

    def __str__(self) -> str:
        return f"Court request {self.public_id}"


class SudFlag(models.Model):
    """Marks a client whose record holds substance use disorder records (42 CFR Part 2).

    The flag is itself sensitive, so the row holds only a sealed marker: a row without a
    marker that opens means nothing.
    """

    client = models.OneToOneField("records.Client", on_delete=models.CASCADE, related_name="sud_flag")
    marker = models.BinaryField()
    flagged_at = models.DateTimeField(default=timezone.now)
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Part 2 flag of {self.client_id}"


class PortalCopy(models.Model):
    """A client-readable copy of one accountable disclosure or one authorization (ADR 0009).

    The client holds no clinical key (ADR 0008), so what the portal shows them of a disclosure or an
    authorization is sealed a second time, under the client's `portal` scope key, by a care-team
    member who holds both keys. `version` is the version of the original it copies.
    """

    class Kind(models.TextChoices):
        DISCLOSURE = "disclosure", "Disclosure"
        AUTHORIZATION = "authorization", "Authorization"

    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    record_id = models.UUIDField()  # the public id of the disclosure or authorization
    version = models.PositiveIntegerField(default=1)
    content = models.BinaryField()  # sealed (portal)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "record_id"], name="one_portal_copy_per_record")]

    def __str__(self) -> str:
        return f"Portal copy of {self.kind} {self.record_id}"


class AuthorizationRequest(models.Model):
    """An authorization a clinician prepared for the client to read and sign in the portal.

    The form's elements are sealed twice: under the client's `portal` key (what the client reads)
    and under the `clinical` key, bound to the id the authorization will have, so that the client's
    signature can create the authorization without ever holding the clinical key. The typed name
    is sealed under the portal key; time, document hash and version stay clear, like a consent
    signature.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey("records.Client", on_delete=models.CASCADE, related_name="authorization_requests")
    authorization_public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=24, choices=Authorization.Kind.choices)
    expires_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    document_hash = models.CharField(max_length=64)
    portal_text = models.BinaryField()  # sealed (portal): what the client reads
    clinical_content = models.BinaryField()  # sealed (clinical): the authorization's content once signed
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    prepared_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_name = models.BinaryField(null=True)  # sealed (portal): the name the client typed
    authorization = models.OneToOneField(Authorization, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="portal_request")

    class Meta:
        ordering = ("-prepared_at",)

    def __str__(self) -> str:
        return f"Authorization request {self.public_id}"

    @property
    def status(self) -> str:
        """`signed`, `withdrawn` or `pending`."""
        if self.signed_at is not None:
            return "signed"
        if self.withdrawn_at is not None:
            return "withdrawn"
        return "pending"
