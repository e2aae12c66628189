"""Optional Web Push (VAPID, through pywebpush) that carries nothing.

A push is sent with no payload at all: the browser's service worker shows only "Something is
waiting in your secure portal". Subscriptions are sealed under the operations key. Push is off
unless `CONFIDE_VAPID_PRIVATE_KEY` is set.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.tasks import task
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from confide.notifications import opskey
from confide.notifications.models import PushSubscription

logger = logging.getLogger(__name__)
_RECORD = "push-subscription"


class PushError(Exception):
    """A subscription that cannot be stored."""


def enabled() -> bool:
    return bool(settings.CONFIDE_VAPID_PRIVATE_KEY)


def subscribe(user_id: int, subscription: Any) -> PushSubscription:
    """Store a browser's subscription (the JSON `PushSubscription.toJSON()` gives), sealed."""
    if not isinstance(subscription, dict) or not isinstance(subscription.get("endpoint"), str):
        raise PushError("A subscription needs an endpoint.")
    endpoint = subscription["endpoint"]
    parts = urlsplit(endpoint)
    allowed = ("https", "http") if settings.CONFIDE_PUSH_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed or not parts.netloc or len(endpoint) > 2000:
        raise PushError("The push endpoint must be an https address.")
    keys = subscription.get("keys") or {}
    if not isinstance(keys, dict):
        raise PushError("The subscription keys are malformed.")
    row = PushSubscription(user_id=user_id, sealed=b"")
    row.sealed = opskey.seal({"endpoint": endpoint, "keys": {k: str(v)[:200] for k, v in keys.items()}},
                             _RECORD, str(row.public_id), "subscription")
    row.save()
    return row


def queue_push(user_ids: list[int]) -> int:
    """Queue an empty push to every subscription of these people (nothing, when push is off)."""
    if not enabled():
        return 0
    count = 0
    with transaction.atomic():
        for public_id in PushSubscription.objects.filter(user_id__in=user_ids).values_list("public_id", flat=True):
            deliver_push.enqueue(str(public_id))
            count += 1
    return count


@task()
def deliver_push(subscription_id: str) -> str:
    """The background task: one empty push to one subscription."""
    return deliver(subscription_id)


def deliver(subscription_id: str) -> str:
    """Send one empty push; a subscription the push service says is gone is removed."""
    row = PushSubscription.objects.filter(public_id=subscription_id).first()
    if row is None:
        return "missing"
    info = opskey.open_sealed(bytes(row.sealed), _RECORD, str(row.public_id), "subscription")
    try:
        webpush(subscription_info=info, data=None, vapid_private_key=_vapid(),
                vapid_claims={"sub": settings.CONFIDE_VAPID_SUBJECT}, ttl=3600, timeout=10)
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in (404, 410):
            row.delete()
            return "gone"
        logger.warning("A push could not be sent (subscription %s, status %s)", row.public_id, status)
        return "failed"
    except Exception as exc:
        # The class name only: a request error's text would quote the endpoint.
        logger.warning("A push could not be sent (subscription %s): %s", row.public_id, type(exc).__name__)
        return "failed"
    return "sent"


def _vapid() -> Vapid:
    """The VAPID key, given as PEM or as pywebpush's base64url DER."""
    key = settings.CONFIDE_VAPID_PRIVATE_KEY
    if key.lstrip().startswith("-----BEGIN"):
        return Vapid.from_pem(key.encode("ascii"))
    return Vapid.from_string(private_key=key)
