"""The e-mails of a consultation request. They say what happened and carry a link; they never
repeat what anyone wrote (the person's hopes, the intake, the therapist's messages): an inbox
is not a private place, so those are read behind the private link or after signing in."""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from attune import outbox
from attune.accounts.models import User
from attune.matching.models import ConsultationRequest
from attune.practice.invitations import invitation_link
from attune.practice.services import crisis_resources_for

#: Within how many working days a therapist is asked to answer (said in the receipt).
ANSWER_DAYS = 3


def when(moment: datetime) -> str:
    """A time in the practice's time zone, e.g. "Tuesday 2 December 2026 at 10:00"."""
    local = timezone.localtime(moment)
    return f"{local:%A} {local.day} {local:%B %Y at %H:%M}"


def _crisis_lines(req: ConsultationRequest) -> str:
    lines = []
    for r in crisis_resources_for(req.therapist.practice):
        contact = f": {r['contact']}" if r.get("contact") else ""
        note = f" ({r['note']})" if r.get("note") else ""
        lines.append(f"- {r['name']}{contact}{note}")
    return (
        "This request and its replies are not watched in real time. If you are in danger or "
        "feel you might hurt yourself, please contact someone right away:\n" + "\n".join(lines)
    )


def _to_person(req: ConsultationRequest, subject: str, text: str) -> None:
    outbox.send([req.email], subject, f"Dear {req.name},\n\n{text}\n\n{_crisis_lines(req)}\n")


def _to_therapist(req: ConsultationRequest, subject: str, text: str, base_url: str) -> None:
    url = base_url.rstrip("/") + reverse("matching:request", args=[req.pk])
    outbox.send([req.therapist.email], subject, f"{text}\n\nOpen it in Attune: {url}\n")


def receipt(req: ConsultationRequest, link: str) -> None:
    therapist = req.therapist.display_name
    _to_person(
        req,
        f"Your consultation request to {therapist}",
        f"thank you: your request for a first consultation reached {therapist}.\n\n"
        "What happens next\n"
        f"{therapist} reads your request and answers within {ANSWER_DAYS} working days. "
        "The answer may be a time for a first consultation, a question, or, if no place is "
        "free, a kind no, perhaps with a colleague to ask.\n\n"
        "Each answer comes by e-mail with a private link. This is yours; there you can read "
        f"the messages, confirm a time or reply:\n{link}\n\n"
        "Please do not forward the link. You can also withdraw your request there at any time.",
    )


def new_request(req: ConsultationRequest, base_url: str) -> None:
    url = base_url.rstrip("/") + reverse("matching:inbox")
    outbox.send(
        [req.therapist.email],
        "A new consultation request",
        "Someone asked for a first consultation with you. Open your inbox in Attune to "
        f"answer: {url}",
    )


def time_offered(req: ConsultationRequest, link: str) -> None:
    therapist = req.therapist.display_name
    assert req.offered_at is not None
    _to_person(
        req,
        f"{therapist} offers you a time for a first consultation",
        f"{therapist} offers you a first consultation on {when(req.offered_at)}.\n\n"
        f"Please confirm the time, or reply, here:\n{link}",
    )


def message_from_therapist(req: ConsultationRequest, link: str) -> None:
    therapist = req.therapist.display_name
    _to_person(
        req,
        f"{therapist} has written to you",
        f"{therapist} has written to you about your consultation request. For your privacy "
        f"the message is not in this e-mail; you can read it and reply here:\n{link}",
    )


def booked(req: ConsultationRequest, link: str, base_url: str) -> None:
    assert req.scheduled_at is not None
    therapist = req.therapist.display_name
    _to_person(
        req,
        f"Your consultation with {therapist} is booked",
        f"your first consultation with {therapist} is booked for {when(req.scheduled_at)}.\n\n"
        f"Your messages with {therapist} stay here:\n{link}",
    )
    _to_therapist(
        req,
        "A consultation is booked",
        f"A consultation you offered is confirmed for {when(req.scheduled_at)}.",
        base_url,
    )


def reply_from_person(req: ConsultationRequest, base_url: str) -> None:
    _to_therapist(
        req, "A reply about a consultation", "A person asking for a consultation replied.", base_url
    )


def withdrawn(req: ConsultationRequest, base_url: str) -> None:
    _to_therapist(
        req,
        "A consultation request was withdrawn",
        "A person who asked you for a consultation has withdrawn the request. Nothing more is "
        "needed from you.",
        base_url,
    )


def invitation(req: ConsultationRequest, user: User, base_url: str) -> None:
    therapist = req.therapist.display_name
    outbox.send(
        [req.email],
        f"Your therapy with {therapist}: choose your password",
        f"Dear {req.name},\n\n"
        f"{therapist} is glad to go on working with you and will agree the time of your first "
        "session with you.\n\n"
        "Attune is where you can tell your therapist, before and after each session, how you "
        "are and how the work together feels. Please choose a password here to sign in:\n\n"
        f"{invitation_link(user, base_url)}\n\n"
        "The link works once and expires after a few days. After signing in you will find a "
        "short check-in before each session.\n\n"
        "If you did not ask for this, you can ignore this e-mail.",
    )
