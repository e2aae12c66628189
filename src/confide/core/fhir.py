"""FHIR resources are checked against the `fhir.resources` models before they leave Confide.

Confide writes FHIR JSON in two places: the audit log export (AuditEvent, `confide.audit.fhir`)
and the client's copy of their record (`confide.access_rights.export`). Both build plain dicts
and pass them through `validated`, which parses them with the library's R4B models (FHIR
4.3.0, the R4 line the library ships; R4B changed none of the elements Confide writes) and
raises `FHIRValidationError` naming the first bad element, so an invalid resource is a bug
found by the tests rather than a file a receiving system refuses.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

__all__ = ["FHIR_VERSION", "FHIRValidationError", "validated"]

FHIR_VERSION = "4.3.0"


class FHIRValidationError(ValueError):
    """A resource does not conform to the FHIR models (a bug in the code that built it)."""


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """Return `resource` unchanged once it parses as its `resourceType`; else `FHIRValidationError`."""
    kind = resource.get("resourceType")
    if not isinstance(kind, str):
        raise FHIRValidationError("The resource has no resourceType.")
    try:
        model = get_fhir_model_class(kind)
    except ValueError:
        raise FHIRValidationError(f"{kind} is not a FHIR resource type.") from None
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        # The error names the element and the rule; it quotes the input, so it is not logged.
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise FHIRValidationError(f"{kind}.{where}: {first.get('msg', 'invalid')}") from None
    return resource
