"""Find my match, consultation requests and the therapist's consultation inbox."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from attune.accounts.models import Role, User
from attune.care.models import EpisodeStatus
from attune.matching.models import ConsultationRequest, ConsultationStatus
from attune.measures.definitions_sync import current_version
from attune.measures.models import Phase, Response
from attune.practice.models import Modality, ProblemArea, TherapistProfile
from tests import factories
from tests.care_helpers import as_user
from tests.conftest import PASSWORD, make_therapist, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def set_profile(user, *, areas, modalities, languages, formats, gender, fee_min, accepting=True):
    profile = TherapistProfile.objects.get(user=user)
    profile.gender = gender
    profile.languages = languages
    profile.formats = formats
    profile.fee_min = fee_min
    profile.accepting_new_clients = accepting
    profile.save()
    profile.problem_areas.set(ProblemArea.objects.filter(slug__in=areas))
    profile.modalities.set(Modality.objects.filter(slug__in=modalities))
    return profile


def add_outcomes(practice, therapist, area, cases, improved):
    """``cases`` ended episodes in ``area``; ``improved`` of them fell 18 → 8 on PHQ-9 (reliable
    improvement), the others 18 → 16."""
    user = make_user(practice, f"past.{therapist.pk}.{area}@example.org", Role.CLIENT)
    client = factories.ClientFactory(user=user, practice=practice)
    phq9 = current_version("phq9")
    area_obj = ProblemArea.objects.get(slug=area)
    started = date.today() - timedelta(days=200)
    responses = []
    for i in range(cases):
        episode = factories.EpisodeFactory(
            client=client,
            therapist=therapist,
            status=EpisodeStatus.ENDED_PLANNED,
            started_on=started,
            ended_on=started + timedelta(days=100),
        )
        episode.problem_areas.add(area_obj)
        for k, score in enumerate((18, 8 if i < improved else 16)):
            responses.append(
                Response(
                    episode=episode,
                    instrument_version=phq9,
                    respondent=user,
                    phase=Phase.CHECK_IN,
                    answers={},
                    scores={},
                    score=score,
                    idempotency_key=uuid.uuid4(),
                    submitted_at=timezone.now() - timedelta(days=150 - 50 * k),
                )
            )
    Response.objects.bulk_create(responses)


@pytest.fixture
def team(practice, therapist, colleague):
    """Tara (EMDR, German, 14 of 16 trauma clients improved), Cole (CBT, 4 of 16), Nina
    (EMDR, new: 10 of 10 — too few to count)."""
    nina = make_therapist(practice, "nina.new@example.org")
    set_profile(
        therapist,
        areas=["trauma", "anxiety"],
        modalities=["emdr"],
        languages=["en", "de"],
        formats=["online", "in_person"],
        gender="woman",
        fee_min=80,
    )
    set_profile(
        colleague,
        areas=["trauma"],
        modalities=["cbt"],
        languages=["en"],
        formats=["in_person"],
        gender="man",
        fee_min=120,
    )
    set_profile(
        nina,
        areas=["trauma"],
        modalities=["emdr"],
        languages=["en"],
        formats=["online"],
        gender="woman",
        fee_min=60,
    )
    add_outcomes(practice, therapist, "trauma", 16, 14)
    add_outcomes(practice, colleague, "trauma", 16, 4)
    add_outcomes(practice, nina, "trauma", 10, 10)
    return {"tara": therapist, "cole": colleague, "nina": nina}


def find(client, **data):
    """Post the questions and follow the redirect to the results page."""
    post = {"action": "find", "text": "", **data}
    return client.post("/match/", post, follow=True)


def names_in_order(html):
    return re.findall(r'data-testid="match-name">([^<]+)</a>', html)


def test_the_questionnaire_is_public(client, team):
    response = client.get("/match/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="text"' in html and 'value="trauma"' in html and 'value="emdr"' in html
    assert 'value="de"' in html  # languages the published therapists speak


def test_ranking_with_reasons_and_shrunk_counts(client, team):
    response = find(client, problem_areas=["trauma"], modality="emdr")
    assert response.status_code == 200
    assert response.redirect_chain == [("/match/results/#results", 302)]
    html = response.content.decode()
    assert names_in_order(html) == ["Tara Therapist", "Nina New", "Cole Colleague"]
    # Tara: p̄ = 28/42; her 14/16 is shrunk toward it, shown as a count of 16 cases.
    assert "Works with trauma" in html and "Uses EMDR" in html
    assert re.search(
        r"Trauma and difficult experiences: of 16 clients with this problem, "
        r"1[0-4] reliably improved",
        html,
    )
    # Nina has only 10 cases: nothing is said on her card (the floor is said once at the
    # top), and her 10 are never shown.
    assert "not enough data yet" not in html
    assert html.count('data-testid="outcome-floor"') == 1
    assert "only where a therapist has seen at least 15" in html
    assert "of 10 clients" not in html
    # The answers are kept for the consultation request, not put in the address.
    assert client.session["matching_intake"]["problem_areas"] == ["trauma"]


def test_language_is_a_hard_filter(client, team):
    """Only Tara speaks German: nobody else is listed, however well they fit otherwise."""
    html = find(client, problem_areas=["trauma"], modality="emdr", language="de").content
    html = html.decode()
    assert names_in_order(html) == ["Tara Therapist"]
    assert "Speaks German" in html and "does not speak" not in html.lower()
    assert "2 therapists who do not speak German are not listed" in html
    # Nobody speaks Hebrew: an honest empty list, never a therapist without the language.
    TherapistProfile.objects.filter(user=team["tara"]).update(languages=["en", "de", "he"])
    TherapistProfile.objects.filter(user=team["tara"]).update(published=False)
    form = client.get("/match/").content.decode()
    assert '<option value="he"' not in form  # only languages a published therapist speaks
    TherapistProfile.objects.filter(user=team["tara"]).update(published=True)
    form = client.get("/match/").content.decode()
    assert re.search(r'<option value="he"[^>]*>Hebrew</option>', form)  # the name, not "HE"
    html = find(client, problem_areas=["trauma"], language="he").content.decode()
    assert names_in_order(html) == ["Tara Therapist"]
    assert "Speaks Hebrew" in html


def test_the_outcome_floor_is_said_once_when_nobody_has_enough_cases(client, team):
    html = find(client, problem_areas=["depression"]).content.decode()
    assert "No figures on how clients have done yet" in html
    assert html.count('data-testid="outcome-floor"') == 1
    assert 'data-testid="strengths"' not in html and "not enough data" not in html


def test_names_link_to_profiles_with_the_therapists_own_pronouns(client, team):
    from attune.directory.models import DirectoryEntry

    tara = TherapistProfile.objects.get(user=team["tara"])
    DirectoryEntry.objects.create(profile=tara, pronouns="she/they", district="Kreuzberg")
    html = find(client, problem_areas=["trauma"]).content.decode()
    assert f'href="/directory/{tara.pk}/" data-testid="match-name">Tara Therapist</a>' in html
    assert "(she/they)" in html and "Kreuzberg" in html
    # Nobody is "her" by default: the page speaks of therapists neutrally.
    for word in (" her ", " she ", " his ", " he "):
        assert word not in html.replace("(she/they)", ""), word


def test_results_without_answers_go_back_to_the_questions(client, team):
    response = client.get("/match/results/")
    assert response.status_code == 302 and response["Location"] == "/match/"
    assert client.post("/match/results/").status_code == 405


def test_change_my_answers_keeps_the_ticks(client, team):
    find(client, problem_areas=["trauma"], modality="emdr", fee_max="100")
    html = client.get("/match/").content.decode()
    assert re.search(r'value="trauma"[^>]*checked', html)
    assert re.search(r'<option value="emdr" selected>', html)
    assert 'value="100"' in html


def test_fewer_than_15_cases_never_lift_a_therapist(client, team):
    # Only the area is asked: Tara, Cole and Nina fit equally; Nina's perfect 10/10 gives
    # her no advantage (she ranks on preferences alone, i.e. at the practice mean).
    html = find(client, problem_areas=["trauma"]).content.decode()
    assert names_in_order(html) == ["Tara Therapist", "Nina New", "Cole Colleague"]


def test_waiting_list_therapists_are_grouped_apart(client, team):
    TherapistProfile.objects.filter(user=team["tara"]).update(accepting_new_clients=False)
    html = find(client, problem_areas=["trauma"]).content.decode()
    accepting, waiting = html.split('data-testid="waiting"')
    assert names_in_order(accepting) == ["Nina New", "Cole Colleague"]
    assert names_in_order(waiting) == ["Tara Therapist"]
    assert "On a waiting list" in waiting
    assert "Not accepting new clients at the moment" in waiting
    assert 'data-testid="request-consultation"' not in waiting


def test_reading_the_words_pre_ticks_problem_areas(client, team):
    response = client.post(
        "/match/",
        {"action": "read", "text": "I worry all the time and I keep having panic attacks"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'value="anxiety"[^>]*checked', html)
    assert "From what you wrote we ticked" in html
    assert "I keep having panic attacks" in html  # the words are kept


def test_when_the_reader_is_unsure_nothing_is_ticked_and_the_page_says_so(client, team):
    # Multi-label reader with thresholds (issue 12): words that name no problem area tick
    # nothing, with either button, and the page asks the person to tick what fits.
    for action in ("read", "find"):
        response = client.post("/match/", {"action": action, "text": "I would like to talk"})
        html = response.content.decode()
        areas = "|".join(a.slug for a in ProblemArea.objects.all())
        assert areas and not re.search(rf'value="({areas})"[^>]*checked', html)
        assert 'data-testid="read-nothing"' in html and "please tick what fits" in html
        assert 'data-testid="suggested"' not in html


def test_reading_several_areas_ticks_each(client, team):
    text = "I wake up at 3am every night and I drink too much most evenings"
    html = client.post("/match/", {"action": "read", "text": text}).content.decode()
    assert re.search(r'value="sleep"[^>]*checked', html)
    assert re.search(r'value="addiction"[^>]*checked', html)


def test_finding_with_words_only_uses_the_suggested_areas(client, team):
    html = find(client, text="I feel so anxious and worried, panic every day").content.decode()
    assert re.search(r"You asked for help with <strong>anxiety", html)
    assert "panic every day" not in html  # the words are not carried to the results
    assert names_in_order(html)[0] == "Tara Therapist"  # the only one who lists anxiety


def test_bad_input_is_kept_with_messages(client, team):
    response = find(client, fee_max="lots", modality="emdr", gender="woman")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tell us a little about what brings you" in html
    assert "Enter a whole number" in html
    assert 'value="lots"' in html
    assert re.search(r'<option value="emdr" selected>', html)
    assert 'data-testid="results"' not in html


def consult_post(**extra):
    soon = timezone.localtime() + timedelta(days=2)
    data = {
        "name": "Pat Person",
        "email": "Pat.Person@example.org",
        "time_1": soon.strftime("%Y-%m-%dT10:00"),
        "time_2": soon.strftime("%Y-%m-%dT16:00"),
        "time_3": "",
        "hopes": "To sleep again and feel safe.",
        "share_intake": "on",
        "website": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(extra)
    return data


def test_consultation_request_carries_the_intake(client, team):
    find(
        client,
        text="Nightmares since the accident",
        problem_areas=["trauma"],
        times=["weekday_evenings"],
    )
    url = f"/match/consultation/{team['tara'].pk}/"
    page = client.get(url).content.decode()
    assert "Questions worth asking" in page and "If it is not a fit" in page
    assert "Fees and cancellations" in page
    mail.outbox.clear()
    data = consult_post()
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == "/match/consultation/sent/"
    again = client.post(url, data)  # a double submit stores nothing new
    assert again.status_code == 302
    req = ConsultationRequest.objects.get()
    assert req.therapist == team["tara"] and req.status == ConsultationStatus.NEW
    assert req.email == "pat.person@example.org" and len(req.proposed_times) == 2
    assert req.intake["problem_areas"] == ["trauma"]
    assert "text" not in req.intake  # the visitor's own words are never kept (the page says so)
    assert req.intake["preferences"]["times"] == ["weekday_evenings"]
    # A receipt for the person (with the private link), a notice for the therapist; neither
    # repeats what the person wrote.
    assert [m.to for m in mail.outbox] == [[req.email], [team["tara"].email]]
    receipt = mail.outbox[0].body
    assert "/consultation/" in receipt and "3 working days" in receipt and "112" in receipt
    for message in mail.outbox:
        assert "Nightmares" not in message.body and "To sleep again" not in message.body
    sent = client.get("/match/consultation/sent/").content.decode()
    assert "Questions worth asking" in sent


def test_bad_consultation_input_is_kept(client, team):
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    response = client.post(
        f"/match/consultation/{team['tara'].pk}/",
        consult_post(time_1=past, time_2="", email="not-an-email"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a time in the future." in html and "Enter a valid email address." in html
    assert 'value="Pat Person"' in html and "To sleep again" in html
    assert not ConsultationRequest.objects.exists()


def test_honeypot_gets_a_fake_success(client, team):
    mail.outbox.clear()
    response = client.post(
        f"/match/consultation/{team['tara'].pk}/", consult_post(website="http://spam.example")
    )
    assert response.status_code == 302 and response["Location"] == "/match/consultation/sent/"
    assert not ConsultationRequest.objects.exists() and not mail.outbox


def test_consultation_posts_are_rate_limited(client, team, settings):
    settings.ATTUNE_CONSULTATION_RATE = "2/h"
    url = f"/match/consultation/{team['tara'].pk}/"
    assert client.post(url, consult_post()).status_code == 302
    assert client.post(url, consult_post()).status_code == 302
    third = client.post(url, consult_post(name="Third Try"))
    assert third.status_code == 429
    assert "Too many requests" in third.content.decode()
    assert 'value="Third Try"' in third.content.decode()
    assert ConsultationRequest.objects.count() == 2
    assert client.get(url).status_code == 200  # reading is never limited


def test_csrf_is_required(team):
    from django.test import Client as DjangoClient

    strict = DjangoClient(enforce_csrf_checks=True)
    response = strict.post(f"/match/consultation/{team['tara'].pk}/", consult_post())
    assert response.status_code == 403
    assert not ConsultationRequest.objects.exists()


def test_an_unpublished_therapist_cannot_be_asked(client, team):
    TherapistProfile.objects.filter(user=team["tara"]).update(published=False)
    assert client.get(f"/match/consultation/{team['tara'].pk}/").status_code == 404


def make_request(therapist, **extra):
    soon = timezone.now() + timedelta(days=2)
    fields = {"name": "Pat Person", "email": "pat.person@example.org", **extra}
    return ConsultationRequest.objects.create(
        therapist=therapist,
        proposed_times=[soon.isoformat(), (soon + timedelta(hours=3)).isoformat()],
        hopes="To feel safe.",
        intake={
            "text": "Nightmares since the accident",
            "problem_areas": ["trauma", "sleep"],
            "preferences": {"modality": "emdr", "times": ["weekday_evenings"]},
        },
        **fields,
    )


def test_the_inbox_shows_only_her_own_requests(client, team, client_user, supervisor):
    mine = make_request(team["tara"])
    theirs = make_request(team["cole"], name="Other Person")
    html = as_user(client, team["tara"]).get("/consultations/").content.decode()
    assert "Pat Person" in html and "Other Person" not in html
    detail = client.get(f"/consultations/{mine.pk}/").content.decode()
    assert "Nightmares since the accident" in detail and "Weekday evenings" in detail
    assert client.get(f"/consultations/{theirs.pk}/").status_code == 404
    assert client.post(f"/consultations/{theirs.pk}/take-on/", {}).status_code == 404
    for other in (client_user, supervisor):
        assert as_user(client, other).get("/consultations/").status_code == 403
    client.logout()
    assert client.get("/consultations/").status_code == 302


def test_the_intake_partial_renders_on_an_episode(team, rf):
    from django.template.loader import render_to_string

    req = make_request(team["tara"])
    html = render_to_string("matching/_intake.html", {"consultation": req})
    assert "Nightmares since the accident" in html and "Trauma and difficult experiences" in html
    assert "EMDR" in html
    assert render_to_string("matching/_intake.html", {"consultation": None}).strip() == ""


def test_decline_suggests_a_colleague(client, team):
    req = make_request(team["tara"])
    cole = TherapistProfile.objects.get(user=team["cole"])
    mail.outbox.clear()
    page = as_user(client, team["tara"]).get(f"/consultations/{req.pk}/").content.decode()
    assert "Cole Colleague" in page
    response = client.post(
        f"/consultations/{req.pk}/decline/",
        {"reason": "My practice is full until spring.", "colleague": cole.pk},
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == ConsultationStatus.DECLINED and req.suggested_colleague == team["cole"]
    assert req.decline_reason == "My practice is full until spring."
    [message] = mail.outbox
    assert message.to == ["pat.person@example.org"]
    assert (
        "Cole Colleague" in message.body
        and f"http://testserver/directory/{cole.pk}/" in message.body
    )
    assert "full until spring" in message.body
    assert not User.objects.filter(email="pat.person@example.org").exists()


def test_decline_refuses_someone_outside_the_practice(client, team, db):

    other = factories.PracticeFactory(name="Elsewhere", slug="elsewhere")
    stranger = make_therapist(other, "sue.stranger@example.org")
    req = make_request(team["tara"])
    response = as_user(client, team["tara"]).post(
        f"/consultations/{req.pk}/decline/",
        {"colleague": TherapistProfile.objects.get(user=stranger).pk},
    )
    assert response.status_code == 400
    req.refresh_from_db()
    assert req.status == ConsultationStatus.NEW
    assert PASSWORD  # the shared password is what as_user signs in with


def test_query_count_of_the_results_does_not_grow_with_the_therapists(
    client, team, practice, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from attune.directory.models import DirectoryEntry

    settings.ATTUNE_MATCHING_CACHE_SECONDS = 0  # count the strength's reads every time
    find(client, problem_areas=["trauma"], modality="emdr")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/match/results/")
        assert response.status_code == 200
        return len(queries)

    before = count()
    for i in range(12):
        user = make_therapist(practice, f"more{i}.therapist@example.org")
        profile = set_profile(user, areas=["trauma"], modalities=["emdr"], languages=["en"],
                              formats=["online"], gender="woman", fee_min=70,
                              accepting=i % 2 == 0)  # fmt: skip
        DirectoryEntry.objects.create(profile=profile, pronouns="she/her", district="Mitte")
    assert count() == before <= 16
