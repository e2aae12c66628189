"""Messages between a client and their care team, sealed under the client's portal scope key.

The portal scope (ADR 0008) is wrapped to the client, to every care-team member with clinical
access and to the practice recovery key; care-team changes already re-wrap and rotate it. So a
message is readable by exactly the people who may talk in the thread, and by nobody else (front
desk holds no portal key). docs/adr/0018-talking-outside-the-session.md records the choice.

Every read and send is in the audit log and the client's access history. Notifications carry
nothing (`confide.messaging.digest`): the client gets "something is waiting", the care
team a digest outside their quiet hours.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from confide import crypto
from confide.accounts.models import User
from confide.audit.services import record_event
from confide.audit.tags import Tag
from confide.auditlog import Outcome, PurposeOfUse
from confide.keys.vault import Vault
from confide.messaging import digest
from confide.messaging.models import Attachment, Message, ReadMark, Thread
from confide.portal.models import ClientAccount
from confide.records import documents, sealing
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError
from confide.records.models import CareTeamMember, Client

PORTAL = crypto.Scope.PORTAL
MAX_MESSAGE_CHARS = 5000
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


class MessagingError(RecordError):
    """A message that cannot be sent as given (empty, too long, a file not allowed)."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class OpenedAttachment:
    public_id: uuid.UUID
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class OpenedMessage:
    message: Message
    text: str
    author_label: str
    attachments: list[OpenedAttachment] = field(default_factory=list)


def _context(client: Client, record_type: str, record_id: str, field_name: str) -> crypto.SealContext:
    return sealing.field_context(client, record_type, record_id, field_name, 1, PORTAL)


def _clean_text(text: str) -> str:
    cleaned = (text or "").replace("\r\n", "\n").strip()
    if not cleaned:
        raise MessagingError("Write a message before sending.")
    if len(cleaned) > MAX_MESSAGE_CHARS:
        raise MessagingError(f"A message may be at most {MAX_MESSAGE_CHARS} characters.")
    return cleaned


def _clean_upload(upload: Upload | None) -> tuple[str, str, bytes] | None:
    """The same checks as staff uploads (records/documents.py): sniffed type, size, a plain name."""
    if upload is None:
        return None
    filename = Path((upload.filename or "").replace("\\", "/")).name.strip()[:200] or "attachment"
    if not upload.content:
        raise MessagingError("The file is empty.")
    if len(upload.content) > MAX_ATTACHMENT_BYTES:
        raise MessagingError(f"Attachments may be at most {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.")
    try:
        content_type = documents.sniff_content_type(upload.content[:512], filename)
    except RecordError as exc:
        raise MessagingError(str(exc)) from None
    return filename, content_type, upload.content


def _thread(client: Client) -> Thread:
    thread, _ = Thread.objects.get_or_create(client=client)
    return thread


def _care_team_ids(client: Client) -> list[int]:
    return list(CareTeamMember.objects.filter(client=client, clinical_access=True, user__is_active=True)
                .values_list("user_id", flat=True))


def _staff_client(vault: Vault, client_id: uuid.UUID | str) -> Client:
    """A client whose thread this staff member may use: care team with clinical access, holding the portal key."""
    sealing.staff_membership(vault)
    client = sealing.client_in_vault(vault, client_id, PORTAL)
    if not CareTeamMember.objects.filter(client=client, user_id=vault.person_id, clinical_access=True).exists():
        raise NotFoundError
    return client


def _client_event(account: ClientAccount, tag: Tag) -> None:
    record_event(tag, actor_id=f"user:{account.user_id}", purpose=PurposeOfUse.PATIENT_REQUEST,
                 outcome=Outcome.SUCCESS, client_id=str(account.client.public_id))


