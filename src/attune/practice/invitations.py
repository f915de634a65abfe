"""Inviting a client: an account with no usable password and a one-time link to choose one.

Nobody sets a password for someone else (issue 10); the link is Django's password-reset token,
which works once, expires after ``PASSWORD_RESET_TIMEOUT`` and carries no clinical data.
"""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from attune.accounts.models import Role, User
from attune.practice.models import Practice


def _split_name(name: str) -> tuple[str, str]:
    first, _, last = name.strip().partition(" ")
    return first[:150], last[:150]


def client_account(*, practice: Practice, email: str, name: str) -> User:
    """The client's account in ``practice``: the existing one for this address, or a new one
    without a usable password. An address that belongs to staff or to another practice is
    refused with a message the person inviting can act on."""
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        first, last = _split_name(name)
        return User.objects.create_user(
            email.strip().lower(),
            None,
            role=Role.CLIENT,
            practice=practice,
            first_name=first,
            last_name=last,
        )
    if user.role != Role.CLIENT or user.practice_id != practice.pk:
        raise ValidationError(
            "This e-mail address belongs to another account; please contact the person."
        )
    return user


def invitation_link(user: User, base_url: str) -> str:
    """The one-time link where an invited client chooses a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return base_url.rstrip("/") + path
