"""Write a simulated practice (``attune.simulation``) into the database.

The simulation knows every client's true course; this module only stores what a real practice
would have recorded: people, profiles, episodes, sessions, and the answers clients gave.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from attune.accounts.demo_logins import DEMO_PASSWORD
from attune.accounts.models import Role, User
from attune.alerts import services as alert_services
from attune.alerts.evaluation import evaluate_practice
from attune.alerts.models import ActionKind, Alert, AlertEvent, AlertEventKind, AlertKind
from attune.care.models import Client, Episode, Goal, GoalRating, Session
from attune.demo.practice_page import add_practice_page_rows
from attune.directory.demo import load_demo_articles, load_demo_directory
from attune.engine.instruments import Instrument as Definition
from attune.engine.instruments import score
from attune.matching.demo import write_demo_consultations
from attune.measures.definitions_sync import current_version
from attune.measures.models import InstrumentVersion, Phase, Response
from attune.notes.demo import write_demo_notes
from attune.practice.models import Modality, Practice, ProblemArea, TherapistProfile
from attune.simulation import SimFeedback, SimPractice, SimSession, simulate_practice
from attune.supervision.demo import write_demo_supervision

DEMO_PRACTICE_SLUG = "attune-demo"
_KEYS = uuid.UUID("6a1f8f0e-5d1c-4b7e-9a55-3c0e2f1d9b21")  # namespace for deterministic keys
_SAFETY_FOLLOWED_UP_AFTER = timedelta(days=14)


def demo_loaded() -> bool:
    return Practice.objects.filter(slug=DEMO_PRACTICE_SLUG).exists()


@transaction.atomic
def load_demo(today: date, seed: int = 2026) -> SimPractice:
    sim = simulate_practice(today=today, seed=seed)
    practice = Practice.objects.create(name=sim.name, slug=DEMO_PRACTICE_SLUG)
    users = _create_users(sim, practice)
    _create_profiles(sim, practice, users)
    load_demo_articles(today)
    load_demo_directory()
    clients = {
        key: Client.objects.create(user=users[key], practice=practice)
        for key in (c.key for c in sim.clients)
    }
    versions = {code: current_version(code) for code in ("phq9", "gad7", "session_feedback")}
    modalities = {m.slug: m for m in Modality.objects.all()}
    areas = {a.slug: a for a in ProblemArea.objects.all()}
    safety_responses: list[Response] = []
    for sim_episode in sim.episodes:
        episode = Episode.objects.create(
            client=clients[sim_episode.client_key],
            therapist=users[sim_episode.therapist_key],
            status=sim_episode.status,
            started_on=sim_episode.started_on,
            ended_on=sim_episode.ended_on,
        )
        episode.problem_areas.set([areas[slug] for slug in sim_episode.problem_areas])
        sessions = Session.objects.bulk_create(
            Session(
                episode=episode,
                number=s.number,
                scheduled_at=s.scheduled_at,
                attendance=s.attendance,
                progress_note=s.progress_note,
            )
            for s in sim_episode.sessions
        )
        Session.modalities.through.objects.bulk_create(
            Session.modalities.through(session_id=row.pk, modality_id=modalities[slug].pk)
            for row, s in zip(sessions, sim_episode.sessions, strict=True)
            for slug in s.modalities
        )
        client_user = users[sim_episode.client_key]
        responses = Response.objects.bulk_create(
            _responses(episode, client_user, sessions, sim_episode.sessions, versions)
        )
        safety_responses.extend(r for r in responses if r.safety_level)
        _create_goals(episode, sim_episode.goals, sim_episode.sessions, sim_episode.true_phq9)
    _raise_safety_alerts(safety_responses, today)
    evaluate_practice()
    _settle_engine_alerts(today)
    write_demo_notes(users["therapist"])
    add_practice_page_rows(today)
    write_demo_supervision(users["therapist"], today)
    write_demo_consultations(users["therapist"], today)
    return sim


def _create_users(sim: SimPractice, practice: Practice) -> dict[str, User]:
    password = make_password(DEMO_PASSWORD)  # hashed once: the same for every demo login
    people = [
        *((t.person, Role.THERAPIST) for t in sim.therapists),
        *((p, Role.SUPERVISOR) for p in sim.supervisors),
        *((p, Role.PRACTICE_ADMIN) for p in sim.admins),
        *((p, Role.CLIENT) for p in sim.clients),
    ]
    created = User.objects.bulk_create(
        User(
            email=person.email,
            first_name=person.first_name,
            last_name=person.last_name,
            role=role,
            practice=practice,
            password=password,
            is_staff=role == Role.PRACTICE_ADMIN,
            is_superuser=role == Role.PRACTICE_ADMIN,
        )
        for person, role in people
    )
    return {person.key: user for (person, _), user in zip(people, created, strict=True)}


def _create_profiles(sim: SimPractice, practice: Practice, users: dict[str, User]) -> None:
    modalities = {m.slug: m for m in Modality.objects.all()}
    areas = {a.slug: a for a in ProblemArea.objects.all()}
    for therapist in sim.therapists:
        profile = TherapistProfile.objects.create(
            user=users[therapist.person.key],
            practice=practice,
            gender=therapist.gender,
            credentials=therapist.credentials,
            training=therapist.training,
            years_experience=therapist.years_experience,
            languages=list(therapist.languages),
            formats=list(therapist.formats),
            accepting_new_clients=therapist.accepting_new_clients,
            how_i_work=therapist.how_i_work,
            fee_min=therapist.fee_min,
            fee_max=therapist.fee_max,
        )
        profile.modalities.set([modalities[slug] for slug in therapist.modalities])
        profile.problem_areas.set([areas[slug] for slug in therapist.problem_areas])
        if therapist.supervisor_key:
            profile.supervisors.set([users[therapist.supervisor_key]])


def _responses(
    episode: Episode,
    client: User,
    rows: list[Session],
    sim_sessions: Iterable[SimSession],
    versions: dict[str, InstrumentVersion],
) -> Iterable[Response]:
    for row, sim_session in zip(rows, sim_sessions, strict=True):
        check_in_at = sim_session.scheduled_at - timedelta(hours=2)
        for code, values in (("phq9", sim_session.phq9), ("gad7", sim_session.gad7)):
            if values is not None:
                answers = _choice_answers(versions[code].parsed, values)
                yield _response(
                    episode, client, row, versions[code], Phase.CHECK_IN, answers, check_in_at
                )
        if sim_session.feedback is not None:
            yield _response(
                episode,
                client,
                row,
                versions["session_feedback"],
                Phase.FEEDBACK,
                _feedback_answers(sim_session.feedback),
                sim_session.scheduled_at + timedelta(hours=3),
            )


def _choice_answers(definition: Definition, values: tuple[int, ...]) -> dict[str, object]:
    """Map item values 0..3 onto the definition's option codes, in item order."""
    answers: dict[str, object] = {}
    scored = [item for item in definition.items if item.required]
    for item, value in zip(scored, values, strict=True):
        option = next(o for o in item.options if o.value == value)
        answers[item.code] = option.code
    return answers


