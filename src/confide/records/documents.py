"""Documents: uploads sealed in chunks into the file store under random names.

Each chunk is sealed on its own (so large files never sit whole in memory) and bound to the
document, its position and the total count, so chunks cannot be reordered, dropped or swapped
between documents. The file name and content type are sealed too; on disk a document is
`<data dir>/files/<random hex>` and nothing else.
"""

from __future__ import annotations

import os
import secrets
import struct
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction

from confide import crypto
from confide.audit.tags import Tag
from confide.keys.models import ScopeKeyVersion
from confide.keys.vault import Vault
from confide.records.auditing import audit
from confide.records.errors import NotFoundError, RecordError, RecordIntegrityError
from confide.records.models import Client, Document
from confide.records.sealing import client_in_vault, field_context, open_value, seal_value, staff_membership

Scope = ScopeKeyVersion.Scope

CHUNK_SIZE = 1024 * 1024
MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
# Content types we accept, recognised by their first bytes rather than the name the browser sent.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
_LENGTH = struct.Struct(">I")


@dataclass(frozen=True)
class DocumentMeta:
    filename: str
    content_type: str


def _store_dir() -> Path:
    path = Path(settings.FILE_STORE_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def sniff_content_type(head: bytes, filename: str) -> str:
    """The content type of an upload from its first bytes; `RecordError` for anything not allowed."""
    for signature, content_type, _ in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if filename.lower().endswith(".txt"):
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                raise RecordError("Text files must be UTF-8.") from None
        if b"\x00" not in head:
            return "text/plain"
    raise RecordError("Upload a PDF, PNG, JPEG or plain-text file.")


def _chunk_context(document: Document, index: int, total: int) -> crypto.SealContext:
    return field_context(document.client, "document", str(document.public_id), f"chunk:{index}/{total}", 1,
                    document.scope)


def _meta_context(document: Document) -> crypto.SealContext:
    return field_context(document.client, "document", str(document.public_id), "meta", 1, document.scope)


def upload_document(vault: Vault, client_id: uuid.UUID | str, *, filename: str, stream: IO[bytes],
                    size: int) -> Document:
    """Seal an upload into the file store and record it; a failure leaves neither file nor row."""
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    staff_membership(vault)
    return _store_upload(vault, client, Scope.CLINICAL, filename=filename, stream=stream, size=size)


def upload_client_document(vault: Vault, client: Client, *, filename: str, stream: IO[bytes], size: int,
                           record_upload: Callable[[], None]) -> Document:
    """A document the client uploads in the portal: the same checks, sealed under the portal scope.

    The client holds no clinical key; their care team holds the portal scope too, so the document
    shows in the chart beside the staff's. `record_upload` writes the caller's audit event (the
    client is the actor) in the transaction that saves the document.
    """
    if not vault.holds(client.pk, Scope.PORTAL):
        raise NotFoundError
    return _store_upload(vault, client, Scope.PORTAL, filename=filename, stream=stream, size=size,
                         record=record_upload)


def _store_upload(vault: Vault, client: Client, scope: str, *, filename: str, stream: IO[bytes], size: int,
                  record: Callable[[], None] | None = None) -> Document:
    filename = Path((filename or "").replace("\\", "/")).name.strip()[:200] or "document"
    if size <= 0:
        raise RecordError("The file is empty.")
    if size > MAX_DOCUMENT_BYTES:
        raise RecordError(f"Files may be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB.")
    first = stream.read(CHUNK_SIZE)
    content_type = sniff_content_type(first[:512], filename)
    key = vault.current_key(client.pk, scope)
    total = max(1, -(-size // CHUNK_SIZE))
    document = Document(client=client, size=size, chunk_count=total, storage_name=secrets.token_hex(16),
                        uploaded_by_id=vault.user_id, meta=b"", scope=scope)
    final = _store_dir() / document.storage_name
    partial = final.with_suffix(".partial")
    written = 0
    try:
        with partial.open("xb") as out:
            chunk, index = first, 0
            while chunk:
                written += len(chunk)
                if written > size or index >= total:
                    raise RecordError("The file is larger than announced.")
                sealed = crypto.seal_field(key, chunk, _chunk_context(document, index, total))
                out.write(_LENGTH.pack(len(sealed)) + sealed)
                chunk, index = stream.read(CHUNK_SIZE), index + 1
            if written != size or index != total:
                raise RecordError("The upload was incomplete; please try again.")
            out.flush()
            os.fsync(out.fileno())
        document.meta = seal_value(key, {"filename": filename, "content_type": content_type}, _meta_context(document))
        with transaction.atomic():
            partial.replace(final)
            document.save()
            if record is None:
                audit(vault, Tag.DOCUMENT_UPLOADED, client)
            else:
                record()
    except BaseException:
        partial.unlink(missing_ok=True)
        if not Document.objects.filter(storage_name=document.storage_name).exists():
            final.unlink(missing_ok=True)
        raise
    return document


def list_documents(vault: Vault, client_id: uuid.UUID | str) -> list[tuple[Document, DocumentMeta]]:
    """The client's documents with their (opened) names."""
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    result = []
    for document in client.documents.select_related("client").order_by("-created_at"):
        if document.scope != Scope.CLINICAL and not vault.holds(client.pk, document.scope):
            continue  # a client's upload, for someone on the team without the portal key
        meta = open_value(vault, bytes(document.meta), _meta_context(document))
        result.append((document, DocumentMeta(**meta)))
    audit(vault, Tag.DOCUMENTS_LISTED, client)
    return result


def open_document(vault: Vault, client_id: uuid.UUID | str,
                  document_id: uuid.UUID | str) -> tuple[DocumentMeta, Iterator[bytes]]:
    """A document's metadata and an iterator over its decrypted chunks, checked one by one."""
    client = client_in_vault(vault, client_id, Scope.CLINICAL)
    try:
        public_id = uuid.UUID(str(document_id))
    except ValueError:
        raise NotFoundError from None
    document = client.documents.select_related("client").filter(public_id=public_id).first()
    if document is None:
        raise NotFoundError
    meta = DocumentMeta(**open_value(vault, bytes(document.meta), _meta_context(document)))
    path = _store_dir() / document.storage_name
    audit(vault, Tag.DOCUMENT_READ, client)

    def chunks() -> Iterator[bytes]:
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise RecordIntegrityError("This document is missing from the file store.") from None
        with handle:
            for index in range(document.chunk_count):
                header = handle.read(_LENGTH.size)
                if len(header) != _LENGTH.size:
                    raise RecordIntegrityError("This document failed its integrity check.")
                sealed = handle.read(_LENGTH.unpack(header)[0])
                try:
                    key = vault.key_for_blob(sealed)
                    yield crypto.open_field(key, sealed, _chunk_context(document, index, document.chunk_count))
                except (crypto.CryptoError, ValueError):
                    raise RecordIntegrityError("This document failed its integrity check.") from None
            if handle.read(1):
                raise RecordIntegrityError("This document failed its integrity check.")

    return meta, chunks()


def read_document(vault: Vault, client_id: uuid.UUID | str, document_id: uuid.UUID | str) -> tuple[DocumentMeta, bytes]:
    """The whole document in memory (small files, tests); views stream with `open_document`."""
    meta, chunks = open_document(vault, client_id, document_id)
    return meta, b"".join(chunks)


__all__ = ["DocumentMeta", "list_documents", "open_document", "read_document", "upload_client_document",
           "upload_document"]
