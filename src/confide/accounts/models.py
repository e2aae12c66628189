"""The user model: people sign in with their e-mail address; there are no usernames."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    """Creates users identified by a normalised e-mail address."""

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        """Create a user; the password is hashed with Argon2id by Django's hasher."""
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a staff member of a practice (and, later, a client)."""

    email = models.EmailField(unique=True, max_length=254)
    display_name = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ("email",)

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def is_staff(self) -> bool:
        """Confide has no Django admin site; nobody is `staff` in Django's sense."""
        return False
