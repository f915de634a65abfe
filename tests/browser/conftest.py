"""Browser tests: Playwright's sync API driving Debian's Chromium against ``live_server``.

Every test here is marked ``browser`` (``tests/conftest.py``, by folder). Without
``/usr/bin/chromium`` the tests skip, except under ``CI=true``, where they fail: CI must never
pass by skipping its browser tests.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from copy import deepcopy as copy_of
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connection
from django.test import TransactionTestCase
from django.utils import timezone

from attune.accounts.models import User
from attune.demo.loader import load_demo
from attune.practice.models import Practice
from attune.simulation.practice import SimPractice
from tests.conftest import PASSWORD

T = TypeVar("T")

# Playwright's sync API runs an event loop in the test thread; without this, Django refuses
# the ORM calls the tests make between browser steps (SynchronousOnlyOperation).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
# The same Chromium release built as the headless shell (Debian's chromium-headless-shell, from
# the same source package; what Playwright itself runs for headless Chromium): the same Blink
# and V8 without the browser's windows and UI, about a third of the CPU per page and context
# (docs/decisions.md). Used when installed; /usr/bin/chromium otherwise.
HEADLESS_SHELL = Path("/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
TIMEOUT_MS = 10_000
#: Test-only files (``vendor/``: axe-core), served to the browser by the live server under
#: ``STATIC_URL`` + ``tests/``, during browser tests only (``_vendor_is_served``).
VENDOR = Path(__file__).resolve().parent / "vendor"
VENDOR_PREFIX = "tests"


def vendor_url(name: str) -> str:
    """The address, on the live server, of the file ``name`` in ``vendor/``."""
    return f"{django_settings.STATIC_URL}{VENDOR_PREFIX}/{name}"


def _copy_aside() -> sqlite3.Connection:
    """A copy of the whole SQLite test database, in memory (SQLite's online backup)."""
    connection.ensure_connection()
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    connection.connection.backup(copy)
    return copy


def _write_back(copy: sqlite3.Connection) -> None:
    """Write ``copy`` (from ``_copy_aside``) over the whole test database. Content types may
    have been created again, with other ids, since the copy was taken: the cached ones are
    forgotten."""
    connection.ensure_connection()
    copy.backup(connection.connection)
    ContentType.objects.clear_cache()


# Built data, by key: a copy of the whole test database taken right after it was built, and what
# the builder returned. Per process, so per xdist worker.
_SNAPSHOTS: dict[str, tuple[sqlite3.Connection, Any]] = {}


def restored(key: str, build: Callable[[], T]) -> T:
    """The data ``build`` writes, in the test database, for one test that uses ``live_server``
    (``transactional_db``: committed, so the server thread sees it; the tables are emptied after
    the test). The first test on a worker that asks for ``key`` runs ``build``; on SQLite the
    database is then copied aside (SQLite's online backup, a few milliseconds), and every later
    test asking for ``key`` gets that copy written back over its empty database instead of
    running ``build`` again (the demo: about 2 s of CPU each time). Each test still starts from
    the same fresh data and may change it as it likes: nothing it writes reaches the next test.
    Each test gets its own deep copy of what ``build`` returned. On other databases ``build``
    runs every time.

    The copy replaces the whole database, so the test must not have written anything before:
    ask for the fixture that calls this before any fixture that makes people or practices."""
    if Practice.objects.exists() or User.objects.exists():
        raise RuntimeError(
            f"{key!r} is built on an empty database: this test made practices or people before "
            "asking for it (put its fixture first)"
        )
    if connection.vendor != "sqlite":
        return build()
    assert not connection.in_atomic_block, "restored() needs live_server / transactional_db"
    if key in _SNAPSHOTS:
        copy, value = _SNAPSHOTS[key]
        _write_back(copy)
        return copy_of(value)
    value = build()
    _SNAPSHOTS[key] = (_copy_aside(), copy_of(value))
    return value


# The empty test database as a flush leaves it (content types, permissions, the instruments and
# the vocabulary written again by post_migrate), copied after the first flush of a browser test.
# Per process, so per xdist worker.
_EMPTY: list[sqlite3.Connection] = []
# Set by ``_emptied_from_a_copy`` for a browser test on the transactional database; the teardown
# of that test's database (pytest-django's, after every fixture of the test) consumes it.
_EMPTY_FROM_THE_COPY = {"next": False}
_flush = TransactionTestCase._fixture_teardown


def _fixture_teardown(self: TransactionTestCase) -> None:
    """Django empties the tables after a transactional test with ``flush``, whose post_migrate
    then writes the content types, permissions, instruments and vocabulary again: about 50 ms of
    CPU after every browser test. After a browser test on SQLite the first flush runs as usual
    and its result is copied aside (SQLite's online backup); every later one writes that copy
    back instead (well under a millisecond): the next test starts from the same rows. Every
    other test, and every database but SQLite, gets Django's flush unchanged."""
    mine, _EMPTY_FROM_THE_COPY["next"] = _EMPTY_FROM_THE_COPY["next"], False
    if not (
        mine
        and connection.vendor == "sqlite"
        and self.available_apps is None
        and not self.serialized_rollback
        and list(self._databases_names(include_mirrors=False)) == [DEFAULT_DB_ALIAS]
    ):
        _flush(self)
        return
    if _EMPTY:
        _write_back(_EMPTY[0])
        return
    _flush(self)
    _EMPTY.append(_copy_aside())


TransactionTestCase._fixture_teardown = _fixture_teardown  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _vendor_is_served(settings: Any) -> None:
    """The live server's static files (Django's finders) include ``vendor/`` under
    ``/static/tests/``, for this test only: a page loads axe from its own origin, under its own
    CSP (tests/browser/test_accessibility.py). Nothing of it reaches Attune's package, its
    ``collectstatic`` or another folder's tests."""
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, (VENDOR_PREFIX, VENDOR)]


