"""Shared fixtures: a small practice with one person in every role and two care relationships.

``therapist`` treats ``client_user`` (``episode``); ``colleague`` treats ``other_client``
(``other_episode``); ``supervisor`` supervises ``therapist`` only.
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import settings as hypothesis_settings

from attune.accounts.models import Role, User
from attune.care.models import Attendance, Episode, Session
from attune.demo.loader import load_demo
from attune.practice.models import Practice
from tests import factories

# Property tests are judged by what they find, not by how fast they run: on a loaded 2-core CI
# machine a per-example deadline only makes them flaky (a GAD-7 example once took 268 ms).
hypothesis_settings.register_profile("attune", deadline=None)
hypothesis_settings.load_profile("attune")

PASSWORD = factories.PASSWORD
TESTS = Path(__file__).resolve().parent
#: The longest files (seconds of their tests on one of two workers, 2026-11-29, the fourth
#: round of issue 15), started first. With `--no-loadscope-reorder` (Makefile) pytest-xdist
#: hands the files out in collection order; its default, most tests first, left
#: test_api_schema.py (1 test, 20 s) and test_backup.py (1 test, 14 s) running alone at the end
#: of the PostgreSQL run. Only the order changes.
LONGEST_FIRST = (
    *("browser/test_accessibility.py", "browser/test_axe_sweep.py"),  # 68 s, 52 s
    "browser/test_practice_outcomes_therapists.py",  # 23
    *("browser/test_practice_outcomes.py", "browser/test_client_home.py"),  # 17, 16
    *("test_api_schema.py", "test_fuzz.py", "test_backup.py"),  # 31, 27, 20
    *("test_practice_outcomes_therapists.py", "test_batch_dask.py"),  # 18, 18
    "test_url_walk.py",  # 17
    *("test_practice_outcomes_page.py", "engine/test_alliance.py"),  # 12, 12
    *("engine/test_instruments.py", "test_settings.py"),  # 10, 8
)


def pytest_configure(config: pytest.Config) -> None:
    # A test run allocates far more long-lived objects than a web request: the collector's
    # youngest generation at 50,000 allocations (Python's default: 700) took 8 % off the CPU of
    # six Django-heavy test files (29.1 s -> 26.9 s, quiet machine, 2026-11-29), as wsgi.py does
    # for the web workers.
    gc.set_threshold(50_000, 50, 100)
    # Every test's client builds its own middleware, and WhiteNoise's walked every static file
    # the finders know (admin's, allauth's, ours) each time: 3.5 % of the PostgreSQL run's CPU
    # (py-spy, 2026-11-29). With autorefresh it looks a file up when one is asked for, as in
    # development; pages and their static files are served the same.
    django_settings.WHITENOISE_AUTOREFRESH = True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    first = {TESTS / name: rank for rank, name in enumerate(LONGEST_FIRST)}
    if gone := [str(path) for path in first if not path.is_file()]:
        raise pytest.UsageError(f"LONGEST_FIRST names files that are not there: {gone}")
    # A stable sort: every other file keeps its place.
    items.sort(key=lambda item: first.get(Path(item.path).resolve(), len(first)))


T = TypeVar("T")
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests hash hundreds of passwords.
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _sign_in_as_in_the_demo(settings):
    # Tests of clinical pages sign in as the demo does, without the second factor; the tests of
    # signing in (tests/test_mfa.py …) switch the requirement back on, its default everywhere.
    settings.ATTUNE_REQUIRE_MFA = False


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters live in the cache: one test's failed sign-ins must not lock the next.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def practice(db) -> Practice:
    return the_practice()


def make_user(practice: Practice, email: str, role: str, **extra) -> User:
    first, _, last = email.split("@")[0].partition(".")
    return factories.UserFactory(
        email=email,
        role=role,
        practice=practice,
        first_name=first.title(),
        last_name=last.title(),
        **extra,
    )


def make_therapist(practice: Practice, email: str, supervisor: User | None = None) -> User:
    first, _, last = email.split("@")[0].partition(".")
    return factories.TherapistFactory(
        email=email,
        practice=practice,
        first_name=first.title(),
        last_name=last.title(),
        supervisors=[supervisor] if supervisor is not None else None,
    )


def make_episode(practice: Practice, client_email: str, therapist: User) -> Episode:
    user = make_user(practice, client_email, Role.CLIENT)
    episode = factories.EpisodeFactory(
        client=factories.ClientFactory(user=user, practice=practice),
        therapist=therapist,
        started_on=date.today() - timedelta(days=60),
    )
    now = timezone.now()
    factories.SessionFactory(
        episode=episode,
        number=1,
        scheduled_at=now - timedelta(days=7),
        attendance=Attendance.ATTENDED,
    )
    factories.SessionFactory(
        episode=episode,
        number=2,
        scheduled_at=now + timedelta(days=1),
        attendance=Attendance.SCHEDULED,
    )
    return episode


def sign_in(client, user: User):
    """Sign ``user`` in on Django's test client (signing out whoever was signed in), and return
    the client. The one sign-in helper of the tests; the tests of signing in itself
    (tests/test_mfa.py, tests/test_sign_in_limits.py) post the form. ``force_login``: the
    password check is not what these tests are about (5 % of the CPU of a run of page tests,
    py-spy, 2026-11-29); an inactive account is still refused, as by ``login``."""
    assert user.is_active, f"{user.email} cannot sign in"
    client.logout()
    client.force_login(user)
    return client


@pytest.fixture
def sign_in_as(client):
    """``sign_in_as(user)``: the test's ``client``, signed in as ``user``."""
    return lambda user: sign_in(client, user)


