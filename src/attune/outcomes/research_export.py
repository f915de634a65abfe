"""The research and audit export (issue 13): one row per session, pseudonymised, for the
caller's scope (:func:`attune.outcomes.queries.scope_for` — the administrator: her practice; a
supervisor: her supervisees' episodes; a therapist: her own).

What a row holds is listed once, in :data:`COLUMNS` (the data dictionary, also printed in
``docs/research-export.md`` and served beside the downloads): pseudonyms, numbers, categories.
Never a name, e-mail, date of birth, calendar date, database id or any free text (no notes, no
intake text, no feedback comments, no goal wording). Client, episode and therapist pseudonyms are
keyed hashes (HMAC-SHA-256) of the database id with a random salt drawn for each export and then
thrown away: stable within one export (so sessions of one client join up), different across
exports (so two exports cannot be linked, nor a pseudonym traced back to a record).

This is **pseudonymised, not anonymous** data: a small practice's rows (a rare problem area, the
number of sessions, the therapist) may still single a person out. It is for use under a
data-sharing agreement, as personal data (UK GDPR recital 26).

PHQ-9 item 9 (thoughts of self-harm) is deliberately **not** exported as its own column: the
total already includes it, and a per-session self-harm flag is the most sensitive item Attune
holds; data minimisation (UK GDPR Art. 5(1)(c)) keeps it out unless a study's agreement needs it.

Every export is one audit event (who, scope, format, row count; never content), written by
:func:`audit_export` through :func:`attune.audit.services.record`.

The rows are read in a fixed number of queries (five), however many sessions there are.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from attune.accounts.models import User
from attune.audit.models import AuditAction
from attune.audit.services import record
from attune.care.models import Episode, Session
from attune.measures.models import Phase, Response
from attune.outcomes.queries import scope_for

FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # "string", "integer" (nullable)
    meaning: str
    source: str


COLUMNS: tuple[Column, ...] = (
    Column(
        "client",
        "string",
        "Pseudonymous client id: the same for every row of one client in this export, "
        "different in every other export",
        "HMAC-SHA-256 of the client's record id with a per-export random salt (12 hex digits)",
    ),
    Column(
        "episode",
        "string",
        "Pseudonymous episode (course of therapy) id, same rules as client",
        "HMAC-SHA-256 of the episode's record id, per-export salt",
    ),
    Column(
        "therapist",
        "string",
        "Pseudonymous therapist id, same rules as client",
        "HMAC-SHA-256 of the therapist's record id, per-export salt",
    ),
    Column("session_number", "integer", "Session number within the episode (1, 2, …)", "Session"),
    Column(
        "days_since_first_session",
        "integer",
        "Days from the episode's first booked session to this one (0 for the first); no "
        "calendar dates are exported",
        "Session scheduled time",
    ),
    Column(
        "attendance",
        "string",
        "scheduled, attended, cancelled, late_cancelled or no_show",
        "Session attendance",
    ),
    Column(
        "phq9_total",
        "integer",
        "PHQ-9 total (0–27) of the check-in before this session; empty when none",
        "LOINC 44261-6 (PHQ-9 total score; panel 44249-1)",
    ),
    Column(
        "gad7_total",
        "integer",
        "GAD-7 total (0–21) of the check-in before this session; empty when none",
        "LOINC 70274-6 (GAD-7 total score; panel 69737-5)",
    ),
    Column(
        "alliance_total",
        "integer",
        "Session-feedback alliance total (0–40: bond, goals, approach, overall, 0–10 each) "
        "given after this session; empty when none",
        "Attune session feedback (SRS conventions); no LOINC code",
    ),
    Column(
        "modalities",
        "string",
        "Approaches recorded on this session, from the practice's list, separated by '; '",
        "Session modalities (practice taxonomy)",
    ),
    Column(
        "problem_areas",
        "string",
        "Problem areas of the episode, from the practice's list, separated by '; '",
        "Episode problem areas (practice taxonomy)",
    ),
    Column(
        "episode_status",
        "string",
        "active, ended_planned, ended_early or transferred (as of the export)",
        "Episode status",
    ),
    Column(
        "ending_type",
        "string",
        "planned, early or transferred; empty while the episode is open",
        "Ending kind (its note is not exported)",
    ),
)
NAMES = tuple(c.name for c in COLUMNS)


@dataclass(frozen=True)
class Export:
    scope_label: str
    scope_code: str  # "practice", "supervisees", "own": for the audit detail
    rows: list[tuple[object, ...]]


class Pseudonyms:
    """Keyed hashes with a salt drawn once per export and never stored."""

    def __init__(self, salt: bytes | None = None) -> None:
        self._salt = salt or secrets.token_bytes(32)

    def __call__(self, kind: str, pk: int | None) -> str:
        if pk is None:
            return ""
        return hmac.new(self._salt, f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()[:12]


def _scope_code(user: User) -> str:
    return {"practice_admin": "practice", "supervisor": "supervisees"}.get(user.role, "own")


def _names(links: QuerySet[Any], key: str, name: str) -> dict[int, list[str]]:
    """A many-to-many's category names by record id, alphabetical (one query)."""
    out: dict[int, list[str]] = defaultdict(list)
    for pk, value in links.order_by(name).values_list(key, name):
        out[pk].append(value)
    return out


