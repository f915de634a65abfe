"""The research and audit export (issue 13): pseudonymised session-level CSV and Parquet with a
data dictionary, for the caller's scope; every export audited; no free text; fixed queries."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attune.audit.models import AuditEvent
from attune.care.models import Ending, EndingKind, EpisodeStatus, Goal
from attune.care.submission import submit_form
from attune.matching.models import ConsultationRequest
from attune.notes import services as notes
from attune.outcomes.research_export import COLUMNS, NAMES, dictionary_markdown
from tests.answers import FREQUENCY, feedback_post
from tests.care_helpers import as_user, attended_sessions
from tests.conftest import make_episode

pytestmark = pytest.mark.django_db

EXPORT = "/practice/outcomes/export/"
DICTIONARY = "/practice/outcomes/export/dictionary.csv"
SECRET = "The blue heron crossed the frozen canal at dawn"


def _check_in(ep, session, phq9: int):
    submit_form(
        episode=ep,
        session=session,
        respondent=ep.client.user,
        phase="check_in",
        answers={
            "phq9": {f"phq9_{n}": FREQUENCY[phq9 if n == 1 else 0] for n in range(1, 10)},
            "gad7": {f"gad7_{n}": FREQUENCY[1] for n in range(1, 8)},
        },
        idempotency_key=uuid.uuid4(),
    )


def course(practice, therapist, sessions=3):
    ep = make_episode(practice, f"c{uuid.uuid4().hex[:10]}@example.org", therapist)
    ss = attended_sessions(ep, sessions, upcoming=False)
    _check_in(ep, ss[0], 3)
    _check_in(ep, ss[-1], 1)
    return ep, ss


def rows_of(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def export(client, fmt="csv"):
    return client.post(EXPORT, {"format": fmt})


# --------------------------------------------------------------------------- columns


def test_the_csv_columns_are_the_dictionarys(client, practice, therapist):
    course(practice, therapist)
    as_user(client, therapist)
    response = export(client)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()
    assert next(csv.reader(io.StringIO(body))) == list(NAMES)
    dictionary = client.get(DICTIONARY)
    assert dictionary.status_code == 200
    names = [r["column"] for r in csv.DictReader(io.StringIO(dictionary.content.decode()))]
    assert names == list(NAMES)


def test_the_docs_carry_the_dictionary():
    doc = (Path(__file__).parents[1] / "docs" / "research-export.md").read_text()
    assert dictionary_markdown() in doc
    assert "pseudonymised, not anonymous" in doc.lower()


def test_a_row_holds_scores_attendance_and_days_not_dates(client, practice, therapist):
    ep, ss = course(practice, therapist, sessions=3)
    ep.status = EpisodeStatus.ENDED_PLANNED
    ep.ended_on = ss[-1].scheduled_at.date()
    ep.save()
    as_user(client, therapist)
    rows = rows_of(export(client))
    assert [r["session_number"] for r in rows] == ["1", "2", "3"]
    start = ss[0].scheduled_at.date()
    days = [str((s.scheduled_at.date() - start).days) for s in ss]
    assert [r["days_since_first_session"] for r in rows] == days and days[:2] == ["0", "7"]
    assert [r["attendance"] for r in rows] == ["attended"] * 3
    assert [r["phq9_total"] for r in rows] == ["3", "", "1"]
    assert [r["gad7_total"] for r in rows] == ["7", "", "7"]
    assert {r["episode_status"] for r in rows} == {"ended_planned"}
    assert len({r["client"] for r in rows}) == 1 and len(rows[0]["client"]) == 12
    body = "".join(",".join(r.values()) for r in rows)
    assert str(ep.started_on.year) not in body and str(ss[0].scheduled_at.year) not in body


# --------------------------------------------------------------------------- no free text


def test_no_free_text_leaves_in_the_export(client, practice, therapist, supervisor):
    ep, ss = course(practice, therapist)
    ss[0].progress_note = SECRET
    ss[0].save()
    notes.write_note(
        author=therapist, session=ss[0], body=SECRET, themes=[], countertransference=SECRET
    )
    Goal.objects.create(episode=ep, description=SECRET)
    ConsultationRequest.objects.create(
        therapist=therapist,
        name="Ann Example",
        email="ann.example@example.org",
        hopes=SECRET,
        intake={"text": SECRET},
        client=ep.client,
        episode=ep,
    )
    as_user(client, ep.client.user)
    response = client.post(
        reverse("portal:feedback", args=[ss[-1].pk]), feedback_post(comment=SECRET)
    )
    assert response.status_code == 302
    Ending.objects.create(
        episode=ep,
        kind=EndingKind.PLANNED,
        ended_on=ep.started_on,
        note=SECRET,
        recorded_by=therapist,
        recorded_at=ss[-1].scheduled_at,
    )
    for user, fmt in ((therapist, "csv"), (supervisor, "parquet")):
        as_user(client, user)
        response = export(client, fmt)
        if response.status_code == 400:  # Parquet without pyarrow
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for text in (SECRET, "blue heron", ep.client.user.email, "Ann Example", "Tara"):
            assert text.encode() not in body, (fmt, text)
    as_user(client, therapist)
    rows = rows_of(export(client))
    assert rows[-1]["alliance_total"] == "34"  # 9 + 8 + 8 + 9
    assert {r["ending_type"] for r in rows} == {"planned"}


# --------------------------------------------------------------------------- pseudonyms


def test_pseudonyms_are_stable_within_and_differ_across_exports(client, practice, therapist):
    a, _ = course(practice, therapist, sessions=3)
    b, _ = course(practice, therapist, sessions=2)
    as_user(client, therapist)
    first, second = rows_of(export(client)), rows_of(export(client))
    assert len(first) == 5
    clients = [r["client"] for r in first]
    assert len(set(clients)) == 2
    assert sorted(clients.count(c) for c in set(clients)) == [2, 3]
    assert len({r["therapist"] for r in first}) == 1
    assert {r["client"] for r in first}.isdisjoint({r["client"] for r in second})
    assert {r["episode"] for r in first}.isdisjoint({r["episode"] for r in second})
    ids = {str(a.pk), str(b.pk), str(a.client_id), str(b.client_id), str(therapist.pk)}
    assert not ids & ({r["client"] for r in first} | {r["episode"] for r in first})


# --------------------------------------------------------------------------- scope


def test_each_role_exports_its_own_scope(
    client, practice, practice_admin, supervisor, therapist, colleague
):
    course(practice, therapist, sessions=2)
    course(practice, colleague, sessions=3)  # the colleague is not the supervisor's
    counts = {}
    for user in (therapist, colleague, supervisor, practice_admin):
        as_user(client, user)
        counts[user.email] = len(rows_of(export(client)))
    assert counts == {
        therapist.email: 2,
        colleague.email: 3,
        supervisor.email: 2,
        practice_admin.email: 5,
    }


def test_every_export_is_audited_without_content(client, practice, therapist):
    course(practice, therapist, sessions=3)
    as_user(client, therapist)
    rows_of(export(client))
    event = AuditEvent.objects.get(action="export")
    assert event.actor == therapist
    assert event.detail == "research csv own rows=3"
    assert event.object_type == "accounts.user" and event.object_id == str(therapist.pk)


def test_queries_do_not_grow_with_sessions(client, practice, practice_admin, therapist):
    course(practice, therapist, sessions=2)
    as_user(client, practice_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows_of(export(client))
        return len(ctx.captured_queries)

    few = count()
    for _ in range(4):
        course(practice, therapist, sessions=6)
    assert count() == few


def test_parquet_round_trip(client, practice, therapist):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    course(practice, therapist, sessions=3)
    as_user(client, therapist)
    response = export(client, "parquet")
    assert response.status_code == 200
    table = pq.read_table(pa.BufferReader(response.content))
    assert table.column_names == list(NAMES)
    assert table.num_rows == 3
    assert table.column("phq9_total").to_pylist() == [3, None, 1]
    types = {c.name: c.type for c in COLUMNS}
    assert all(
        str(table.schema.field(n).type) == {"string": "string", "integer": "int32"}[types[n]]
        for n in NAMES
    )
    assert AuditEvent.objects.get(action="export").detail == "research parquet own rows=3"


# --------------------------------------------------------------------------- access


def test_the_page_offers_the_export_form(client, practice_admin):
    as_user(client, practice_admin)
    page = client.get("/practice/outcomes/").content.decode()
    assert 'data-testid="research-export-form"' in page
    assert 'method="post"' in page and "csrfmiddlewaretoken" in page
    assert "pseudonymised, not anonymous" in page


def test_anonymous_is_sent_to_sign_in(client):
    assert client.post(EXPORT, {"format": "csv"}).status_code == 302
    assert client.get(DICTIONARY).status_code == 302


def test_a_client_is_refused(client, client_user):
    as_user(client, client_user)
    assert client.post(EXPORT, {"format": "csv"}).status_code == 403
    assert client.get(DICTIONARY).status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_get_is_not_an_export(client, therapist):
    as_user(client, therapist)
    assert client.get(EXPORT, {"format": "csv"}).status_code == 405


@pytest.mark.parametrize("fmt", ["", "xlsx", "csv\x00", "x" * 500])
def test_a_bad_format_is_a_400(client, therapist, fmt):
    as_user(client, therapist)
    assert client.post(EXPORT, {"format": fmt}).status_code == 400
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_superuser_exports_only_her_practices_pseudonyms(client, practice, therapist):
    """As everywhere (tests/test_superuser_walk.py): a superuser is an administrator here, with
    the administrator's scope and nothing more; the export stays pseudonymised and audited."""
    from tests.conftest import make_user

    root = make_user(
        practice, "root.super@example.org", "practice_admin", is_staff=True, is_superuser=True
    )
    ep, _ = course(practice, therapist, sessions=2)
    as_user(client, root)
    rows = rows_of(export(client))
    assert len(rows) == 2 and str(ep.client_id) not in {r["client"] for r in rows}
    assert AuditEvent.objects.get(action="export").actor == root


def test_without_pyarrow_the_page_says_how_to_enable_parquet(client, monkeypatch, therapist):
    """No pyarrow on the server (``sys.modules`` entry None makes the import fail): CSV only,
    the page says how to add Parquet, and a Parquet POST is a 400, not an export."""
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)
    as_user(client, therapist)
    page = client.get("/practice/outcomes/").content.decode()
    assert 'data-testid="parquet-missing"' in page and "attune[research]" in page
    assert 'value="parquet"' not in page and 'value="csv"' in page
    assert export(client, "parquet").status_code == 400
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_category_name_is_never_a_spreadsheet_formula(client, practice, therapist):
    from attune.practice.models import ProblemArea

    ep, _ = course(practice, therapist, sessions=1)
    area = ProblemArea.objects.create(slug="formula", name='=HYPERLINK("http://x","y")')
    ep.problem_areas.add(area)
    as_user(client, therapist)
    (row,) = rows_of(export(client))
    assert row["problem_areas"] == '\'=HYPERLINK("http://x","y")'
