"""The audit log's services: append an event, read entries with proofs, verify, publish heads.

Every other app records what it does through `record_event`. Views, the API and the CLI read
the log only through `read_entries`, which logs the read itself first. See
docs/adr/0003-audit-log-merkle-tree.md for the layout and what it proves.
"""

from __future__ import annotations

import atexit
import logging
import os
import secrets
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from confide.audit import integrity, signing
from confide.audit.errors import AuditAppendError
from confide.audit.models import Cosignature, LogEntry, PublishedHead, SigningKey
from confide.audit.sequencer import BackgroundSequencer
from confide.audit.store import (
    EVENTS_PER_INSERT,
    DatabaseLog,
    NewestRow,
    PendingRow,
    delete_pending,
    fetch_nodes,
    fetch_pending,
    head_from_row,
    insert_pending,
    insert_rows,
    load_frontier,
    lock_sequencer,
    newest_row,
    next_client_links,
    pending_exists,
    try_sequencer_session_lock,
    unlock_sequencer_session,
)
from confide.audit.tags import Tag
from confide.auditlog import (
    AuditEvent,
    AuditFormatError,
    AuditLogError,
    ClientLink,
    CompactRange,
    HistoryItem,
    LogIntegrityError,
    Outcome,
    PurposeOfUse,
    SignatureError,
    SignedTreeHead,
    VerifiedLog,
    append_batch,
    check_history,
    decode_entry,
    decode_linked_entry,
    encode_entry,
    hash_leaf,
    inclusion_proof,
    key_id,
    link_entry,
    nodes_for_inclusion_proof,
    public_key_from_bytes,
    public_key_to_bytes,
    verify_inclusion,
    verify_log,
    verify_tree_head,
)
from confide.notifications.outbox import queue_mail

__all__ = [
    "AuditAppendError",
    "LogExcerpt",
    "ReadEntry",
    "RecordedEvent",
    "check_pending",
    "current_signing_key",
    "email_head",
    "export_events",
    "latest_head",
    "new_event",
    "older_than",
    "publish_head",
    "read_entries",
    "read_head_text",
    "read_whole_client_history",
    "record_event",
    "record_events",
    "register_owner_addresses",
    "sequence_pending",
    "sequencer_mode",
    "trusted_public_keys",
    "verify_stored_log",
]

_REMEMBERED_ROOTS = 256
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordedEvent:
    """An event recorded in the caller's transaction; it is placed in the log after commit.

    Its position is not known yet: events are sequenced in batches after they commit
    (docs/adr/0005-batched-audit-appends.md). Readers of the log sequence first.
    """

    event: AuditEvent


# ----------------------------------------------------------------------------- signing key