def research_rows(user: User) -> Export | None:
    """The export's rows for ``user``'s scope, ordered by episode and session (None: no scope)."""
    scope = scope_for(user)
    if scope is None:
        return None
    pseudonym = Pseudonyms()
    episodes = Episode.objects.filter(scope.episodes).values("pk")
    sessions = list(
        Session.objects.filter(episode_id__in=episodes)
        .order_by("episode__client_id", "episode_id", "number")
        .values_list(
            "pk",
            "number",
            "scheduled_at",
            "attendance",
            "episode_id",
            "episode__client_id",
            "episode__therapist_id",
            "episode__status",
            "episode__ending__kind",
        )
    )
    first: dict[int, datetime] = {}
    for s in sessions:
        if s[4] not in first or s[2] < first[s[4]]:
            first[s[4]] = s[2]
    scores: dict[tuple[int, str], int] = {}
    for session_id, code, score in (
        Response.objects.filter(
            session__episode_id__in=episodes,
            phase__in=(Phase.CHECK_IN, Phase.FEEDBACK),
            instrument_version__instrument__code__in=("phq9", "gad7", "session_feedback"),
            score__isnull=False,
        )
        .order_by("submitted_at", "pk")
        .values_list("session_id", "instrument_version__instrument__code", "score")
    ):
        assert score is not None  # score__isnull=False above
        scores[(session_id, code)] = score  # the latest, should a form be given twice
    modalities = _names(
        Session.modalities.through.objects.filter(session__episode_id__in=episodes),
        "session_id",
        "modality__name",
    )
    areas = _names(
        Episode.problem_areas.through.objects.filter(episode_id__in=episodes),
        "episode_id",
        "problemarea__name",
    )
    rows: list[tuple[object, ...]] = [
        (
            pseudonym("client", client_id),
            pseudonym("episode", episode_id),
            pseudonym("therapist", therapist_id),
            number,
            (at.date() - first[episode_id].date()).days,
            attendance,
            scores.get((pk, "phq9")),
            scores.get((pk, "gad7")),
            scores.get((pk, "session_feedback")),
            "; ".join(modalities.get(pk, ())),
            "; ".join(areas.get(episode_id, ())),
            status,
            ending or "",
        )
        for (
            pk,
            number,
            at,
            attendance,
            episode_id,
            client_id,
            therapist_id,
            status,
            ending,
        ) in sessions
    ]
    return Export(scope.label, _scope_code(user), rows)


# --------------------------------------------------------------------------- formats


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> object:
    """A spreadsheet never reads a cell as a formula (CSV injection): a text starting with
    = + - @ or a tab gets an apostrophe in front (category names are typed by people).
    Numbers are left as they are; Parquet, typed, needs no such guard."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_lines(rows: Iterable[tuple[object, ...]]) -> Iterator[str]:
    """The header and one line per row, for a streamed response."""
    writer = csv.writer(_Echo())
    yield writer.writerow(NAMES)
    for row in rows:
        yield writer.writerow([_cell(v) for v in row])


def parquet_available() -> bool:
    try:
        import pyarrow  # type: ignore[import-untyped]  # noqa: F401  # optional extra, untyped
        import pyarrow.parquet  # type: ignore[import-untyped]  # noqa: F401  # as above
    except ImportError:
        return False
    return True


def parquet_bytes(rows: list[tuple[object, ...]]) -> bytes:
    """The rows as a Parquet file, typed as :data:`COLUMNS` says (needs the ``research``
    extra: pyarrow)."""
    # inline: pyarrow is the optional `research` extra; the CSV export works without it
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"string": pa.string(), "integer": pa.int32()}
    schema = pa.schema(
        [
            pa.field(c.name, types[c.type], metadata={"meaning": c.meaning, "source": c.source})
            for c in COLUMNS
        ],
        metadata={"attune": "pseudonymised research export; see docs/research-export.md"},
    )
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in COLUMNS]
    table = pa.table(
        {
            c.name: pa.array(list(v), type=types[c.type])
            for c, v in zip(COLUMNS, columns, strict=True)
        },
        schema=schema,
    )
    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def dictionary_markdown() -> str:
    """The data dictionary (the table of ``docs/research-export.md``)."""
    lines = ["| column | type | meaning | source / code |", "|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.type} | {c.meaning} | {c.source} |" for c in COLUMNS]
    return "\n".join(lines) + "\n"


DICTIONARY_NOTE = (
    "Pseudonymised, not anonymous: one row per session of the episodes in the exporter's "
    "scope. Pseudonyms are keyed hashes with a salt drawn for this export only. A small "
    "practice's rows may still single a person out: treat the file as personal data, for use "
    "under a data-sharing agreement. No names, e-mails, dates of birth, calendar dates, "
    "database ids or free text (notes, intake text, comments) are included; PHQ-9 item 9 is "
    "not exported on its own (data minimisation: the total includes it)."
)


def dictionary_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["column", "type", "meaning", "source"])
    for c in COLUMNS:
        writer.writerow([c.name, c.type, c.meaning, c.source])
    return out.getvalue()


def audit_export(user: User, export: Export, fmt: str) -> None:
    """One audit event: who, scope, format and row count — never content."""
    record(
        user,
        AuditAction.EXPORT,
        user,
        detail=f"research {fmt} {export.scope_code} rows={len(export.rows)}"[:40],
    )
