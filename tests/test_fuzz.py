"""Bad input never breaks a page (issue 11): every URL, as every role, with every filter and
every form field it offers, answered with NUL bytes, oversized text, unicode and huge numbers,
gives a clear 4xx or the page again — never a 500.

The walk fills each route with the id of a real record (as the superuser walk does), reads the
form fields from the page each role is shown, and sends them back spoiled.
"""

from __future__ import annotations

import re

import pytest
from django.urls import get_resolver

from tests.care_helpers import as_user
from tests.test_superuser_walk import _fill, _patterns

pytestmark = pytest.mark.django_db

HUGE = "9" * 40
LONG = "ä" * 60_000
SPOILED = {
    "nul-and-long": lambda name: ("\x00" + name) if len(name) % 2 else LONG,
    "huge-and-unicode": lambda name: HUGE if len(name) % 2 else "‮\u202e😀" * 50,
}
#: Filters the public and workspace pages read from the query string.
FILTERS = (
    *("q", "name", "area", "areas", "approach", "modality", "topic", "page", "language"),
    *("format", "gender", "fee_max", "kind", "level", "status", "for", "months", "therapist"),
    *("year", "quarter"),
)
FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
SKIP = re.compile(r"^/(admin/|static/|accounts/logout/|favicon\.ico)")


def _urls(record_ids: dict[str, int]) -> list[str]:
    urls = {_fill(route, record_ids) for route, _ in _patterns(get_resolver())}
    return sorted(u for u in urls if not SKIP.match(u))


@pytest.mark.parametrize("who", [None, "client_user", "therapist", "supervisor", "practice_admin"])
def test_spoiled_filters_and_forms_never_give_a_server_error(request, client, record_ids, who):
    if who is not None:
        as_user(client, request.getfixturevalue(who))
    broken = []
    for url in _urls(record_ids):
        page = client.get(url)
        fields = set(FIELD.findall(page.content.decode(errors="replace"))) - {"csrfmiddlewaretoken"}
        for variant, spoil in SPOILED.items():
            query = {name: spoil(name) for name in FILTERS}
            status = client.get(url, query).status_code
            if status >= 500:
                broken.append(("GET", url, variant, status))
            if page.status_code == 200 and fields:
                status = client.post(url, {name: spoil(name) for name in fields}).status_code
                if status >= 500:
                    broken.append(("POST", url, variant, status))
    assert broken == []