def current_signing_key() -> signing.SigningKeyFile:
    """Return the signing key from `CONFIDE_AUDIT_SIGNING_KEY_FILE` (read again when the file changes).

    Outside production a missing key file is created, so that development and test set-ups work
    without a step; production refuses to start
    without one (see confide/audit/checks.py).
    """
    path = Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE)
    try:
        stat = path.stat()
    except FileNotFoundError:
        if settings.PRODUCTION:
            return signing.load_signing_key_file(path)  # raises SigningKeyError naming the file
        signing.ensure_signing_key_file(path)
        stat = path.stat()
    cache_key = (str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    with _state_lock:
        cached = _key_cache.get(cache_key)
    if cached is None:
        cached = signing.load_signing_key_file(path)
        with _state_lock:
            _key_cache.clear()
            _key_cache[cache_key] = cached
    return cached


_state_lock = threading.Lock()
_key_cache: dict[tuple[str, int, int, int], signing.SigningKeyFile] = {}
# Public keys this process has seen registered in a committed transaction.
_registered_keys: set[bytes] = set()
# Roots this process signed and saw committed, by tree size. A frontier loaded from the
# database whose root is one of these needs no signature check: this process made it.
_committed_roots: OrderedDict[int, bytes] = OrderedDict()


def _remember_root(size: int, root: bytes) -> None:
    with _state_lock:
        _committed_roots[size] = root
        _committed_roots.move_to_end(size)
        while len(_committed_roots) > _REMEMBERED_ROOTS:
            _committed_roots.popitem(last=False)


def _is_remembered_root(size: int, root: bytes) -> bool:
    with _state_lock:
        return _committed_roots.get(size) == root


def _remember_key(kid: bytes) -> None:
    with _state_lock:
        _registered_keys.add(kid)


# ----------------------------------------------------------------------------- appending


def _outcome(value: Outcome | str) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise ValueError(f"outcome {value!r} is not one of {', '.join(Outcome)}") from None


def new_event(
    tag: Tag | str,
    *,
    actor_id: str,
    purpose: PurposeOfUse | str,
    outcome: Outcome | str,
    client_id: str | uuid.UUID | None = None,
    sealed_detail: bytes | None = None,
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """Build and check an event for `record_events`; the arguments are those of `record_event`."""
    for name, value in (("actor_id", actor_id), ("client_id", client_id)):
        if isinstance(value, str) and "@" in value:
            raise ValueError(f"{name} must be an opaque id, not an e-mail address")
    return AuditEvent(
        tag=str(tag),
        occurred_at=occurred_at or timezone.now(),
        actor_id=actor_id,
        purpose=str(purpose),
        outcome=_outcome(outcome),
        client_id=None if client_id is None else str(client_id),
        sealed_detail=sealed_detail,
    )


def record_event(
    tag: Tag | str,
    *,
    actor_id: str,
    purpose: PurposeOfUse | str,
    outcome: Outcome | str,
    client_id: str | uuid.UUID | None = None,
    sealed_detail: bytes | None = None,
    occurred_at: datetime | None = None,
) -> RecordedEvent:
    """Append one event to the audit log, inside the caller's transaction, and return where it went.

    `actor_id` and `client_id` are opaque ids (`actor_id_for(user)`, a client's public id), never
    names or e-mail addresses. Anything that could identify someone goes in `sealed_detail`, which
    the caller seals under the client's scope key before it gets here.

    The contract, which every caller relies on:

    * **Writes** call this inside the transaction that makes the change. The append runs in a
      savepoint; if it fails, `AuditAppendError` is raised and the caller's transaction must roll
      back (letting the exception propagate out of `transaction.atomic()` does that). So a change
      is never stored without its event.
    * **Reads** call this *before* handing any data to the user, and serve nothing if it raises.
      A read that cannot be logged is not served.
    * The event goes into the pending table in the caller's transaction (no lock, so writers
      do not wait for each other); after commit a sequencer places it in the ordered, signed log
      (`sequence_pending`; by default this process's background thread, woken by the commit,
      so the request does no sequencing work: `CONFIDE_AUDIT_SEQUENCER`). Every read of the
      log sequences first, so a committed event is never missing from what verify, head or an
      access history show. Called when no transaction is open, the insert is a single
      statement that commits by itself.

    Bad arguments (a malformed tag or id, an id that looks like an e-mail address) raise
    `ValueError` (`confide.auditlog.AuditFormatError` for the core's checks) before anything
    is written.
    """
    event = new_event(
        tag,
        actor_id=actor_id,
        purpose=purpose,
        outcome=outcome,
        client_id=client_id,
        sealed_detail=sealed_detail,
        occurred_at=occurred_at,
    )
    return record_events([event])[0]


def record_events(events: Sequence[AuditEvent]) -> list[RecordedEvent]:
    """Record several events (built with `new_event`) at once, with the contract of `record_event`.

    One insert for all of them: the way to log many accesses made by one action (a list of
    charts, a bulk export) without paying for each.
    """
    if not events:
        return []
    try:
        current_signing_key()
    except signing.SigningKeyError as exc:
        raise AuditAppendError(str(exc)) from None
    encoded = [(encode_entry(event), event) for event in events]  # AuditFormatError before any write
    mode = sequencer_mode()
    inline = mode == "inline"
    try:
        if not inline and not connection.in_atomic_block and len(encoded) <= EVENTS_PER_INSERT:
            # No transaction is open (a read outside one, such as a page's batch of read events):
            # the single INSERT commits by itself in one round trip, where BEGIN, INSERT and
            # COMMIT would take three. It is as durable, and as atomic, as the block below.
            insert_pending(encoded)
        else:
            with transaction.atomic():
                insert_pending(encoded)
                if inline:
                    sequence_pending(wait=True)
    except DatabaseError as exc:
        raise AuditAppendError(f"The audit log could not be written ({type(exc).__name__}).") from exc
    if mode == "background":
        # Outside a transaction this runs at once; inside one, only if it commits.
        transaction.on_commit(_background_sequencer.wake, robust=True)
    elif mode == "after-commit":
        transaction.on_commit(_sequence_after_commit, robust=True)
    return [RecordedEvent(event) for event in events]


SEQUENCER_MODES = ("background", "after-commit", "inline")


def sequencer_mode() -> str:
    """Return `CONFIDE_AUDIT_SEQUENCER`: where committed events are placed in the signed log.

    `background`: by this process's sequencer thread, off the request path (the default).
    `after-commit`: by the writer's own thread right after its commit. `inline`: inside the
    writer's transaction, serialised (the test suite's mode: its transactions never commit).
    Raises `ImproperlyConfigured` for any other value (the system check reports it first).
    """
    mode = settings.CONFIDE_AUDIT_SEQUENCER
    if mode not in SEQUENCER_MODES:
        raise ImproperlyConfigured(
            f"CONFIDE_AUDIT_SEQUENCER must be one of {', '.join(SEQUENCER_MODES)}, not {mode!r}."
        )
    return str(mode)


def _sequence_after_commit() -> None:
    """Try to place committed events in the log; another process may already be doing it."""
    try:
        sequence_pending(wait=False)
    except (AuditAppendError, DatabaseError) as exc:
        # The events are committed and stay pending; the next sequencer (or a read of the log,
        # which sequences first) retries. The message names no client.
        logger.warning("Pending audit events could not be sequenced yet: %s", exc)


def _sequence_in_background() -> int:
    return sequence_pending(wait=False)


# This process's background sequencer (docs/adr/0005-batched-audit-appends.md, "Background
# sequencer"); its thread starts with the first event recorded in background mode.
_background_sequencer = BackgroundSequencer(_sequence_in_background)
atexit.register(_background_sequencer.stop, 2.0)


def start_background_sequencer() -> bool:
    """Start this process's sequencer thread now, in background mode (each `serve` worker at boot).

    Every serving process then looks for pending events every `IDLE_SECONDS`, not only after it
    recorded one: events a dead node (or a CLI command) left pending are placed within seconds
    by a surviving node, one sequencer at a time by the advisory lock (ADR 0022). Returns
    whether a thread was started (False in the other modes).
    """
    if sequencer_mode() != "background":
        return False
    _background_sequencer.wake()
    return True


def sequence_pending(*, wait: bool = True) -> int:
    """Move committed pending events into the ordered log, one signed tree head per batch.

    With `wait` (before any read of the log: verify, head, access log, proofs) it waits for a
    sequencer already at work and then drains what is left; without it (right after a writer
    commits) it returns at once if another transaction holds the sequencer lock, because that
    one checks for new pending rows again after it releases the lock, so nothing is stranded.
    Returns how many events were placed. Raises `AuditAppendError` when the log cannot grow
    (no signing key, a damaged log, a malformed pending row); the events then stay pending.
    """
    try:
        keys = current_signing_key()
    except signing.SigningKeyError as exc:
        raise AuditAppendError(str(exc)) from None
    if not wait and connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _sequence_with_session_lock(keys)
    moved = 0
    while True:
        try:
            with transaction.atomic():
                if not lock_sequencer(wait=wait):
                    return moved
                pending = fetch_pending(settings.CONFIDE_AUDIT_BATCH_SIZE)
                if pending:
                    _append_batch(pending, keys)
        except DatabaseError as exc:
            raise AuditAppendError(f"The audit log could not be written ({type(exc).__name__}).") from exc
        except (AuditLogError, LookupError) as exc:
            raise AuditAppendError(
                f"The audit log refuses to grow: {exc}. Run `confide audit verify`."
            ) from exc
        moved += len(pending)
        # Checked after the lock is released, even when this pass found nothing: a writer that
        # committed while we held the lock and found it taken left its rows for us.
        if not pending_exists():
            return moved


def _sequence_with_session_lock(keys: signing.SigningKeyFile) -> int:
    """`sequence_pending(wait=False)` right after a commit on PostgreSQL, in fewer round trips.

    The common case under load is that another sequencer is at work: one `pg_try_advisory_lock`
    finds that out, where a transaction with the transaction-level lock took three round trips
    (BEGIN, the lock, COMMIT). Whoever gets the lock drains the pending table in batches, one
    transaction each, releases the lock, and only then looks for rows once more: a writer that
    committed while the lock was held and found it taken left its rows for us.
    """
    moved = 0
    batch_size = settings.CONFIDE_AUDIT_BATCH_SIZE
    try:
        while True:
            if not try_sequencer_session_lock():
                return moved
            try:
                while True:
                    with transaction.atomic():
                        pending = fetch_pending(batch_size)
                        if pending:
                            _append_batch(pending, keys)
                    moved += len(pending)
                    if len(pending) < batch_size:
                        break
            finally:
                unlock_sequencer_session()
            if not pending_exists():
                return moved
    except DatabaseError as exc:
        raise AuditAppendError(f"The audit log could not be written ({type(exc).__name__}).") from exc
    except (AuditLogError, LookupError) as exc:
        raise AuditAppendError(f"The audit log refuses to grow: {exc}. Run `confide audit verify`.") from exc


def _append_batch(pending: Sequence[PendingRow], keys: signing.SigningKeyFile) -> None:
    newest = newest_row()
    size = 0 if newest is None else newest.position + 1
    frontier = load_frontier(size)
    if newest is not None:
        _check_frontier(frontier, newest, keys)
    _register_key(keys)
    try:
        batch = append_batch(
            frontier,
            _linked_entries(pending, size),
            keys.private_key,
            timezone.now(),
            origin=settings.CONFIDE_AUDIT_ORIGIN,
        )
    except AuditFormatError as exc:
        raise AuditFormatError(f"a pending event is malformed ({exc})") from None
    insert_rows(list(zip(batch.records, pending, strict=True)), batch.nodes)
    delete_pending([row.id for row in pending])
    transaction.on_commit(partial(_after_commit, size, batch.head), robust=True)


def _linked_entries(pending: Sequence[PendingRow], size: int) -> list[bytes]:
    """The pending entries as they go into the log: each one about a client carries its link (ADR 0014b)."""
    entries: list[bytes] = []
    links = next_client_links(row.client_id for row in pending if row.client_id)
    for offset, row in enumerate(pending):
        event = decode_entry(row.entry)
        if event.client_id is None:
            entries.append(row.entry)
            continue
        link = links.get(event.client_id) or next_client_links([event.client_id])[event.client_id]
        entries.append(link_entry(row.entry, link))
        links[event.client_id] = ClientLink(link.seq + 1, size + offset)
    return entries


def _check_frontier(frontier: CompactRange, newest: NewestRow, keys: signing.SigningKeyFile) -> None:
    """Refuse to extend a tree that the signing key did not sign.

    Without this check, someone who rewrote the stored subtree hashes could have Confide sign a
    head over a history of their choosing. The newest row's head must carry the frontier's root
    and a valid signature from a trusted key (the key file's, never one from the database).
    """
    root = frontier.root()
    if newest.root_hash != root:
        raise LogIntegrityError(
            newest.position, "the stored subtree hashes do not lead to the root of the newest signed tree head"
        )
    if _is_remembered_root(frontier.size, root):
        return
    if newest.signed_at is None:
        raise LogIntegrityError(newest.position, "the newest signed tree head has no valid time")
    head = head_from_row(frontier.size, root, newest.signed_at, newest.key_id, newest.signature, newest.origin)
    trusted = {key_id(key): key for key in keys.trusted_public_keys()}
    public_key = trusted.get(head.key_id)
    if public_key is None:
        raise SignatureError(f"the newest tree head is signed by key {head.key_id.hex()[:16]}…, which is not trusted")
    verify_tree_head(public_key, head)
    _remember_root(frontier.size, root)


def _register_key(keys: signing.SigningKeyFile) -> None:
    """Record the current public key (and retire the others) the first time it signs."""
    kid = keys.key_id
    with _state_lock:
        if kid in _registered_keys:
            return
    if not SigningKey.objects.filter(key_id=kid).exists():
        now = timezone.now()
        SigningKey.objects.filter(retired_at=None).update(retired_at=now)
        SigningKey.objects.create(key_id=kid, public_key=public_key_to_bytes(keys.public_key), created_at=now)
    transaction.on_commit(partial(_remember_key, kid))


def _after_commit(old_size: int, head: SignedTreeHead) -> None:
    _remember_root(head.size, head.root_hash)
    every = settings.CONFIDE_AUDIT_PUBLISH_EVERY
    if settings.CONFIDE_AUDIT_HEAD_DIR and head.size // every > old_size // every:
        publish_head(head)


# ----------------------------------------------------------------------------- heads


def latest_head() -> SignedTreeHead | None:
    """Return the signed tree head stored with the newest entry, or None for an empty log.

    It is returned as stored; `verify_stored_log` is what checks it.
    """
    newest = (
        LogEntry.objects.exclude(signature=None)
        .exclude(signed_at=None)
        .order_by("-position")
        .values_list("position", "root_hash", "signed_at", "key_id", "signature", "origin")
        .first()
    )
    if newest is None:
        return None
    position, root_hash, signed_at, kid, signature, origin = newest
    if signed_at is None:  # excluded above; for the type checker
        return None
    return head_from_row(position + 1, root_hash, signed_at, kid, signature, origin)


def publish_head(head: SignedTreeHead | None = None, directory: Path | None = None) -> Path:
    """Write a signed tree head (default: the latest) to `head-<size>.txt` in the head directory.

    The directory defaults to `CONFIDE_AUDIT_HEAD_DIR`. A head names no client, so it may go
    anywhere; the more places hold one, the harder a rewritten database is to hide. Raises
    `ValueError` when there is no head or no directory, `OSError` when the file cannot be written.
    """
    if head is None:
        try:
            sequence_pending(wait=True)
        except AuditAppendError as exc:
            logger.warning("Pending audit events could not be placed before publishing: %s", exc)
        head = latest_head()
    if head is None:
        raise ValueError("The audit log is empty; there is no tree head to publish yet.")
    target = directory or (Path(settings.CONFIDE_AUDIT_HEAD_DIR) if settings.CONFIDE_AUDIT_HEAD_DIR else None)
    if target is None:
        raise ValueError("No head directory: set CONFIDE_AUDIT_HEAD_DIR or pass one.")
    target.mkdir(parents=True, exist_ok=True)
    path = target / f"head-{head.size}.txt"
    temporary = target / f".head-{head.size}.{secrets.token_hex(6)}.tmp"
    try:
        with temporary.open("x", encoding="utf-8") as handle:
            handle.write(head.to_text())
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    PublishedHead.objects.create(
        size=head.size,
        signed_at=head.timestamp or timezone.now(),
        root_hash=head.root_hash,
        key_id=head.key_id,
        signature=head.signature,
        published_to=str(path),
    )
    return path


# Who receives e-mailed tree heads: the practice's active owners. `confide.practice` registers the
# lookup when Django starts (PracticeConfig.ready), so the audit log imports nothing of the practice.
_owner_addresses: list[Callable[[], Iterable[str]]] = []


def register_owner_addresses(lookup: Callable[[], Iterable[str]]) -> None:
    """Install the lookup of the addresses `email_head` writes to (one; a second replaces the first)."""
    _owner_addresses[:] = [lookup]


def email_head(head: SignedTreeHead | None = None) -> list[str]:
    """E-mail a signed tree head (default: the latest) to every active practice owner.

    Needs `CONFIDE_AUDIT_HEAD_EMAIL`; the message holds the head's text form and how to use it,
    and nothing about any client. Records the publication and returns the recipients. Raises
    `ValueError` (disabled, empty log, no owner). The e-mail is queued for `confide worker`.
    """
    if not settings.CONFIDE_AUDIT_HEAD_EMAIL:
        raise ValueError("E-mailing tree heads is off: set CONFIDE_AUDIT_HEAD_EMAIL=1.")
    if head is None:
        try:
            sequence_pending(wait=True)
        except AuditAppendError as exc:
            logger.warning("Pending audit events could not be placed before publishing: %s", exc)
        head = latest_head()
    if head is None:
        raise ValueError("The audit log is empty; there is no tree head to publish yet.")
    owners = sorted(_owner_addresses[0]()) if _owner_addresses else []
    if not owners:
        raise ValueError("There is no active practice owner to e-mail the tree head to.")
    body = (
        "This is the audit log's signed tree head, sent so that a copy exists outside Confide's\n"
        "database. Keep this e-mail. It names no client.\n\n"
        "To check later that the log was not rewritten, save the lines between the markers to a\n"
        "file and run:  confide audit verify --against FILE\n\n"
        "-----BEGIN TREE HEAD-----\n"
        f"{head.to_text()}"
        "-----END TREE HEAD-----\n"
    )
    stamp = head.time_text()[:10]
    queue_mail(kind="audit-head", subject=f"Confide audit log tree head {stamp} (size {head.size})", body=body,
               to=owners)
    PublishedHead.objects.create(
        size=head.size,
        signed_at=head.timestamp or timezone.now(),
        root_hash=head.root_hash,
        key_id=head.key_id,
        signature=head.signature,
        published_to=f"e-mail to {len(owners)} owner(s)",
    )
    return owners


def published_head_files(directory: Path) -> list[Path]:
    """List the head files in a head directory, smallest tree first."""
    files = [path for path in directory.glob("head-*.txt") if path.stem.removeprefix("head-").isdigit()]
    return sorted(files, key=lambda path: int(path.stem.removeprefix("head-")))


def trusted_public_keys(extra_public_keys: Sequence[bytes] = ()) -> list[Ed25519PublicKey]:
    """The keys whose signatures verification trusts: `extra_public_keys` and the key file's keys.

    Keys registered in the database are never trusted. Raises `signing.SigningKeyError` when
    there is no key file and no extra key.
    """
    trusted = [public_key_from_bytes(raw) for raw in extra_public_keys]
    try:
        trusted += current_signing_key().trusted_public_keys()
    except signing.SigningKeyError:
        if not trusted:
            raise
    return trusted


def read_head_text(text: str, extra_public_keys: Sequence[bytes] = ()) -> SignedTreeHead:
    """Parse a saved tree head: a C2SP checkpoint signed by a trusted key, or a v1 head file.

    Raises `AuditFormatError` (malformed), `SignatureError` (a checkpoint no trusted key signed)
    or `signing.SigningKeyError` (no trusted key at all).
    """
    return SignedTreeHead.from_text(text, trusted_public_keys(extra_public_keys))


# ----------------------------------------------------------------------------- verifying


def verify_stored_log(
    *, against: Iterable[SignedTreeHead] = (), extra_public_keys: Sequence[bytes] = ()
) -> VerifiedLog:
    """Recompute the tree from every stored entry and check it against the signed heads.

    Trusted keys are the key file's current and retired keys plus `extra_public_keys` (raw
    32-byte Ed25519 keys); keys registered in the database are never trusted, since whoever can
    write the database could add one. `against` are heads kept outside the database; heads in
    `CONFIDE_AUDIT_HEAD_DIR` are added automatically.

    Raises `LogIntegrityError` (with the first bad position), `SignatureError` (a head given
    from outside is not validly signed) or `signing.SigningKeyError` (no trusted key at all).
    """
    trusted = trusted_public_keys(extra_public_keys)
    heads = list(against)
    if settings.CONFIDE_AUDIT_HEAD_DIR and Path(settings.CONFIDE_AUDIT_HEAD_DIR).is_dir():
        for path in published_head_files(Path(settings.CONFIDE_AUDIT_HEAD_DIR)):
            heads.append(SignedTreeHead.from_text(path.read_text(encoding="utf-8"), trusted))
    # The newest checkpoint a witness cosigned (ADR 0014): the log must still extend it.
    cosigned = Cosignature.objects.order_by("-size").values_list("checkpoint", flat=True).first()
    if cosigned is not None:
        heads.append(SignedTreeHead.from_text(cosigned, trusted))
    verified = verify_log(DatabaseLog(), heads, trusted)
    # The signed entries are intact; now what is read without re-checking: the index copies and
    # the subtree hashes proofs are served from (ADR 0014).
    integrity.check_derived_columns(verified.size)
    if verified.tree is not None:
        integrity.check_stored_nodes(verified.tree)
    return verified


def export_events(
    *, actor_id: str, purpose: PurposeOfUse | str, since: datetime | None = None
) -> Iterator[tuple[int, AuditEvent]]:
    """Log the export as a read of the audit log, then yield every (position, event) since `since`.

    The `audit:log:read` event is committed and placed in the signed log before the first entry
    is read; if that fails, `AuditAppendError` is raised and nothing is returned. Events are
    decoded from the stored entries (not the untrusted index columns); `since` filters on the
    event time inside the entry. `confide audit verify` is what checks the entries' integrity.
    """
    with transaction.atomic():
        record_event(Tag.AUDIT_LOG_READ, actor_id=actor_id, purpose=purpose, outcome=Outcome.SUCCESS)
        sequence_pending(wait=True)
    return _exported(since)


def _exported(since: datetime | None) -> Iterator[tuple[int, AuditEvent]]:
    after = -1
    while True:
        rows = list(
            LogEntry.objects.filter(position__gt=after).order_by("position").values_list("position", "entry")[:5000]
        )
        for position, entry in rows:
            try:
                event = decode_entry(bytes(entry))
            except AuditFormatError as exc:
                raise LogIntegrityError(position, f"the entry is not a well-formed audit entry ({exc})") from None
            if since is None or event.occurred_at >= since:
                yield position, event
        if len(rows) < 5000:
            return
        after = rows[-1][0]


@dataclass(frozen=True)
class PendingCheck:
    """Committed events not yet in the ordered log, and the ids of any that are malformed."""

    count: int
    malformed: list[int]


def check_pending() -> PendingCheck:
    """Check every pending event is a well-formed entry (a malformed one would stop the log)."""
    malformed: list[int] = []
    count, after = 0, -1
    while True:
        rows = fetch_pending(5000, after=after)
        for row in rows:
            try:
                decode_entry(row.entry)
            except AuditFormatError:
                malformed.append(row.id)
        count += len(rows)
        if len(rows) < 5000:
            return PendingCheck(count, malformed)
        after = rows[-1].id


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ReadEntry:
    """One entry as read back, with its inclusion proof in the excerpt's signed head."""

    position: int
    entry: bytes
    event: AuditEvent
    proof: list[bytes]


@dataclass(frozen=True)
class LogExcerpt:
    """Entries read from the log and the signed head that every proof leads to."""

    head: SignedTreeHead
    entries: list[ReadEntry]


def read_entries(
    *,
    actor_id: str,
    purpose: PurposeOfUse | str,
    client_id: str | uuid.UUID | None = None,
    limit: int = 100,
    before: int | None = None,
) -> LogExcerpt:
    """Read the newest entries (about one client, or all), logging the read itself first.

    The `audit:log:read` event is appended before anything is read; if that fails,
    `AuditAppendError` is raised and nothing is returned. The read event and everything pending
    are placed in the signed log first; the entries before the read event are returned, each with
    its inclusion proof against the newest signed head, and are checked against it
    here, so a tampered entry raises `LogIntegrityError` instead of being shown as genuine.

    `before` asks for an older page: the entries before that position. For one client's history
    it must be the position of an entry about that client (the last one of the page before); the
    page is then checked against that entry's client link, so a page with an entry left out is
    refused (`LogIntegrityError`) as the newest page is (ADR 0014b). A `before` that is not an
    entry about the client raises `ValueError`.
    Callers check that `actor_id` may read what they ask for; this function does not.
    """
    if not 1 <= limit <= 1000:
        raise ValueError("limit must be between 1 and 1000")
    wanted_client = None if client_id is None else str(client_id)
    with transaction.atomic():
        head, read_position, read_link = _log_the_read(actor_id, purpose, wanted_client)
        page = _read_page(head, wanted_client, read_position, read_link, before, limit)
    return LogExcerpt(head, page)


def read_whole_client_history(*, actor_id: str, purpose: PurposeOfUse | str, client_id: str | uuid.UUID) -> LogExcerpt:
    """Every entry about one client, newest first, checked complete; the read is logged once.

    For the client's own download of their history: the pages are read one after the other
    under one logged read, each checked against the link of the entry before it, and the last
    one checked down to the client's first entry, so the whole history is complete or refused
    (`LogIntegrityError`).
    """
    wanted_client = str(client_id)
    entries: list[ReadEntry] = []
    with transaction.atomic():
        head, read_position, read_link = _log_the_read(actor_id, purpose, wanted_client)
        before: int | None = None
        while True:
            page = _read_page(head, wanted_client, read_position, read_link, before, 1000)
            entries.extend(page)
            if len(page) < 1000:
                return LogExcerpt(head, entries)
            before = page[-1].position


def older_than(entries: Sequence[ReadEntry]) -> int | None:
    """The `before` of the next older page of a client's history, or None when nothing is older.

    An entry's client link says whether an entry about the client precedes it; for entries from
    before the links (version 1) only a full page says that more may follow.
    """
    if not entries:
        return None
    link = decode_linked_entry(entries[-1].entry)[1]
    if link is not None:
        return entries[-1].position if link.previous is not None else None
    return entries[-1].position if entries[-1].position > 0 else None


def _log_the_read(actor_id: str, purpose: PurposeOfUse | str,
                  wanted_client: str | None) -> tuple[SignedTreeHead, int, ClientLink | None]:
    """Log an `audit:log:read`, place it in the signed log, and return the head and its place."""
    read = record_event(
        Tag.AUDIT_LOG_READ, actor_id=actor_id, purpose=purpose, outcome=Outcome.SUCCESS, client_id=wanted_client
    )
    # The read event (and everything committed before it) is placed in the signed log
    # before anything is read; if that fails, nothing is served.
    sequence_pending(wait=True)
    head = latest_head()
    # The read event was placed with its client link (ADR 0014b), so its bytes differ from what
    # was recorded; the event itself is the same.
    read_position, read_link = next(
        (
            (position, decode_linked_entry(bytes(entry))[1])
            for position, entry in LogEntry.objects.filter(tag=Tag.AUDIT_LOG_READ, actor_id=actor_id)
            .order_by("-position")
            .values_list("position", "entry")[:100]
            if _same_event(bytes(entry), read.event)
        ),
        (None, None),
    )
    if head is None or read_position is None:
        raise AuditAppendError("The read of the audit log was not placed in the signed log.")
    if wanted_client is not None and read_link is None:
        raise LogIntegrityError(read_position, "the read of the audit log carries no client link")
    return head, read_position, read_link


def _read_page(head: SignedTreeHead, wanted_client: str | None, read_position: int, read_link: ClientLink | None,
               before: int | None, limit: int) -> list[ReadEntry]:
    """One page of entries below `before` (or the read event), each proven and, for a client, checked."""
    size = head.size
    anchor = read_link
    below = read_position
    anchor_entry: tuple[int, bytes] | None = None
    if before is not None:
        if not 0 <= before < read_position:
            raise ValueError("before must be the position of an earlier entry")
        below = before
        if wanted_client is not None:
            row = LogEntry.objects.filter(position=before).values_list("position", "entry").first()
            if row is None:
                raise ValueError("before must be the position of an entry about this client")
            anchor_entry = (row[0], bytes(row[1]))
    rows = LogEntry.objects.filter(position__lt=below).order_by("-position")
    if wanted_client is not None:
        rows = rows.filter(client_id=wanted_client)
    found = [(position, bytes(entry)) for position, entry in rows.values_list("position", "entry")[:limit]]
    proven = [*found, *([anchor_entry] if anchor_entry is not None else [])]
    wanted_nodes = {node for position, _ in proven for node in nodes_for_inclusion_proof(position, size)}
    store = fetch_nodes(size, wanted_nodes)
    entries = []
    for position, entry in proven:
        try:
            proof = inclusion_proof(store, position, size)
            verify_inclusion(hash_leaf(entry), position, size, proof, head.root_hash)
            event, link = decode_linked_entry(entry)
        except (AuditLogError, LookupError) as exc:
            raise LogIntegrityError(position, f"the entry does not match the signed log ({exc})") from None
        if wanted_client is not None and event.client_id != wanted_client:
            if anchor_entry is not None and position == anchor_entry[0]:
                raise ValueError("before must be the position of an entry about this client")
            raise LogIntegrityError(position, "the entry's client index does not match the entry")
        if anchor_entry is not None and position == anchor_entry[0]:
            anchor = link
            continue
        entries.append(ReadEntry(position, entry, event, proof))
    if wanted_client is not None:
        if anchor is None:
            # An older page below an entry from before the links: only its order can be checked
            # (entries from before issue 22 carry no link; ADR 0014b).
            anchor_position = below
            positions = [item.position for item in entries]
            if positions != sorted(positions, reverse=True) or any(p >= anchor_position for p in positions):
                raise LogIntegrityError(anchor_position, "the client's history is out of order")
            return entries
        # Inclusion proofs show that what is listed is in the log; the links show that nothing
        # about this client was left out, on every page (ADR 0014b).
        check_history(
            anchor,
            [HistoryItem(item.position, decode_linked_entry(item.entry)[1]) for item in entries],
            complete=len(entries) < limit,
        )
    return entries


def _same_event(entry: bytes, event: AuditEvent) -> bool:
    try:
        return decode_entry(entry) == event
    except AuditFormatError:
        return False
