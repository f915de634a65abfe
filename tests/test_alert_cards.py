"""Good news as notes, one card and one form per open concern, the one severity scale, and
the app's alert kinds being the engine's."""

from __future__ import annotations

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from attune.alerts import services
from attune.alerts.actions import ACTIONS_BY_KIND, allowed_actions
from attune.alerts.models import KIND_LABELS, Alert, AlertKind, AlertStatus, Severity
from attune.engine.signals import KINDS
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def raise_(episode, kind="not_on_track", severity="yellow", key=None, evidence=None, **extra):
    return services.raise_alert(
        episode=episode,
        kind=kind,
        severity=severity,
        title=extra.pop("title", kind.replace("_", " ").capitalize()),
        explanation=extra.pop("explanation", "Why it fired."),
        evidence=evidence if evidence is not None else {"session_number": 4},
        source="Lambert 2010",
        suggested_actions=["Talk it through."],
        dedupe_key=key or f"{kind}:{severity}",
        **extra,
    )


def page(client, user, episode):
    sign_in(client, user)
    response = client.get(reverse("workspace:episode", args=[episode.pk]))
    assert response.status_code == 200
    return response


# --------------------------------------------------------------------------- kinds


def test_the_apps_alert_kinds_are_exactly_the_engines():
    assert list(AlertKind.values) == list(KINDS)


def test_every_engine_kind_has_a_label_and_its_actions():
    # More is allowed: a kind the engine retired keeps its label and actions for old alerts.
    assert set(KINDS) <= set(KIND_LABELS)
    assert set(KINDS) <= set(ACTIONS_BY_KIND)
    assert all("_" not in label for label in AlertKind.labels)


def test_an_alert_of_a_kind_the_engine_retired_still_reads_as_words(episode):
    alert = raise_(episode, kind="modality_review", severity="yellow")
    Alert.objects.filter(pk=alert.pk).update(kind="no_longer_a_kind")
    alert.refresh_from_db()
    assert alert.get_kind_display() == "No longer a kind"
    assert raise_(episode, kind="modality_review", key="m2").get_kind_display() == (
        "Modality review"
    )


def test_the_severity_choices_read_as_the_one_scale():
    assert dict(Severity.choices) == {
        "info": "Note",
        "yellow": "Watch",
        "red": "Act soon",
        "high": "Act soon",
        "urgent": "Urgent",
    }


# --------------------------------------------------------------------------- notes


def test_good_news_is_stored_as_a_note_that_is_never_open(episode, therapist):
    note = raise_(episode, kind="reliable_improvement", severity="info")
    assert note.status == AlertStatus.NOTE
    assert not note.is_open
    assert [e.kind for e in note.events.all()] == ["noted"]
    assert list(Alert.objects.open()) == []
    with pytest.raises(ValidationError, match="needs no action"):
        services.record_action(note, therapist, action="discussed")
    with pytest.raises(ValidationError, match="nothing to close"):
        services.close(note, therapist)
    assert services.acknowledge(note, therapist).status == AlertStatus.NOTE


def test_a_note_seen_again_is_updated_quietly_and_stays_a_note(episode):
    raise_(episode, kind="repair", severity="info", key="repair:s4")
    again = raise_(
        episode, kind="repair", severity="info", key="repair:s4", evidence={"session_number": 6}
    )
    assert again.status == AlertStatus.NOTE
    assert again.evidence == {"session_number": 6}
    assert Alert.objects.count() == 1


def test_a_note_whose_concern_rises_becomes_an_open_alert(episode):
    raise_(episode, kind="rupture", severity="info", key="rupture:s4")
    alert = raise_(episode, kind="rupture", severity="yellow", key="rupture:s4")
    assert alert.status == AlertStatus.OPEN
    assert list(alert.events.all())[-1].note == (
        "Reopened: it was a note at “note” and has risen to “watch”."
    )


def test_notes_do_not_count_on_the_caseload_or_the_supervision_page(
    client, episode, therapist, supervisor
):
    raise_(episode, kind="reliable_improvement", severity="info")
    raise_(episode, kind="sudden_gain", severity="info")
    raise_(episode, kind="low_alliance", severity="yellow")
    raise_(episode, kind="not_on_track", severity="red")
    sign_in(client, therapist)
    row = client.get(reverse("workspace:caseload")).context["rows"][0]
    assert row.open_count == 2
    assert [c.kind for c in row.chips] == ["not_on_track", "low_alliance"]
    client.logout()
    sign_in(client, supervisor)
    response = client.get(reverse("workspace:supervision"))
    levels = response.context["rows"][0].levels  # attune.supervision.queries.SuperviseeRow
    assert sum(n for _, n in levels) == 2
    assert [(lv.label, n) for lv, n in levels] == [("Act soon", 1), ("Watch", 1)]
    html = response.content.decode()
    assert "1 act soon" in html and "1 watch" in html and "note" not in html.split("<tbody>")[1]