def _store(vault: Vault, client: Client, thread: Thread, author_id: int | None, from_client: bool, text: str,
           upload: tuple[str, str, bytes] | None) -> Message:
    message = Message(thread=thread, author_id=author_id, from_client=from_client, body=b"")
    message.body = sealing.seal_in_scope(vault, client, PORTAL, {"text": text},
                                         _context(client, "message", str(message.public_id), "body"))
    message.save()
    if upload is not None:
        filename, content_type, content = upload
        attachment = Attachment(message=message, size=len(content), meta=b"", content=b"")
        where = str(attachment.public_id)
        attachment.meta = sealing.seal_in_scope(vault, client, PORTAL,
                                                {"filename": filename, "content_type": content_type},
                                                _context(client, "message-attachment", where, "meta"))
        attachment.content = sealing.seal_in_scope(
            vault, client, PORTAL, {"b64": base64.b64encode(content).decode("ascii")},
            _context(client, "message-attachment", str(attachment.public_id), "content"))
        attachment.save()
    Thread.objects.filter(pk=thread.pk).update(last_message_at=message.created_at)
    return message


def send_as_client(vault: Vault, account: ClientAccount, *, text: str, upload: Upload | None = None) -> Message:
    """The client writes to their care team; the team is told only that something waits."""
    cleaned, attachment = _clean_text(text), _clean_upload(upload)
    client = account.client
    if not vault.holds(client.pk, PORTAL):
        raise NotFoundError
    with transaction.atomic():
        message = _store(vault, client, _thread(client), account.user_id, True, cleaned, attachment)
        _client_event(account, Tag.MESSAGE_SENT)
        digest.notify_staff(_care_team_ids(client))
    return message


def send_as_staff(vault: Vault, client_id: uuid.UUID | str, *, text: str, upload: Upload | None = None) -> Message:
    """A care-team member replies; the client gets a "something is waiting" e-mail."""
    cleaned, attachment = _clean_text(text), _clean_upload(upload)
    client = _staff_client(vault, client_id)
    account = ClientAccount.objects.filter(client=client).select_related("user").first()
    if account is None:
        raise MessagingError("This client has no portal account yet; invite them to the portal first.")
    with transaction.atomic():
        message = _store(vault, client, _thread(client), vault.person_id, False, cleaned, attachment)
        audit(vault, Tag.MESSAGE_SENT, client)
        if account.user.is_active:
            digest.notify_client(account, client.practice_id)
        others = [uid for uid in _care_team_ids(client) if uid != vault.person_id]
        if others:
            digest.notify_staff(others)
    return message


def _open_messages(vault: Vault, client: Client, thread: Thread | None, reader_id: int) -> list[OpenedMessage]:
    if thread is None:
        return []
    rows = list(thread.messages.order_by("created_at").prefetch_related("attachments"))
    authors = {u.pk: u for u in User.objects.filter(pk__in={m.author_id for m in rows if m.author_id})}
    opened = []
    for row in rows:
        text = sealing.open_value(vault, bytes(row.body), _context(client, "message", str(row.public_id), "body"))
        attachments = []
        for attachment in row.attachments.all():
            meta = sealing.open_value(vault, bytes(attachment.meta), _context(
                client, "message-attachment", str(attachment.public_id), "meta"))
            attachments.append(OpenedAttachment(attachment.public_id, meta["filename"], meta["content_type"],
                                                attachment.size))
        author = authors.get(row.author_id or 0)
        if row.from_client:
            label = "You" if row.author_id == reader_id else "Client"
        elif author is not None and author.pk == reader_id:
            label = "You"
        else:
            label = (author.display_name or "Your care team") if author is not None else "Your care team"
        opened.append(OpenedMessage(row, str(text["text"]), label, attachments))
    ReadMark.objects.update_or_create(thread=thread, user_id=reader_id, defaults={"read_until": timezone.now()})
    return opened