@pytest.fixture(autouse=True)
def _emptied_from_a_copy(request: pytest.FixtureRequest) -> None:
    """A browser test on the transactional database (``live_server``): its tables are emptied
    by writing back the copy of an empty database (``_fixture_teardown``), not by a flush."""
    if {"live_server", "transactional_db"} & set(request.fixturenames):
        _EMPTY_FROM_THE_COPY["next"] = True


def loaded_demo() -> SimPractice:
    """The demo practice (``load_demo`` on today's date) in the empty test database: loaded once
    per worker, restored from its copy after that (``restored``)."""
    today = timezone.localdate()
    return restored(f"demo {today}", lambda: load_demo(today))


@pytest.fixture
def demo(transactional_db: None) -> SimPractice:
    """The demo practice, for a test that uses ``live_server`` (``loaded_demo``)."""
    return loaded_demo()


#: The browser tests can run with the server's clock set forward (``faketime -f '@2026-12-02
#: 10:00:00' .venv/bin/pytest tests/browser``) to check that the demo, built on the day it is
#: loaded, tells its story on any date. Chromium does not run under libfaketime, so it is started
#: without it and keeps the real clock (set forward, the server's cookies expire later, not
#: earlier; set back, they would expire at once).
FAKETIME_VARIABLES = ("FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC")


def browser_env() -> dict[str, str]:
    """The environment Chromium is started with: the tests' own, without libfaketime."""
    env = {name: value for name, value in os.environ.items() if name not in FAKETIME_VARIABLES}
    if "LD_PRELOAD" in env:
        kept = [lib for lib in env["LD_PRELOAD"].split(":") if lib and "faketime" not in lib]
        env["LD_PRELOAD"] = ":".join(kept)
    return env


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"{CHROMIUM} is missing: CI must run the browser tests, not skip them "
                "(install Debian's chromium package)."
            )
        pytest.skip("Chromium is not installed (make test installs it with apt-get when it can)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        executable = HEADLESS_SHELL if os.access(HEADLESS_SHELL, os.X_OK) else CHROMIUM
        browser = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_ARGS, env=browser_env()
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


class BrowserErrors:
    """Console errors and uncaught page errors seen during one test."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        """Expect a console error matching ``pattern`` (e.g. the 400 of a refused form)."""
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.seen if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


@pytest.fixture
def new_page(
    browser: Any, live_server: Any, browser_errors: BrowserErrors
) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh context (own cookies) on the live server; extra context options
    (viewport, is_mobile…) pass through. Console and page errors fail the test."""
    contexts = []

    def make(**options: Any) -> Any:
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()

        def on_console(message: Any) -> None:
            if message.type == "error":
                browser_errors.seen.append(f"console on {page.url}: {message.text}")

        def on_response(response: Any) -> None:
            # The console says "Failed to load resource" without the address: name it.
            if response.status >= 400 and response.request.resource_type != "document":
                browser_errors.seen.append(
                    f"HTTP {response.status} for {response.request.resource_type} {response.url}"
                )

        page.on("console", on_console)
        page.on("response", on_response)
        page.on("pageerror", lambda error: browser_errors.seen.append(f"page error: {error}"))
        return page

    yield make
    for context in contexts:
        context.close()
    unexpected = browser_errors.unexpected()
    assert not unexpected, "The browser reported errors:\n" + "\n".join(unexpected)


@pytest.fixture
def page(new_page: Callable[..., Any]) -> Any:
    return new_page()


@pytest.fixture
def phone(new_page: Callable[..., Any]) -> Any:
    return new_page(**PHONE)


def login(page: Any, live_server: Any, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form (allauth's, at /accounts/login/) and wait for the page it
    leads to. The browser tests run with MFA off, as the demo does (tests/conftest.py);
    tests/browser/test_mfa.py signs in with the second step."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def sign_in_without_the_form(
    page: Any, live_server: Any, email: str, password: str = PASSWORD
) -> None:
    """Sign in as ``email`` in ``page``'s context without drawing the sign-in form: the same
    sign-in (allauth's view at /accounts/login/, its checks, its signals and the sign-in trail)
    is posted by Django's test client, and the session cookie it gets is handed to the browser.
    For tests whose subject is a page behind the sign-in, not the sign-in itself (``login``
    fills the form; the sign-in pages are audited and tested on their own): it saves the
    browser two page loads. Nothing is navigated: the test goes where it wants next."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_USER_AGENT=page.evaluate("navigator.userAgent"))
    response = client.post("/accounts/login/", {"login": email, "password": password})
    assert response.status_code == 302, f"{email} cannot sign in ({response.status_code})"
    session = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": session.value,
                "url": live_server.url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
