"""No superuser bypass anywhere clinical (issue 11).

A superuser — the demo's administrator, anyone made by ``attune createsuperuser`` — walks every
URL of Attune, each filled with the id of a real record of a client who is not theirs. Every
page that holds clinical data answers 403 or 404; the pages left open are public, the
administrator's own, or the Django admin (whose clinical models are not registered).
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.care_helpers import as_user

pytestmark = pytest.mark.django_db

#: Pages a superuser may open: public pages, sign-in, their own role's home, the admin.
OPEN_TO_A_SUPERUSER = re.compile(
    r"^/($|help/|healthz|favicon\.ico|accounts/|admin/|match/|directory/|approaches/|articles/"
    r"|therapists/\d+/$|practice/|f/|static/"
    # The API's reference page and schema, FHIR's CapabilityStatement: no records in them;
    # the administrator's own API tokens (for the practice's bulk export, which is hers:
    # tests/test_fhir_export.py).
    r"|api/docs/$|api/v1/openapi\.json$|fhir/r4/metadata$|fhir/r4/\$export$|api-tokens/)"
)
#: The REST API and FHIR take a personal access token, never the session: the superuser walks
#: them with a token of her own (issue 14).
TOKEN_AUTH = re.compile(r"^/(api/v1/|fhir/r4/)")


def _patterns(resolver: URLResolver, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found: list[tuple[str, URLPattern]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("admin/"):
                continue  # the Django admin is walked by its own test
            found += _patterns(entry, prefix + str(entry.pattern))
        else:
            found.append((prefix + str(entry.pattern), entry))
    return found


def _fill(route: str, ids: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if converter in {"int", "id"}:
            return str(ids.get(name, 1))
        if converter == "uuid":
            return str(uuid.uuid4())
        return {"phase": "check_in"}.get(name, "x" * 43)

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


@pytest.fixture
def superuser(practice):
    from tests.conftest import make_user

    return make_user(
        practice, "root.super@example.org", "practice_admin", is_staff=True, is_superuser=True
    )


def test_a_superuser_gets_no_clinical_page(client, superuser, record_ids):
    from attune.integrations.tokens import create_token

    as_user(client, superuser)
    token = create_token(user=superuser, name="walk", scope="write", days=7).raw
    walked, opened = 0, []
    for route, _ in _patterns(get_resolver()):
        url = _fill(route, record_ids)
        if OPEN_TO_A_SUPERUSER.match(url):
            continue
        walked += 1
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if TOKEN_AUTH.match(url) else {}
        for method in (client.get, client.post):
            status = method(url, **headers).status_code
            if status not in {403, 404, 405}:
                opened.append((method.__name__, url, status))
    assert walked >= 20  # the walk found the clinical URLs
    assert opened == [], opened


def test_the_same_walk_lets_the_treating_therapist_in(client, therapist, record_ids):
    """The walk's ids are real: the treating therapist opens these pages."""
    as_user(client, therapist)
    for name in ("episode_id", "response_id"):
        route = {"episode_id": "episodes/{}/", "response_id": "responses/{}/"}[name]
        assert client.get("/" + route.format(record_ids[name])).status_code == 200
    assert client.get(f"/therapists/{record_ids['therapist_id']}/caseload/").status_code == 200