def _feedback_answers(feedback: SimFeedback) -> dict[str, object]:
    answers: dict[str, object] = {
        "bond": feedback.bond,
        "goals": feedback.goals,
        "approach": feedback.approach,
        "overall": feedback.overall,
        "rupture": feedback.rupture,
    }
    if feedback.rupture_resolved is not None:
        answers["rupture_resolved"] = feedback.rupture_resolved
    if feedback.stopping is not None:
        answers["stopping"] = feedback.stopping
    if feedback.comment:
        answers["comment"] = feedback.comment
    return answers


def _response(
    episode: Episode,
    client: User,
    session: Session,
    version: InstrumentVersion,
    phase: str,
    answers: dict[str, object],
    submitted_at: datetime,
) -> Response:
    scores = score(version.parsed, answers).as_dict()
    first = next(iter(scores["scales"].values()))
    levels = {flag["level"] for flag in scores["safety"]}
    return Response(
        episode=episode,
        session=session,
        instrument_version=version,
        respondent=client,
        phase=phase,
        answers=answers,
        scores=scores,
        score=first["value"],
        safety_level="urgent" if "urgent" in levels else "high" if "high" in levels else "",
        idempotency_key=uuid.uuid5(_KEYS, f"{episode.pk}:{session.number}:{phase}"),
        submitted_at=submitted_at,
    )


