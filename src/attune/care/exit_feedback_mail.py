"""The e-mail that asks the client for exit feedback once the therapy has ended."""

from __future__ import annotations

from attune import outbox
from attune.accounts.models import User


def send_exit_feedback_request(client: User, portal_url: str) -> None:
    """A plain notification: no clinical content, no names of therapists, only a link."""
    practice = client.practice.name if client.practice is not None else "your practice"
    message = (
        f"Hello {client.first_name or 'there'},\n\n"
        "A short form is waiting for you in Attune. It takes a few minutes, and your answers "
        "help your practice learn.\n\n"
        f"Sign in to see it: {portal_url}\n\n"
        "This message was sent automatically; please don't reply with personal details.\n\n"
        f"{practice}\n"
    )
    # The outbox keeps it if the mail server is down; the form also waits in the portal.
    outbox.send([client.email], "A short form is waiting for you", message)
