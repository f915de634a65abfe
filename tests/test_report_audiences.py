"""The printable report's outcome chart, its three versions (the therapist's own record, for the
client, for a colleague or GP), its audit event, and who may open each version."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from attune.accounts.models import Role, User
from attune.alerts.models import Alert, AlertStatus
from attune.alerts.services import raise_alert
from attune.audit.models import AuditEvent
from attune.care.models import Attendance, Episode
from attune.care.submission import submit_form
from attune.practice.models import Practice
from tests import factories
from tests.conftest import (
    kept_for_a_scope,
    make_episode,
    make_user,
    the_episode,
    the_practice,
    the_supervisor,
    the_therapist,
)
from tests.test_report import build_course, login, report_url
from tests.test_workspace import gad7_answers, phq9_answers

pytestmark = pytest.mark.django_db

DENIED = {403, 404}
AUDIENCES = ["", "client", "colleague"]  # "" = the therapist's own record
SHARED = ["client", "colleague"]

#: What an alert carries that must never leave the therapist's own record.
INTERNALS = {
    "title": "ALERT-TITLE-SECRET",
    "explanation": "EXPLANATION-SECRET",
    "source": "SOURCE-CITATION-SECRET Lambert 2015",
    "dedupe_key": "DEDUPE-KEY-SECRET",
    "evidence": {"marker": "EVIDENCE-NUMBER-SECRET", "score_drop": 987654},
}


def url(episode, audience=""):
    return report_url(episode) + (f"?for={audience}" if audience else "")


def build_longer(course):
    """The course (PHQ-9 18 → 8 and GAD-7 12 → 6 over sessions 1-4) and: session 5 (PHQ-9 7
    with item 9 answered, GAD-7 5), session 6 attended without any score, an alert with
    every internal filled in and a good-news note."""
    now = timezone.now()
    fifth = factories.SessionFactory(
        episode=course,
        number=5,
        scheduled_at=now - timedelta(days=3),
        attendance=Attendance.ATTENDED,
    )
    factories.SessionFactory(
        episode=course,
        number=6,
        scheduled_at=now - timedelta(days=1),
        attendance=Attendance.ATTENDED,
    )
    result = submit_form(
        episode=course,
        session=fifth,
        respondent=course.client.user,
        phase="check_in",
        answers={"phq9": phq9_answers(7, item9=1), "gad7": gad7_answers(5)},
        idempotency_key=uuid.uuid4(),
        now=fifth.scheduled_at,
    )
    assert result.ok, result.errors
    raise_alert(
        episode=course,
        kind="not_on_track",
        severity="red",
        suggested_actions=["SUGGESTED-ACTION-SECRET"],
        **INTERNALS,
    )
    note = raise_alert(
        episode=course,
        kind="reliable_improvement",
        severity="info",
        title="GOOD-NEWS-TITLE-SECRET",
        explanation="x",
        evidence={},
        source="x",
        suggested_actions=[],
        dedupe_key="good:1",
    )
    Alert.objects.filter(pk=note.pk).update(status=AlertStatus.NOTE)
    return course


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The practice of tests/conftest.py's fixtures (its supervisor, therapist and the client's
    episode) with ``build_longer``'s course on that episode, built once for the module (~0.3 s
    of CPU for each of its 37 tests before, issue 15): ``kept_for_a_scope``, so each test
    still starts from these rows and nothing it writes reaches the next. The fixtures below
    read them again for each test, so no test sees another's objects in memory either."""

    def build() -> dict[str, int]:
        practice = the_practice()
        supervisor = the_supervisor(practice)
        therapist = the_therapist(practice, supervisor)
        episode = the_episode(practice, therapist)
        build_longer(build_course(episode, therapist))
        return {
            "practice": practice.pk,
            "supervisor": supervisor.pk,
            "therapist": therapist.pk,
            "episode": episode.pk,
        }

    yield from kept_for_a_scope(django_db_blocker, build)


@pytest.fixture
def practice(built, db):
    return Practice.objects.get(pk=built["practice"])


@pytest.fixture
def supervisor(built, db):
    return User.objects.get(pk=built["supervisor"])


