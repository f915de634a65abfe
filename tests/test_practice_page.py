"""The practice administrator's page (issue 10): worked values for every section, times in the
practice's time zone, a fixed number of queries, and nobody else gets in or sees anything."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from post_office.models import STATUS, Email

from attune.accounts.models import Role
from attune.care.models import Attendance, Client, Episode, EpisodeStatus, Session
from attune.clientportal.models import DeletionStatus
from attune.matching.models import ConsultationRequest, ConsultationStatus
from attune.measures.definitions_sync import current_version
from attune.measures.models import Phase, Response
from attune.outcomes.queries import outcomes_report
from attune.reminders.models import DeliveryStatus, LinkPhase, ReminderDelivery
from attune.reminders.services import create_link
from attune.workspace.practice_page import (
    _therapists,
    form_completion,
    practice_page,
    waited,
)
from tests import factories
from tests.care_helpers import DENIED, as_user
from tests.conftest import make_therapist, make_user

URL = "/practice/"


def text_of(response) -> str:
    """The page as a reader sees it: tags removed, spaces tidied."""
    html = response.content.decode()
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").split())


def section(response, testid: str) -> str:
    html = response.content.decode()
    match = re.search(rf'<section[^>]*data-testid="{testid}".*?</section>', html, re.S)
    assert match, testid
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split())


def new_client(practice, email: str, therapist, *, status=EpisodeStatus.ACTIVE, ended_days=None):
    user = make_user(practice, email, Role.CLIENT)
    client = factories.ClientFactory(user=user, practice=practice)
    today = timezone.localdate()
    return factories.EpisodeFactory(
        client=client,
        therapist=therapist,
        status=status,
        started_on=today - timedelta(days=500),
        ended_on=None if ended_days is None else today - timedelta(days=ended_days),
    )


def session(episode, number: int, when: datetime, attendance=Attendance.ATTENDED) -> Session:
    return factories.SessionFactory(
        episode=episode, number=number, scheduled_at=when, attendance=attendance
    )


def answer(episode, at: Session, phase: str, code: str = "phq9", score: int = 10) -> Response:
    return Response.objects.create(
        episode=episode,
        session=at,
        instrument_version=current_version(code),
        respondent=episode.client.user,
        phase=phase,
        answers={},
        scores={},
        score=score,
        idempotency_key=uuid.uuid4(),
        submitted_at=at.scheduled_at,
    )


def scored_episode(practice, email, therapist, phq9, gad7=None, **ended) -> Episode:
    """An episode whose check-ins gave these PHQ-9 (and GAD-7) scores, one session each."""
    episode = new_client(practice, email, therapist, **ended)
    start = timezone.now() - timedelta(days=400)
    for number, phq in enumerate(phq9, start=1):
        at = session(episode, number, start + timedelta(days=7 * number))
        answer(episode, at, Phase.CHECK_IN, "phq9", phq)
        if gad7:
            answer(episode, at, Phase.CHECK_IN, "gad7", gad7[number - 1])
    return episode


ENDED = {"status": EpisodeStatus.ENDED_PLANNED, "ended_days": 30}


# --------------------------------------------------------------------------- outcomes


@pytest.fixture
def outcome_practice(practice, therapist, colleague):
    """13 episodes ended in the last 12 months, with the NHS Talking Therapies test vectors of
    clinical-science.md §1.3, and episodes that must not count."""
    for n in range(6):  # PHQ 16→8, GAD 12→6: reliable improvement and recovery
        scored_episode(practice, f"rec{n}@example.org", therapist, [16, 8], [12, 6], **ENDED)
    for n in range(5):  # PHQ 18→11, GAD 9→8: reliable improvement, still a case
        scored_episode(practice, f"imp{n}@example.org", colleague, [18, 11], [9, 8], **ENDED)
    # PHQ 8→14, GAD 6→6: reliable deterioration, not a case at the start
    scored_episode(practice, "det@example.org", colleague, [8, 14], [6, 6], **ENDED)
    # Ended early with one check-in only: counted as ended, no first-and-last pair.
    scored_episode(
        practice,
        "once@example.org",
        therapist,
        [20],
        status=EpisodeStatus.ENDED_EARLY,
        ended_days=10,
    )
    # Not counted: ended 13 months ago, transferred, still active, another practice.
    scored_episode(
        practice, "old@example.org", therapist, [20, 5], status=EpisodeStatus.ENDED_PLANNED,
        ended_days=400,
    )  # fmt: skip
    scored_episode(
        practice, "moved@example.org", therapist, [20, 5], status=EpisodeStatus.TRANSFERRED,
        ended_days=20,
    )  # fmt: skip
    scored_episode(practice, "going@example.org", therapist, [20, 5])
    elsewhere = factories.PracticeFactory(name="Elsewhere", slug="elsewhere")
    stranger = make_therapist(elsewhere, "stranger.therapist@example.org")
    scored_episode(elsewhere, "far@example.org", stranger, [20, 28], **ENDED)
    return practice


def test_the_outcomes_section_is_this_years_total_of_the_outcome_figures(
    client, outcome_practice, practice_admin
):
    """One home for the NHS Talking Therapies measures: the practice page shows the outcome
    figures' total for the current reporting year, with their suppression, and links there."""
    as_user(client, practice_admin)
    response = client.get(URL)
    outcomes = section(response, "practice-outcomes")
    report = outcomes_report(practice_admin, year=None, quarter=None, today=timezone.localdate())
    total = report.total
    assert total.counts.finished == 12  # 13 ended; one had a single session: not a course
    html = response.content.decode()
    cells = re.findall(r'<dd data-testid="outcome-[a-z]+">([^<]*)</dd>', html)
    assert cells == [
        total.finished.text,
        total.recovery.text,
        total.improvement.text,
        total.deterioration.text,
    ]
    assert cells[0] == "12" and cells[3] == "not shown (small numbers)"  # 1 deterioration
    assert reverse("outcomes:practice") in html
    for client_record in Client.objects.select_related("user"):
        assert client_record.display_name not in outcomes


