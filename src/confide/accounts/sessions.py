"""Sessions whose database rows hold only a keyed hash of the cookie value (ADR 0013).

Django's database store keeps the cookie value itself in `django_session.session_key`, so a
read-only copy of the database is a signed-in browser away from any live session. This store
keeps the cookie value in the cookie only: every row is addressed by
`stored_session_key(cookie value)`, an HMAC-SHA256 under a key derived from the secret key.
Knowing that key does not help an attacker: the hash cannot be turned back into the 32
random characters the cookie must carry.

allauth's list of signed-in devices (`usersessions_usersession`) stores the same hash
(`adapt_user_sessions`, called from the app's `ready`), and `SessionMiddleware` refuses a
cookie that is not shaped like a session key, so a hash copied from the database opens nothing.
"""

from __future__ import annotations

import re
from typing import Any

from allauth.core import context
from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

STORED_PREFIX = "h:"
# Django's session keys are 32 characters of lowercase letters and digits.
_COOKIE_KEY = re.compile(r"^[a-z0-9]{32}$")
_HASH_SALT = "confide.accounts.sessions.stored-key"


def stored_session_key(session_key: str) -> str:
    """The form of a session key kept in the database; a stored form is returned unchanged."""
    if session_key.startswith(STORED_PREFIX):
        return session_key
    digest = salted_hmac(_HASH_SALT, session_key, algorithm="sha256").hexdigest()
    return STORED_PREFIX + digest[:38]  # the column holds 40 characters: 152 bits of the HMAC


def is_cookie_session_key(value: str | None) -> bool:
    """Whether a value has the shape of a cookie's session key (never of a stored hash)."""
    return bool(value) and _COOKIE_KEY.match(value or "") is not None


class SessionStore(db.SessionStore):
    """Django's database session store, addressing rows by the keyed hash of the session key."""

    def _get_session_from_db(self) -> Any:
        if self.session_key is None:
            return None
        found = self.model.objects.filter(session_key=stored_session_key(self.session_key),
                                          expire_date__gt=timezone.now()).first()
        if found is None:
            self._session_key = None
        return found

    async def _aget_session_from_db(self) -> Any:
        if self.session_key is None:
            return None
        found = await self.model.objects.filter(session_key=stored_session_key(self.session_key),
                                                expire_date__gt=timezone.now()).afirst()
        if found is None:
            self._session_key = None
        return found

    def exists(self, session_key: str) -> bool:
        return bool(self.model.objects.filter(session_key=stored_session_key(session_key)).exists())

    async def aexists(self, session_key: str) -> bool:
        return bool(await self.model.objects.filter(session_key=stored_session_key(session_key)).aexists())

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        key = self._get_or_create_session_key()  # type: ignore[attr-defined]
        return self.model(session_key=stored_session_key(key), session_data=self.encode(data),
                          expire_date=self.get_expiry_date())

    async def acreate_model_instance(self, data: dict[str, Any]) -> Any:
        key = await self._aget_or_create_session_key()  # type: ignore[attr-defined]
        return self.model(session_key=stored_session_key(key), session_data=self.encode(data),
                          expire_date=await self.aget_expiry_date())

    def delete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            self.model.objects.filter(session_key=stored_session_key(key)).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        key = session_key if session_key is not None else self.session_key
        if key is not None:
            await self.model.objects.filter(session_key=stored_session_key(key)).adelete()


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware, ignoring a cookie that is not a fresh-looking session key.

    A stored hash copied from the database (or anything else) starts an empty session instead.
    """

    def process_request(self, request: HttpRequest) -> None:
        value = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        request.session = self.SessionStore(value if is_cookie_session_key(value) else None)


class _StoredKeyView:
    """A session as allauth's device list sees it: its key is the stored hash."""

    def __init__(self, session: Any) -> None:
        self._session = session

    @property
    def session_key(self) -> str | None:
        key = self._session.session_key
        return stored_session_key(key) if key else None

    def save(self) -> None:
        self._session.save()


def adapt_user_sessions() -> None:
    """Make allauth's UserSession rows hold the stored hash of the session key, not the key.

    allauth writes `request.session.session_key` into `usersessions_usersession` and compares
    it with the current session; both now go through `stored_session_key`. Every other use
    (`exists`, `purge`, `end`) hands the stored form back to `SessionStore`, which accepts it.
    """
    # allauth's session models refuse to be imported before the app registry is ready.
    from allauth.usersessions.models import UserSession, UserSessionManager

    original = UserSessionManager.create_from_request
    if getattr(original, "_confide_adapted", False):
        return

    def create_from_request(self: Any, request: HttpRequest, *, user: Any = None, session: Any = None) -> None:
        resolved = session if session is not None else request.session
        original(self, request, user=user, session=_StoredKeyView(resolved))

    def is_current(self: Any) -> bool:
        current = context.request.session.session_key
        return bool(current) and self.session_key == stored_session_key(current)

    create_from_request._confide_adapted = True  # type: ignore[attr-defined]
    UserSessionManager.create_from_request = create_from_request
    UserSession.is_current = is_current
