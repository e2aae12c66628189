"""The stored audit log: entries with their signed tree heads, subtree hashes, keys and heads.

The layout follows docs/adr/0003-audit-log-merkle-tree.md. `LogEntry.entry` and the signed
head beside it are the evidence; everything else on a row (`tag`, `actor_id`, `client_id`,
`occurred_at`) is an untrusted copy kept only so that the access history can be queried with an
index. The verifier never reads those copies. Rows are never updated or deleted by Confide.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class LogEntry(models.Model):
    """One audit event at its position in the log; a batch's last row also holds the signed head."""

    position = models.BigIntegerField(primary_key=True)
    entry = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32)
    # The signed head of size position + 1. Only the last row of each appended batch carries
    # one (docs/adr/0005-batched-audit-appends.md); the other rows leave these empty.
    root_hash = models.BinaryField(max_length=32, null=True)
    signed_at = models.DateTimeField(null=True)
    key_id = models.BinaryField(max_length=32, null=True)
    signature = models.BinaryField(max_length=64, null=True)
    # The origin line of a C2SP checkpoint head (issue 22): when set, `signature` covers the
    # checkpoint text `origin\nsize\nroot\n`; when empty on a signed row, the v1 head message.
    origin = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 (NULL: a v1 head, or no head)
    # Untrusted, derived copies of fields inside `entry`, for indexed look-ups only. They hold
    # opaque ids and typed tags, never a name: whatever identifies a person is in the entry's
    # sealed detail, encrypted by the caller.
    tag = models.CharField(max_length=100)
    actor_id = models.CharField(max_length=128)
    client_id = models.CharField(max_length=128, blank=True, default="")
    occurred_at = models.DateTimeField()

    class Meta:
        db_table = "audit_entry"
        indexes = [
            models.Index(fields=["client_id", "position"], name="audit_entry_client_idx"),
            models.Index(fields=["actor_id", "position"], name="audit_entry_actor_idx"),
            models.Index(fields=["tag", "position"], name="audit_entry_tag_idx"),
            models.Index(fields=["occurred_at"], name="audit_entry_time_idx"),
        ]

    def __str__(self) -> str:
        return f"Audit entry {self.position} ({self.tag})"


class LogNode(models.Model):
    """The hash of a complete subtree: 2**level leaves starting at leaf index * 2**level."""

    pk = models.CompositePrimaryKey("level", "index")
    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        db_table = "audit_node"

    def __str__(self) -> str:
        return f"Audit subtree ({self.level}, {self.index})"


class SigningKey(models.Model):
    """A public key that has signed tree heads. The private key is never in the database.

    Rows here are a directory, not a trust anchor: someone who can write the database can add a
    key, so `confide audit verify` trusts only the key file and keys given on its command line.
    """

    key_id = models.BinaryField(max_length=32, unique=True)
    public_key = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "audit_signing_key"

    def __str__(self) -> str:
        return f"Audit signing key {bytes(self.key_id).hex()[:16]}"


class PublishedHead(models.Model):
    """A signed tree head that was handed out of the system (a file in the head directory)."""

    size = models.BigIntegerField()
    signed_at = models.DateTimeField()
    root_hash = models.BinaryField(max_length=32)
    key_id = models.BinaryField(max_length=32)
    signature = models.BinaryField(max_length=64)
    published_to = models.CharField(max_length=500)
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audit_published_head"
        ordering = ("-size",)

    def __str__(self) -> str:
        return f"Published audit head of size {self.size}"


class LogLock(models.Model):
    """A single row that appenders lock (SELECT ... FOR UPDATE) so that appends run one at a time.

    It holds no data: the log's size is always read from `LogEntry`, so nothing here can
    disagree with the entries.
    """

    id = models.PositiveSmallIntegerField(primary_key=True)

    class Meta:
        db_table = "audit_log_head"

    def __str__(self) -> str:
        return "Audit log append lock"


class PendingEvent(models.Model):
    """An event committed with its action but not yet placed in the ordered log.

    Writers insert here, in the transaction of the action they record, without waiting for
    anyone; the sequencer (`services.sequence_pending`) moves pending rows in batches into
    `LogEntry` and signs one tree head per batch. See docs/adr/0005-batched-audit-appends.md.
    Like `LogEntry`, it holds an encoded entry (opaque ids, sealed detail) and untrusted index
    copies, never a name.
    """

    id = models.BigAutoField(primary_key=True)
    entry = models.BinaryField()
    tag = models.CharField(max_length=100)
    actor_id = models.CharField(max_length=128)
    client_id = models.CharField(max_length=128, blank=True, default="")
    occurred_at = models.DateTimeField()

    class Meta:
        db_table = "audit_pending"

    def __str__(self) -> str:
        return f"Pending audit event {self.id} ({self.tag})"


class Cosignature(models.Model):
    """A witness's cosignature (C2SP cosignature/v1) on one of the log's checkpoints.

    `checkpoint` is the cosigned checkpoint note with the witness's signature line; it names no
    client. `confide audit verify` checks the log against the newest one (ADR 0014).
    """

    witness = models.CharField(max_length=200)
    size = models.BigIntegerField()
    root_hash = models.BinaryField(max_length=32)
    checkpoint = models.TextField()
    cosigned_at = models.DateTimeField()

    class Meta:
        db_table = "audit_cosignature"
        ordering = ("-size",)

    def __str__(self) -> str:
        return f"Cosignature by {self.witness} of size {self.size}"