def test_a_practice_with_few_endings_shows_no_rate(client, practice, therapist, practice_admin):
    for n in range(3):
        scored_episode(practice, f"few{n}@example.org", therapist, [16, 8], [12, 6], **ENDED)
    as_user(client, practice_admin)
    response = client.get(URL)
    assert "%" not in section(response, "practice-outcomes")
    cells = re.findall(r'<dd data-testid="outcome-[a-z]+">([^<]*)</dd>', response.content.decode())
    assert cells == ["fewer than 10"] + ["not shown (small numbers)"] * 3


# --------------------------------------------------------------------------- forms


@pytest.fixture
def forms_practice(practice, therapist, colleague, episode, other_episode):
    """therapist: 4 sessions attended in the last 4 weeks, 3 check-ins and 2 feedbacks given;
    colleague: 1 session with both. Sessions that do not count around them."""
    episode.sessions.all().delete()
    other_episode.sessions.all().delete()
    now = timezone.now()
    mine = [session(episode, n, now - timedelta(days=3 + 6 * n)) for n in range(1, 5)]
    for at in mine[:3]:
        answer(episode, at, Phase.CHECK_IN, "phq9")
        answer(episode, at, Phase.CHECK_IN, "gad7")  # two questionnaires: still one check-in
    for at in mine[:2]:
        answer(episode, at, Phase.FEEDBACK, "session_feedback")
    answer(episode, session(episode, 5, now - timedelta(days=35)), Phase.CHECK_IN)  # too old
    session(episode, 6, now - timedelta(days=2), Attendance.NO_SHOW)  # not attended
    session(episode, 7, now + timedelta(days=2), Attendance.SCHEDULED)  # still to come
    theirs = session(other_episode, 1, now - timedelta(days=5))
    answer(other_episode, theirs, Phase.CHECK_IN)
    answer(other_episode, theirs, Phase.FEEDBACK, "session_feedback")
    return mine


def failed_delivery(episode, at: Session, when: datetime, status=DeliveryStatus.FAILED):
    link, _ = create_link(episode=episode, session=at, phase=LinkPhase.FEEDBACK, now=when)
    return ReminderDelivery.objects.create(
        link=link,
        episode=episode,
        session=at,
        phase=LinkPhase.FEEDBACK,
        to_address=episode.client.user.email,
        created_at=when,
        status=status,
        error_kind="SMTPRecipientsRefused" if status == DeliveryStatus.FAILED else "",
    )


def test_form_completion_worked_values(practice, forms_practice, episode, therapist, colleague):
    now = timezone.now()
    mine = forms_practice
    failed_delivery(episode, mine[3], now - timedelta(days=1))  # counts
    failed_delivery(episode, mine[2], now - timedelta(days=3))  # a later one got through:
    failed_delivery(episode, mine[2], now - timedelta(days=2), DeliveryStatus.SENT)
    failed_delivery(episode, mine[3], now - timedelta(days=40))  # too old
    result = form_completion(practice.pk, now, _therapists(practice.pk))
    rows = {r.name: r for r in result.therapists}
    tara, cole = rows[therapist.display_name], rows[colleague.display_name]
    assert (tara.sessions, tara.check_ins, tara.feedback, tara.failed_reminders) == (4, 3, 2, 1)
    assert (tara.check_in_rate, tara.feedback_rate) == (75, 50)
    assert (cole.sessions, cole.check_ins, cole.feedback, cole.failed_reminders) == (1, 1, 1, 0)
    total = result.total
    assert (total.sessions, total.check_ins, total.feedback) == (5, 4, 3)
    assert (total.check_in_rate, total.feedback_rate) == (80, 60)
    assert [f.client_name for f in result.failed] == [episode.client.display_name]
    assert result.failed_total == 1


