"""Request and response bodies of API v1 (JSON, snake_case).

Request bodies refuse unknown fields (a misspelt `session_dat` would otherwise be dropped
silently) and take strings, booleans and dates only in their JSON form: no numbers for names,
no `"yes"` for true, no Unix timestamps for dates.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictStr, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from confide.records.services import MAX_NAME, MAX_NOTE_CHARS

# Database ids are 64-bit; anything larger is not an id of ours (and would overflow the driver).
MAX_ID = 2**63 - 1

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Accept only `YYYY-MM-DD` strings (and `null` where the field allows it)."""
    if value is None or isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_format", "Must be a date written as YYYY-MM-DD.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        # The built-in message repeats the value; ours does not.
        raise PydanticCustomError("date_value", "Must be a real calendar date.") from None


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]
Name = Annotated[StrictStr, Field(max_length=MAX_NAME)]


class Input(Schema):
    """Base of request bodies: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


# ----------------------------------------------------------------------------- clients


class ClientIn(Input):
    given_name: Annotated[StrictStr, Field(min_length=1, max_length=MAX_NAME)]
    family_name: Annotated[StrictStr, Field(min_length=1, max_length=MAX_NAME)]
    preferred_name: Name | None = None
    pronouns: Name | None = None
    date_of_birth: IsoDate | None = None
    email: Name | None = None
    phone: Name | None = None
    emergency_contact: Annotated[StrictStr, Field(max_length=300)] | None = None
    primary_clinician_id: Annotated[int, Field(ge=1, le=MAX_ID, strict=True, description=(
        "The staff member's user id who becomes the primary clinician. Required unless the caller is "
        "a clinician (or an owner who is also a clinician), who becomes it."))] | None = None


class ClientSearchIn(Input):
    """A caseload search. Names are client data, so they travel in a body, never in a URL."""

    query: Annotated[StrictStr, Field(max_length=MAX_NAME)]


class ClientSummaryOut(Schema):
    """A caseload entry: who the client is, without contact details."""

    id: uuid.UUID
    given_name: str
    family_name: str
    preferred_name: str
    pronouns: str
    date_of_birth: dt.date | None
    status: str
    clinical_access: bool


class ClientOut(Schema):
    """A client's demographics (admin scope)."""

    id: uuid.UUID
    given_name: str
    family_name: str
    preferred_name: str
    pronouns: str
    date_of_birth: dt.date | None
    email: str
    phone: str
    emergency_contact: str
    status: str
    created_at: dt.datetime


# ----------------------------------------------------------------------------- notes


class NoteIn(Input):
    kind: Literal["progress", "psychotherapy"]
    session_date: IsoDate
    body: Annotated[StrictStr, Field(max_length=MAX_NOTE_CHARS)]
    template: Literal["free", "soap", "dap", "birp"] = "free"
    sign: StrictBool = False
    consent_reason: Annotated[StrictStr, Field(
        max_length=1000,
        description="Why a progress note is signed for a client who has not signed the practice's current "
                    "consent (for example, a crisis). Required then, sealed with the note; ignored otherwise.")] = ""


class PersonOut(Schema):
    """A staff member as colleagues see them."""

    id: int
    name: str


class NoteSummaryOut(Schema):
    """A note's metadata; the body stays sealed."""

    id: uuid.UUID
    kind: str
    template: str
    session_date: dt.date
    status: str
    version: int
    author: PersonOut
    created_at: dt.datetime
    updated_at: dt.datetime
    signed_at: dt.datetime | None


class AddendumOut(Schema):
    id: uuid.UUID
    author: PersonOut
    created_at: dt.datetime
    body: str


class NoteOut(NoteSummaryOut):
    """A note with its body and addenda (the original is never changed once signed)."""

    body: str
    addenda: list[AddendumOut]


# ----------------------------------------------------------------------------- care team


class _PersonRef(Input):
    user_id: Annotated[int, Field(ge=1, le=MAX_ID, strict=True)] | None = None
    email: Annotated[StrictStr, Field(max_length=254)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> _PersonRef:
        if (self.user_id is None) == (self.email is None):
            raise PydanticCustomError("person_ref", "Give either user_id or email.")
        return self


class GrantIn(_PersonRef):
    """Add a staff member to a care team. `clinical` defaults to true, and to false for front desk."""

    role: Literal["clinician", "supervisor", "front_desk"]
    clinical: StrictBool | None = None


class RevokeIn(_PersonRef):
    """Remove a staff member from a care team."""


class CareTeamMemberOut(Schema):
    """A care-team member and their key fingerprint: compare it out of band before trusting a grant."""

    user_id: int
    name: str
    email: str
    role: str
    clinical_access: bool
    key_fingerprint: str
    added_at: dt.datetime


class AccessEntryOut(Schema):
    """One access to a client's record, with its RFC 9162 inclusion proof."""

    at: dt.datetime
    who: str
    what: str
    why: str
    outcome: str
    tag: str
    leaf_index: int
    leaf_hash: str = Field(description="SHA-256 leaf hash (hex) of the entry.")
    inclusion_proof: list[str] = Field(description="Base64 node hashes, leaf to root (RFC 9162 §2.1.3).")
    entry: str = Field(description="Base64 of the entry's exact bytes; the leaf hash is SHA-256(0x00 || bytes).")


class AccessLogOut(Schema):
    """A client's access history and the signed tree head every proof leads to."""

    tree_head: str = Field(
        description="The newest checkpoint (C2SP signed note), as `confide audit checkpoint` prints it.")
    tree_size: int
    next_before: int | None = Field(
        None, description="Pass as `before` for the next older page; null when this page reaches the first entry.")
    withheld: int = Field(0, description="Entries of this page not served to this caller (front desk: clinical).")
    entries: list[AccessEntryOut]