@pytest.fixture
def therapist(built, db):
    return User.objects.get(pk=built["therapist"])


@pytest.fixture
def episode(built, db):
    """The client's episode, with ``build_longer``'s course (conftest's ``client_user`` is
    its client)."""
    return Episode.objects.get(pk=built["episode"])


@pytest.fixture
def longer(episode):
    return episode


def page_of(client, user, episode, audience=""):
    response = login(client, user).get(url(episode, audience))
    assert response.status_code == 200
    return response, response.content.decode()


def points(page, measure):
    return [
        int(n)
        for n in re.findall(
            rf'class="report-point" data-measure="{measure}" data-session="(\d+)"', page
        )
    ]


# --------------------------------------------------------------------------- the chart


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_chart_comes_first_with_one_point_per_scored_session(
    client, longer, therapist, audience
):
    _, page = page_of(client, therapist, longer, audience)
    chart = page.index('data-testid="report-chart"')
    assert chart < page.index('data-testid="report-goals"')
    assert chart < page.index('data-testid="report-outcomes"')
    assert page.count("<svg") == 1 + page.count('class="sparkline"')
    assert points(page, "phq9") == [1, 2, 3, 4, 5]
    assert points(page, "gad7") == [1, 2, 3, 4, 5]  # session 6 has no score: no point
    # Caseness lines from the engine's configuration; a print-safe, script-free drawing.
    assert "PHQ-9 cut-off 10" in page and "GAD-7 cut-off 8" in page
    svg = page[chart : page.index("</svg>", chart)]
    assert "<script" not in svg and "style=" not in svg and "href" not in svg
    assert "session 5 7" in svg  # the text alternative names every score


def test_the_cut_off_lines_follow_the_engine_settings(client, longer, therapist, settings):
    settings.ATTUNE_ENGINE = {"reliable_change": {"phq9_caseness": 12}}
    _, page = page_of(client, therapist, longer)
    assert "PHQ-9 cut-off 12" in page and "PHQ-9 cut-off 10" not in page


def test_the_expected_band_is_drawn_for_professionals_not_for_the_client(client, longer, therapist):
    for audience, banded in (("", True), ("colleague", True), ("client", False)):
        _, page = page_of(client, therapist, longer, audience)
        assert ('class="report-band"' in page) is banded, audience
        assert ("expected range" in page) is banded, audience


def test_a_report_without_scores_has_no_chart_and_says_so(client, practice, therapist):
    episode = make_episode(practice, "nia.new@example.org", therapist)
    _, page = page_of(client, therapist, episode, "client")
    assert 'data-testid="report-chart"' not in page
    assert "No questionnaire scores yet." in page


# --------------------------------------------------------------------------- the versions


def test_the_therapists_own_record_keeps_the_alert_summary(client, longer, therapist):
    _, page = page_of(client, therapist, longer)
    assert "Alerts and what was done" in page
    assert "Low alliance" in page and "Safety follow-up (C-SSRS)" in page
    assert "GOOD-NEWS-TITLE-SECRET" in page  # the good-news notes, as before
    assert "item 9" in page and "Ruptures detected" in page
    assert "Jacobson" in page
    assert 'data-testid="report-progress"' not in page
    # Even here, no alert internals beyond its kind, level, dates and actions.
    for secret in ("EXPLANATION-SECRET", "SOURCE-CITATION-SECRET", "DEDUPE-KEY-SECRET"):
        assert secret not in page, secret
    assert "EVIDENCE-NUMBER-SECRET" not in page and "987654" not in page


@pytest.mark.parametrize("audience", SHARED)
def test_client_and_colleague_versions_leave_out_every_alert_internal(
    client, longer, therapist, audience
):
    response, page = page_of(client, therapist, longer, audience)
    for hidden in (
        *(str(v) for k, v in INTERNALS.items() if k != "evidence"),
        "EVIDENCE-NUMBER-SECRET",
        "987654",
        "SUGGESTED-ACTION-SECRET",
        "GOOD-NEWS-TITLE-SECRET",
        "Alerts and what was done",
        "Low alliance",
        "Not on track",
        "Safety item",
        "C-SSRS",
        "Discussed in session",
        "Ruptures detected",
        "difficult moment",
        "item 9",
        "Jacobson",
        "PROGRESS-NOTE-SECRET",
        "ACTION-NOTE-SECRET",
    ):
        assert hidden not in page, (audience, hidden)
    assert "evidence" not in page.lower()
    assert "source:" not in page.lower()
    assert response.context["alert_rows"] == [] and response.context["alert_notes"] == []


