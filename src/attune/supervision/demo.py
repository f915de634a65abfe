"""Demo rows so the supervisor's queue and the episode's supervision section are not empty:
one alert the therapist brought to supervision, one supervision note with a recommendation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from attune.accounts.models import User
from attune.alerts import services as alert_services
from attune.alerts.models import OPEN_STATUSES, ActionKind, Alert, AlertKind, AlertStatus
from attune.care.models import EpisodeStatus
from attune.practice.models import TherapistProfile
from attune.supervision.services import write_note


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def write_demo_supervision(therapist: User, today: date) -> None:
    profiles = TherapistProfile.objects.filter(user=therapist)
    supervisor = profiles.values_list("supervisors", flat=True).first()
    if supervisor is None:
        return
    alerts = Alert.objects.filter(
        episode__therapist=therapist, episode__status=EpisodeStatus.ACTIVE
    ).order_by("opened_at", "pk")
    brought = alerts.filter(
        kind=AlertKind.DROPOUT_RISK, status__in=(AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
    ).first()
    if brought is not None:
        alert_services.record_action(
            brought,
            therapist,
            action=ActionKind.SUPERVISION,
            note="How do I raise an early ending without pushing him towards it?",
            now=max(brought.opened_at, _at(today - timedelta(days=1), 17)),
        )
    not_on_track = alerts.filter(kind=AlertKind.NOT_ON_TRACK, status__in=OPEN_STATUSES)
    if brought is not None:
        not_on_track = not_on_track.exclude(pk=brought.pk)
    discussed = not_on_track.select_related("episode").first()
    if discussed is not None:
        write_note(
            author=User.objects.get(pk=supervisor),
            episode=discussed.episode,
            discussion="Progress has stalled since the first weeks although the alliance "
            "ratings stay high. We wondered whether the work has become comfortable for both.",
            recommendation="Share the outcome chart with the client at the next session and "
            "ask together what would need to change; bring it back in four weeks.",
            follow_up_by=today + timedelta(days=28),
            now=_at(today - timedelta(days=2), 16),
        )
