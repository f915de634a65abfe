"""An e-mail backend whose server is down: every delivery raises, as SMTP does when the server
refuses the connection."""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")
