"""Receivers that write the sign-in trail and keep the middleware's MFA flag fresh."""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.http import HttpRequest

from attune.accounts import signin_trail
from attune.accounts.middleware import MFA_SESSION_KEY, SEEN_SESSION_KEY
from attune.accounts.models import SignInKind, User


@receiver(auth_signals.user_logged_in)
def signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    signin_trail.write(request, SignInKind.SIGNED_IN, user=user)
    if request is not None and hasattr(request, "session"):
        # The idle clock starts now, in the session the sign-in saves anyway.
        request.session[SEEN_SESSION_KEY] = int(time.time())


@receiver(auth_signals.user_logged_out)
def signed_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    reason = getattr(request, "attune_logout_reason", "")
    signin_trail.write(request, SignInKind.SIGNED_OUT, user=user, detail=reason)


@receiver(auth_signals.user_login_failed)
def sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already blanked the password in ``credentials``; only the address is kept.
    login = str(credentials.get("email") or credentials.get("username") or "")
    user = User.objects.filter(email__iexact=login.strip()).first() if login else None
    signin_trail.write(request, SignInKind.FAILED, user=user, login=login)


def _second_factor(kind: str) -> Any:
    def handler(
        sender: Any, request: HttpRequest, user: User, authenticator: Any, **kw: Any
    ) -> None:
        signin_trail.write(request, kind, user=user, detail=str(authenticator.type))
        if kind == SignInKind.MFA_REMOVED and hasattr(request, "session"):
            request.session.pop(MFA_SESSION_KEY, None)  # ask again whether one is left

    return handler


_RECEIVERS = {
    mfa_signals.authenticator_added: _second_factor(SignInKind.MFA_ADDED),
    mfa_signals.authenticator_removed: _second_factor(SignInKind.MFA_REMOVED),
    mfa_signals.authenticator_reset: _second_factor(SignInKind.MFA_RESET),
    mfa_signals.authenticator_used: _second_factor(SignInKind.MFA_USED),
    mfa_signals.authentication_failed: _second_factor(SignInKind.MFA_FAILED),
}
for _signal, _handler in _RECEIVERS.items():
    _signal.connect(_handler, dispatch_uid=f"attune-trail-{_handler.__qualname__}-{id(_signal)}")
