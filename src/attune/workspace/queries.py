"""Reads for the therapist's workspace. Each list is a fixed number of queries, however long."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery

from attune.accounts.models import Role, User
from attune.alerts.models import SEVERITY_ORDER, Alert, AlertKind, AlertStatus, Severity
from attune.care.models import Attendance, Episode, EpisodeStatus, Session
from attune.measures.models import Response
from attune.practice.models import TherapistProfile


def _latest_score(code: str) -> Subquery:
    return Subquery(
        Response.objects.filter(episode=OuterRef("pk"), instrument_version__instrument__code=code)
        .order_by("-submitted_at", "-pk")
        .values("score")[:1]
    )


@dataclass(frozen=True)
class CaseloadRow:
    episode: Episode
    open_alerts: list[Alert]

    @property
    def attention(self) -> tuple[int, int]:
        """Sort key: urgent safety first, then red, unrepaired ruptures, dropout risk, yellow."""
        if not self.open_alerts:
            return (9, 0)
        ranks = []
        for alert in self.open_alerts:
            if alert.kind == AlertKind.SAFETY:
                ranks.append(0 if alert.severity == Severity.URGENT else 1)
            elif alert.severity == Severity.RED:
                ranks.append(2)
            elif alert.kind in (AlertKind.UNREPAIRED_RUPTURE, AlertKind.REPEATED_RUPTURES):
                ranks.append(3)
            elif alert.kind == AlertKind.DROPOUT_RISK:
                ranks.append(4)
            else:
                ranks.append(5 + SEVERITY_ORDER[Severity(alert.severity)])
        return (min(ranks), -len(self.open_alerts))


def caseload(therapist: User, now: datetime) -> list[CaseloadRow]:
    attended = Q(sessions__attendance=Attendance.ATTENDED)
    episodes = (
        Episode.objects.filter(therapist=therapist, status=EpisodeStatus.ACTIVE)
        .select_related("client__user")
        .annotate(
            phq9=_latest_score("phq9"),
            gad7=_latest_score("gad7"),
            alliance=_latest_score("session_feedback"),
            sessions_attended=Count("sessions", filter=attended, distinct=True),
            last_session_at=Max("sessions__scheduled_at", filter=attended),
            next_session_at=Min(
                "sessions__scheduled_at",
                filter=Q(
                    sessions__attendance=Attendance.SCHEDULED, sessions__scheduled_at__gte=now
                ),
            ),
        )
        .prefetch_related(
            Prefetch(
                "alerts",
                queryset=Alert.objects.exclude(status=AlertStatus.CLOSED).order_by("-opened_at"),
                to_attr="open_alert_list",
            )
        )
    )
    rows = [CaseloadRow(episode=e, open_alerts=e.open_alert_list) for e in episodes]
    rows.sort(key=lambda row: (row.attention, row.episode.client.display_name))
    return rows


def episode_for_page(episodes: QuerySet[Episode], pk: int) -> Episode:
    return (
        episodes.select_related("client__user", "therapist")
        .prefetch_related(
            "goals__ratings",
            Prefetch(
                "sessions",
                queryset=Session.objects.order_by("number").prefetch_related(
                    "modalities",
                    Prefetch(
                        "responses",
                        queryset=Response.objects.select_related(
                            "instrument_version__instrument"
                        ).order_by("instrument_version__instrument__code"),
                    ),
                ),
            ),
            Prefetch(
                "alerts",
                queryset=Alert.objects.prefetch_related("events__actor").order_by("-opened_at"),
            ),
        )
        .get(pk=pk)
    )


def supervisees(supervisor: User) -> list[TherapistProfile]:
    active = Q(user__episodes_as_therapist__status=EpisodeStatus.ACTIVE)
    return list(
        TherapistProfile.objects.filter(supervisors=supervisor)
        .select_related("user")
        .annotate(
            active_clients=Count("user__episodes_as_therapist", filter=active, distinct=True),
            open_alerts=Count(
                "user__episodes_as_therapist__alerts",
                filter=active & ~Q(user__episodes_as_therapist__alerts__status=AlertStatus.CLOSED),
                distinct=True,
            ),
        )
    )


def practice_overview() -> dict[str, int]:
    counts = dict(User.objects.values_list("role").annotate(n=Count("pk")).values_list("role", "n"))
    return {
        "clients": counts.get(Role.CLIENT, 0),
        "therapists": counts.get(Role.THERAPIST, 0),
        "supervisors": counts.get(Role.SUPERVISOR, 0),
        "admins": counts.get(Role.PRACTICE_ADMIN, 0),
        "active_episodes": Episode.objects.filter(status=EpisodeStatus.ACTIVE).count(),
        "sessions": Session.objects.count(),
    }
