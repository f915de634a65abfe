"""The printable progress report: what it says, who may open it, and what it never shows."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from attune.accounts.models import Role
from attune.alerts.services import close, record_action
from attune.care.submission import submit_form
from attune.engine.outcomes import DEFAULT_TALKING_THERAPIES
from attune.workspace.report import MeasureChange, talking_therapies_outcome
from tests import factories
from tests.conftest import make_user, sign_in
from tests.test_workspace import alert, check_in, scores, weekly_sessions

pytestmark = pytest.mark.django_db

DENIED = {403, 404}


def feedback(episode, session, each=9, rupture="no", resolved=None, comment=""):
    answers = {d: each for d in ("bond", "goals", "approach", "overall")}
    answers["rupture"] = rupture
    answers["comment"] = comment
    if resolved:
        answers["rupture_resolved"] = resolved
    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase="feedback",
        answers={"session_feedback": answers},
        idempotency_key=uuid.uuid4(),
        now=session.scheduled_at + timedelta(hours=1),
    )
    assert result.ok, result.errors


@pytest.fixture
def course(episode, therapist):
    """``build_course`` on the test's episode."""
    return build_course(episode, therapist)


def build_course(episode, therapist):
    """Four sessions: PHQ-9 18 → 8 (reliable recovery), GAD-7 12 → 6, feedback, a goal,
    an alert with a recorded action, and notes that must never reach the report."""
    sessions = weekly_sessions(episode, 4)
    sessions[0].progress_note = "PROGRESS-NOTE-SECRET talked about her mother"
    sessions[0].save()
    scores(episode, [18, 15, 11, 8], gad7=[12, 10, 8, 6], sessions=sessions)
    feedback(episode, sessions[0], each=8)
    feedback(episode, sessions[1], each=6, rupture="yes", resolved="mostly")
    feedback(episode, sessions[2], each=9)
    goal = factories.GoalFactory(episode=episode, description="Sleep through the night")
    now = timezone.now()
    factories.GoalRatingFactory(goal=goal, rating=2, rated_at=now - timedelta(days=20))
    factories.GoalRatingFactory(goal=goal, rating=7, rated_at=now - timedelta(days=1))
    factories.GoalFactory(episode=episode, description="Speak up at work", position=1)
    low = alert(episode, "low_alliance", "yellow")
    record_action(
        low, therapist, action="discussed", note="ACTION-NOTE-SECRET she cried about her father"
    )
    close(low, therapist)
    safety = alert(episode, "safety", "high", key="safety:x")
    record_action(
        safety, therapist, action="safety_follow_up", follow_up_instrument="C-SSRS", note="x"
    )
    return episode


def report_url(episode):
    return reverse("workspace:report", args=[episode.pk])


login = sign_in  # the name these tests use for tests.conftest.sign_in


# --------------------------------------------------------------------------- content


def test_the_report_summarises_the_episode(client, course, therapist):
    login(client, therapist)
    response = client.get(report_url(course))
    assert response.status_code == 200
    page = response.content.decode()
    # Who and when
    assert "Cleo Client" in page
    assert "Tara Therapist" in page
    assert course.started_on.strftime("%-d %b %Y") in page
    assert "ongoing" in page and "Active" in page
    assert "4 attended" in page
    # Goals with the client's latest rating
    assert "Sleep through the night" in page
    assert "<strong>7/10</strong>" in page
    assert "2/10" in page
    assert "Speak up at work" in page and "not rated yet" in page
    # Outcomes
    changes = {c.code: c for c in response.context["changes"]}
    assert (changes["phq9"].first, changes["phq9"].latest, changes["phq9"].change) == (18, 8, -10)
    assert (changes["gad7"].first, changes["gad7"].latest, changes["gad7"].change) == (12, 6, -6)
    assert changes["phq9"].verdict == "reliably better"
    assert "NHS Talking Therapies outcome: Reliable recovery." in page
    # Scores by session
    rows = response.context["session_rows"]
    assert [(r.session.number, r.phq9, r.gad7, r.feedback) for r in rows] == [
        (1, 18, 12, 32),
        (2, 15, 10, 24),
        (3, 11, 8, 36),
        (4, 8, 6, None),
    ]
    assert rows[1].rupture and not rows[0].rupture
    # Alliance
    alliance = response.context["alliance"]
    assert (alliance.ratings, alliance.mean, alliance.first, alliance.latest) == (3, 30.7, 32, 36)
    assert (alliance.lowest, alliance.lowest_session) == (24, 2)
    assert (alliance.ruptures_reported, alliance.ruptures_resolved) == (1, 1)
    assert "Bond 7.7" in page
    # Alerts and actions: kind, dates, the action (and the instrument of a safety follow-up)
    assert "Low alliance" in page and "Discussed in session" in page
    assert "Safety item" in page and "Safety follow-up (C-SSRS)" in page
    assert "Closed " in page


def test_the_report_never_shows_any_note(client, course, therapist):
    from attune.audit.models import AuditEvent
    from attune.notes.services import write_note

    session = course.sessions.get(number=2)
    write_note(
        author=therapist,
        session=session,
        body="PRIVATE-PROCESS-NOTE-SECRET erotic transference",
        themes=["erotic"],
        countertransference="COUNTERTRANSFERENCE-SECRET",
    )
    reads_before = AuditEvent.objects.filter(object_type="notes.processnote").count()
    login(client, therapist)
    page = client.get(report_url(course)).content.decode()
    for secret in (
        "PRIVATE-PROCESS-NOTE-SECRET",
        "COUNTERTRANSFERENCE-SECRET",
        "Erotic",
        "PROGRESS-NOTE-SECRET",
        "ACTION-NOTE-SECRET",
    ):
        assert secret not in page, secret
    # Not even read: no note was decrypted for the report.
    assert AuditEvent.objects.filter(object_type="notes.processnote").count() == reads_before


