"""Issue 10's acceptance on the demo: the "Before the next session" panel is within the first
screen of the episode page, on a desktop and on a phone, and shows the client's latest
feedback comment and the ending conversation they asked for."""

from __future__ import annotations

import pytest
from django.urls import reverse

from attune.accounts.demo_logins import DEMO_PASSWORD
from attune.accounts.models import User
from attune.alerts.models import AlertStatus
from attune.care.models import Episode, EpisodeStatus
from attune.measures.models import Phase, Response
from attune.portal.composer import request_ending
from tests.browser.conftest import PHONE, sign_in_without_the_form

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
#: A pinned safety alert waits for its follow-up in these states (workspace.queries.is_pinned).
WAITING = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


def latest_comment(episode: Episode) -> str:
    for response in Response.objects.filter(episode=episode, phase=Phase.FEEDBACK).order_by(
        "-submitted_at", "-pk"
    ):
        comment = str(response.answers.get("comment") or "").strip()
        if comment:
            return comment
    return ""


def demo_episode_with_a_comment(safety_pinned: bool) -> tuple[Episode, str]:
    """therapist@'s active client with a feedback comment, with or without an open safety
    alert pinned above the panel."""
    therapist = User.objects.get(email="therapist@example.org")
    episodes = Episode.objects.filter(therapist=therapist, status=EpisodeStatus.ACTIVE)
    for episode in episodes.order_by("pk"):
        pinned = episode.alerts.filter(kind="safety", status__in=WAITING).exists()
        comment = latest_comment(episode)
        if comment and pinned == safety_pinned:
            return episode, comment
    raise AssertionError(f"no therapist@ client with a comment and safety pinned={safety_pinned}")


# On a desktop even below a pinned safety alert with its follow-up form. On a phone that card
# alone is taller than the screen (about 1,200 px): the panel follows it, so the phone is
# checked on a client without one.
@pytest.mark.parametrize(
    ("device", "safety_pinned"),
    [(DESKTOP, True), (DESKTOP, False), (PHONE, False)],
    ids=["1280x900-below-safety", "1280x900", "390x844"],
)
def test_the_panel_is_on_the_first_screen_with_the_clients_words(
    demo, live_server, new_page, device, safety_pinned
):
    episode, comment = demo_episode_with_a_comment(safety_pinned)
    request_ending(episode=episode, by=episode.client.user, reason="I think I am ready.")
    page = new_page(**device)
    sign_in_without_the_form(page, live_server, "therapist@example.org", DEMO_PASSWORD)
    page.goto(live_server.url + reverse("workspace:episode", args=[episode.pk]))
    panel = page.locator("[data-testid=before-session]")
    box = panel.bounding_box()
    assert box is not None
    height = device["viewport"]["height"]
    assert box["y"] < height, f"the panel starts at {box['y']:.0f} px, below the first screen"
    words = panel.locator("[data-testid=before-comment]")
    if not safety_pinned:  # the words themselves, not only the panel's heading
        top = (words.bounding_box() or {"y": height})["y"]
        assert top < height, f"the comment starts at {top:.0f} px, below the first screen"
    # The words as written (a long comment is shortened on the panel).
    assert " ".join(comment.split()[:5]) in words.inner_text()
    assert "I think I am ready." in panel.locator("[data-testid=before-ending]").inner_text()
