"""The warm referral of issue 10: colleagues ranked by the matching engine with their reasons,
the client's consent to a handover e-mail, the two e-mails, what the colleague can and cannot
open afterwards, and bad input that never loses what was typed."""

from __future__ import annotations

import html
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from post_office.models import STATUS, Email

from attune.accounts.models import Role
from attune.care.models import Attendance, Episode, EpisodeStatus, Referral, Session
from attune.care.submission import submit_form
from attune.matching.referral import ranked_colleagues
from attune.notes.models import ProcessNote
from attune.notes.services import write_note
from attune.practice.models import Modality, ProblemArea, TherapistProfile
from tests import factories
from tests.answers import FREQUENCY
from tests.care_helpers import DENIED, as_user
from tests.conftest import make_therapist, make_user

pytestmark = pytest.mark.django_db

NOTE_WORDS = "PRIVATE-NOTE-WORDS"
HANDOVER_WORDS = "Low mood since the divorce; wants EMDR"


@pytest.fixture(autouse=True)
def _fresh_matching_cache():
    cache.clear()
    yield
    cache.clear()


def profile(user, *, areas=(), modalities=(), languages=(), accepting=True, published=True):
    p = TherapistProfile.objects.get(user=user)
    p.languages, p.accepting_new_clients, p.published = list(languages), accepting, published
    p.save()
    p.problem_areas.set(ProblemArea.objects.filter(slug__in=areas))
    p.modalities.set(Modality.objects.filter(slug__in=modalities))
    return p


@pytest.fixture
def team(practice, therapist, colleague, episode, other_episode):
    """Cole (trauma, EMDR, German; one active client), Bea (anxiety only), Una (unpublished),
    Fay (trauma and EMDR but not accepting). Cleo's episode is about trauma."""
    episode.problem_areas.set(ProblemArea.objects.filter(slug="trauma"))
    profile(therapist, areas=["trauma"], modalities=["emdr"], languages=["de"])
    profile(colleague, areas=["trauma"], modalities=["emdr"], languages=["de", "en"])
    bea = make_therapist(practice, "bea.basic@example.org")
    profile(bea, areas=["anxiety"], languages=["en"])
    una = make_therapist(practice, "una.unlisted@example.org")
    profile(una, areas=["trauma"], published=False)
    fay = make_therapist(practice, "fay.full@example.org")
    profile(fay, areas=["trauma"], modalities=["emdr"], languages=["de"], accepting=False)
    return {"cole": colleague, "bea": bea, "una": una, "fay": fay}