def _create_goals(
    episode: Episode,
    goals: tuple[str, ...],
    sessions: tuple[SimSession, ...],
    true_phq9: tuple[float, ...],
) -> None:
    """Goals in the client's words, rated by the client every fourth attended session."""
    intake = max(true_phq9[0], 1.0) if true_phq9 else 1.0
    attended = [
        (s, t) for s, t in zip(sessions, true_phq9, strict=True) if s.attendance == "attended"
    ]
    for position, text in enumerate(goals):
        goal = Goal.objects.create(episode=episode, description=text, position=position)
        GoalRating.objects.bulk_create(
            GoalRating(
                goal=goal,
                rating=max(0, min(10, round(2 + 10 * (intake - latent) / intake) - position)),
                rated_at=s.scheduled_at + timedelta(hours=3),
            )
            for index, (s, latent) in enumerate(attended)
            if index % 4 == 0
        )


def _raise_safety_alerts(responses: list[Response], today: date) -> None:
    """Open the safety alert of every flagged answer; older ones carry the follow-up that a
    therapist would have recorded, so the demo shows both an open alert and a completed trail."""
    for response in responses:
        response.episode.refresh_from_db()
        alert = alert_services.raise_safety_alert(response)
        if response.submitted_at.date() < today - _SAFETY_FOLLOWED_UP_AFTER:
            therapist = response.episode.therapist
            at = response.submitted_at + timedelta(hours=5)
            alert_services.acknowledge(alert, therapist, now=at)
            alert_services.record_action(
                alert,
                therapist,
                action=ActionKind.SAFETY_FOLLOW_UP,
                follow_up_instrument="C-SSRS screen",
                note="Called the client the same day; C-SSRS screen negative for intent or "
                "behaviour; safety plan reviewed together.",
                now=at,
            )
            alert_services.close(alert, therapist, now=at + timedelta(minutes=5))


#: What a therapist would typically have recorded for each kind of alert in the demo's past.
_DEMO_ACTIONS: dict[str, tuple[str, str]] = {
    "rupture": (ActionKind.REPAIR_ATTEMPTED, "Named the moment; client felt heard."),
    "unrepaired_rupture": (ActionKind.REPAIR_ATTEMPTED, "Second repair conversation."),
    "repeated_ruptures": (ActionKind.DISCUSSED, "Talked about the fit; supervision."),
    "modality_review": (ActionKind.MODALITY_CHANGED, "Agreed to add a new approach."),
}
_SETTLED_AFTER = timedelta(days=21)


def _settle_engine_alerts(today: date) -> None:
    """Date each engine alert to the session that fired it; alerts older than three weeks carry
    the action a therapist would have recorded and are closed, so the demo shows a history."""
    sessions = {
        (s.episode_id, s.number): s.scheduled_at
        for s in Session.objects.only("episode_id", "number", "scheduled_at")
    }
    for alert in Alert.objects.exclude(kind=AlertKind.SAFETY).select_related("episode__therapist"):
        session_at = sessions.get((alert.episode_id, alert.evidence.get("session_number")))
        if session_at is None:
            continue
        opened = session_at + timedelta(hours=3)
        Alert.objects.filter(pk=alert.pk).update(opened_at=opened)
        AlertEvent.objects.filter(alert=alert, kind=AlertEventKind.OPENED).update(at=opened)
        if opened.date() >= today - _SETTLED_AFTER:
            continue
        alert.refresh_from_db()
        if alert.is_note:  # good news needs no action
            continue
        therapist = alert.episode.therapist
        action, note = _DEMO_ACTIONS.get(
            alert.kind, (ActionKind.DISCUSSED, "Discussed with the client in session.")
        )
        at = opened + timedelta(days=2)
        alert_services.record_action(alert, therapist, action=action, note=note, now=at)
        alert_services.close(alert, therapist, now=at + timedelta(minutes=2))
