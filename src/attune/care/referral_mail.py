"""The warm referral's two e-mails: who takes over, to the client (only with their consent), and
a sign-in link to the new episode, to the colleague. Nothing clinical in either; both leave
through the outbox once the referral is committed (``attune.care.warm_referral.refer``)."""

from __future__ import annotations

from django.urls import reverse

from attune import outbox
from attune.care.models import Referral


def tell_client(referral: Referral, portal_url: str) -> None:
    """Who takes over, sent only when the client agreed to it. No clinical content: the
    colleague's name, the practice and a link to sign in."""
    client = referral.from_episode.client.user
    colleague = referral.to_therapist.display_name
    practice = client.practice.name if client.practice is not None else "your practice"
    outbox.send(
        [client.email],
        f"Your therapy continues with {colleague}",
        f"Hello {client.first_name or 'there'},\n\n"
        f"As you agreed, {colleague} takes over from here. {colleague} will get in touch to "
        "arrange your first session together.\n\n"
        f"Your check-ins and feedback continue in Attune as before: {portal_url}\n\n"
        "This message was sent automatically; please don't reply with personal details.\n\n"
        f"{practice}\n",
    )


def tell_colleague(referral: Referral, base_url: str) -> None:
    """A notification with a sign-in link to the new episode: no client name, nothing
    clinical — the handover note and the history are read in Attune."""
    colleague = referral.to_therapist
    link = base_url.rstrip("/") + reverse("workspace:episode", args=[referral.to_episode_id])
    outbox.send(
        [colleague.email],
        "A client has been referred to you",
        f"Hello {colleague.first_name or colleague.display_name},\n\n"
        f"{referral.created_by.display_name} has referred a client to you, with the client's "
        "consent. Sign in to read the handover note and the outcome history:\n\n"
        f"{link}\n\n"
        "This message was sent automatically.\n",
    )
