"""Carrying out a client's deletion request (portal.erasure): what is erased, what legal
retention keeps, the client told both before their address goes, a declined request, and who
may decide (the practice administrator of the client's practice only)."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from django.utils import timezone

from attune.accounts.models import Role, SignInEvent, User
from attune.alerts.services import raise_alert
from attune.audit.models import AuditEvent
from attune.care.models import Attendance, Client, Episode, EpisodeStatus, Session
from attune.care.submission import submit_form
from attune.clientportal.models import (
    DeletionRequest,
    DeletionStatus,
    EndingRequest,
    FeedbackMessage,
)
from attune.matching.models import ConsultationMessage, ConsultationRequest
from attune.measures.definitions_sync import current_version
from attune.measures.models import Phase, Response
from attune.notes.models import ProcessNote
from attune.notes.services import write_note
from attune.outbox import send
from attune.portal import erasure
from attune.portal.retention import add_years
from attune.reminders.models import FormLink
from tests import factories
from tests.answers import FREQUENCY
from tests.care_helpers import DENIED, as_user
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

EMAIL = "cleo.client@example.org"
COMMENT = "CLEO-OWN-WORDS about my therapist"
PERSONAL = (EMAIL, "Cleo", "Clee", COMMENT, "MY-DRAFT-WORDS", "MY-ENDING-REASON", "HOPES-OF-CLEO")


def decide_url(request: DeletionRequest) -> str:
    return reverse("admin:portal_deletionrequest_decide", args=[request.pk])


def _feedback_with_comment(episode: Episode, session: Session, comment: str) -> Response:
    version = current_version("session_feedback")
    answers = {"bond": 8, "goals": 8, "approach": 8, "overall": 8, "rupture": "no"}
    answers["comment"] = comment
    return Response.objects.create(
        episode=episode, session=session, instrument_version=version,
        respondent=episode.client.user, phase=Phase.FEEDBACK, answers=answers,
        scores={"total": 32}, score=32, idempotency_key=uuid.uuid4(),
        submitted_at=session.scheduled_at,
    )  # fmt: skip


@pytest.fixture
def record(client, episode, client_user, therapist, last_attended, upcoming, other_episode):
    """Cleo's record, with something in every table that can hold her data, her therapy ended
    a month ago, an older therapy that ended beyond the retention period, and Otto's record
    next to hers. Returns the deletion request she made."""
    now = timezone.now()
    cleo = episode.client
    cleo.preferred_name = "Clee"
    cleo.save()
    submit_form(
        episode=episode, session=last_attended, respondent=client_user, phase="check_in",
        answers={"phq9": {f"phq9_{n}": FREQUENCY[1] for n in range(1, 10)},
                 "gad7": {f"gad7_{n}": FREQUENCY[1] for n in range(1, 8)}},
        idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    _feedback_with_comment(episode, last_attended, COMMENT)
    factories.GoalFactory(episode=episode, description="Sleep through the night")
    write_note(
        author=therapist, session=last_attended, body="Process", themes=[],
        countertransference="",
    )  # fmt: skip
    raise_alert(
        episode=episode, kind="not_on_track", severity="yellow", title="Not on track",
        explanation="Scores rose.", evidence={}, source="test", suggested_actions=[],
        dedupe_key="t1",
    )  # fmt: skip
    FeedbackMessage.objects.create(
        client=cleo, episode=episode, text="MY-DRAFT-WORDS", intent="draft",
        created_at=now, updated_at=now, idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    EndingRequest.objects.create(
        client=cleo, episode=episode, reason="MY-ENDING-REASON", requested_at=now
    )
    consultation = ConsultationRequest.objects.create(
        therapist=therapist, name="Cleo Client", email=EMAIL.upper(), hopes="HOPES-OF-CLEO"
    )
    ConsultationMessage.objects.create(request=consultation, author="person", body="Hi")
    FormLink.objects.create(
        client=client_user, episode=episode, session=upcoming, phase="check_in",
        token_hash=uuid.uuid4().hex, created_at=now, expires_at=now + timedelta(days=2),
    )  # fmt: skip
    send([EMAIL], "Your invitation", "Welcome to Attune")  # an earlier e-mail in the outbox
    SignInEvent.objects.create(kind="failed", login=EMAIL)
    as_user(client, client_user)  # a sign-in session of hers
    client.post(reverse("portal:data-deletion"), {"confirm": "yes"})
    client.logout()
    # Another client's record stays untouched throughout.
    FeedbackMessage.objects.create(
        client=other_episode.client, episode=other_episode, text="OTTO-WORDS", intent="draft",
        created_at=now, updated_at=now, idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    # Her therapy ended a month ago (session 2 was cancelled).
    upcoming.attendance = Attendance.CANCELLED
    upcoming.save()
    Episode.objects.filter(pk=episode.pk).update(
        status=EpisodeStatus.ENDED_PLANNED, ended_on=date.today() - timedelta(days=30)
    )
    # An earlier therapy that ended twelve years ago: past retention, deleted whole.
    old = factories.EpisodeFactory(
        client=cleo, therapist=therapist, status=EpisodeStatus.ENDED_PLANNED,
        started_on=date.today() - timedelta(days=365 * 13),
        ended_on=date.today() - timedelta(days=365 * 12),
    )  # fmt: skip
    old_session = factories.SessionFactory(
        episode=old, number=1, scheduled_at=now - timedelta(days=365 * 12 + 30),
        attendance=Attendance.ATTENDED,
    )  # fmt: skip
    _feedback_with_comment(old, old_session, "OLD-WORDS")
    ProcessNote.objects.create(episode=old, session=old_session, author=therapist, ciphertext="x")
    mail.outbox.clear()
    return DeletionRequest.objects.get(client=cleo)


def rows_pointing_at(client_record: Client) -> dict[str, int]:
    """Row by row: for every table, the rows that point at Cleo's client record, account,
    episodes or sessions through any foreign key."""
    user = client_record.user
    targets: dict[type[models.Model], set[int]] = {
        Client: {client_record.pk},
        User: {user.pk},
        Episode: set(Episode.objects.filter(client=client_record).values_list("pk", flat=True)),
        Session: set(
            Session.objects.filter(episode__client=client_record).values_list("pk", flat=True)
        ),
    }
    found: dict[str, int] = {}
    for model in apps.get_models():
        query = models.Q(pk__in=[])
        for field in model._meta.get_fields():
            if field.concrete and field.is_relation and field.related_model in targets:
                if field.many_to_many:
                    continue
                query |= models.Q(**{f"{field.attname}__in": targets[field.related_model]})
        count = model._base_manager.filter(query).count()
        if model is Client:
            count = 1  # the record itself
        if count:
            found[model._meta.label] = count
    return found


def rows_mentioning(needles: tuple[str, ...]) -> list[str]:
    """Every row of every table whose stored values contain one of ``needles``."""
    hits = []
    for model in apps.get_models():
        for row in model._base_manager.all().values():
            text = json.dumps(row, default=str).lower()
            for needle in needles:
                if needle.lower() in text:
                    hits.append(f"{model._meta.label}:{row.get('id')}:{needle}")
    return hits


#: What retention keeps of Cleo after the request is carried out: the record of care, the
#: audit trail (ids only), the sign-in trail (no address), the tombstoned account and the
#: request itself — nothing else.
KEPT_TABLES = {
    "care.Client",
    "care.Episode",
    "care.Session",
    "care.Goal",
    "measures.Response",
    "alerts.Alert",
    "notes.ProcessNote",
    "portal.DeletionRequest",
    "audit.AuditEvent",
    "accounts.SignInEvent",
}


def test_carrying_out_keeps_only_what_retention_keeps(client, record, practice_admin, settings):
    settings.ATTUNE_RETENTION_YEARS = 10
    cleo = record.client
    episode = cleo.episodes.get(status=EpisodeStatus.ENDED_PLANNED, ended_on__gt=date(2020, 1, 1))
    old = cleo.episodes.exclude(pk=episode.pk).get()
    before = rows_pointing_at(cleo)
    assert {"portal.FeedbackMessage", "portal.EndingRequest", "reminders.FormLink"} <= set(before)
    assert rows_mentioning(PERSONAL)

    as_user(client, practice_admin)
    page = client.get(decide_url(record))
    assert page.status_code == 200
    until = add_years(episode.ended_on, 10)
    assert until.strftime("%-d %B %Y") in page.content.decode()
    response = client.post(decide_url(record), {"action": "carry_out", "confirm": "yes"})
    assert response.status_code == 302

    # The client was told, at the address she had, what was erased and what is kept until when.
    [notice] = mail.outbox
    assert notice.to == [EMAIL]
    assert "Deleted now" in notice.body and f"{until.day} {until:%B %Y}" in notice.body
    assert "questionnaire answers and scores" in notice.body
    assert "630f" in notice.body

    # Row by row: only the kinds retention keeps still point at her.
    after = rows_pointing_at(cleo)
    assert set(after) == KEPT_TABLES, set(after) ^ KEPT_TABLES
    assert after["care.Episode"] == 1  # the old therapy, past retention, is gone
    assert not Episode.objects.filter(pk=old.pk).exists()
    assert after["measures.Response"] == before["measures.Response"] - 1
    assert after["notes.ProcessNote"] == 1 and after["care.Session"] == 2
    assert ConsultationRequest.objects.count() == 0  # asked with her address (any case)
    assert ConsultationMessage.objects.count() == 0
    # Scores kept, her own words gone.
    feedback = Response.objects.get(episode=episode, phase=Phase.FEEDBACK)
    assert "comment" not in feedback.answers and feedback.score == 32
    # The account: no name, no address, no way in, signed out everywhere.
    user = User.objects.get(pk=cleo.user_id)
    assert user.email == f"erased-{user.pk}@erased.invalid"
    assert (user.first_name, user.last_name, user.is_active) == ("", "", False)
    assert not user.has_usable_password()

    # No name or e-mail anywhere — but the notice in the outbox until it is delivered …
    record.refresh_from_db()
    notice_row = f"post_office.Email:{record.notice_email_id}"
    assert {hit.rpartition(":")[0] for hit in rows_mentioning(PERSONAL)} == {notice_row}
    # … which `attune purge` deletes once delivered.
    call_command("purge")
    assert rows_mentioning(PERSONAL) == []
    assert rows_pointing_at(cleo) == after

    # Recorded on the request, with what was kept and until when (counts, no content).
    assert record.status == DeletionStatus.DONE and record.handled_by == practice_admin
    assert record.handled_at is not None and record.kept_until == until
    kinds = {k["kind"] for k in record.kept}
    assert {"episodes", "sessions", "responses", "alerts", "process_notes"} <= kinds
    assert record.erased["feedback_messages"] == 1 and record.erased["written_answers"] >= 1
    assert record.erased["episodes_past_retention"] == 1
    # Audited by id, nothing personal in the trail.
    assert AuditEvent.objects.filter(
        actor=practice_admin, object_type="accounts.user", object_id=str(user.pk)
    ).exists()
    # Otto's data is untouched.
    assert FeedbackMessage.objects.filter(text="OTTO-WORDS").exists()
    assert not client.login(username=EMAIL, password=PASSWORD)


def test_a_decided_request_cannot_be_carried_out_twice(client, record, practice_admin):
    as_user(client, practice_admin)
    client.post(decide_url(record), {"action": "carry_out", "confirm": "yes"})
    mail.outbox.clear()
    again = client.post(decide_url(record), {"action": "carry_out", "confirm": "yes"})
    assert again.status_code == 400 and "already been decided" in again.content.decode()
    assert mail.outbox == []


def test_unconfirmed_carry_out_changes_nothing(client, record, practice_admin):
    as_user(client, practice_admin)
    response = client.post(decide_url(record), {"action": "carry_out"})
    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    record.refresh_from_db()
    assert record.status == DeletionStatus.REQUESTED and mail.outbox == []
    assert User.objects.get(pk=record.client.user_id).email == EMAIL


def test_an_active_therapy_is_not_erased(client, episode, client_user, practice_admin):
    as_user(client, client_user)
    client.post(reverse("portal:data-deletion"), {"confirm": "yes"})
    request = DeletionRequest.objects.get()
    as_user(client, practice_admin)
    assert 'data-testid="active-therapy"' in client.get(decide_url(request)).content.decode()
    response = client.post(decide_url(request), {"action": "carry_out", "confirm": "yes"})
    assert response.status_code == 400
    assert "still active" in response.content.decode()
    request.refresh_from_db()
    assert request.status == DeletionStatus.REQUESTED and mail.outbox == []
    client_user.refresh_from_db()
    assert client_user.is_active and client_user.email == EMAIL


def test_a_declined_request_tells_the_client_why(client, record, practice_admin):
    as_user(client, practice_admin)
    empty = client.post(decide_url(record), {"action": "decline", "reason": "  "})
    assert empty.status_code == 400 and "Say why" in empty.content.decode()
    reason = "Your therapy records are kept until 2036 by law; nothing else is stored."
    response = client.post(decide_url(record), {"action": "decline", "reason": reason})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == DeletionStatus.DECLINED and record.note == reason
    assert record.handled_by == practice_admin and record.handled_at is not None
    [notice] = mail.outbox
    assert notice.to == [EMAIL] and reason in notice.body
    # Nothing was erased; the client reads the reason on her data page.
    user = User.objects.get(pk=record.client.user_id)
    assert user.is_active and user.email == EMAIL
    assert FeedbackMessage.objects.filter(client=record.client).exists()
    as_user(client, user)
    assert reason in client.get(reverse("portal:data")).content.decode()


@pytest.fixture
def other_admin(db):
    other = factories.PracticeFactory(name="Elsewhere", slug="elsewhere")
    return make_user(other, "olga.admin@example.org", Role.PRACTICE_ADMIN, is_staff=True)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@example.org", PASSWORD)


@pytest.mark.parametrize(
    "who",
    ["client_user", "therapist", "colleague", "supervisor", "other_admin", "superuser", None],
)
def test_only_the_practice_administrator_decides(client, record, request, who):
    if who is not None:
        as_user(client, request.getfixturevalue(who))
    url = decide_url(record)
    assert client.get(url).status_code in DENIED
    for post in (
        {"action": "carry_out", "confirm": "yes"},
        {"action": "decline", "reason": "No."},
    ):
        assert client.post(url, post).status_code in DENIED
    record.refresh_from_db()
    assert record.status == DeletionStatus.REQUESTED and mail.outbox == []
    assert User.objects.get(pk=record.client.user_id).is_active


def test_the_service_refuses_anyone_else(record, therapist):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        erasure.carry_out(request_id=record.pk, by=therapist)
    with pytest.raises(PermissionDenied):
        erasure.decline(request_id=record.pk, by=therapist, reason="No.")


def test_the_admin_page_links_to_the_decision(client, record, practice_admin):
    as_user(client, practice_admin)
    page = client.get(reverse("admin:portal_deletionrequest_change", args=[record.pk]))
    assert page.status_code == 200
    assert decide_url(record) in page.content.decode()


@pytest.mark.parametrize("reason", ["No\x00pe", "x" * 60_000, "9" * 40])
def test_a_spoiled_reason_gets_a_clear_answer(client, record, practice_admin, reason):
    as_user(client, practice_admin)
    response = client.post(decide_url(record), {"action": "decline", "reason": reason})
    if reason.isdigit():
        assert response.status_code == 302  # an odd reason, but a reason
        return
    assert response.status_code == 400
    record.refresh_from_db()
    assert record.status == DeletionStatus.REQUESTED and mail.outbox == []


def test_an_unknown_action_or_request_is_refused(client, record, practice_admin):
    as_user(client, practice_admin)
    assert client.post(decide_url(record), {"action": "explode"}).status_code == 400
    missing = reverse("admin:portal_deletionrequest_decide", args=[record.pk + 999])
    assert client.get(missing).status_code == 404


def test_mail_server_down_the_erasure_is_done_and_the_notice_waits(client, record, practice_admin):
    from django.test import override_settings
    from post_office.models import STATUS, Email

    as_user(client, practice_admin)
    down = {"BACKENDS": {"default": "tests.mail_server_down.EmailBackend"}}
    with override_settings(POST_OFFICE=down):
        response = client.post(decide_url(record), {"action": "carry_out", "confirm": "yes"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == DeletionStatus.DONE
    notice = Email.objects.get(pk=record.notice_email_id)
    assert notice.status == STATUS.requeued and notice.to == [EMAIL]
    assert not User.objects.get(pk=record.client.user_id).is_active
    # Not delivered yet: `attune purge` leaves it for `attune notify` to send.
    call_command("purge")
    assert Email.objects.filter(pk=notice.pk).exists()
