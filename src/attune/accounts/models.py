"""People who sign in to Attune, and their role in the practice."""

from __future__ import annotations

from typing import Any, ClassVar

import rules
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


class Role(models.TextChoices):
    CLIENT = "client", "Client"
    THERAPIST = "therapist", "Therapist"
    SUPERVISOR = "supervisor", "Clinical supervisor"
    PRACTICE_ADMIN = "practice_admin", "Practice administrator"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("role", Role.PRACTICE_ADMIN)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        # E-mail logins are case-insensitive: "Client@Example.org" is the same person.
        return self.get(email__iexact=username)


class User(AbstractUser):
    """A person with a login. E-mail is the login name; there is no separate username."""

    username = None  # type: ignore[assignment]  # no username: the e-mail address is the login
    email = models.EmailField("e-mail address", unique=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CLIENT)
    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]  # stubs want Django's, which has usernames

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.display_name

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        """Attune's own permissions (django-rules predicates: episodes, caseloads, notes, …) are
        answered by their predicate alone — a superuser has no way around the care team. Django's
        model permissions (the admin's people and settings) keep the usual superuser pass."""
        if rules.perm_exists(perm):
            return self.is_active and rules.has_perm(perm, self, obj)
        return super().has_perm(perm, obj)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_client(self) -> bool:
        return self.role == Role.CLIENT

    @property
    def is_therapist(self) -> bool:
        return self.role == Role.THERAPIST

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_practice_admin(self) -> bool:
        return self.role == Role.PRACTICE_ADMIN


class SignInKind(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in"
    FAILED = "failed", "Sign-in failed"
    REFUSED = "refused", "Sign-in refused (too many attempts)"
    SIGNED_OUT = "signed_out", "Signed out"
    MFA_ADDED = "mfa_added", "Second factor set up"
    MFA_REMOVED = "mfa_removed", "Second factor removed"
    MFA_RESET = "mfa_reset", "Recovery codes renewed"
    MFA_USED = "mfa_used", "Second factor used"
    MFA_FAILED = "mfa_failed", "Wrong second-factor code"


class SignInEvent(models.Model):
    """One entry of the sign-in trail (attune.accounts.signin_trail). Append-only; it names the
    person and the address, never a password, code or token."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=20, choices=SignInKind.choices)
    #: The person, when known; a failed sign-in for an unknown address has none.
    user = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sign_in_events",
    )
    #: The e-mail address typed at a failed or refused sign-in (no password, ever).
    login = models.CharField(max_length=254, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    #: How: the kind of second factor ("totp", "webauthn"…), "idle" for a timed-out session.
    detail = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "at"]), models.Index(fields=["login", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.login or self.user_id} from {self.ip}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Sign-in events are append-only: they are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Sign-in events are append-only: they are never deleted.")
