"""Bad input never breaks a page (issue 11): every URL, as every role, with every filter and
every form field it offers, answered with NUL bytes, oversized text, unicode and huge numbers,
gives a clear 4xx or the page again — never a 500.

The walk fills each route with the id of a real record (as the superuser walk does), reads the
form fields from the page each role is shown, and sends them back spoiled.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.urls import get_resolver
from django.utils.http import urlencode

from tests.care_helpers import as_user
from tests.test_superuser_walk import _fill, _patterns

pytestmark = pytest.mark.django_db

HUGE = "9" * 40
LONG = "ä" * 60_000
#: The long value of a query string: as long as a form's (60,000 characters), 1,000 of them
#: multibyte. Sixty thousand "ä" per filter made a 7.5 MB query whose percent-decoding was 85 %
#: of this file's time (112 s of CI's CPU on each engine), while no real server passes a request
#: line of even 8 KB (gunicorn's limit is 4,094 bytes); what a long value may break in a view is
#: the same for either. The unicode variant below keeps its right-to-left marks and emoji.
LONG_QUERY = "ä" * 1_000 + "x" * 59_000


def _nul_or(long: str) -> Callable[[str], str]:
    """Odd-length names get a NUL byte before their name, the others ``long``."""
    return lambda name: ("\x00" + name) if len(name) % 2 else long


SPOILED = {
    "nul-and-long": _nul_or(LONG),
    "huge-and-unicode": lambda name: HUGE if len(name) % 2 else "‮\u202e😀" * 50,
}
#: The variants as put in query strings: the same, with the shorter-to-decode long value.
IN_QUERY = {**SPOILED, "nul-and-long": _nul_or(LONG_QUERY)}
#: Filters the public and workspace pages read from the query string.
FILTERS = (
    *("q", "name", "area", "areas", "approach", "modality", "topic", "page", "language"),
    *("format", "gender", "fee_max", "kind", "level", "status", "for", "months", "therapist"),
    *("year", "quarter"),
)
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
SKIP = re.compile(r"^/(admin/|static/|accounts/logout/|favicon\.ico)")


def _spoiled_queries(names: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Each variant's query string for ``names``, encoded once: the very string the test client
    builds from the dict (``client.get(url, query)``), which it used to build again for every
    URL. It is handed over as the request's ``QUERY_STRING`` (``client.get(url, **query)``): the
    view gets the same bytes, and the client does not split a long address again for every URL."""
    return {
        variant: {"QUERY_STRING": urlencode({name: spoil(name) for name in names}, doseq=True)}
        for variant, spoil in IN_QUERY.items()
    }


def _urls(record_ids: dict[str, int]) -> list[str]:
    urls = {_fill(route, record_ids) for route, _ in _patterns(get_resolver())}
    return sorted(u for u in urls if not SKIP.match(u))


@pytest.mark.parametrize("who", [None, "client_user", "therapist", "supervisor", "practice_admin"])
def test_spoiled_filters_and_forms_never_give_a_server_error(request, client, record_ids, who):
    if who is not None:
        as_user(client, request.getfixturevalue(who))
    broken = []
    queries = _spoiled_queries(FILTERS)
    for url in _urls(record_ids):
        page = client.get(url)
        fields = set(FIELD.findall(page.content.decode(errors="replace"))) - {"csrfmiddlewaretoken"}
        for variant, spoil in SPOILED.items():
            status = client.get(url, **queries[variant]).status_code
            if status >= 500:
                broken.append(("GET", url, variant, status))
            if page.status_code == 200 and fields:
                status = client.post(url, {name: spoil(name) for name in fields}).status_code
                if status >= 500:
                    broken.append(("POST", url, variant, status))
    assert broken == []


TOKEN_URLS = re.compile(r"^/(api/v1/|fhir/r4/)")
#: Search parameters the FHIR endpoints read and the API's filters.
TOKEN_FILTERS = (
    *("patient", "subject", "authored", "date", "code", "_count", "_offset", "_id", "url"),
    *("status", "episode_id"),
)


@pytest.mark.parametrize("who", ["therapist", "supervisor"])
def test_spoiled_api_and_fhir_requests_never_give_a_server_error(request, client, record_ids, who):
    """The REST API and FHIR with a token (issue 14): spoiled search parameters, JSON bodies
    of the wrong shape and bodies that are not JSON are a 4xx, never a 500."""
    from tests.api_helpers import bearer, token_for

    headers = bearer(token_for(request.getfixturevalue(who)))
    bodies = [
        "\x00{",
        "[]",
        '{"session_id": 99999999999999999999999, "phase": "check_in", "answers": {"phq9": '
        '{"phq9_9": "\\u0000"}}, "idempotency_key": "00000000-0000-0000-0000-000000000000"}',
        '{"action": "' + LONG + '", "note": null, "close": "maybe"}',
    ]
    broken = []
    queries = _spoiled_queries(TOKEN_FILTERS)
    for url in (u for u in _urls(record_ids) if TOKEN_URLS.match(u)):
        for variant in SPOILED:
            status = client.get(url, **queries[variant], **headers).status_code
            if status >= 500:
                broken.append(("GET", url, variant, status))
        for body in bodies:
            status = client.post(url, body, content_type="application/json", **headers).status_code
            if status >= 500:
                broken.append(("POST", url, body[:20], status))
    assert broken == []
