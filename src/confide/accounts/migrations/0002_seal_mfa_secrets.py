"""Seal the second-factor secrets already stored in the clear (ADR 0013).

Each TOTP seed and recovery-code seed is sealed to its owner's public key. A row whose owner
has no key pair cannot be sealed; it is deleted, and that person enrols a new factor at their
next sign-in (a second factor nobody can read is better than one a database copy computes).
"""

from typing import Any

from django.db import migrations

from confide import crypto
from confide.keys import personal

_PURPOSES = {"secret": "mfa_totp", "seed": "mfa_recovery"}


def seal_existing(apps: Any, schema_editor: Any) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    UserKeyPair = apps.get_model("keys", "UserKeyPair")
    for row in Authenticator.objects.all().iterator():
        data = dict(row.data or {})
        pair = UserKeyPair.objects.filter(user_id=row.user_id).first()
        needs = [name for name in _PURPOSES if isinstance(data.get(name), str) and not personal.is_sealed(data[name])]
        codes = data.get("migrated_codes")
        needs_codes = isinstance(codes, list) and any(not personal.is_sealed(code) for code in codes)
        if not needs and not needs_codes:
            continue
        if pair is None:
            row.delete()
            continue
        public = crypto.load_public_key(bytes(pair.public_key))
        for name in needs:
            data[name] = personal.seal_to(public, row.user_id, _PURPOSES[name], data[name])
        if needs_codes and isinstance(codes, list):
            data["migrated_codes"] = [code if personal.is_sealed(code)
                                      else personal.seal_to(public, row.user_id, "mfa_recovery_code", code)
                                      for code in codes]
        Authenticator.objects.filter(pk=row.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("mfa", "0003_authenticator_type_uniq"),
        ("keys", "0005_portal_scope"),
    ]

    operations = [migrations.RunPython(seal_existing, migrations.RunPython.noop)]