def test_the_episode_page_shows_notes_as_a_dated_list_not_as_cards(client, episode, therapist):
    raise_(
        episode,
        kind="reliable_improvement",
        severity="info",
        title="Reliable improvement",
        evidence={"session_number": 6},
    )
    html = page(client, therapist, episode).content.decode()
    notes = html.split('data-testid="alert-notes"')[1].split("</section>")[0]
    assert "Good news and notes" in notes
    assert f"{timezone.localdate():%-d %b %Y}" in notes
    assert "session 6" in notes and "Reliable improvement" in notes
    assert 'data-testid="alert"' not in html  # no card, no form
    assert 'data-testid="no-open-alerts"' in html


def test_the_data_migration_turns_open_good_news_into_notes(episode, therapist):
    good = raise_(episode, kind="reliable_improvement", severity="info")
    closed = raise_(episode, kind="sudden_gain", severity="info")
    Alert.objects.filter(pk=good.pk).update(status=AlertStatus.ACKNOWLEDGED)
    Alert.objects.filter(pk=closed.pk).update(status=AlertStatus.CLOSED)
    worry = raise_(episode, kind="low_alliance", severity="yellow")
    migration = importlib.import_module(
        "attune.alerts.migrations.0004_notes_one_scale_kinds_from_engine"
    )
    migration.notes_from_good_news(apps, None)
    statuses = dict(Alert.objects.values_list("pk", "status"))
    assert statuses == {good.pk: "note", closed.pk: "closed", worry.pk: "open"}


# --------------------------------------------------------------------------- cards


def forms_per_alert(html):
    """How many action forms the page holds for each alert (pinned panel and list together)."""
    found = re.findall(r'<form method="post" action="/alerts/(\d+)/action/"', html)
    return {int(pk): found.count(pk) for pk in set(found)}


def test_one_card_per_open_concern_safety_first_then_most_urgent_then_newest(
    client, episode, therapist
):
    now = timezone.now()
    low = raise_(episode, kind="low_alliance", severity="yellow", now=now - timedelta(days=3))
    drop = raise_(episode, kind="dropout_risk", severity="yellow", now=now - timedelta(days=1))
    off = raise_(episode, kind="not_on_track", severity="red", now=now - timedelta(days=5))
    high = raise_(episode, kind="safety", severity="high", key="safety:response:1")
    urgent = raise_(episode, kind="safety", severity="urgent", key="safety:response:2")
    response = page(client, therapist, episode)
    expected = ["safety", "safety", "not_on_track", "dropout_risk", "low_alliance"]
    assert [c.alert.kind for c in response.context["alert_cards"]] == expected
    assert response.context["other_alerts"] == [off, drop, low]
    assert [c.level.label for c in response.context["alert_cards"][:2]] == ["Urgent", "Act soon"]
    html = response.content.decode()
    cards = re.findall(r'data-testid="alert" data-kind="([a-z_]+)"', html)
    # Safety cards lead the list, unless the pinned panel at the top shows them.
    assert cards in (expected, expected[2:])
    # Every open alert has exactly one action form on the page.
    assert forms_per_alert(html) == {a.pk: 1 for a in (low, drop, off, high, urgent)}


def test_an_alert_the_pinned_panel_shows_gets_no_second_card_only_its_evidence(
    rf, episode, therapist
):
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from attune.alerts.queries import episode_alerts

    pinned = raise_(episode, kind="safety", severity="urgent", key="safety:response:1")
    followed = raise_(episode, kind="safety", severity="high", key="safety:response:2")
    services.record_action(
        followed, therapist, action="safety_follow_up", follow_up_instrument="ASQ"
    )
    raise_(episode, kind="low_alliance", severity="yellow")
    context = {"episode": episode, "can_act": True} | episode_alerts(episode)
    context |= {"pinned_alerts": [SimpleNamespace(alert=pinned)], "safety_alerts": [pinned]}
    html = render_to_string("workspace/episode/_alerts.html", context, request=rf.get("/"))
    # The followed-up safety alert waits here to be closed; the pinned one has its form above.
    assert re.findall(r'data-kind="([a-z_]+)"', html) == ["safety", "low_alliance"]
    assert f'id="alert-{followed.pk}"' in html
    evidence = html.split('data-testid="pinned-evidence"')[1]
    assert f'id="alert-{pinned.pk}"' in evidence and "alert-form" not in evidence