def test_the_report_has_a_print_button_wired_by_a_static_script(client, course, therapist):
    login(client, therapist)
    page = client.get(report_url(course)).content.decode()
    assert '<button type="button" class="primary" data-print hidden>Print</button>' in page
    assert "/static/attune/js/print.js" in page
    assert "onclick" not in page and "style=" not in page
    assert 'media="print"' in page  # the print stylesheet from base.html


def test_a_report_without_scores_says_so(client, episode, therapist):
    login(client, therapist)
    page = client.get(report_url(episode)).content.decode()
    assert "Not yet assessable" in page
    assert "No goals recorded yet." in page
    assert "No session feedback yet." in page
    assert "No alerts." in page


def test_the_caseload_links_each_client_to_the_report(client, course, therapist):
    login(client, therapist)
    page = client.get(reverse("workspace:caseload")).content.decode()
    assert f'href="{report_url(course)}"' in page
    assert "Progress report" in page


def test_a_safety_answer_shows_in_the_scores_table(client, episode, therapist):
    check_in(episode, item9=2)
    login(client, therapist)
    page = client.get(report_url(episode)).content.decode()
    assert '<span class="chip severity-urgent" title="Urgent">item 9</span>' in page


# --------------------------------------------------------------------------- outcome rules


def change(code, first, latest):
    count = sum(v is not None for v in (first, latest))
    return MeasureChange(
        code=code,
        name=code,
        first=first,
        first_session=1 if first is not None else None,
        latest=latest,
        latest_session=5 if latest is not None else None,
        count=count,
        reliable_change=6 if code == "phq9" else 4,
        caseness=10 if code == "phq9" else 8,
    )


@pytest.mark.parametrize(
    ("phq9", "gad7", "label"),
    [
        ((18, 8), (12, 6), "Reliable recovery"),
        ((18, 11), (None, None), "Reliable improvement"),
        ((8, 2), (None, None), "Reliable improvement"),  # below caseness from the start
        ((11, 9), (8, 7), "Recovery without reliable improvement"),
        ((14, 12), (10, 9), "No reliable change"),
        ((8, 16), (5, 5), "Reliable deterioration"),
        ((14, 8), (5, 10), "Reliable deterioration"),  # one measure worse is enough
        ((14, None), (None, None), "Not yet assessable"),
    ],
)
def test_the_talking_therapies_outcome_follows_the_engine(phq9, gad7, label):
    outcome = talking_therapies_outcome(
        [change("phq9", *phq9), change("gad7", *gad7)], DEFAULT_TALKING_THERAPIES
    )
    assert outcome.label == label


@pytest.mark.parametrize(
    ("first", "latest", "points", "verdict"),
    [
        (18, 12, 6, "reliably better"),
        (18, 13, 6, "no reliable change"),
        (18, 12, 7, "no reliable change"),
        (10, 17, 7, "reliably worse"),
        (10, None, 6, "needs two scores"),
    ],
)
def test_the_verdict_is_the_engines_rule_with_the_configured_points(first, latest, points, verdict):
    measured = change("phq9", first, latest)
    assert MeasureChange(**{**measured.__dict__, "reliable_change": points}).verdict == verdict


def test_the_report_takes_its_thresholds_from_the_engine_settings(
    client, course, therapist, settings
):
    settings.ATTUNE_ENGINE = {"reliable_change": {"phq9_reliable_change": 30}}
    login(client, therapist)
    response = client.get(report_url(course))
    phq9 = next(c for c in response.context["changes"] if c.code == "phq9")
    assert phq9.reliable_change == 30
    assert phq9.verdict in ("no reliable change", "needs two scores")
    assert "reliable change PHQ-9 30 points" in response.content.decode()


# --------------------------------------------------------------------------- access


def test_the_treating_therapist_and_her_supervisor_may_open_it(
    client, course, therapist, supervisor
):
    for user in (therapist, supervisor):
        assert login(client, user).get(report_url(course)).status_code == 200


@pytest.mark.parametrize("intruder", ["colleague", "client_user", "other_client", "practice_admin"])
def test_nobody_else_opens_the_report(request, client, course, intruder, other_episode):
    user = request.getfixturevalue(intruder)
    response = login(client, user).get(report_url(course))
    assert response.status_code in DENIED
    assert "Sleep through the night" not in response.content.decode()


def test_a_supervisor_of_someone_else_does_not_open_it(client, course, practice):
    stranger = make_user(practice, "sid.othersupervisor@example.org", Role.SUPERVISOR)
    response = login(client, stranger).get(report_url(course))
    assert response.status_code == 404
    assert "Sleep through the night" not in response.content.decode()


def test_an_unknown_episode_is_a_404_and_anonymous_visitors_sign_in(client, course, therapist):
    response = client.get(report_url(course))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    login(client, therapist)
    assert client.get(reverse("workspace:report", args=[course.pk + 999])).status_code == 404
