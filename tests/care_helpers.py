"""Helpers shared by the tests of the therapist's care actions (sessions, fit check-in,
referral, endings)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from attune.care.models import Attendance
from tests import factories
from tests.conftest import sign_in

DENIED = {403, 404}


as_user = sign_in  # the name the care tests use for tests.conftest.sign_in


def attended_sessions(episode, count, *, upcoming=True):
    """Replace the episode's sessions by ``count`` weekly attended ones (the last a day ago) and,
    optionally, one booked for tomorrow."""
    episode.sessions.all().delete()
    now = timezone.now()
    start = now - timedelta(days=7 * count)
    sessions = [
        factories.SessionFactory(
            episode=episode,
            number=n,
            scheduled_at=start + timedelta(days=7 * (n - 1)),
            attendance=Attendance.ATTENDED,
        )
        for n in range(1, count + 1)
    ]
    sessions[-1].scheduled_at = now - timedelta(days=1)
    sessions[-1].save()
    if upcoming:
        factories.SessionFactory(
            episode=episode,
            number=count + 1,
            scheduled_at=now + timedelta(days=6),
            attendance=Attendance.SCHEDULED,
        )
    return sessions


def fit_post(fit=8, right_match="yes", comment="", key=None) -> dict:
    post = {"idempotency_key": str(key or uuid.uuid4())}
    if fit is not None:
        post["fit_check-fit"] = str(fit)
    if right_match is not None:
        post["fit_check-right_match"] = right_match
    if comment:
        post["fit_check-comment"] = comment
    return post


def exit_post(overall=7, helped="", not_helped="", would_have_helped="", recommend=None, key=None):
    post = {"idempotency_key": str(key or uuid.uuid4())}
    if overall is not None:
        post["exit_feedback-overall"] = str(overall)
    for name, value in (
        ("helped", helped),
        ("not_helped", not_helped),
        ("would_have_helped", would_have_helped),
        ("recommend", recommend),
    ):
        if value:
            post[f"exit_feedback-{name}"] = value
    return post
