"""allauth's hooks for Attune: nobody signs up (clients are invited, staff are added by the
practice administrator), and a sign-in refused by the rate limit is written to the trail."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from attune import outbox
from attune.accounts import signin_trail
from attune.client_address import client_address


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth has no type information: its classes are Any
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "That e-mail and password don't match. Please try again.",
        "too_many_login_attempts": (
            "Too many failed sign-in attempts. To protect the account, signing in is paused "
            "for a few minutes; please try again later or reset your password."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's rate limits count by the same address as Attune's (trusted proxies)."""
        return client_address(request)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            signin_trail.sign_in_refused(request, credentials.get("email", ""))
            raise

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """allauth's e-mails (the password-reset link) go through Attune's outbox like every
        other everyday e-mail: a mail server that is down keeps them queued."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        outbox.send(message.to, message.subject, str(message.body))