def refer_url(episode, **query):
    url = reverse("care:refer", args=[episode.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def post(colleague, **change):
    return {
        "to_therapist": str(colleague.pk),
        "consent": "on",
        "consent_on": f"{timezone.localdate():%Y-%m-%d}",
        "handover_email": "on",
        "consent_note": HANDOVER_WORDS,
    } | change


def page_of(response):
    return html.unescape(response.content.decode())


# --------------------------------------------------------------------------- the ranking


def test_colleagues_are_ranked_by_the_matching_engine_with_reasons(team, episode):
    emdr = Modality.objects.get(slug="emdr")
    rows = ranked_colleagues(episode, approach=emdr, language="de")
    names = [row.user.email for row in rows]
    # Accepting and ranked (best first), then unpublished (not ranked), then not accepting.
    assert names == [
        "cole.colleague@example.org",
        "bea.basic@example.org",
        "una.unlisted@example.org",
        "fay.full@example.org",
    ]
    cole, bea, una, fay = rows
    trauma = "works with trauma and difficult experiences"
    assert cole.reasons == [trauma, "uses EMDR", "speaks German"]
    assert cole.misses == [] and cole.caseload == 1 and cole.accepting
    assert bea.reasons == [] and bea.misses == ["does not offer EMDR", "does not speak German"]
    assert bea.caseload == 0
    assert not una.ranked and una.accepting
    assert not fay.accepting


def test_the_approach_and_the_language_change_the_order(practice, team, episode):
    # Bea alone speaks Spanish: asked for it, she comes before Cole despite the problem area.
    profile(team["bea"], languages=["es"])
    profile(team["cole"], areas=[], modalities=["emdr"], languages=["de"])
    names = [r.user.email for r in ranked_colleagues(episode, language="es")]
    assert names[:2] == ["bea.basic@example.org", "cole.colleague@example.org"]
    names = [r.user.email for r in ranked_colleagues(episode, language="de")]
    assert names[:2] == ["cole.colleague@example.org", "bea.basic@example.org"]


def test_the_page_shows_the_ranking_the_reasons_and_the_full_colleagues_apart(
    client, therapist, team, episode
):
    emdr = Modality.objects.get(slug="emdr")
    response = as_user(client, therapist).get(refer_url(episode, approach=emdr.pk, language="de"))
    assert response.status_code == 200
    page = page_of(response)
    assert "Why: works with trauma and difficult experiences; uses EMDR; speaks German." in page
    assert "But: does not offer EMDR; does not speak German." in page
    assert "Accepting new clients · 1 active client" in page
    assert "Not ranked: her profile is not published" in page
    assert page.index("Cole Colleague") < page.index("Bea Basic") < page.index("Una Unlisted")
    full_at = page.index('data-testid="colleagues-full"')
    choices = page[page.index('data-testid="colleagues"') : full_at]
    assert "Fay Full" not in choices  # not offered as a choice …
    assert "Fay Full" in page[full_at:]  # … but named
    assert f'id="colleague-{team["fay"].pk}"' not in page
    assert f'id="colleague-{therapist.pk}"' not in page  # never the treating therapist herself
    assert "Tara Therapist ·" not in page


def test_bad_ranking_choices_get_a_message_not_an_error(client, therapist, team, episode):
    response = as_user(client, therapist).get(refer_url(episode, approach="abc", language="xx"))
    assert response.status_code == 200
    page = page_of(response)
    assert "Please choose an approach from the list." in page
    assert "Please choose a language from the list." in page
    assert "Cole Colleague" in page


def test_the_language_asked_for_in_the_consultation_is_preselected(
    client, therapist, team, episode
):
    from attune.matching.models import ConsultationRequest

    ConsultationRequest.objects.create(
        therapist=therapist, name="Cleo", email="cleo.client@example.org", proposed_times=[],
        hopes="", intake={"preferences": {"language": "de"}}, idempotency_key=uuid.uuid4(),
        episode=episode, status="accepted", decided_at=timezone.now(),
    )  # fmt: skip
    page = page_of(as_user(client, therapist).get(refer_url(episode)))
    assert '<option value="de" selected>German</option>' in page
    assert "speaks German" in page


def test_the_referral_page_makes_the_same_number_of_queries_for_2_and_12_colleagues(
    client, practice, therapist, team, episode
):
    as_user(client, therapist)

    def count():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(refer_url(episode, language="de")).status_code == 200
        return len(queries)

    few = count()
    for n in range(10):
        profile(make_therapist(practice, f"extra.t{n}@example.org"), areas=["trauma"])
    assert count() == few


# --------------------------------------------------------------------------- consent and e-mails


def test_with_consent_the_client_and_the_colleague_are_told_without_clinical_content(
    client, therapist, team, episode, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(refer_url(episode), post(team["cole"]))
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.handover_email_consent is True
    by_subject = {m.subject: m for m in mail.outbox}
    to_client = by_subject["Your therapy continues with Cole Colleague"]
    assert to_client.to == ["cleo.client@example.org"]
    assert "Cole Colleague takes over" in to_client.body
    to_colleague = by_subject["A client has been referred to you"]
    assert to_colleague.to == ["cole.colleague@example.org"]
    link = reverse("workspace:episode", args=[referral.to_episode.pk])
    assert f"http://testserver{link}" in to_colleague.body
    assert "Tara Therapist has referred a client to you" in to_colleague.body
    for message in mail.outbox:  # nothing clinical in any e-mail, no client name to Cole
        for words in (HANDOVER_WORDS, "trauma", "PHQ", "GAD", "EMDR"):
            assert words.lower() not in (message.subject + message.body).lower()
    assert "Cleo" not in to_colleague.subject + to_colleague.body
    messages = page_of(client.get(response["Location"]))
    assert "Referred to Cole Colleague, who gets an e-mail with a link" in messages
    assert "an e-mail tells the client who takes over" in messages


def test_without_that_consent_the_client_gets_no_handover_e_mail(
    client, therapist, team, episode, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(refer_url(episode), post(team["cole"], handover_email=""))
    assert response.status_code == 302
    assert Referral.objects.get().handover_email_consent is False
    to_client = [m for m in mail.outbox if m.to == ["cleo.client@example.org"]]
    assert [m.subject for m in to_client] == ["A short form is waiting for you"]
    assert "Cole" not in to_client[0].body  # the exit feedback request names nobody
    assert [m.to for m in mail.outbox if m.subject.startswith("A client has been referred")] == [
        ["cole.colleague@example.org"]
    ]
    said = page_of(client.get(response["Location"]))
    assert "the client gets no e-mail about the handover (they did not agree to one)" in said


@override_settings(POST_OFFICE={"BACKENDS": {"default": "tests.mail_server_down.EmailBackend"}})
def test_a_mail_server_that_is_down_keeps_the_e_mails_and_the_referral(
    client, therapist, team, episode, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(refer_url(episode), post(team["cole"]))
    assert response.status_code == 302
    assert Referral.objects.count() == 1
    queued = Email.objects.filter(subject__in=[
        "Your therapy continues with Cole Colleague", "A client has been referred to you"
    ])  # fmt: skip
    assert sorted(e.status for e in queued) == [STATUS.requeued, STATUS.requeued]


# --------------------------------------------------------------------------- bad input


def test_a_colleague_not_accepting_new_clients_is_refused_and_nothing_is_lost(
    client, therapist, team, episode
):
    emdr = Modality.objects.get(slug="emdr")
    as_user(client, therapist)
    response = client.post(
        refer_url(episode), post(team["fay"], approach=str(emdr.pk), language="de")
    )
    assert response.status_code == 400
    page = page_of(response)
    assert "Fay Full is not accepting new clients at the moment." in page
    assert HANDOVER_WORDS in page  # the note typed is still there
    assert '<option value="de" selected>German</option>' in page  # and the ranking's choices
    assert "uses EMDR" in page
    assert not Referral.objects.exists()
    assert Episode.objects.filter(therapist=team["fay"]).count() == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"to_therapist": ""}, "Please choose a colleague."),
        ({"consent": ""}, "Please record the client's consent"),
        ({"consent_on": ""}, "This field is required."),
    ],
)
def test_missing_choices_get_a_message_and_keep_the_rest(
    client, therapist, team, episode, change, message
):
    as_user(client, therapist)
    response = client.post(refer_url(episode), post(team["cole"], **change))
    assert response.status_code == 400
    page = page_of(response)
    assert message in page and HANDOVER_WORDS in page
    assert "Nothing was saved yet" in page
    assert not Referral.objects.exists()


def test_a_colleague_from_another_practice_is_refused(client, therapist, team, episode):
    elsewhere = factories.PracticeFactory(name="Elsewhere", slug="elsewhere")
    far = make_therapist(elsewhere, "far.away@example.org")
    profile(far, areas=["trauma"])
    as_user(client, therapist)
    page = page_of(client.get(refer_url(episode)))
    assert "Far Away" not in page  # never listed
    response = client.post(refer_url(episode), post(far))
    assert response.status_code == 400
    assert "Please choose a colleague from this practice." in page_of(response)
    assert not Referral.objects.exists()


def test_an_episode_already_referred_says_so_and_changes_nothing(
    client, therapist, team, episode, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(refer_url(episode), post(team["cole"]))
    sent = len(mail.outbox)
    for response in (
        client.get(refer_url(episode), follow=True),
        client.post(refer_url(episode), post(team["bea"]), follow=True),
    ):
        assert response.status_code == 200
        assert "was already referred to Cole Colleague" in page_of(response)
    assert Referral.objects.count() == 1
    assert Episode.objects.filter(therapist=team["bea"]).count() == 0
    assert len(mail.outbox) == sent


def test_an_ended_episode_cannot_be_referred(client, therapist, team, episode):
    episode.status, episode.ended_on = EpisodeStatus.ENDED_PLANNED, timezone.localdate()
    episode.save()
    as_user(client, therapist)
    for response in (
        client.get(refer_url(episode), follow=True),
        client.post(refer_url(episode), post(team["cole"]), follow=True),
    ):
        assert response.status_code == 200
        assert "This episode has already ended, so it can't be referred." in page_of(response)
    assert not Referral.objects.exists()


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize(
    "intruder",
    ["colleague", "supervisor", "client_user", "other_client", "practice_admin", "anonymous",
     "supervisor_of_someone_else", "therapist_elsewhere"],
)  # fmt: skip
def test_nobody_but_the_treating_therapist_opens_or_sends_the_referral(
    request, client, practice, intruder, team, episode
):
    if intruder == "supervisor_of_someone_else":
        user = make_user(practice, "sue.other@example.org", Role.SUPERVISOR)
        TherapistProfile.objects.get(user=team["bea"]).supervisors.add(user)
    elif intruder == "therapist_elsewhere":
        user = make_therapist(factories.PracticeFactory(name="E", slug="e"), "e.t@example.org")
    elif intruder != "anonymous":
        user = request.getfixturevalue(intruder)
    if intruder == "anonymous":
        client.logout()
        response = client.get(refer_url(episode, language="de"))
        assert response.status_code == 302 and "/login" in response["Location"]
        response = client.post(refer_url(episode), post(team["cole"]))
        assert response.status_code == 302 and "/login" in response["Location"]
    else:
        as_user(client, user)
        get = client.get(refer_url(episode, language="de"))
        assert get.status_code in DENIED
        assert "works with trauma" not in get.content.decode()
        assert client.post(refer_url(episode), post(team["cole"])).status_code in DENIED
    assert not Referral.objects.exists()
    assert Episode.objects.get(pk=episode.pk).status == EpisodeStatus.ACTIVE


# --------------------------------------------------------------------------- afterwards


@pytest.fixture
def scored(episode, client_user, last_attended):
    submit_form(
        episode=episode, session=last_attended, respondent=client_user, phase="check_in",
        answers={"phq9": {f"phq9_{n}": FREQUENCY[2 if n < 9 else 0] for n in range(1, 10)},
                 "gad7": {f"gad7_{n}": FREQUENCY[1] for n in range(1, 8)}},
        idempotency_key=uuid.uuid4(),
    )  # fmt: skip


def test_the_colleague_sees_the_history_and_her_caseload_never_the_old_notes(
    client, therapist, team, episode, last_attended, scored
):
    note = write_note(
        author=therapist, session=last_attended, body=NOTE_WORDS, themes=[],
        countertransference=NOTE_WORDS,
    )  # fmt: skip
    as_user(client, therapist)
    assert client.post(refer_url(episode), post(team["cole"])).status_code == 302
    new = Referral.objects.get().to_episode

    as_user(client, team["cole"])
    caseload = page_of(client.get(reverse("workspace:caseload")))
    assert reverse("workspace:episode", args=[new.pk]) in caseload
    assert "Cleo Client" in caseload
    page = page_of(client.get(reverse("workspace:episode", args=[new.pk])))
    assert 'data-testid="history"' in page and "<td>16</td>" in page  # Tara's PHQ-9
    assert HANDOVER_WORDS in page  # the handover note is for her
    assert NOTE_WORDS not in page
    # The old notes, by URL: the note, the session's note form, the old episode — all closed.
    assert client.get(reverse("notes:detail", args=[note.pk])).status_code in DENIED
    assert client.get(reverse("notes:session", args=[last_attended.pk])).status_code in DENIED
    assert client.get(reverse("workspace:episode", args=[episode.pk])).status_code in DENIED
    old = (reverse("notes:detail", args=[note.pk]), reverse("workspace:episode", args=[episode.pk]))
    for url in old:
        assert NOTE_WORDS not in client.get(url).content.decode()
    # … and she cannot write over Tara's note either.
    client.post(reverse("notes:session", args=[last_attended.pk]), {"body": "overwrite"})
    assert ProcessNote.objects.filter(session=last_attended).count() == 1
    assert ProcessNote.objects.get(pk=note.pk).author == therapist


def test_the_predicates_keep_the_old_episode_and_its_notes_from_the_colleague(
    client, therapist, team, episode, last_attended
):
    import rules

    note = write_note(
        author=therapist, session=last_attended, body=NOTE_WORDS, themes=[],
        countertransference="",
    )  # fmt: skip
    as_user(client, therapist)
    client.post(refer_url(episode), post(team["cole"]))
    new = Referral.objects.get().to_episode
    cole = team["cole"]
    assert rules.has_perm("care.view_episode", cole, new)
    assert rules.has_perm("care.change_episode", cole, new)
    assert not rules.has_perm("care.view_episode", cole, episode)
    assert not rules.has_perm("notes.view_note", cole, note)
    assert not rules.has_perm("notes.change_note", cole, note)
    assert not rules.has_perm("notes.add_note", cole, episode)
    # Tara keeps her own note, read-only now that she no longer treats the client.
    assert rules.has_perm("notes.view_note", therapist, note)
    assert not rules.has_perm("care.view_episode", therapist, new)


def test_the_colleague_signs_in_from_the_e_mail_link_to_the_new_episode(
    client, therapist, team, episode, django_capture_on_commit_callbacks
):
    as_user(client, therapist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(refer_url(episode), post(team["cole"]))
    new = Referral.objects.get().to_episode
    client.logout()
    link = reverse("workspace:episode", args=[new.pk])
    response = client.get(link)
    assert response.status_code == 302 and "/login" in response["Location"]
    assert as_user(client, team["cole"]).get(link).status_code == 200


# --------------------------------------------------------------------------- before the referral

FEEDBACK_WORDS = "FEEDBACK-ABOUT-TARA"


@pytest.fixture
def referred(client, therapist, team, episode, last_attended, scored):
    """Tara's episode with a check-in, a feedback comment about her and a private note,
    referred to Cole; returns the new episode."""
    submit_form(
        episode=episode, session=last_attended, respondent=episode.client.user, phase="feedback",
        answers={"session_feedback": {"bond": 3, "goals": 3, "approach": 2, "overall": 3,
                                      "rupture": "no", "comment": FEEDBACK_WORDS}},
        idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    write_note(
        author=therapist, session=last_attended, body=NOTE_WORDS, themes=[],
        countertransference="",
    )  # fmt: skip
    as_user(client, therapist)
    assert client.post(refer_url(episode), post(team["cole"])).status_code == 302
    client.logout()
    return Referral.objects.get().to_episode


def before_url(episode):
    return reverse("care:before-referral", args=[episode.pk])


def test_the_colleague_reads_sessions_ending_scores_and_chart_of_the_earlier_episode(
    client, team, referred
):
    response = as_user(client, team["cole"]).get(before_url(referred))
    assert response.status_code == 200
    page = page_of(response)
    assert "With Tara Therapist" in page
    assert '<dd data-testid="earlier-attended">1</dd>' in page
    assert f"Transferred on {timezone.localdate():%-d %B %Y}" in page
    assert "PHQ-9" in page and "16 <span" in page and "needs two scores" in page
    assert 'data-testid="report-chart"' in page
    for secret in (FEEDBACK_WORDS, NOTE_WORDS, HANDOVER_WORDS, "/40"):
        assert secret not in page


def test_two_scores_get_the_engines_reliable_change(client, team, episode, referred):
    session = episode.sessions.get(number=2)  # cancelled by the ending: answers still count
    submit_form(
        episode=episode, session=session, respondent=episode.client.user, phase="check_in",
        answers={"phq9": {f"phq9_{n}": FREQUENCY[0] for n in range(1, 10)},
                 "gad7": {f"gad7_{n}": FREQUENCY[1] for n in range(1, 8)}},
        idempotency_key=uuid.uuid4(),
    )  # fmt: skip
    page = page_of(as_user(client, team["cole"]).get(before_url(referred)))
    assert "reliably better" in page  # PHQ-9 16 → 0
    assert "no reliable change" in page  # GAD-7 7 → 7


@pytest.mark.parametrize(
    "who",
    ["therapist", "supervisor", "client_user", "other_client", "practice_admin", "anonymous",
     "bea", "therapist_elsewhere"],
)  # fmt: skip
def test_only_those_who_may_read_the_new_episode_read_what_came_before(
    request, client, team, referred, who
):
    client.logout()
    if who == "anonymous":
        response = client.get(before_url(referred))
        assert response.status_code == 302 and "/login" in response["Location"]
        return
    if who == "bea":
        user = team["bea"]
    elif who == "therapist_elsewhere":
        user = make_therapist(factories.PracticeFactory(name="E", slug="e"), "e.t@example.org")
    else:
        user = request.getfixturevalue(who)
    response = as_user(client, user).get(before_url(referred))
    assert response.status_code in DENIED
    assert "With Tara Therapist" not in response.content.decode()


def test_the_colleagues_supervisor_reads_it_too(client, practice, team, referred):
    sue = make_user(practice, "sue.visor@example.org", Role.SUPERVISOR)
    TherapistProfile.objects.get(user=team["cole"]).supervisors.add(sue)
    assert as_user(client, sue).get(before_url(referred)).status_code == 200


def test_an_episode_not_referred_has_no_earlier_page(client, colleague, other_episode):
    assert as_user(client, colleague).get(before_url(other_episode)).status_code == 404


def test_the_earlier_page_makes_the_same_number_of_queries_however_many_sessions(
    client, team, episode, referred
):
    as_user(client, team["cole"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(before_url(referred)).status_code == 200
        return len(queries)

    few = count()
    start = timezone.now() - timedelta(days=400)
    Session.objects.bulk_create(
        Session(episode=episode, number=n, scheduled_at=start + timedelta(days=7 * n),
                attendance=Attendance.ATTENDED)
        for n in range(10, 40)
    )  # fmt: skip
    assert count() == few
    assert '<dd data-testid="earlier-attended">31</dd>' in page_of(client.get(before_url(referred)))


def test_a_colleague_who_joined_since_the_matching_was_cached_does_not_break_the_page(
    client, practice, therapist, team, episode
):
    as_user(client, therapist)
    assert client.get(refer_url(episode)).status_code == 200  # the practice's figures cached
    newcomer = make_therapist(practice, "nia.new@example.org")
    profile(newcomer, areas=["trauma"])
    response = client.get(refer_url(episode))
    assert response.status_code == 200
    page = page_of(response)
    assert "Nia New" in page  # ranked with no cases counted yet (before: find_matches raised)
    assert client.post(refer_url(episode), post(newcomer)).status_code == 302
    assert Referral.objects.get().to_therapist == newcomer
