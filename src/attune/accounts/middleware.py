"""Two rules for every signed-in request: clinical staff have a second factor, and a session
left idle ends.

``RequireMFAMiddleware``: therapists, supervisors and practice administrators (and anyone with
Django-admin access) who have no authenticator app or passkey yet reach only the set-up pages,
sign-out and the crisis contacts until they set one up. allauth then asks for the second factor
at every sign-in. Off only in demo mode (``ATTUNE_REQUIRE_MFA``).

``IdleSessionMiddleware``: a session unused for ``ATTUNE_IDLE_MINUTES_CLINICAL`` (staff) or
``ATTUNE_IDLE_MINUTES_CLIENT`` minutes is signed out. The last-seen time is written at most once
a minute rather than on every request (``SESSION_SAVE_EVERY_REQUEST`` would add a database
write to every page).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from attune.accounts.decorators import next_after_sign_in
from attune.accounts.models import Role

MFA_SESSION_KEY = "attune_mfa_ok"
SEEN_SESSION_KEY = "attune_seen"
SEEN_RESOLUTION_SECONDS = 60

#: URL names a clinical user without a second factor may still open.
OPEN_WITHOUT_MFA = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_list_webauthn",
        "mfa_add_webauthn",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
        "logout",
        "crisis-help",
        "healthz",
    }
)
#: Authenticators that count as a second factor (recovery codes back one up, they are not one).
SECOND_FACTORS = ["totp", "webauthn"]


def needs_mfa(user: Any) -> bool:
    """Whether this person must sign in with a second factor."""
    return bool(user.is_authenticated and (user.role != Role.CLIENT or user.is_staff))


def has_second_factor(request: HttpRequest) -> bool:
    """Asked once per session until the answer is yes (then remembered in the session; removing
    a factor clears it, see attune.accounts.signals)."""
    if request.session.get(MFA_SESSION_KEY):
        return True
    if is_mfa_enabled(request.user, types=SECOND_FACTORS):
        request.session[MFA_SESSION_KEY] = True
        return True
    return False


class RequireMFAMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if not settings.ATTUNE_REQUIRE_MFA or not needs_mfa(request.user):
            return None
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_WITHOUT_MFA:
            return None
        if has_second_factor(request):
            return None
        return redirect("mfa_index")


class IdleSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            seen = request.session.get(SEEN_SESSION_KEY)
            minutes = (
                settings.ATTUNE_IDLE_MINUTES_CLINICAL
                if needs_mfa(user)
                else settings.ATTUNE_IDLE_MINUTES_CLIENT
            )
            if seen is not None and now - seen > minutes * 60:
                request.attune_logout_reason = "idle"  # type: ignore[attr-defined]  # for signals.py's getattr
                logout(request)
                messages.info(
                    request,
                    f"You were signed out after {minutes} minutes without activity. "
                    "Please sign in again.",
                )
                return redirect_to_login(next_after_sign_in(request))
            if seen is None or now - seen >= SEEN_RESOLUTION_SECONDS:
                request.session[SEEN_SESSION_KEY] = now
        return self.get_response(request)
