"""Every route of Attune, walked by every kind of person (issue 15), in the manner of
healthchecks' ``hc/test.py``: one small practice with a person in each role, the ids of real
records in every URL, and a table of what each person must get.

The personas: nobody signed in, the client, the client's therapist, a colleague of the same
practice who does not treat the client, a therapist of another practice, the supervisor of the
client's therapist, the practice administrator and a superuser. Each walks every route of
``attune.urls`` (the Django admin has its own tests) with GET, or POST with an empty form where
the route takes POST only; the REST API and FHIR are walked with the persona's own access token.

``EXPECTED`` is the table: one row per route, one letter per persona, in ``PERSONAS``' order:

    2  a page (2xx)           L  sent to sign in (redirect to /accounts/login/)
    R  sent elsewhere (3xx)   D  denied (403 or 404): the record stays hidden
    U  401 (no token)         B  400 or 405 (an empty form, a method the route refuses)

A route missing from the table fails the test (so a new page gets its row), and so does a row
for a route that is gone.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from attune.api.fhir.resources import observation_ids
from attune.integrations.calendar import create_feed
from attune.integrations.tokens import create_token
from attune.matching.consultations import create_link as create_consultation_link
from attune.measures.models import Response
from attune.reminders.services import create_link
from tests import factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

PERSONAS = (
    "anonymous",
    "client",
    "therapist",
    "colleague",
    "other_practice",
    "supervisor",
    "admin",
    "superuser",
)

#: Routes walked without their POST fallback: posting to them signs the persona out.
NEVER_POSTED = {"account_logout", "logout"}

#: The REST API and FHIR take a personal access token, never the session.
TOKEN_AUTH = re.compile(r"^/(api/v1/|fhir/r4/)")

# fmt: off
EXPECTED: dict[str, str] = {
    # route                                   anonymous, client, therapist, colleague,
    #                                           other practice, supervisor, admin, superuser
    "home":                                    "2RRRRRRR",
    "password_reset_confirm":                  "22222222",
    "password_reset_complete":                 "22222222",
    "account_login":                           "2RRRRRRR",
    "account_logout":                          "L2222222",
    "account_inactive":                        "22222222",
    "account_signup":                          "2RRRRRRR",
    "account_reauthenticate":                  "L2222222",
    "account_request_reauthentication_code":   "LRRRRRRR",
    "account_confirm_reauthentication_code":   "LRRRRRRR",
    "account_email":                           "L2222222",
    "account_email_verification_sent":         "22222222",
    "account_change_password":                 "L2222222",
    "account_set_password":                    "LRRRRRRR",
    "account_reset_password":                  "22222222",
    "account_confirm_login_code":              "LRRRRRRR",
    "account_confirm_email":                   "22222222",
    "account_reset_password_from_key_done":    "22222222",
    "account_reset_password_from_key":         "22222222",
    "account_reset_password_done":             "22222222",
    "mfa_index":                               "L2222222",
    "mfa_authenticate":                        "LRRRRRRR",
    "mfa_reauthenticate":                      "LRRRRRRR",
    "mfa_activate_totp":                       "LRRRRRRR",
    "mfa_deactivate_totp":                     "LDDDDDDD",
    "mfa_view_recovery_codes":                 "LDDDDDDD",
    "mfa_generate_recovery_codes":             "LRRRRRRR",
    "mfa_download_recovery_codes":             "LDDDDDDD",
    "mfa_list_webauthn":                       "L2222222",
    "mfa_add_webauthn":                        "LRRRRRRR",
    "mfa_reauthenticate_webauthn":             "LRRRRRRR",
    "mfa_remove_webauthn":                     "LRRRRRRR",
    "mfa_edit_webauthn":                       "LRRRRRRR",
    "mfa_login_webauthn":                      "LRRRRRRR",
    "login":                                   "2RRRRRRR",
    "logout":                                  "L2222222",
    "password_reset":                          "22222222",
    "accounts/password_reset/":                "RRRRRRRR",
    "crisis-help":                             "22222222",
    "healthz":                                 "22222222",
    "favicon.ico":                             "RRRRRRRR",
    "portal:home":                             "L2DDDDDD",
    "portal:check-in":                         "L2DDDDDD",
    "portal:feedback":                         "L2DDDDDD",
    "portal:fit-check":                        "L2DDDDDD",
    "portal:exit-feedback":                    "L2DDDDDD",
    "portal:exit-thanks":                      "LRDDDDDD",
    "portal:thanks":                           "LRDDDDDD",
    "portal:goals":                            "L2DDDDDD",
    "portal:goal-rating":                      "LBDDDDDD",
    "portal:therapist":                        "L2DDDDDD",
    "portal:composer":                         "L2DDDDDD",
    "portal:composer-message":                 "L2DDDDDD",
    "portal:ending":                           "L2DDDDDD",
    "portal:data":                             "L2DDDDDD",
    "portal:data-json":                        "L2DDDDDD",
    "portal:data-csv":                         "L2DDDDDD",
    "portal:data-deletion":                    "LRDDDDDD",
    "workspace:caseload":                      "LD222DDD",
    "workspace:caseload-of":                   "LD2DD2DD",
    "workspace:past-clients":                  "LD222DDD",
    "workspace:past-clients-of":               "LD2DD2DD",
    "workspace:supervision":                   "LDDDD2DD",
    "workspace:practice":                      "LDDDDD22",
    "workspace:episode":                       "LD2DD2DD",
    "workspace:report":                        "LD2DD2DD",
    "workspace:response":                      "LD2DD2DD",
    # POST only: walked with an empty form
    "workspace:alert-acknowledge":             "LDRDDDDD",
    "workspace:alert-action":                  "LDRDDDDD",
    "workspace:alert-close":                   "LDRDDDDD",
    "care:session-record":                     "LD2DDDDD",
    "care:session-new":                        "LD2DDDDD",
    "care:fit-check":                          "LD2DDDDD",
    "care:refer":                              "LD2DDDDD",
    # an episode referred to the therapist
    "care:before-referral":                    "LD2DD2DD",
    "care:end":                                "LD2DDDDD",
    "care:invite":                             "LD222DDD",
    "care:invitation-resend":                  "LDRDDDDD",
    # a past client of the therapist
    "care:new-episode":                        "LD2DDDDD",
    "care:practice-invite":                    "LDDDDD22",
    "care:practice-invitation-resend":         "LDDDDDRR",
    "workspace:new-clients":                    "LD222DDD",
    "notes:session":                           "LD2DDDDD",
    "notes:detail":                            "LD2DDDDD",
    "supervision:supervisee":                  "LDDDD2DD",
    "supervision:write-note":                  "LDDDDBDD",
    "supervision:mark-note":                   "LDRDDDDD",
    # de-identified figures of one's own practice
    "outcomes:practice":                       "LD222222",
    "outcomes:export":                         "LDBBBBBB",
    "outcomes:export_dictionary":              "LD222222",
    # the link is the client's: anyone else signed in is refused
    "reminders:form-link":                     "22DDDDDD",
    "reminders:not-completed":                 "LD222DDD",
    "reminders:resend":                        "LDRDDDDD",
    "reminders:send-now":                      "LDRDDDDD",
    "directory:directory":                     "22222222",
    "directory:my-entry":                      "LD222DDD",
    "directory:therapist":                     "22222222",
    # the entry has no photo
    "directory:photo":                         "DDDDDDDD",
    "directory:approaches":                    "22222222",
    "directory:approach":                      "22222222",
    "directory:articles":                      "22222222",
    "directory:article":                       "22222222",
    "matching:find":                           "22222222",
    "matching:results":                        "RRRRRRRR",
    "matching:consult":                        "22222222",
    "matching:consult-sent":                   "22222222",
    "matching:inbox":                          "LD222DDD",
    "matching:request":                        "LD2DDDDD",
    "matching:offer":                          "LDBDDDDD",
    "matching:message":                        "LDBDDDDD",
    "matching:held":                           "LDBDDDDD",
    "matching:take-on":                        "LDBDDDDD",
    "matching:decline":                        "LDRDDDDD",
    "matching:person":                         "22222222",
    "api:openapi-json":                        "22222222",
    "api:list_clients":                        "UD2222DD",
    "api:get_client":                          "UD2DD2DD",
    "api:list_episodes":                       "UD2222DD",
    "api:get_episode":                         "UD2DD2DD",
    "api:list_sessions":                       "UD2DD2DD",
    "api:schedule":                            "UD2DD2DD",
    # an empty body is refused before the session is looked up
    "api:attendance":                          "UDBBBBDD",
    "api:list_responses":                      "UD2DD2DD",
    "api:submit_responses":                    "UD2DD2DD",
    "api:get_response":                        "UD2DD2DD",
    "api:list_alerts":                         "UD2222DD",
    "api:get_alert":                           "UD2DD2DD",
    "api:acknowledge_alert":                   "UD2DDDDD",
    # an empty body is refused before the alert is looked up
    "api:record_alert_action":                 "UDBBBBDD",
    "api:episode_outcomes":                    "UD2DD2DD",
    # no page at the API's root
    "api:api-root":                            "DDDDDDDD",
    "api-docs":                                "22222222",
    "api-tokens:list":                         "LD222222",
    "api-tokens:revoke":                       "LDRDDDDD",
    "api-tokens:calendar":                     "LD222DDD",
    "api-tokens:calendar-revoke":              "LDRDDDDD",
    # the secret is the credential; the therapist's walk made a new one just before
    "calendar-feed":                           "22D22222",
    "fhir:metadata":                           "22222222",
    "fhir:export":                             "UDDDDDBB",
    "fhir:export-status":                      "UDDDDD2D",
    "fhir:export-file":                        "UDDDDD2D",
    "fhir:questionnaire-search":               "UD2222DD",
    "fhir:questionnaire":                      "UD2222DD",
    "fhir:questionnaireresponse-type":         "UD2222DD",
    "fhir:questionnaireresponse":              "UD2DD2DD",
    "fhir:observation-search":                 "UD2222DD",
    "fhir:observation":                        "UD2DD2DD",
    "fhir:patient-search":                     "UD2222DD",
    "fhir:patient":                            "UD2DD2DD",
    "fhir:practitioner":                       "UD2DD2DD",
}
# fmt: on


def routes() -> list[tuple[str, str]]:
    """(name, route) of every URL pattern outside the Django admin, in URL-map order; a pattern
    without a name is named by its route."""

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                if str(entry.pattern).startswith("admin/"):
                    continue
                inner = ":".join(filter(None, [namespace, entry.namespace or ""]))
                found += walk(entry, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                name = (
                    ":".join(filter(None, [namespace, entry.name or ""])) if entry.name else route
                )
                found.append((name, route))
        return found

    seen: dict[str, str] = {}
    for name, route in walk(get_resolver(), "", ""):
        seen.setdefault(name, route)  # allauth and Django both name a login route: first wins
    return list(seen.items())


def fill(name: str, route: str, ids: dict[str, str]) -> str:
    """The route with real ids: ``ids`` by parameter name, ``ids["<route name>.<param>"]``
    where one route needs another record than the others under the same parameter name."""
    route = route.replace("^", "").replace("$", "") if "(?P<" in route else route

    def value(match: re.Match[str]) -> str:
        param = match.group("param") or match.group("group")
        return str(ids.get(f"{name}.{param}", ids.get(param, "x")))

    return "/" + re.sub(r"<(?:\w+:)?(?P<param>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)", value, route)


@pytest.fixture
def people(practice, therapist, colleague, supervisor, practice_admin, client_user):
    return {
        "anonymous": None,
        "client": client_user,
        "therapist": therapist,
        "colleague": colleague,
        "other_practice": factories.TherapistFactory(),
        "supervisor": supervisor,
        "admin": practice_admin,
        "superuser": factories.SuperuserFactory(practice=practice),
    }


@pytest.fixture
def ids(record_ids, episode, therapist, practice, practice_admin, last_attended, upcoming):
    """A real record behind every id of every route: the client's, in the therapist's care."""
    check_in = Response.objects.get(pk=record_ids["response_id"])
    _, form_link = create_link(episode=episode, phase="check_in", session=upcoming)
    consultation = factories.ConsultationRequestFactory(therapist=therapist)
    person_link = create_consultation_link(consultation)
    earlier = factories.EpisodeFactory(
        client=episode.client,
        therapist=factories.TherapistFactory(practice=practice),
        status="transferred",
        started_on=episode.started_on,
        ended_on=episode.started_on,
    )
    referred = factories.ReferralFactory(
        from_episode=earlier,
        to_episode=factories.EpisodeFactory(
            client=factories.ClientFactory(practice=practice),
            therapist=therapist,
            referred_from=earlier,
        ),
    )
    revoked_feed, _ = create_feed(therapist)
    _, calendar_secret = create_feed(therapist)  # the live one; the first is revoked
    job = factories.ExportJobFactory(practice=practice, requested_by=practice_admin)
    profile = therapist.therapist_profile
    factories.DirectoryEntryFactory(profile=profile)
    return {
        **{k: str(v) for k, v in record_ids.items()},
        "goal_id": factories.GoalFactory(episode=episode).pk,
        "message_id": factories.FeedbackMessageFactory(episode=episode).pk,
        "note_id": factories.ProcessNoteFactory(session=last_attended).pk,
        "supervision:mark-note.note_id": factories.SupervisionNoteFactory(
            episode=episode, author=therapist.therapist_profile.supervisors.get()
        ).pk,
        "delivery_id": factories.ReminderDeliveryFactory(
            link=factories.FormLinkFactory(session=upcoming)
        ).pk,
        "pk": profile.pk,
        "slug": factories.ModalityFactory().slug,
        "directory:article.slug": factories.ArticleFactory(author=profile).slug,
        "token": form_link,
        "matching:person.token": person_link,
        "request_id": consultation.pk,
        "token_id": factories.PersonalAccessTokenFactory(user=therapist).pk,
        "feed_id": revoked_feed.pk,
        "secret": calendar_secret,
        "job_id": job.pk,
        "kind": "Patient",
        "questionnaire_id": "phq9-1",
        "care:before-referral.episode_id": referred.to_episode.pk,
        "care:new-episode.client_id": factories.EndedEpisodeFactory(therapist=therapist).client.pk,
        "practitioner_id": therapist.pk,
        "part": sorted(observation_ids(check_in))[0].split("-", 1)[1],
        "phase": "check_in",
        "uidb64": "MQ",
        "uidb36": "1",
        "key": "x",
    }


def status_class(response) -> str:
    code = response.status_code
    if 200 <= code < 300:
        return "2"
    if 300 <= code < 400:
        return "L" if response["Location"].startswith("/accounts/login/") else "R"
    if code in (403, 404):
        return "D"
    if code == 401:
        return "U"
    if code in (400, 405):
        return "B"
    return str(code)  # a 500 (or anything else) is never in the table


def walk(client, person, ids) -> dict[str, str]:
    """What ``person`` (None: nobody) gets on every route, as one letter each."""
    headers = {}
    if person is not None:
        sign_in(client, person)
        raw = create_token(user=person, name="walk", scope="write", days=7).raw
        headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    seen = {}
    for name, route in routes():
        url = fill(name, route, ids)
        extra = headers if TOKEN_AUTH.match(url) else {}
        response = client.get(url, **extra)
        if response.status_code == 405 and name not in NEVER_POSTED:
            response = client.post(url, **extra)
        seen[name] = status_class(response)
    return seen


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_route_answers_each_person_as_the_table_says(client, people, ids, persona):
    column = PERSONAS.index(persona)
    seen = walk(client, people[persona], ids)
    expected = {name: row[column] for name, row in EXPECTED.items()}
    wrong = {
        name: f"expected {expected.get(name, 'a row')}, got {got}"
        for name, got in seen.items()
        if expected.get(name) != got
    }
    gone = sorted(set(expected) - set(seen))
    assert wrong == {}, wrong
    assert gone == [], f"rows for routes that no longer exist: {gone}"


def test_the_table_denies_every_clinical_page_to_those_outside_the_care_team():
    """The table itself keeps the rule: a record of the client (any route with an episode,
    session, response, alert, note or client id) is never a page for the colleague, a
    therapist of another practice, the administrator or a superuser."""
    outsiders = [PERSONAS.index(p) for p in ("colleague", "other_practice", "admin", "superuser")]
    clinical = [
        name
        for name, route in routes()
        if re.search(r"<id:(episode|session|response|alert|note|client|goal|message)_id>", route)
    ]
    assert len(clinical) >= 30
    opened = [name for name in clinical for i in outsiders if EXPECTED.get(name, "?" * 8)[i] == "2"]
    assert opened == []
