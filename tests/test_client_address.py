"""Rate limits count by the visitor's address as the configured trusted proxies report it
(attune.client_address), in a cache every worker shares (Redis with CACHE_URL)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from attune.client_address import UNKNOWN, client_address
from attune.matching.models import ConsultationRequest
from attune.practice.models import TherapistProfile

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"  # nginx/Caddy on the same machine, as docs/deployment.md has it


def consult_post(name: str = "Pat Person") -> dict[str, str]:
    soon = timezone.localtime() + timedelta(days=2)
    return {
        "name": name,
        "email": "pat.person@example.org",
        "time_1": soon.strftime("%Y-%m-%dT10:00"),
        "time_2": soon.strftime("%Y-%m-%dT16:00"),
        "time_3": "",
        "hopes": "",
        "website": "",
        "idempotency_key": str(uuid.uuid4()),
    }


@pytest.fixture
def consult_url(therapist, settings):
    TherapistProfile.objects.filter(user=therapist).update(published=True)
    settings.ATTUNE_CONSULTATION_RATE = "2/h"
    return f"/match/consultation/{therapist.pk}/"


def send(client, url, forwarded_for=None):
    headers = {"REMOTE_ADDR": PROXY}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post(url, consult_post(), **headers).status_code


def test_behind_one_proxy_two_visitors_have_their_own_limits(client, consult_url, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert [send(client, consult_url, "203.0.113.1") for _ in range(3)] == [302, 302, 429]
    # Another visitor through the same proxy is not held back by the first one's requests.
    assert [send(client, consult_url, "203.0.113.2") for _ in range(3)] == [302, 302, 429]
    assert ConsultationRequest.objects.count() == 4


def test_a_forged_entry_in_x_forwarded_for_does_not_escape_the_limit(client, consult_url, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert send(client, consult_url, "203.0.113.1") == 302
    assert send(client, consult_url, "203.0.113.1") == 302
    # The visitor sends her own X-Forwarded-For; the proxy appends the address it saw.
    for forged in ("198.51.100.7, 203.0.113.1", "10.0.0.1,203.0.113.1", "garbage, 203.0.113.1"):
        assert send(client, consult_url, forged) == 429
    assert ConsultationRequest.objects.count() == 2


def test_without_a_trusted_proxy_the_header_is_ignored(client, consult_url, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert send(client, consult_url, "203.0.113.1") == 302
    assert send(client, consult_url, "203.0.113.2") == 302
    # A new X-Forwarded-For per request changes nothing: the connection's address counts.
    assert send(client, consult_url, "203.0.113.3") == 429


@pytest.mark.parametrize(
    ("trusted", "forwarded", "remote", "expected"),
    [
        (0, "203.0.113.1", "192.0.2.5", "192.0.2.5"),
        (1, "203.0.113.1", "127.0.0.1", "203.0.113.1"),
        (1, " 198.51.100.7 , 203.0.113.1 ", "127.0.0.1", "203.0.113.1"),
        (2, "198.51.100.7, 203.0.113.1, 10.0.0.2", "127.0.0.1", "203.0.113.1"),
        (1, "203.0.113.1:5123", "127.0.0.1", "203.0.113.1"),
        (1, "[2001:db8::1]:443", "127.0.0.1", "2001:db8::1"),
        (1, "not an address", "127.0.0.1", "127.0.0.1"),  # never a 500 on a bad header
        (1, "\x00" * 50, "127.0.0.1", "127.0.0.1"),
        (1, "", "127.0.0.1", "127.0.0.1"),
        (0, "", "", UNKNOWN),
    ],
)
def test_client_address(settings, trusted, forwarded, remote, expected):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_allauth_counts_by_the_same_address(settings):
    from allauth.account.adapter import get_adapter

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.1"
    )
    assert get_adapter(request).get_client_ip(request) == "203.0.113.1"


# ---------------------------------------------------------------- one count across processes


# Run in a fresh interpreter with the production cache setting: the same rate-limit group and
# visitor, four attempts, against a limit of 5 an hour. Prints how many were refused.
WORKER = """
import django, json
django.setup()
from django.test import RequestFactory
from django_ratelimit.core import is_ratelimited
request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1",
                                HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.1")
refused = [is_ratelimited(request, group=GROUP, key="ip", rate="5/h", increment=True)
           for _ in range(4)]
print(json.dumps(sum(refused)))
"""


def test_two_processes_share_one_count_in_redis(redis_cache_url, tmp_path):
    group = f"test-shared-{uuid.uuid4()}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "attune.settings",
        "CACHE_URL": redis_cache_url,
        "ATTUNE_TRUSTED_PROXY_COUNT": "1",
        "ATTUNE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    code = WORKER.replace("GROUP", repr(group))
    refused = [
        json.loads(
            subprocess.run(
                [sys.executable, "-c", code],
                env=env,
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        for _ in range(2)
    ]
    # 8 attempts, 5 allowed an hour: the second process sees the first one's four.
    assert refused == [0, 3]
