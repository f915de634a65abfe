"""Issue 12, after feedback: the thank-you page offers the composer (prefilled for the next
session) or an ending conversation when the client felt misunderstood or is thinking of
stopping — with the engine's thresholds — and says nothing more when the session felt right.
The safety message stays first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from attune.clientportal.models import Intent
from attune.portal.after_feedback import (
    STARTER_MISUNDERSTOOD,
    STARTER_STOPPING,
    after_feedback,
    rupture_codes,
)
from attune.portal.composer import STARTERS, request_ending
from tests.answers import check_in_post, feedback_post

pytestmark = pytest.mark.django_db


def give_feedback(client, session, stopping=None, **answers) -> str:
    post = feedback_post(**answers)
    if stopping:
        post["session_feedback-stopping"] = stopping
    response = client.post(reverse("portal:feedback", args=[session.pk]), post)
    assert response.status_code == 302, response.content.decode()[:2000]
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    return thanks.content.decode()


def test_the_starters_are_the_composers_own():
    assert STARTER_MISUNDERSTOOD in STARTERS and STARTER_STOPPING in STARTERS


def test_a_rupture_counts_from_the_engines_threshold(settings):
    assert rupture_codes() == {"a_little", "yes"}
    settings.ATTUNE_ENGINE = {"rupture": {"tension_at_least": 2}}
    assert rupture_codes() == {"yes"}


@pytest.mark.parametrize(
    ("rupture", "resolved", "stopping", "misunderstood", "thinking"),
    [
        ("no", None, None, False, False),
        ("no", None, "no", False, False),
        ("yes", "partly", None, True, False),
        ("a_little", "completely", None, True, False),
        ("no", None, "sometimes", False, True),
        ("no", None, "yes", False, True),
        ("yes", "not_at_all", "yes", True, True),
    ],
)
def test_what_the_thank_you_page_offers(
    signed_in, last_attended, rupture, resolved, stopping, misunderstood, thinking
):
    page = give_feedback(
        signed_in, last_attended, rupture=rupture, resolved=resolved, stopping=stopping
    )
    offered = misunderstood or thinking
    assert ('data-testid="feedback-offer"' in page) is offered
    assert ('data-testid="offer-misunderstood"' in page) is misunderstood
    assert ('data-testid="offer-stopping"' in page) is thinking
    composer = f"{reverse('portal:composer')}?after={last_attended.pk}"
    assert (composer in page) is offered
    assert (reverse("portal:ending") in page) is offered
    assert 'data-testid="safety-message"' not in page


def test_the_offer_reads_the_feedback_only(signed_in, episode, upcoming, last_attended):
    """A check-in never offers anything; the pure function ignores other questionnaires."""
    response = signed_in.post(
        reverse("portal:check-in", args=[upcoming.pk]), check_in_post([1] * 9, [1] * 7)
    )
    page = signed_in.get(response["Location"]).content.decode()
    assert 'data-testid="feedback-offer"' not in page
    from attune.measures.models import Response

    assert after_feedback(Response.objects.all()).offers is False


def test_an_ending_already_asked_for_is_said_not_offered_again(signed_in, episode, last_attended):
    request_ending(episode=episode, by=episode.client.user, reason="")
    page = give_feedback(signed_in, last_attended, stopping="yes")
    assert 'data-testid="feedback-offer"' in page
    assert "You asked for an ending conversation on" in page
    assert 'data-testid="offer-ending"' not in page


def test_the_safety_message_stays_first(signed_in, upcoming, last_attended):
    # A check-in with PHQ-9 item 9 answered: the thank-you page opens with the safety message.
    response = signed_in.post(
        reverse("portal:check-in", args=[upcoming.pk]), check_in_post([1] * 9, [1] * 7)
    )
    page = signed_in.get(response["Location"]).content.decode()
    main = page[page.index('<main id="main"') :]
    assert main.index('data-testid="safety-message"') < main.index(
        'data-testid="stored-confirmation"'
    )


def test_the_composer_is_prefilled_from_the_feedback(signed_in, last_attended):
    give_feedback(signed_in, last_attended, rupture="yes", resolved="partly")
    page = signed_in.get(reverse("portal:composer"), {"after": last_attended.pk}).content.decode()
    assert f">{STARTER_MISUNDERSTOOD}</textarea>" in page
    assert f'value="{Intent.NEXT_SESSION}" checked' in page


def test_stopping_prefills_its_own_starter(signed_in, last_attended):
    give_feedback(signed_in, last_attended, stopping="sometimes")
    page = signed_in.get(reverse("portal:composer"), {"after": last_attended.pk}).content.decode()
    assert "I&#x27;m not sure this is working for me, because …</textarea>" in page


@pytest.mark.parametrize("after", ["", "abc", "-1", "9" * 40, "1.5", "<script>"])
def test_a_spoiled_after_prefills_nothing(signed_in, last_attended, after):
    give_feedback(signed_in, last_attended, rupture="yes", resolved="partly")
    response = signed_in.get(reverse("portal:composer"), {"after": after})
    assert response.status_code == 200
    assert STARTER_MISUNDERSTOOD + "</textarea>" not in response.content.decode()


def test_another_clients_session_prefills_nothing(signed_in, client, other_episode):
    other = other_episode.sessions.get(number=1)
    page = signed_in.get(reverse("portal:composer"), {"after": other.pk}).content.decode()
    assert "</textarea>" in page and "misunderstood when …</textarea>" not in page


def test_feedback_that_felt_right_prefills_nothing(signed_in, last_attended):
    give_feedback(signed_in, last_attended, rupture="no")
    page = signed_in.get(reverse("portal:composer"), {"after": last_attended.pk}).content.decode()
    assert 'id="id_text" rows="7"' in page
    assert STARTER_MISUNDERSTOOD + "</textarea>" not in page
