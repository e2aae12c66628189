"""System checks for the audit log: production needs a readable, private signing key file, and the
sequencer mode must be one Confide knows."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from confide.audit.services import SEQUENCER_MODES
from confide.audit.signing import SigningKeyError, load_signing_key_file


@register(Tags.security, deploy=False)
def check_signing_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Refuse production without the key that signs the audit log; warn when others can read it."""
    if not settings.PRODUCTION:
        return []
    path = Path(settings.CONFIDE_AUDIT_SIGNING_KEY_FILE)
    try:
        load_signing_key_file(path)
    except SigningKeyError as exc:
        hint = "Set CONFIDE_AUDIT_SIGNING_KEY_FILE or run `confide audit create-key`."
        return [Error(str(exc), hint=hint, id="confide.E101")]
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        return [
            Warning(
                f"The audit signing key file {path} can be read by other users.",
                hint=f"chmod 600 {path}",
                id="confide.W101",
            )
        ]
    return []


@register(Tags.compatibility, deploy=False)
def check_sequencer_mode(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Refuse an unknown `CONFIDE_AUDIT_SEQUENCER` (it decides when audit events are signed)."""
    mode = getattr(settings, "CONFIDE_AUDIT_SEQUENCER", None)
    if mode in SEQUENCER_MODES:
        return []
    return [
        Error(
            f"CONFIDE_AUDIT_SEQUENCER is {mode!r}, which is not one of {', '.join(SEQUENCER_MODES)}.",
            hint="Leave it unset for the background sequencer (docs/operators.md, 'The audit log').",
            id="confide.E102",
        )
    ]