@pytest.fixture
def signed_in(client, client_user):
    """The test's ``client``, signed in as ``client_user`` (the client of ``therapist``)."""
    return sign_in(client, client_user)


# The people of the fixtures below, as plain functions too: a builder of a wider scope
# (``kept_for_a_scope``) makes the same practice the same way.


def the_practice() -> Practice:
    return factories.PracticeFactory(name="Test Practice", slug="test-practice")


def the_supervisor(practice: Practice) -> User:
    return make_user(practice, "sam.supervisor@example.org", Role.SUPERVISOR)


def the_therapist(practice: Practice, supervisor: User) -> User:
    return make_therapist(practice, "tara.therapist@example.org", supervisor=supervisor)


def the_practice_admin(practice: Practice) -> User:
    return make_user(practice, "ada.admin@example.org", Role.PRACTICE_ADMIN, is_staff=True)


def the_episode(practice: Practice, therapist: User) -> Episode:
    return make_episode(practice, "cleo.client@example.org", therapist)


@pytest.fixture
def supervisor(practice) -> User:
    return the_supervisor(practice)


@pytest.fixture
def therapist(practice, supervisor) -> User:
    return the_therapist(practice, supervisor)


@pytest.fixture
def colleague(practice) -> User:
    return make_therapist(practice, "cole.colleague@example.org")


@pytest.fixture
def practice_admin(practice) -> User:
    return the_practice_admin(practice)


@pytest.fixture
def episode(practice, therapist) -> Episode:
    return the_episode(practice, therapist)


@pytest.fixture
def client_user(episode) -> User:
    return episode.client.user


@pytest.fixture
def other_episode(practice, colleague) -> Episode:
    return make_episode(practice, "otto.other@example.org", colleague)


@pytest.fixture
def other_client(other_episode) -> User:
    return other_episode.client.user


@pytest.fixture
def upcoming(episode) -> Session:
    return episode.sessions.get(number=2)


@pytest.fixture
def last_attended(episode) -> Session:
    return episode.sessions.get(number=1)


@pytest.fixture
def record_ids(episode, upcoming, last_attended, therapist, client_user) -> dict[str, int]:
    """Ids of real records of one client, to fill every route of a URL walk: a completed
    check-in, an open alert, the episode, its upcoming session, the therapist, the client."""
    from attune.alerts.services import raise_alert
    from attune.care.submission import submit_form
    from tests.answers import FREQUENCY

    answers = {
        "phq9": {f"phq9_{n}": FREQUENCY[1] for n in range(1, 10)},
        "gad7": {f"gad7_{n}": FREQUENCY[1] for n in range(1, 8)},
    }
    response = submit_form(
        episode=episode,
        session=last_attended,
        respondent=client_user,
        phase="check_in",
        answers=answers,
        idempotency_key=uuid.uuid4(),
    ).responses[0]
    alert = raise_alert(
        episode=episode,
        kind="low_alliance",
        severity="yellow",
        title="Low alliance",
        explanation="test",
        evidence={},
        source="test",
        suggested_actions=[],
        dedupe_key="walk",
    )
    return {
        "episode_id": episode.pk,
        "session_id": upcoming.pk,
        "response_id": response.pk,
        "alert_id": alert.pk,
        "therapist_id": therapist.pk,
        "client_id": episode.client.pk,
    }


@pytest.fixture(scope="module")
def demo_practice(django_db_setup, django_db_blocker):
    """The demo practice as ``attune demo`` loads it, on today's date (``load_demo``): the pages
    that read it (which forms are open, what is due) go by today's clock, so a demo of a fixed
    date went stale (from 12 December 2026 the demo client's feedback window had closed).
    Loaded once for the test module that asks for it, inside a transaction rolled back after
    the module's last test. Each test still runs in its own savepoint (pytest-django's ``db``),
    so what one test changes the next does not see; use it with ``db`` (or a ``django_db``
    mark), never with ``transactional_db`` (which would empty the tables). Module-scoped, not
    session-scoped: a session-wide demo would sit under every later test of the worker (counts,
    slugs, logins)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            # The demo's ~90 people get a fast password hash, as every test user does.
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                simulated = load_demo(timezone.localdate())
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield simulated
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def kept_for_a_scope(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    """For a fixture of a wider scope (a class, a module) whose tests only read what ``build``
    writes: ``yield from kept_for_a_scope(django_db_blocker, build)``. ``build`` runs once, inside
    a transaction rolled back when the scope ends, as ``demo_practice`` does; each test still
    runs in its own savepoint (``db``), so what one test changes the next does not see. Never
    with ``transactional_db``. Passwords are hashed the fast way, as in every test."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                value = build()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    try:
        yield value
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def redis_cache_url() -> str:
    """A Redis database for tests of the shared cache (127.0.0.1:6379, db 15; another with
    ``ATTUNE_TEST_REDIS_URL``, as .ci/run gives the PostgreSQL run, which runs beside make test:
    the tests empty their database). Skipped on a machine without Redis; under CI=true a missing
    Redis fails, never skips."""
    import os
    import socket

    url = os.environ.get("ATTUNE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable on 127.0.0.1:6379 (CI must run this test)")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return url
