"""Messages with a client, for the care team. Each endpoint parses, calls one messaging service, answers.

Only care-team members with clinical access (who hold the client's portal key) reach a thread;
everyone else gets the same 404 as for a client that does not exist. Attachments are read and
sent in the web pages only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from confide.api.auth import caller_vault
from confide.api.problems import Problem
from confide.api.schemas import Input
from confide.messaging import services
from confide.messaging.services import MAX_MESSAGE_CHARS
from confide.records.errors import NotFoundError

router = Router(tags=["messages"])
ERRORS: dict[int, Any] = {401: Problem, 404: Problem, 422: Problem}
WRITE_ERRORS: dict[int, Any] = {**ERRORS, 400: Problem, 409: Problem, 413: Problem}
ClientId = Annotated[uuid.UUID, Path(description="The client's id (a UUID).")]
MessageId = Annotated[uuid.UUID, Path(description="The message's id (a UUID).")]


class MessageIn(Input):
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS, description="The message, plain text.")


class AttachmentOut(Schema):
    id: uuid.UUID
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: uuid.UUID
    from_client: bool
    author: str = Field(description="'Client', 'You', or the care-team member's display name.")
    text: str
    sent_at: dt.datetime
    filed_at: dt.datetime | None
    attachments: list[AttachmentOut]


def _out(opened: services.OpenedMessage) -> dict[str, Any]:
    message = opened.message
    return {"id": message.public_id, "from_client": message.from_client, "author": opened.author_label,
            "text": opened.text, "sent_at": message.created_at, "filed_at": message.filed_at,
            "attachments": [{"id": a.public_id, "filename": a.filename, "content_type": a.content_type,
                             "size": a.size} for a in opened.attachments]}


def _find(vault: Any, client_id: uuid.UUID, message_id: uuid.UUID) -> dict[str, Any]:
    for opened in services.read_as_staff(vault, client_id):
        if opened.message.public_id == message_id:
            return _out(opened)
    raise NotFoundError


@router.get("/clients/{client_id}/messages", response={200: list[MessageOut], **ERRORS},
            summary="The client's message thread (oldest first)")
def list_messages(request: HttpRequest, client_id: ClientId) -> list[dict[str, Any]]:
    return [_out(m) for m in services.read_as_staff(caller_vault(request), client_id)]


@router.post("/clients/{client_id}/messages", response={201: MessageOut, **WRITE_ERRORS},
             summary="Send a message to the client (they are told only that something is waiting)")
def send_message(request: HttpRequest, client_id: ClientId, payload: MessageIn) -> Status[dict[str, Any]]:
    vault = caller_vault(request)
    message = services.send_as_staff(vault, client_id, text=payload.text)
    return Status(201, _find(vault, client_id, message.public_id))


@router.post("/clients/{client_id}/messages/{message_id}/file", response={200: MessageOut, **WRITE_ERRORS},
             summary="File a message into the clinical record (as a document)")
def file_message(request: HttpRequest, client_id: ClientId, message_id: MessageId) -> dict[str, Any]:
    vault = caller_vault(request)
    services.file_message(vault, client_id, message_id)
    return _find(vault, client_id, message_id)
