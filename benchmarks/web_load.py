"""Web pages under load, on loopback, in one run: the server time of each page against a bare one.

    python benchmarks/web_load.py [--seconds 20] [--rounds 3] [--users 4]
                                  [--database sqlite|postgres] [--workers 2] [--keep]

What it does, bounded in time (about 6 x ``--seconds`` plus a minute to load the demo):

1. Loads the demo (``attune demo --no-serve``, ``ATTUNE_DEMO=true`` so the logins are
   password-only) into a temporary ``ATTUNE_VAR_DIR`` — or, with ``--database postgres``, into a
   fresh database on 127.0.0.1:5432 (trust authentication) that is dropped afterwards.
2. Starts ``attune serve`` (gunicorn, ``--workers`` 2) on a free port of 127.0.0.1.
3. Signs in once as therapist@example.org and once as client@example.org; every simulated user
   shares that sign-in (one Django session per role).
4. With locust as a library, ``--users`` users (4: the machine has 2 cores, shared with the
   server and locust itself) load one page at a time, ``--seconds`` per page in all, in
   ``--rounds`` turns (bare, caseload, episode, client home, bare, ...) so that other work on
   the machine weighs on every page alike:
   - bare: ``/help/`` (a template and the base layout, no query of clinical data),
   - caseload: ``/caseload/`` as therapist@,
   - episode: the demo's longest episode of therapist@,
   - client home: ``/me/`` as client@,
   - check-in: a complete check-in POSTed as client@, each request to a different session. The
     sessions are added (scheduled in the next hour, so the check-in is open) to client@'s
     episode just before this page and after every other page has been measured.

Printed per page: requests/s and p50/p95 as locust sees them (client side, loopback), errors
(any status but 200, or 302 for the check-in), the **server time** p50 taken from gunicorn's
access log (``%(L)s``: the time the worker spent on the request) with its ratio to the bare
page's — the figure issue 11 sets targets on (caseload <= 5x, episode <= 8x, client home <= 5x)
— and the workers' CPU time per request (from /proc, Linux) with its ratio. Locust's own CPU use
on a 2-core machine inflates the client-side figures; the server-side ratios are the
comparable ones. On a machine shared with other work the wall-clock server time includes
waiting for a core; the CPU time per request does not (with SQLite it includes the database's
work, with PostgreSQL the database's own processes are not counted).
"""

from __future__ import annotations

# isort: off
# locust patches the standard library with gevent when imported: before ssl and requests.
from locust import HttpUser, constant, task
from locust.env import Environment
from locust.exception import StopUser
import gevent
# isort: on

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import requests

ATTUNE = Path(sys.executable).parent / "attune"
THERAPIST = "therapist@example.org"
CLIENT = "client@example.org"
CHECK_IN_SESSIONS = 4000  # more than 4 users can submit in --seconds on this machine


@dataclass
class Page:
    name: str
    path: str  # the path as gunicorn logs it (%(U)s)
    role: str
    method: str = "GET"