@pytest.mark.parametrize("audience", SHARED)
def test_client_and_colleague_versions_say_the_progress_in_plain_words(
    client, longer, therapist, audience
):
    _, page = page_of(client, therapist, longer, audience)
    progress = page[page.index('data-testid="report-progress"') :]
    assert (
        "PHQ-9 (depression) went from 18 at session 1 to 7 at session 5: an improvement larger "
        "than the questionnaire&#x27;s measurement error; now below the clinical cut-off (10)."
    ) in progress
    assert "GAD-7 (anxiety) went from 12 at session 1 to 5 at session 5" in progress
    assert "Overall: Reliable recovery." in progress
    # The rest of the record a client or a GP needs
    assert "Sleep through the night" in page and "<strong>7/10</strong>" in page
    assert 'data-testid="report-sessions"' in page
    assert "NHS Talking Therapies outcome: Reliable recovery." in page
    assert "Tara Therapist" in page and "Cleo Client" in page


def test_each_version_names_its_reader_and_links_the_others(client, longer, therapist):
    expected = {"": "", "client": " · for you", "colleague": " · for a colleague or GP"}
    for audience, suffix in expected.items():
        _, page = page_of(client, therapist, longer, audience)
        assert f"Progress report · confidential{suffix}</p>" in page
        others = [a for a in ("client", "colleague") if a != audience]
        for other in others:
            assert f'href="{url(longer, other)}"' in page
    _, colleague = page_of(client, therapist, longer, "colleague")
    assert "please speak to the therapist directly" in colleague


def test_gp_is_the_colleague_version_and_an_unknown_version_is_a_404(client, longer, therapist):
    response, _ = page_of(client, therapist, longer, "gp")
    assert response.context["audience"] == "colleague"
    before = AuditEvent.objects.count()
    assert login(client, therapist).get(url(longer, "boss")).status_code == 404
    assert AuditEvent.objects.count() == before  # nothing left the system


# --------------------------------------------------------------------------- the audit


@pytest.mark.parametrize(
    ("audience", "detail"),
    [("", "for=therapist"), ("client", "for=client"), ("colleague", "for=colleague")],
)
def test_each_opening_is_exactly_one_audit_event_naming_the_version(
    client, longer, therapist, audience, detail
):
    login(client, therapist)
    for _ in range(2):
        before = set(AuditEvent.objects.values_list("pk", flat=True))
        assert client.get(url(longer, audience)).status_code == 200
        new = AuditEvent.objects.exclude(pk__in=before)
        assert [
            (e.actor_id, e.action, e.object_type, e.object_id, e.episode_id, e.detail) for e in new
        ] == [(therapist.pk, "export", "care.episode", str(longer.pk), longer.pk, detail)]


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("audience", AUDIENCES)
def test_the_supervisor_of_the_therapist_opens_every_version(client, longer, supervisor, audience):
    page_of(client, supervisor, longer, audience)


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize(
    "intruder", ["colleague", "client_user", "other_client", "practice_admin", "stranger"]
)
def test_nobody_else_opens_any_version(
    request, client, longer, practice, other_episode, intruder, audience
):
    if intruder == "stranger":
        user = make_user(practice, "sid.othersupervisor@example.org", Role.SUPERVISOR)
    else:
        user = request.getfixturevalue(intruder)
    before = AuditEvent.objects.filter(action="export").count()
    response = login(client, user).get(url(longer, audience))
    assert response.status_code in DENIED, (intruder, audience)
    page = response.content.decode()
    assert "Sleep through the night" not in page and "report-chart" not in page
    assert AuditEvent.objects.filter(action="export").count() == before


@pytest.mark.parametrize("audience", AUDIENCES)
def test_anonymous_visitors_sign_in_for_every_version(client, longer, audience):
    response = client.get(url(longer, audience))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