def test_the_page_lists_failed_reminders_by_name_never_by_address(
    client, practice_admin, forms_practice, episode
):
    failed_delivery(episode, forms_practice[3], timezone.now() - timedelta(hours=5))
    Email.objects.create(from_email="a@example.org", to=["x@example.org"], status=STATUS.requeued)
    Email.objects.create(from_email="a@example.org", to=["y@example.org"], status=STATUS.failed)
    Email.objects.create(from_email="a@example.org", to=["z@example.org"], status=STATUS.sent)
    as_user(client, practice_admin)
    response = client.get(URL)
    forms = section(response, "practice-forms")
    assert "4 3 (75 %) 2 (50 %) 1" in forms  # Tara: sessions, check-ins, feedback, failed
    assert "The whole practice 5 4 (80 %) 3 (60 %) 1" in forms
    assert f"{episode.client.display_name} : feedback after the session" in forms
    assert "SMTPRecipientsRefused" in forms
    assert episode.client.user.email not in response.content.decode()
    assert "x@example.org" not in response.content.decode()
    found = re.search(r'data-testid="outbox".*?</p>', response.content.decode(), re.S)
    outbox = " ".join(re.sub(r"<[^>]+>", " ", found.group(0)).split())
    assert "1 waiting to be sent again" in outbox
    assert "1 given up after every retry" in outbox


# --------------------------------------------------------------------------- waiting


def consultation(therapist, days: float, status=ConsultationStatus.NEW, **extra):
    found = ConsultationRequest.objects.create(
        therapist=therapist,
        name="Priya Prospect",
        email="priya.prospect@example.org",
        hopes="SECRET HOPES",
        intake={"text": "SECRET INTAKE"},
        status=status,
        decided_at=None if status == ConsultationStatus.NEW else timezone.now(),
        waiting_for_therapist=extra.pop("waiting_for_therapist", status == ConsultationStatus.NEW),
        **extra,
    )
    ConsultationRequest.objects.filter(pk=found.pk).update(
        created_at=timezone.now() - timedelta(days=days)
    )
    return found


def test_consultations_waiting_per_therapist_oldest_first_without_who_or_what(
    client, practice, practice_admin, therapist, colleague
):
    consultation(colleague, 5 / 24)  # five hours
    consultation(therapist, 3)
    consultation(therapist, 1)
    consultation(therapist, 9, ConsultationStatus.TAKEN_ON)  # answered: not waiting
    elsewhere = factories.PracticeFactory(name="Elsewhere", slug="elsewhere")
    consultation(make_therapist(elsewhere, "far.away@example.org"), 30)
    page = practice_page(practice.pk, timezone.now())
    assert [(c.name, c.count, c.oldest_waited) for c in page.consultations] == [
        (therapist.display_name, 2, "3 days"),
        (colleague.display_name, 1, "5 hours"),
    ]
    capacity = {c.name: c.consultations_waiting for c in page.capacity}
    assert capacity == {therapist.display_name: 2, colleague.display_name: 1}

    as_user(client, practice_admin)
    html = client.get(URL).content.decode()
    for secret in ("Priya", "priya.prospect", "SECRET", "Far Away"):
        assert secret not in html


def test_deletion_requests_waiting_with_the_link_to_handle_them(
    client, practice, practice_admin, episode, other_episode
):
    waiting = factories.DeletionRequestFactory(
        client=episode.client, requested_at=timezone.now() - timedelta(days=2, hours=1)
    )
    factories.DeletionRequestFactory(
        client=other_episode.client,
        requested_at=timezone.now() - timedelta(days=9),
        status=DeletionStatus.DONE,
    )
    as_user(client, practice_admin)
    response = client.get(URL)
    deletions = section(response, "practice-deletions")
    assert f"{episode.client.display_name}" in deletions
    assert "2 days" in deletions
    assert other_episode.client.display_name not in deletions
    link = reverse("admin:portal_deletionrequest_change", args=[waiting.pk])
    assert f'href="{link}"' in response.content.decode()
    assert client.get(link).status_code == 200  # where it is handled, for this admin


def test_capacity_per_therapist(practice, therapist, colleague, episode, other_episode):
    colleague.therapist_profile.accepting_new_clients = False
    colleague.therapist_profile.save()
    new_client(practice, "ended.one@example.org", therapist, **ENDED)  # not active
    rows = {c.name: c for c in practice_page(practice.pk, timezone.now()).capacity}
    assert (
        rows[therapist.display_name].active_clients,
        rows[therapist.display_name].accepting,
    ) == (
        1,
        True,
    )
    assert (
        rows[colleague.display_name].active_clients,
        rows[colleague.display_name].accepting,
    ) == (
        1,
        False,
    )


