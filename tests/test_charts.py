"""The episode page's charts: the numbers behind them, their text alternatives, and the
Content-Security-Policy they must live under (on every response, not only pages)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone

from attune.alerts.models import Alert
from attune.alerts.services import raise_alert
from attune.care.engine_adapter import episode_batch
from attune.care.models import Attendance, Episode
from attune.care.submission import submit_form
from attune.engine.recovery import RecoveryCurves, ReferenceConfig, reference_curves, trajectory
from attune.practice.models import Modality
from attune.workspace import charts as charts_module
from attune.workspace.charts import episode_charts
from attune.workspace.queries import episode_for_page
from tests import factories
from tests.answers import FREQUENCY
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

PHQ9 = {1: 16, 2: 14, 4: 12, 5: 10, 6: 9}  # session 3 is a no-show; 7 is still ahead
GAD7 = {1: 14, 2: 14, 4: 18, 5: 13, 6: 12}
FEEDBACK = {1: (9, 9, 9, 9), 2: (9, 9, 10, 9), 4: (6, 7, 6, 6), 5: (8, 9, 9, 9), 6: (9, 9, 9, 10)}


def items(total: int, count: int) -> list[int]:
    """``count`` item values 0-3 adding up to ``total``."""
    values = [0] * count
    for i in range(total):
        values[i % count] += 1
    assert max(values) <= 3
    return values


def build_episode(episode):
    """Seven weekly sessions: 1-6 held (3 a no-show), 7 next week; scores and feedback."""
    episode.sessions.all().delete()
    start = timezone.now() - timedelta(days=7 * 6 - 1)
    sessions = {}
    for n in range(1, 8):
        attendance = Attendance.ATTENDED
        if n == 3:
            attendance = Attendance.NO_SHOW
        if n == 7:
            attendance = Attendance.SCHEDULED
        sessions[n] = factories.SessionFactory(
            episode=episode,
            number=n,
            scheduled_at=start + timedelta(days=7 * (n - 1)),
            attendance=attendance,
        )
    for n, total in PHQ9.items():
        phq9 = {f"phq9_{i}": FREQUENCY[v] for i, v in enumerate(items(total, 8), start=1)}
        phq9["phq9_9"] = FREQUENCY[0]
        gad7 = {f"gad7_{i}": FREQUENCY[v] for i, v in enumerate(items(GAD7[n], 7), start=1)}
        answers = {"phq9": phq9, "gad7": gad7}
        submit(episode, sessions[n], "check_in", answers)
    for n, (bond, goals, approach, overall) in FEEDBACK.items():
        answers = {"bond": bond, "goals": goals, "approach": approach, "overall": overall}
        answers["rupture"] = "yes" if n == 4 else "no"
        if n == 4:
            answers["rupture_resolved"] = "not_at_all"
        submit(episode, sessions[n], "feedback", {"session_feedback": answers})
    cbt, _ = Modality.objects.get_or_create(slug="test-cbt", defaults={"name": "Test CBT"})
    emdr, _ = Modality.objects.get_or_create(slug="test-emdr", defaults={"name": "Test EMDR"})
    for n in (1, 2, 4, 5):
        sessions[n].modalities.add(cbt)
    for n in (4, 5, 6):
        sessions[n].modalities.add(emdr)
    return sessions


def submit(episode, session, phase, answers):
    result = submit_form(
        episode=episode,
        session=session,
        respondent=episode.client.user,
        phase=phase,
        answers=answers,
        idempotency_key=uuid.uuid4(),
    )
    assert result.ok, result.errors


def alert(episode, kind, session_number, title):
    return raise_alert(
        episode=episode,
        kind=kind,
        severity="yellow",
        title=title,
        explanation="x",
        evidence={"session_number": session_number},
        source="x",
        suggested_actions=[],
        dedupe_key=f"test-{kind}:s{session_number}",
    )


def context_for(episode, notes=()):
    return episode_charts(episode_for_page(Episode.objects.all(), episode.pk), list(notes))


def measure(context, code):
    return next(m for m in context["charts"]["outcome"]["measures"] if m["code"] == code)


# --------------------------------------------------------------------------- the numbers


def test_scores_by_session_with_caseness_and_reliable_change_markers(episode):
    build_episode(episode)
    context = context_for(episode)
    phq9, gad7 = measure(context, "phq9"), measure(context, "gad7")
    assert phq9["scores"] == [{"x": n, "y": float(v)} for n, v in PHQ9.items()]
    assert gad7["scores"] == [{"x": n, "y": float(v)} for n, v in GAD7.items()]
    # Caseness and reliable change come from the engine's configuration (its defaults here).
    assert (phq9["caseness"], phq9["reliable_change"], phq9["max"]) == (10, 6, 27)
    assert (gad7["caseness"], gad7["reliable_change"], gad7["max"]) == (8, 4, 21)
    # PHQ-9 16 -> 10 (-6) and 9 (-7): reliable improvement; GAD-7 14 -> 18 (+4): deterioration.
    assert [(r["x"], r["direction"], r["change"]) for r in phq9["reliable"]] == [
        (5, "improvement", -6.0),
        (6, "improvement", -7.0),
    ]
    assert [(r["x"], r["direction"], r["change"]) for r in gad7["reliable"]] == [
        (4, "deterioration", 4.0)
    ]
    assert context["charts"]["axis"] == {"min": 1, "max": 7}
    assert context["has_outcome_chart"] and context["has_alliance_chart"]


def test_caseness_and_reliable_change_follow_the_practices_engine_settings(episode, settings):
    build_episode(episode)
    settings.ATTUNE_ENGINE = {"reliable_change": {"phq9_reliable_change": 7, "phq9_caseness": 12}}
    phq9 = measure(context_for(episode), "phq9")
    assert (phq9["caseness"], phq9["reliable_change"]) == (12, 7)
    # 16 -> 10 (-6) is no longer reliable; 16 -> 9 (-7) still is.
    assert [(r["x"], r["direction"]) for r in phq9["reliable"]] == [(6, "improvement")]


def test_the_band_is_the_engines_curve_for_this_intake(episode):
    build_episode(episode)
    context = context_for(episode)
    phq9 = measure(context, "phq9")
    curves = reference_curves(ReferenceConfig(measure="phq9"))
    assert phq9["intake"] == {"session": 1, "score": 16.0, "band": "15–19"}
    assert phq9["band"]["curve"] == "NHS Talking Therapies reference"
    assert phq9["band"]["level"] == 0.8
    assert "80 % tolerance band" in phq9["band"]["label"]

    # The curve's time axis as the engine itself lays it out for the stored episode.
    batch = episode_batch([episode])
    engine_t = trajectory(batch, "phq9").session[0]
    held = {int(n): float(t) for n, t in zip(batch.session_number[0], engine_t, strict=True)}
    assert held == {1: 1.0, 2: 2.0, 3: 2.0, 4: 3.0, 5: 4.0, 6: 5.0}  # the no-show is no dose
    band = {p["x"]: p for p in phq9["band"]["points"]}
    assert sorted(band) == [1, 2, 3, 4, 5, 6, 7]
    for number, t in held.items():
        point = band[number]
        assert point["t"] == pytest.approx(t)
        assert point["expected"] == pytest.approx(float(curves.expected(16.0, t)), abs=0.005)
        upper = min(float(curves.upper(16.0, t, 0.80)), 27.0)
        assert point["upper"] == pytest.approx(upper, abs=0.005)
        lower = float(curves.expected(16.0, t)) - (upper - float(curves.expected(16.0, t)))
        assert point["lower"] == pytest.approx(max(lower, 0.0), abs=0.005)
    # The session ahead is placed as the engine will count it once held: one more dose.
    assert band[7]["t"] == 6.0
    assert band[7]["expected"] == pytest.approx(float(curves.expected(16.0, 6.0)), abs=0.005)
    # At the intake the band is expected ± 1.2816 · s_e around the intake score.
    assert band[1]["expected"] == 16.0
    assert band[1]["upper"] == pytest.approx(16 + 1.2816 * 6 / 1.96, abs=0.01)

    gad7 = measure(context, "gad7")
    gad7_curves = reference_curves(ReferenceConfig(measure="gad7"))
    point = {p["x"]: p for p in gad7["band"]["points"]}[5]
    assert point["expected"] == pytest.approx(float(gad7_curves.expected(14.0, 4.0)), abs=0.005)
    assert phq9["judged"] and not gad7["judged"]
    assert context["chart_curves"] == [
        {"measures": "PHQ-9 and GAD-7", "curve": curves.name, "source": curves.source}
    ]


def test_practice_curves_replace_the_reference_once_fitted(episode, monkeypatch):
    build_episode(episode)
    fitted = RecoveryCurves(
        name="this practice, n = 120 episodes",
        measure="phq9",
        slope=(-0.5, -1.0, -2.0, -3.0, -4.0),
        sd_error=(2.0,) * 5,
        sd_slope=(1.0,) * 5,
        episodes=120,
    )
    monkeypatch.setattr(charts_module, "practice_curves", lambda: fitted)
    phq9 = measure(context_for(episode), "phq9")
    assert phq9["band"]["curve"] == "this practice, n = 120 episodes"
    assert "this practice, n = 120 episodes" in phq9["band"]["label"]
    point = {p["x"]: p for p in phq9["band"]["points"]}[6]
    assert point["expected"] == pytest.approx(float(fitted.expected(16.0, 5.0)), abs=0.005)
    # GAD-7 has no practice fit: it keeps the reference.
    context = context_for(episode)
    assert measure(context, "gad7")["band"]["curve"] == "NHS Talking Therapies reference"
    assert [(c["measures"], c["curve"]) for c in context["chart_curves"]] == [
        ("PHQ-9", "this practice, n = 120 episodes"),
        ("GAD-7", "NHS Talking Therapies reference"),
    ]


def test_alliance_domains_total_and_rupture_repair_markers(episode):
    build_episode(episode)
    alert(episode, "repair", 6, "The rupture of session 4 looks repaired")
    alert(episode, "unrepaired_rupture", 5, "Unrepaired (test)")
    alert(episode, "low_alliance", 4, "Not a marker")
    context = context_for(episode)
    alliance = context["charts"]["alliance"]
    domains = {d["code"]: d["points"] for d in alliance["domains"]}
    assert domains["bond"] == [{"x": n, "y": v[0]} for n, v in FEEDBACK.items()]
    assert domains["overall"] == [{"x": n, "y": v[3]} for n, v in FEEDBACK.items()]
    assert alliance["total"] == [{"x": n, "y": sum(v)} for n, v in FEEDBACK.items()]
    assert (alliance["domain_max"], alliance["total_max"]) == (10, 40)

    # The client reported a difficult moment in session 4: the engine opened a rupture alert.
    stored = Alert.objects.filter(
        episode=episode, kind__in=["rupture", "repair", "unrepaired_rupture"]
    )
    expected = sorted(
        (a.evidence["session_number"], a.kind)
        for a in stored
        if a.kind in charts_module.ALLIANCE_MARKERS
    )
    assert (4, "rupture") in expected
    markers = [(m["x"], m["kind"]) for m in alliance["markers"]]
    assert sorted(markers) == sorted(set(expected))
    assert (6, "repair") in markers and (5, "unrepaired_rupture") in markers
    assert all(m["kind"] != "low_alliance" for m in alliance["markers"])
    by_place = {(m["x"], m["kind"]): m for m in alliance["markers"]}
    assert by_place[(4, "rupture")]["y"] == sum(FEEDBACK[4])  # on the total line

    rows = {r["session"]: r for r in context["chart_tables"]["alliance"]}
    assert rows[4]["domains"] == list(FEEDBACK[4]) and rows[4]["total"] == 25
    assert any("rupture" in title.lower() for title in rows[4]["markers"])
    assert rows[6]["markers"] == ["The rupture of session 4 looks repaired"]


def test_modality_timeline_and_private_note_markers(episode):
    build_episode(episode)
    context = context_for(episode, notes=[2, 5, 99])
    timeline = context["charts"]["timeline"]
    lanes = {lane["slug"]: lane for lane in timeline["lanes"]}
    # CBT in 1-2, a break at the no-show, again in 4-5; EMDR in 4-6.
    assert lanes["test-cbt"]["runs"] == [{"from": 1, "to": 2}, {"from": 4, "to": 5}]
    assert lanes["test-emdr"]["runs"] == [{"from": 4, "to": 6}]
    assert [lane["slug"] for lane in timeline["lanes"]] == ["test-cbt", "test-emdr"]
    assert timeline["missed"] == [3]
    # Notes only at sessions of this episode.
    assert context["charts"]["notes"] == [2, 5]
    rows = {r["session"]: r for r in context["chart_tables"]["timeline"]}
    assert rows[4]["modalities"] == ["Test CBT", "Test EMDR"]
    assert rows[3]["attendance"] == "Did not attend" and rows[3]["modalities"] == []
    assert [n for n, r in rows.items() if r["note"]] == [2, 5]


def test_text_alternative_rows(episode):
    build_episode(episode)
    context = context_for(episode, notes=[5])
    rows = {r["session"]: r for r in context["chart_tables"]["outcome"]}
    assert sorted(rows) == [1, 2, 4, 5, 6]  # sessions with a score
    phq9, gad7 = rows[5]["cells"]
    assert (phq9["label"], phq9["score"], phq9["reliable"]) == (
        "PHQ-9",
        "10",
        "reliable improvement (-6)",
    )
    assert phq9["case"] is True  # 10 is at the PHQ-9 caseness cut-off
    band = measure(context, "phq9")["band"]["points"][4]
    assert phq9["expected"] == f"{band['expected']:.1f}"
    assert phq9["band"] == f"{band['lower']:.1f}–{band['upper']:.1f}"
    assert (gad7["score"], gad7["case"], gad7["reliable"]) == ("13", True, "")
    assert rows[4]["cells"][1]["reliable"] == "reliable deterioration (+4)"
    assert rows[6]["cells"][1]["score"] == "12"
    assert rows[5]["note"] and not rows[4]["note"]


def test_an_episode_without_scores_has_no_charts_and_no_error(episode):
    context = context_for(episode)
    assert context["charts"]["outcome"]["measures"] == []
    assert context["charts"]["alliance"]["total"] == []
    assert not context["has_outcome_chart"] and not context["has_alliance_chart"]
    assert context["chart_tables"]["outcome"] == []


# --------------------------------------------------------------------------- the page


def test_the_episode_page_carries_the_chart_data_and_its_tables(client, episode, therapist):
    build_episode(episode)
    sign_in(client, therapist)
    response = client.get(reverse("workspace:episode", args=[episode.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for testid in ("outcome-chart", "alliance-chart", "modality-timeline"):
        assert f'data-testid="{testid}"' in page
    assert page.count("<canvas") == 3
    for table in ("outcome-table", "alliance-table", "timeline-table"):
        assert f'data-testid="{table}"' in page
    data = re.search(
        r'<script id="episode-charts-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert data, "the chart data travels as json_script"
    payload = json.loads(data.group(1))
    assert [m["code"] for m in payload["outcome"]["measures"]] == ["phq9", "gad7"]
    assert "/static/attune/vendor/chart.js-4.6.1/chart.umd.min.js" in page
    assert "/static/attune/js/episode-charts.js" in page
    assert "80 % tolerance band" in page and "NHS Talking Therapies reference" in page


def test_the_page_has_no_inline_script_or_style(client, episode, therapist):
    build_episode(episode)
    sign_in(client, therapist)
    page = client.get(reverse("workspace:episode", args=[episode.pk])).content.decode()
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"<[^>]+\sstyle=", page), "inline style attributes break style-src"
    assert "<style" not in page
    assert not re.search(r"<[^>]+\son[a-z]+=", page), "inline event handlers break script-src"
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert not re.search(r'(src|href)="https?://', page), "pages load nothing from other hosts"


# --------------------------------------------------------------------------- the policy


def assert_csp(response):
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"no CSP header on {response.status_code} {response.get('Content-Type')}"
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_csp_header_is_on_every_kind_of_response(client, episode, therapist):
    build_episode(episode)
    login = client.get(reverse("login"))
    assert login.status_code == 200
    assert_csp(login)
    redirect = client.get(reverse("workspace:caseload"))
    assert redirect.status_code == 302
    assert_csp(redirect)
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert_csp(missing)
    static = client.get("/static/attune/js/episode-charts.js")
    assert static.status_code == 200
    assert_csp(static)
    vendored = client.get("/static/attune/vendor/chart.js-4.6.1/chart.umd.min.js")
    assert vendored.status_code == 200
    assert b"Chart.js v4.6.1" in b"".join(vendored.streaming_content)
    assert_csp(vendored)

    sign_in(client, therapist)
    page = client.get(reverse("workspace:episode", args=[episode.pk]))
    assert page.status_code == 200
    assert_csp(page)
    other = client.get(reverse("workspace:episode", args=[episode.pk + 1000]))
    assert other.status_code == 404
    assert_csp(other)
    admin_login = client.get("/admin/login/")
    assert_csp(admin_login)


def test_the_csp_header_is_on_the_admin_pages(client, practice_admin):
    # As in the demo, the practice administrator administers everything the admin registers.
    practice_admin.is_superuser = True
    practice_admin.save()
    modality = factories.ModalityFactory(slug="test-act", name="Test ACT")
    sign_in(client, practice_admin)
    for url in (
        "/admin/",
        f"/admin/accounts/user/{practice_admin.pk}/change/",
        f"/admin/practice/modality/{modality.pk}/change/",
        "/admin/practice/modality/add/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_csp(response)


def test_the_vendored_chart_js_is_the_published_file():
    import hashlib
    from pathlib import Path

    import attune

    vendor = Path(attune.__file__).parent / "static" / "attune" / "vendor"
    readme = (vendor / "README.md").read_text()
    for line in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M):
        digest, name = line
        assert hashlib.sha256((vendor / name).read_bytes()).hexdigest() == digest, name
    assert "MIT" in (vendor / "chart.js-4.6.1" / "LICENSE.md").read_text()


def test_band_values_are_plain_numbers(episode):
    """json_script must be able to serialise the context (no numpy scalars)."""
    build_episode(episode)
    context = context_for(episode)
    for point in measure(context, "phq9")["band"]["points"]:
        assert all(type(v) in (int, float) for v in point.values())
        assert not any(isinstance(v, np.generic) for v in point.values())
    json.dumps(context["charts"])