@dataclass
class Result:
    page: Page
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    errors: int
    server_p50_ms: float
    cpu_ms: float  # the workers' CPU time per request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(var_dir: Path, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env |= {"ATTUNE_VAR_DIR": str(var_dir), "ATTUNE_DEMO": "true", "DEBUG": "false"}
    env.pop("DJANGO_ENV", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    return env


def psql(command: str) -> None:
    subprocess.run(  # noqa: S603 (fixed arguments; the name is ours)
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", command],  # noqa: S607
        check=True,
        stdout=subprocess.DEVNULL,
    )


def django_in_process(env: dict[str, str]) -> None:
    """Django set up in this process on the benchmark's database (for the demo's ids)."""
    for key in ("ATTUNE_VAR_DIR", "ATTUNE_DEMO", "DATABASE_URL"):
        if key in env:
            os.environ[key] = env[key]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attune.settings")
    import django

    django.setup()


def longest_episode_of(email: str) -> int:
    from django.db.models import Count

    from attune.care.models import Episode

    episode = (
        Episode.objects.filter(therapist__email=email)
        .annotate(n=Count("sessions"))
        .order_by("-n", "pk")
        .first()
    )
    return episode.pk


def add_check_in_sessions(email: str, count: int) -> list[int]:
    """``count`` sessions of the client's active episode whose check-in is open now."""
    from datetime import timedelta

    from django.db.models import Max
    from django.utils import timezone

    from attune.care.models import Episode, EpisodeStatus, Session

    episode = Episode.objects.filter(client__user__email=email, status=EpisodeStatus.ACTIVE).first()
    start = (episode.sessions.aggregate(n=Max("number"))["n"] or 0) + 1
    at = timezone.now() + timedelta(hours=1)
    created = Session.objects.bulk_create(
        Session(episode=episode, number=start + i, scheduled_at=at) for i in range(count)
    )
    return [s.pk for s in created]


class _Form(HTMLParser):
    """The first choice of every radio group and the CSRF token of a check-in form."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag != "input" or not a.get("name"):
            return
        if a.get("type") == "radio":
            self.fields.setdefault(a["name"], a.get("value") or "")
        elif a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value") or ""


def sign_in(base: str, email: str, password: str) -> requests.Session:
    s = requests.Session()
    s.get(f"{base}/accounts/login/").raise_for_status()
    r = s.post(
        f"{base}/accounts/login/",
        data={
            "login": email,
            "password": password,
            "csrfmiddlewaretoken": s.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
    )
    if r.status_code != 302:
        raise SystemExit(f"sign-in as {email} failed: HTTP {r.status_code}")
    return s


def run_page(
    base: str, page: Page, cookies: dict[str, str], users: int, seconds: float, form: dict
) -> Round:
    sessions = iter(form.get("sessions", ()))

    class Visitor(HttpUser):
        host = base
        wait_time = constant(0)

        def on_start(self) -> None:
            self.client.cookies.update(cookies)

        @task
        def load(self) -> None:
            if page.method == "GET":
                with self.client.get(
                    page.path, name=page.name, allow_redirects=False, catch_response=True
                ) as r:
                    if r.status_code != 200:
                        r.failure(f"HTTP {r.status_code}")
                return
            try:
                session_id = next(sessions)
            except StopIteration:
                raise StopUser() from None
            data = dict(form["fields"]) | {"idempotency_key": str(uuid.uuid4())}
            path = f"/me/sessions/{session_id}/check-in/"
            with self.client.post(
                path,
                data=data,
                name=page.name,
                headers={"Referer": base + path, "X-CSRFToken": cookies["csrftoken"]},
                allow_redirects=False,
                catch_response=True,
            ) as r:
                if r.status_code != 302 or "/thanks/" not in r.headers.get("Location", ""):
                    r.failure(f"HTTP {r.status_code}")

    env = Environment(user_classes=[Visitor])
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=users)
    gevent.spawn_later(seconds, runner.quit)
    runner.greenlet.join()
    stats = env.stats.total
    return Round(
        requests=stats.num_requests,
        seconds=stats.last_request_timestamp - stats.start_time
        if stats.last_request_timestamp
        else seconds,
        response_times=dict(stats.response_times),
        errors=stats.num_failures,
    )


@dataclass
class Round:
    """One page loaded for a while: what locust saw."""

    requests: int
    seconds: float
    response_times: dict[int, int]  # milliseconds (rounded as locust does) -> count
    errors: int
    server_times: list[float] = field(default_factory=list)  # seconds, from the access log
    cpu_seconds: float = 0.0


def percentile(counts: dict[int, int], fraction: float) -> float:
    total = sum(counts.values())
    if not total:
        return float("nan")
    seen = 0
    for ms in sorted(counts):
        seen += counts[ms]
        if seen >= fraction * total:
            return float(ms)
    return float(max(counts))


def summary(page: Page, rounds: list[Round]) -> Result:
    counts: dict[int, int] = {}
    for r in rounds:
        for ms, n in r.response_times.items():
            counts[ms] = counts.get(ms, 0) + n
    requests = sum(r.requests for r in rounds)
    times = [t for r in rounds for t in r.server_times]
    return Result(
        page,
        requests,
        requests / max(sum(r.seconds for r in rounds), 1e-9),
        percentile(counts, 0.5),
        percentile(counts, 0.95),
        sum(r.errors for r in rounds),
        statistics.median(times) * 1000 if times else float("nan"),
        sum(r.cpu_seconds for r in rounds) * 1000 / max(requests, 1),
    )


# gunicorn access log line (attune serve): host [time] "METHOD /path" status bytes 0.012345s
_LOG = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+)" (?P<status>\d{3}) \S+ (?P<secs>[\d.]+)s')


def server_times(log: Path, start: int) -> tuple[int, list[tuple[str, str, float]]]:
    text = log.read_text(errors="replace")
    lines = text[start:].splitlines()
    rows = [(m["method"], m["path"], float(m["secs"])) for m in map(_LOG.search, lines) if m]
    return len(text), rows


def workers_cpu_seconds(master: int) -> float:
    """User + system CPU time of gunicorn's workers so far (Linux /proc; 0 elsewhere)."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return 0.0
    total = 0
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="load per page (20)")
    parser.add_argument("--users", type=int, default=4, help="locust users (4: 2 cores)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--rounds", type=int, default=3, help="turns per page (3)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="attune-web-load-"))
    database_url = None
    db_name = f"attune_load_{uuid.uuid4().hex[:8]}"
    if args.database == "postgres":
        psql(f"CREATE DATABASE {db_name}")
        database_url = f"postgres://postgres@127.0.0.1:5432/{db_name}"
    env = environment(tmp, database_url)
    server = None
    try:
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 (our own executable)
            [str(ATTUNE), "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        print(f"demo loaded in {time.perf_counter() - started:.0f} s ({args.database})")
        django_in_process(env)
        from attune.accounts.demo_logins import DEMO_PASSWORD

        episode_id = longest_episode_of(THERAPIST)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = tmp / "access.log"
        with log.open("w") as out:
            server = subprocess.Popen(  # noqa: S603 (our own executable)
                [str(ATTUNE), "serve", "--port", str(port), "--workers", str(args.workers)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except (requests.ConnectionError, requests.Timeout):  # still starting
                time.sleep(0.2)
        therapist = sign_in(base, THERAPIST, DEMO_PASSWORD)
        client = sign_in(base, CLIENT, DEMO_PASSWORD)
        cookies = {"therapist": therapist.cookies.get_dict(), "client": client.cookies.get_dict()}
        pages = [
            Page("bare", "/help/", "client"),
            Page("caseload", "/caseload/", "therapist"),
            Page("episode", f"/episodes/{episode_id}/", "therapist"),
            Page("client home", "/me/", "client"),
            Page("check-in", "/me/sessions/", "client", method="POST"),
        ]
        # Warm both workers (imports, template loading) before anything is measured.
        for page in pages[:4]:
            for _ in range(2 * args.workers):
                requests.get(base + page.path, cookies=cookies[page.role], timeout=30)

        def measure(page: Page, seconds: float, form: dict) -> Round:
            offset = len(log.read_text())
            cpu_before = workers_cpu_seconds(server.pid)
            result = run_page(base, page, cookies[page.role], args.users, seconds, form)
            time.sleep(0.5)  # the access log flushed
            result.cpu_seconds = workers_cpu_seconds(server.pid) - cpu_before
            _, rows = server_times(log, offset)
            result.server_times = [
                secs
                for method, path, secs in rows
                if method == page.method and path.startswith(page.path)
            ]
            return result

        # The GET pages in turns (--rounds), so that a burst of other work on the machine
        # falls on every page alike rather than on one; the check-in last, as it adds sessions.
        rounds: dict[str, list[Round]] = {page.name: [] for page in pages}
        for _ in range(args.rounds):
            for page in pages[:4]:
                rounds[page.name].append(measure(page, args.seconds / args.rounds, {}))
        ids = add_check_in_sessions(CLIENT, CHECK_IN_SESSIONS)
        html = client.get(f"{base}/me/sessions/{ids[0]}/check-in/").text
        form_parser = _Form()
        form_parser.feed(html)
        form = {"fields": form_parser.fields, "sessions": ids}
        rounds["check-in"].append(measure(pages[4], args.seconds, form))
        results = [summary(page, rounds[page.name]) for page in pages]

        bare, bare_cpu = results[0].server_p50_ms, results[0].cpu_ms
        print(
            f"\n{args.database}, gunicorn {args.workers} workers, {args.users} locust users, "
            f"{args.seconds:g} s per page in {args.rounds} turns, loopback\n"
        )
        print(
            f"{'page':<12} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'errors':>6} {'server p50 ms':>13} {'x bare':>6} {'cpu ms/req':>10} {'x bare':>6}"
        )
        for r in results:
            print(
                f"{r.page.name:<12} {r.requests:>8} {r.rps:>7.1f} {r.p50_ms:>7.0f} "
                f"{r.p95_ms:>7.0f} {r.errors:>6} {r.server_p50_ms:>13.1f} "
                f"{r.server_p50_ms / bare:>6.1f} {r.cpu_ms:>10.1f} {r.cpu_ms / bare_cpu:>6.1f}"
            )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if database_url:
            from django.db import connections

            connections.close_all()
            psql(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
