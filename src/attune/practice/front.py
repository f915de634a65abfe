"""What the front page shows a visitor: the practice, its paragraph, its crisis contacts."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from attune.practice.models import Practice
from attune.practice.services import crisis_resources_for

#: The paragraph a practice that has not written its own shows (Practice.welcome, editable in
#: the Django admin). Plain words; nothing a practice might not offer.
DEFAULT_WELCOME = (
    "We are a practice of psychotherapists. Find a therapist who fits you, read in plain words "
    "how each of us works, and ask for a first consultation. Before and after each session our "
    "clients tell us how they are doing, so that therapy can change course when it is not "
    "helping."
)


@dataclass(frozen=True)
class FrontPage:
    name: str
    welcome: str
    crisis_resources: list[dict[str, str]]
    demo: bool


def visitor_practice() -> Practice | None:
    """The practice this install serves (the first one created; Attune serves one practice)."""
    return Practice.objects.order_by("pk").first()


def front_page() -> FrontPage:
    practice = visitor_practice()
    return FrontPage(
        name=practice.name if practice else "Attune",
        welcome=(practice.welcome.strip() if practice else "") or DEFAULT_WELCOME,
        crisis_resources=crisis_resources_for(practice),
        demo=bool(settings.ATTUNE_DEMO),
    )