def test_the_form_preselects_nothing_and_offers_only_what_fits(rf, episode, therapist):
    from django.template.loader import render_to_string

    from attune.alerts.queries import episode_alerts

    raise_(episode, kind="rupture", severity="yellow", key="rupture:s3")
    raise_(episode, kind="safety", severity="high", key="safety:response:9")
    context = {"episode": episode, "can_act": True} | episode_alerts(episode)
    html = render_to_string("workspace/episode/_alerts.html", context, request=rf.get("/"))
    forms = re.findall(r'<form[^>]*data-testid="alert-form".*?</form>', html, re.S)
    assert len(forms) == 2
    safety, rupture = forms
    for form in forms:
        assert "checked" not in form and "selected" not in form
    radios = re.findall(r'name="action" value="([a-z_]+)"', rupture)
    assert radios == [a.value for a in allowed_actions("rupture")]
    assert "repair_attempted" in radios and "safety_follow_up" not in radios
    assert "follow_up_instrument" not in rupture and "follow_up_instrument" in safety
    assert 'value="discussed"' in rupture and 'value="discussed"' not in safety


def test_the_episode_page_preselects_nothing(client, episode, therapist):
    raise_(episode, kind="not_on_track", severity="red")
    html = page(client, therapist, episode).content.decode()
    forms = re.findall(r'<form[^>]*data-testid="alert-form".*?</form>', html, re.S)
    assert len(forms) == 1 and 'name="action"' in forms[0]
    assert "checked" not in forms[0] and "selected" not in forms[0]


def test_discussed_in_session_records_and_closes_in_one_post(client, episode, therapist):
    alert = raise_(episode, kind="low_alliance", severity="yellow")
    sign_in(client, therapist)
    response = client.post(
        reverse("workspace:alert-action", args=[alert.pk]),
        {"quick": "discussed", "note": "We talked about the last session."},
        follow=True,
    )
    assert "Recorded and closed." in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    trail = [(e.kind, e.action, e.actor) for e in alert.events.all()]
    assert trail == [
        ("opened", "", None),
        ("action_recorded", "discussed", therapist),
        ("closed", "", therapist),
    ]
    closed = response.context["closed_alerts"]
    assert [(c.alert.pk, c.done) for c in closed] == [(alert.pk, ["Discussed in session"])]
    html = response.content.decode()
    assert 'data-testid="closed-alert"' in html and "Discussed in session" in html


def test_record_and_close_or_keep_open(client, episode, therapist):
    kept = raise_(episode, kind="not_on_track", severity="red")
    closed = raise_(episode, kind="dropout_risk", severity="yellow")
    sign_in(client, therapist)
    client.post(
        reverse("workspace:alert-action", args=[kept.pk]),
        {"action": "supervision", "then": "keep"},
    )
    client.post(
        reverse("workspace:alert-action", args=[closed.pk]),
        {"action": "contacted", "then": "close"},
    )
    kept.refresh_from_db()
    closed.refresh_from_db()
    assert kept.status == AlertStatus.ACTION_RECORDED
    assert closed.status == AlertStatus.CLOSED


def test_an_action_that_does_not_fit_is_a_message_not_an_error(client, episode, therapist):
    alert = raise_(episode, kind="safety", severity="urgent", key="safety:response:3")
    sign_in(client, therapist)
    url = reverse("workspace:alert-action", args=[alert.pk])
    for data in ({"quick": "discussed"}, {"action": "modality_changed"}, {"action": ""}):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
    html = response.content.decode()
    assert "Please choose what was done." in html
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert [e.kind for e in alert.events.all()] == ["opened"]


def test_a_refused_close_stores_nothing(client, episode, therapist):
    alert = raise_(episode, kind="safety", severity="high", key="safety:response:4")
    sign_in(client, therapist)
    response = client.post(
        reverse("workspace:alert-action", args=[alert.pk]),
        {"action": "referred", "then": "close"},
        follow=True,
    )
    assert "closes only after a recorded safety follow-up" in response.content.decode()
    assert [e.kind for e in Alert.objects.get().events.all()] == ["opened"]


def test_a_merged_signal_lists_its_reasons_and_the_numbers_for_people(client, episode, therapist):
    raise_(
        episode,
        kind="not_on_track",
        severity="red",
        title="Not on track",
        evidence={
            "session_number": 6,
            "reasons": [
                {"reason": "Above the expected range", "detail": "PHQ-9 19, expected 12.3"},
                {"reason": "Reliable deterioration", "detail": "PHQ-9 up 7 points"},
            ],
            "sd_floor": 2.0,
            "own_sd": 4.33333,
            "falling": True,
            "scores": [20, 19, 21, 22, 21, 23],
        },
    )
    html = page(client, therapist, episode).content.decode()
    card = html.split('data-testid="alert"')[1].split("</article>")[0]
    reasons = card.split('data-testid="alert-reasons"')[1].split("</ul>")[0]
    assert reasons.count("<li>") == 2
    assert "Above the expected range</strong> — PHQ-9 19, expected 12.3" in reasons
    assert "Smallest drop counted" in card and "4.3<" in card and "4.33" not in card
    assert "True" not in card and "sd_floor" not in card.replace("data-", "")
    assert "<summary>Numbers behind this</summary>" in card
    assert '<span class="chip severity-act-soon">Act soon</span>' in card