def read_as_client(vault: Vault, account: ClientAccount) -> list[OpenedMessage]:
    """The client's thread, oldest first; the read is logged before anything is returned."""
    client = account.client
    if not vault.holds(client.pk, PORTAL):
        raise NotFoundError
    thread = Thread.objects.filter(client=client).first()
    with transaction.atomic():
        _client_event(account, Tag.MESSAGES_READ)
    return _open_messages(vault, client, thread, account.user_id)


def read_as_staff(vault: Vault, client_id: uuid.UUID | str) -> list[OpenedMessage]:
    """A care-team member reads the thread; logged, and shown in the client's access history."""
    client = _staff_client(vault, client_id)
    thread = Thread.objects.filter(client=client).first()
    with transaction.atomic():
        audit(vault, Tag.MESSAGES_READ, client)
    return _open_messages(vault, client, thread, vault.person_id)


def open_attachment(vault: Vault, client: Client, attachment_id: uuid.UUID | str, *,
                    account: ClientAccount | None = None) -> tuple[OpenedAttachment, bytes]:
    """An attachment's name, type and bytes; logged as the client's or the staff member's read."""
    try:
        public_id = uuid.UUID(str(attachment_id))
    except ValueError:
        raise NotFoundError from None
    attachment = Attachment.objects.filter(public_id=public_id, message__thread__client=client).first()
    if attachment is None:
        raise NotFoundError
    meta = sealing.open_value(vault, bytes(attachment.meta), _context(
        client, "message-attachment", str(attachment.public_id), "meta"))
    content = sealing.open_value(vault, bytes(attachment.content), _context(
        client, "message-attachment", str(attachment.public_id), "content"))
    with transaction.atomic():
        if account is not None:
            _client_event(account, Tag.MESSAGE_ATTACHMENT_READ)
        else:
            audit(vault, Tag.MESSAGE_ATTACHMENT_READ, client)
    return (OpenedAttachment(attachment.public_id, meta["filename"], meta["content_type"], attachment.size),
            base64.b64decode(content["b64"]))


def staff_attachment(vault: Vault, client_id: uuid.UUID | str,
                     attachment_id: uuid.UUID | str) -> tuple[OpenedAttachment, bytes]:
    return open_attachment(vault, _staff_client(vault, client_id), attachment_id)


def file_message(vault: Vault, client_id: uuid.UUID | str, message_id: uuid.UUID | str) -> Message:
    """File a message into the clinical record, as a document under the clinical scope.

    A filed message is kept with the record (its retention, its destruction) and no longer falls
    under the messaging period. Filing twice is refused.
    """
    client = _staff_client(vault, client_id)
    try:
        public_id = uuid.UUID(str(message_id))
    except ValueError:
        raise NotFoundError from None
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(public_id=public_id, thread__client=client).first()
        if message is None:
            raise NotFoundError
        if message.filed_at is not None:
            raise MessagingError("This message is already filed in the record.")
        text = sealing.open_value(vault, bytes(message.body), _context(client, "message", str(message.public_id),
                                                                       "body"))["text"]
        who = "the client" if message.from_client else "the care team"
        when = timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M")
        content = f"Message from {who}, {when}\n\n{text}\n".encode()
        document = documents.upload_document(vault, client.public_id, filename=f"message-{when[:10]}.txt",
                                             stream=io.BytesIO(content), size=len(content))
        message.filed_at = timezone.now()
        message.filed_document = document
        message.save(update_fields=["filed_at", "filed_document"])
        audit(vault, Tag.MESSAGE_FILED, client)
    return message


def unread_count(user_id: int, client: Client) -> int:
    """Messages in the client's thread newer than this person's last read, written by someone else."""
    thread = Thread.objects.filter(client=client).first()
    if thread is None:
        return 0
    mark = ReadMark.objects.filter(thread=thread, user_id=user_id).values_list("read_until", flat=True).first()
    rows = thread.messages.exclude(author_id=user_id)
    if mark is not None:
        rows = rows.filter(created_at__gt=mark)
    return rows.count()


def message_cutoff(period_days: int, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=period_days)
