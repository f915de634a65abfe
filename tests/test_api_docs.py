"""Every curl example in docs/api.md runs against a test practice and succeeds (issue 14)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.api_helpers import token_for

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api.md"


def _commands(text: str) -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    commands: list[str] = []
    for line in "\n".join(blocks).replace("\\\n", " ").splitlines():
        if line.strip().startswith("curl "):
            commands.append(line.strip())
        elif line.strip() and commands:
            commands[-1] += " " + line.strip()  # a quoted body that spans lines
    return commands


def _run(client, command: str):
    args = shlex.split(command)[1:]
    method, headers, body, url = "GET", {}, None, None
    while args:
        arg = args.pop(0)
        if arg in ("-s", "-i"):
            continue
        if arg == "-X":
            method = args.pop(0)
        elif arg == "-H":
            name, _, value = args.pop(0).partition(": ")
            headers[name] = value
        elif arg == "-d":
            body = args.pop(0)
        else:
            url = arg
    assert url is not None and url.startswith("http://testserver/"), command
    # A shell reads "\$export" as "$export"; Python's shlex keeps the backslash.
    path = url.removeprefix("http://testserver").replace("\\$", "$")
    content_type = headers.pop("Content-Type", "application/json")
    extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    if method == "POST":
        return client.post(path, body or "", content_type=content_type, **extra)
    return client.get(path, **extra)


def test_every_curl_example_in_the_api_docs_works(
    client, therapist, practice_admin, record_ids, upcoming
):
    from datetime import timedelta

    from attune.measures.models import Response

    later = upcoming.episode.sessions.create(
        number=3, scheduled_at=upcoming.scheduled_at + timedelta(days=7)
    )
    from attune.api.fhir.export import TYPES, start
    from attune.integrations.calendar import create_feed

    _feed, secret = create_feed(therapist)
    job = start(user=practice_admin, types=list(TYPES), since=None, request_url="x")
    values = {
        "ADMIN_TOKEN": token_for(practice_admin, scope="read"),
        "EXPORT": job.pk,
        "CALENDAR": f"http://testserver/calendar/{secret}.ics",
        "NEXT_SESSION": later.pk,
        "PAST_SESSION": upcoming.episode.sessions.get(number=1).pk,
        "WHEN": (later.scheduled_at + timedelta(days=7)).isoformat(),
        "ATTUNE": "http://testserver",
        "TOKEN": token_for(therapist),
        "EPISODE": record_ids["episode_id"],
        "SESSION": upcoming.pk,
        "ALERT": record_ids["alert_id"],
        "RESPONSE": record_ids["response_id"],
        "CLIENT": record_ids["client_id"],
    }
    commands = _commands(DOCS.read_text())
    assert len(commands) >= 15
    for command in commands:
        expanded = re.sub(r"\$([A-Z_]+)", lambda m: str(values[m.group(1)]), command)
        response = _run(client, expanded)
        assert 200 <= response.status_code < 300, (command, response.content[:300])
    # The REST check-in and the FHIR import were stored, each for its session.
    assert Response.objects.filter(session=upcoming).count() == 2
    assert Response.objects.filter(session=later).count() == 2
