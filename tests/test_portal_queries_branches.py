"""The client portal's reads in their rarer states: no episode, a therapist without a profile,
a progress line without a cut-off, and a message kept for the next session once it has
taken place (shared then, or kept back)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from attune.clientportal.models import Intent
from attune.portal import queries
from attune.practice.models import TherapistProfile
from tests import factories

pytestmark = pytest.mark.django_db


def test_no_episode_means_no_session_and_no_therapist_page(episode, upcoming):
    now = timezone.now()
    assert queries.next_session(None, now) is None
    assert queries.next_session(episode, now) == upcoming
    assert queries.how_my_therapist_works(None) is None
    TherapistProfile.objects.filter(user_id=episode.therapist_id).delete()
    assert queries.how_my_therapist_works(episode) is None


def test_a_line_without_a_cut_off_has_no_usual_range():
    line = queries.ProgressLine(
        instrument="x", about="", first=5, latest=3, count=2, sentence="", band_sentence=""
    )
    assert line.in_usual_range is None
    with_cut = queries.ProgressLine(
        instrument="x", about="", first=5, latest=3, count=2, sentence="", band_sentence="",
        usual_below=4,
    )  # fmt: skip
    assert with_cut.in_usual_range is True


def _kept_for_next_session(episode, share_at_session: bool):
    before = timezone.now() - timedelta(days=10)
    return factories.FeedbackMessageFactory(
        episode=episode,
        intent=Intent.NEXT_SESSION,
        share_at_session=share_at_session,
        created_at=before,
        updated_at=before,
        shared_at=None,
    )


def test_a_message_for_the_next_session_once_it_has_taken_place(episode, last_attended):
    sessions = list(episode.sessions.all())
    now = timezone.now()
    assert last_attended.scheduled_at < now - timedelta(hours=1)
    shown = queries.own_message(_kept_for_next_session(episode, True), sessions, now)
    assert shown.status == (
        "Your therapist can read it now: the session you chose has taken place."
    )
    kept = queries.own_message(_kept_for_next_session(episode, False), sessions, now)
    assert kept.status == (
        "The session has taken place; your words stayed with you. You can still share them."
    )