# --------------------------------------------------------------------------- time


def test_times_are_in_the_practices_time_zone(client, settings, practice_admin, episode):
    # 23:30 UTC on a Monday is 00:30 on Tuesday in Berlin and 08:30 on Tuesday in Tokyo.
    factories.DeletionRequestFactory(
        client=episode.client, requested_at=datetime(2026, 1, 5, 23, 30, tzinfo=UTC)
    )
    as_user(client, practice_admin)
    settings.TIME_ZONE = "Europe/Berlin"
    assert "Tue 6 Jan 2026, 00:30" in section(client.get(URL), "practice-deletions")
    settings.TIME_ZONE = "Asia/Tokyo"
    response = client.get(URL)
    assert "Tue 6 Jan 2026, 08:30" in section(response, "practice-deletions")
    assert "(Asia/Tokyo)" in text_of(response)


def test_waited_reads_as_a_person_says_it():
    now = timezone.now()
    assert waited(now - timedelta(minutes=20), now) == "less than an hour"
    assert waited(now - timedelta(hours=1), now) == "1 hour"
    assert waited(now - timedelta(hours=47), now) == "47 hours"
    assert waited(now - timedelta(days=6, hours=3), now) == "6 days"


# --------------------------------------------------------------------------- queries


def grow(practice, supervisor, first: int, n: int) -> None:
    """n more therapists, each with an active client who has sessions, answers, a failed
    reminder, a deletion request and a consultation request, and an ended scored episode."""
    now = timezone.now()
    for i in range(first, first + n):
        t = make_therapist(practice, f"grow{i}.therapist@example.org", supervisor=supervisor)
        ep = new_client(practice, f"grow{i}.client@example.org", t)
        at = session(ep, 1, now - timedelta(days=2))
        answer(ep, at, Phase.CHECK_IN)
        failed_delivery(ep, at, now - timedelta(days=1))
        factories.DeletionRequestFactory(client=ep.client, requested_at=now - timedelta(days=1))
        consultation(t, i + 1)
        scored_episode(practice, f"grow{i}.ended@example.org", t, [16, 8], [12, 6], **ENDED)


def test_the_page_takes_the_same_number_of_queries_however_big_the_practice(
    client, practice, supervisor, practice_admin, episode, django_assert_max_num_queries
):
    as_user(client, practice_admin)
    grow(practice, supervisor, 0, 1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    grow(practice, supervisor, 1, 6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(URL)
    assert response.status_code == 200
    assert "Grow6 Therapist" in section(response, "practice-capacity")


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("who", ["client_user", "therapist", "supervisor", "other_client"])
def test_nobody_but_the_practice_admin_opens_the_page(request, client, who, episode):
    factories.DeletionRequestFactory(client=episode.client, requested_at=timezone.now())
    as_user(client, request.getfixturevalue(who))
    response = client.get(URL)
    assert response.status_code in DENIED
    body = response.content.decode()
    assert "Deletion requests" not in body
    assert "Reliable improvement" not in body


def test_anonymous_visitors_are_sent_to_sign_in(client, episode):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_admin_sees_only_her_own_practice(client, practice, practice_admin, episode):
    elsewhere = factories.PracticeFactory(name="Elsewhere", slug="elsewhere")
    stranger = make_therapist(elsewhere, "stranger.therapist@example.org")
    far = new_client(elsewhere, "far.client@example.org", stranger)
    factories.DeletionRequestFactory(client=far.client, requested_at=timezone.now())
    consultation(stranger, 2)
    as_user(client, practice_admin)
    text = text_of(client.get(URL))
    assert "Stranger" not in text
    assert "Far Client" not in text
    assert "No deletion request is waiting." in text
    assert "No consultation request is waiting for an answer." in text


def test_an_admin_without_a_practice_is_told_so(client, practice):
    lone = make_user(practice, "lone.admin@example.org", Role.PRACTICE_ADMIN, is_staff=True)
    lone.practice = None
    lone.save()
    as_user(client, lone)
    response = client.get(URL)
    assert response.status_code == 200
    assert "not linked to a practice" in text_of(response)


def test_a_new_practice_with_nothing_yet_reads_well(client, practice_admin):
    as_user(client, practice_admin)
    response = client.get(URL)
    assert response.status_code == 200
    text = text_of(response)
    assert "No deletion request is waiting." in text
    assert "No reminder failed in the last 28 days." in text
    assert "The practice has no therapist yet." in text
    assert "The whole practice 0 no sessions no sessions 0" in text
