"""Recovery with the practice kit: reassign a departed clinician's clients, reset a forgotten password.

Both start from a `Vault` opened with k recovery shares (`keys.vault_from_recovery`). Every scope
key is wrapped to the recovery key as well, so the recovery vault can re-wrap any of them to a new
holder; nothing sealed is re-encrypted.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from confide import crypto
from confide.accounts.models import User
from confide.audit.tags import Tag
from confide.keys import personal
from confide.keys import services as key_services
from confide.keys import vault as keys
from confide.keys.models import KeyWrap, PersonalAccessToken, ScopeKeyVersion, UserKeyPair
from confide.practice.models import Membership, Role
from confide.records.auditing import audit
from confide.records.errors import RecordError
from confide.records.models import CareTeamMember

Scope = ScopeKeyVersion.Scope


def _member(practice_id: int, email: str) -> Membership:
    membership = (Membership.objects.select_related("user")
                  .filter(practice_id=practice_id, user__email=email.strip().lower()).first())
    if membership is None:
        raise RecordError("There is no such person in this practice.")
    return membership


@transaction.atomic
def reassign_clients(recovery: keys.Vault, *, from_email: str, to_email: str) -> int:
    """Hand every client of one clinician to another; the first loses access. Returns the count.

    Psychotherapy notes stay sealed to their author and the recovery key: they are the author's
    private notes and are not handed on.
    """
    source = _member(recovery.practice_id, from_email)
    target = _member(recovery.practice_id, to_email)
    if target.role not in (Role.CLINICIAN, Role.OWNER) or not target.user.is_active:
        raise RecordError("Clients can only be reassigned to an active clinician.")
    if source.user_id == target.user_id:
        raise RecordError("Choose two different people.")
    memberships = list(CareTeamMember.objects.filter(user_id=source.user_id).select_related("client"))
    for member in memberships:
        client = member.client
        versions = ScopeKeyVersion.objects.filter(client=client, scope__in=(Scope.ADMIN, Scope.CLINICAL,
                                                                           Scope.PORTAL)).select_related("client")
        keys.grant_versions(recovery, versions, target.user_id)
        CareTeamMember.objects.update_or_create(
            client=client, user_id=target.user_id,
            defaults={"role": member.role, "clinical_access": member.clinical_access})
        member.delete()
        KeyWrap.objects.filter(key_version__client=client, recipient_id=source.user_id,
                               key_version__scope__in=(Scope.CLINICAL, Scope.PORTAL)).delete()
        for scope in (Scope.CLINICAL, Scope.PORTAL):
            current = keys.current_version(client.pk, scope)
            if current is None and scope == Scope.PORTAL:
                continue  # the client has no portal account (ADR 0008)
            holders = KeyWrap.objects.filter(key_version=current, recipient__isnull=False) \
                .values_list("recipient_id", flat=True) if current else []
            keys.create_scope_key(client, scope, list(holders))
        audit(recovery, Tag.RECOVERY_REASSIGNED, client,
              detail=f"from=user:{source.user_id};to=user:{target.user_id}".encode("ascii"))
    return len(memberships)


@transaction.atomic
def reset_forgotten_password(recovery: keys.Vault, *, email: str, new_password: str) -> int:
    """Give a person a new key pair under a new password and re-wrap everything they held to it.

    Their sessions and access tokens end (they were tied to the old key). Returns how many key
    wraps were renewed.
    """
    membership = _member(recovery.practice_id, email)
    user: User = membership.user
    validate_password(new_password, user)
    private = crypto.generate_user_keypair()
    public = private.public_key()
    pair = UserKeyPair.objects.select_for_update().get(user=user)
    # Their second factor was sealed to the old key pair: seal it again to the new one.
    old_private = crypto.unwrap_private_key_from(recovery.private_key, bytes(pair.recovery_wrap), owner_id=str(user.pk))
    personal.reseal_all_of(user.pk, old_private, public)
    pair.public_key = crypto.serialize_public_key(public)
    pair.fingerprint = crypto.fingerprint(public)
    # The new hash first, so the wrap shares its Argon2id (ADR 0022).
    with key_services.password_derivations():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        pair.password_wrap = key_services.password_wrap(user.pk, private, new_password)
    pair.recovery_wrap = crypto.wrap_private_key_to(keys.recovery_public_key(recovery.practice_id), private,
                                                    owner_id=str(user.pk))
    pair.save()
    renewed = 0
    for wrap in KeyWrap.objects.filter(recipient=user).select_related("key_version__client"):
        key = recovery.key_by_id(wrap.key_version.key_id)
        wrap.blob = crypto.wrap_key_to(public, key, keys.wrap_context(wrap.key_version, recovery.practice_id, user.pk))
        wrap.keyring_blob = None  # the old keyring belonged to the old key pair
        wrap.save(update_fields=["blob", "keyring_blob"])
        renewed += 1
    audit(recovery, Tag.RECOVERY_PASSWORD_RESET, detail=f"subject=user:{user.pk}".encode("ascii"))
    PersonalAccessToken.objects.filter(user=user, revoked_at__isnull=True).delete()
    from allauth.usersessions.models import UserSession

    for session in UserSession.objects.filter(user=user):
        session.end()
    return renewed
