"""Sign-in rate limits (allauth, in the shared cache), the sign-in trail, and sessions that end
when left idle."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from django.urls import reverse

from attune.accounts.middleware import SEEN_SESSION_KEY
from attune.accounts.models import SignInEvent, SignInKind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client, email, password, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def test_the_41st_attempt_is_refused_even_with_the_right_password(client, therapist):
    answers = [attempt(client, therapist.email, "a-wrong-guess").status_code for _ in range(40)]
    assert set(answers) <= {200, 429}  # the form again, or "too many attempts"; never a 500
    response = attempt(client, therapist.email, PASSWORD)
    assert "_auth_user_id" not in client.session
    assert response.status_code in {200, 429}
    assert "Too many" in response.content.decode()  # the form's message or the 429 page


def test_after_five_wrong_passwords_the_right_one_is_refused(client, therapist):
    for _ in range(5):
        attempt(client, therapist.email, "a-wrong-guess")
    response = attempt(client, therapist.email, PASSWORD)
    assert "_auth_user_id" not in client.session
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_the_admin_login_is_limited_too(client, practice_admin):
    # /admin/login/ sends everyone to /accounts/login/: the same limits apply.
    assert client.get("/admin/login/")["Location"].startswith(LOGIN)


def test_the_limit_is_per_account_from_any_address(client, therapist):
    for n in range(5):
        attempt(client, therapist.email, "a-wrong-guess", REMOTE_ADDR=f"10.0.0.{n + 1}")
    attempt(client, therapist.email, PASSWORD, REMOTE_ADDR="10.0.1.1")
    assert "_auth_user_id" not in client.session


def test_the_limit_is_per_address_across_accounts(client, therapist, colleague, supervisor):
    for n in range(20):
        attempt(client, f"nobody{n}@example.org", "a-wrong-guess", REMOTE_ADDR="10.9.9.9")
    attempt(client, colleague.email, PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert "_auth_user_id" not in client.session
    attempt(client, colleague.email, PASSWORD, REMOTE_ADDR="10.9.9.10")  # another address
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_a_few_mistakes_do_not_lock_anyone_out(client, therapist):
    for _ in range(4):
        attempt(client, therapist.email, "a-wrong-guess")
    attempt(client, therapist.email, PASSWORD)
    assert client.session["_auth_user_id"] == str(therapist.pk)


def test_password_reset_e_mails_are_limited_per_account(client, therapist):
    for _ in range(6):
        client.post(reverse("account_reset_password"), {"email": therapist.email})
    assert len(mail.outbox) == 3


def test_the_trail_records_sign_ins_failures_refusals_and_sign_outs(client, therapist):
    attempt(client, therapist.email, "a-wrong-guess", REMOTE_ADDR="192.0.2.7")
    attempt(client, "stranger@example.org", "another-guess", REMOTE_ADDR="192.0.2.8")
    attempt(client, therapist.email, PASSWORD, REMOTE_ADDR="192.0.2.7")
    client.post(reverse("account_logout"), REMOTE_ADDR="192.0.2.7")
    events = list(SignInEvent.objects.order_by("pk"))
    assert [(e.kind, e.user, e.login, e.ip) for e in events] == [
        (SignInKind.FAILED, therapist, therapist.email, "192.0.2.7"),
        (SignInKind.FAILED, None, "stranger@example.org", "192.0.2.8"),
        (SignInKind.SIGNED_IN, therapist, "", "192.0.2.7"),
        (SignInKind.SIGNED_OUT, therapist, "", "192.0.2.7"),
    ]
    stored = " ".join(f"{e.login} {e.detail}" for e in events)
    assert "guess" not in stored and PASSWORD not in stored
    with pytest.raises(ValueError, match="append-only"):
        events[0].delete()


def test_a_refused_sign_in_is_in_the_trail(client, therapist):
    for _ in range(6):
        attempt(client, therapist.email, "a-wrong-guess")
    assert SignInEvent.objects.filter(kind=SignInKind.REFUSED, login=therapist.email).exists()


def _idle(client, minutes):
    session = client.session
    session[SEEN_SESSION_KEY] = int(time.time()) - minutes * 60
    session.save()


def test_a_clinical_session_ends_after_30_idle_minutes(client, therapist):
    client.force_login(therapist)
    assert client.get(reverse("workspace:caseload")).status_code == 200
    _idle(client, 29)
    assert client.get(reverse("workspace:caseload")).status_code == 200
    _idle(client, 31)
    response = client.get(reverse("workspace:caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    out = SignInEvent.objects.get(kind=SignInKind.SIGNED_OUT)
    assert (out.user, out.detail) == (therapist, "idle")


def test_a_client_session_lasts_longer_idle(client, client_user):
    client.force_login(client_user)
    client.get(reverse("portal:home"))
    _idle(client, 45)
    assert client.get(reverse("portal:home")).status_code == 200
    _idle(client, 61)
    assert client.get(reverse("portal:home")).status_code == 302


def test_the_session_cookie_ends_with_the_browser(client, therapist):
    attempt(client, therapist.email, PASSWORD)
    assert client.session.get_expire_at_browser_close()


def test_cache_url_selects_django_s_redis_cache():
    import os
    import subprocess
    import sys

    code = "import attune.settings as s; print(s.CACHES['default']['BACKEND'])"
    env = dict(os.environ, CACHE_URL="redis://127.0.0.1:6379/1")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "django.core.cache.backends.redis.RedisCache"


def test_with_a_shared_cache_every_worker_sees_the_same_count(
    client, therapist, settings, redis_cache_url
):
    """Five failures counted in Redis lock the account for a second process too: the count is
    not per worker."""
    import redis

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_cache_url,
            "KEY_PREFIX": "attune-test",
        }
    }
    redis.Redis.from_url(redis_cache_url).flushdb()
    try:
        for _ in range(5):
            attempt(client, therapist.email, "a-wrong-guess")
        keys = redis.Redis.from_url(redis_cache_url).keys("attune-test*")
        assert keys, "the failures were counted in Redis"
        other_worker = type(client)()
        attempt(other_worker, therapist.email, PASSWORD)
        assert "_auth_user_id" not in other_worker.session
    finally:
        redis.Redis.from_url(redis_cache_url).flushdb()
