"""The episode page's charts: outcome and alliance series, prepared for the chart script.

Everything is read from what ``episode_for_page`` prefetched (sessions with their modalities and
responses, alerts), so the charts add no query per session. The only extra read is
``practice_curves()`` (one count, the fitted curves are cached).

The expected-recovery band uses the engine itself: the episode becomes a batch of one row,
``trajectory`` places every session on the curve's time axis (attended sessions since the
intake score, as the not-on-track rule counts them) and the curves give the expected score and
the tolerance band at the level of the yellow not-on-track limit. Upcoming sessions (not yet
held) are counted as if attended, so the band shows where the client is expected to be next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from attune.care.engine_adapter import (
    caseness,
    curve_sessions,
    engine_config,
    practice_curves,
    reliable_change_points,
    reliable_changes,
)
from attune.care.models import Attendance, Episode, Session
from attune.engine.recovery import (
    Measure,
    RecoveryCurves,
    ReferenceConfig,
    reference_curves,
    tolerance_z,
)
from attune.measures.models import Phase, Response
from attune.workspace.queries import loaded

OUTCOME_MEASURES: tuple[Measure, ...] = ("phq9", "gad7")
FEEDBACK = "session_feedback"
DOMAINS: tuple[tuple[str, str], ...] = (
    ("bond", "Bond"),
    ("goals", "Goals and topics"),
    ("approach", "Approach"),
    ("overall", "Overall"),
)
#: Alert kinds shown as markers on the alliance chart, with their legend labels.
ALLIANCE_MARKERS: dict[str, str] = {
    "rupture": "Rupture",
    "repair": "Repair",
    "unrepaired_rupture": "Unrepaired rupture",
}
_ATTENDANCE_LABELS = dict(Attendance.choices)


def attendance_label(value: str) -> str:
    """``session.get_attendance_display()`` without rebuilding the choices on every call (that
    is what the model's method does: it cost the episode page's tables a few ms)."""
    return str(_ATTENDANCE_LABELS.get(value, value))


@dataclass(frozen=True)
class _Scale:
    label: str
    max: int
    caseness: float | None
    reliable_change: float | None
    lower_is_better: bool


def episode_charts(episode: Episode, note_sessions: Sequence[int]) -> dict[str, object]:
    """Template context for ``workspace/episode/_charts.html``.

    ``charts`` is plain data for ``json_script`` (the chart script draws it); ``chart_tables``
    holds the rows of the text-alternative tables.
    """
    sessions: list[Session] = list(episode.sessions.all())
    numbers = [s.number for s in sessions]
    notes = sorted({int(n) for n in note_sessions} & set(numbers))
    by_instrument = [_responses_by_instrument(s) for s in sessions]

    outcome = [
        m
        for m in (_outcome_measure(code, sessions, by_instrument) for code in OUTCOME_MEASURES)
        if m is not None
    ]
    alliance = _alliance(episode, sessions, by_instrument)
    timeline, timeline_rows = _timeline(sessions, notes)

    charts = {
        "axis": {"min": min(numbers, default=1), "max": max(numbers, default=1)},
        "outcome": {"measures": outcome, "max": max((m["max"] for m in outcome), default=27)},
        "alliance": alliance,
        "timeline": timeline,
        "notes": notes,
    }
    tables = {
        "outcome": _outcome_rows(sessions, outcome, notes),
        "alliance": _alliance_rows(alliance, notes),
        "timeline": timeline_rows,
    }
    return {
        "charts": charts,
        "chart_tables": tables,
        "chart_curves": _curve_notes(outcome),
        "has_outcome_chart": any(m["scores"] for m in outcome),
        "has_alliance_chart": bool(alliance["total"]),
        "has_timeline": bool(sessions),
    }


def outcome_series(sessions: Sequence[Session]) -> list[dict[str, Any]]:
    """PHQ-9 and GAD-7 of ``sessions`` (their responses prefetched with the instrument): the
    scores, caseness, reliable-change markers and the expected-recovery band, as the episode
    page's chart draws them. The printable report draws the same data as a static SVG."""
    listed = list(sessions)
    by_instrument = [_responses_by_instrument(s) for s in listed]
    return [
        m
        for m in (_outcome_measure(code, listed, by_instrument) for code in OUTCOME_MEASURES)
        if m is not None
    ]


# ------------------------------------------------------------------------------------------
# reading the prefetched responses
# ------------------------------------------------------------------------------------------


def _responses_by_instrument(session: Session) -> dict[str, Response]:
    """One response per instrument for a session: the check-in or feedback, else the latest."""
    found: dict[str, Response] = {}
    for response in loaded(session, "responses"):
        code = response.instrument_version.instrument.code
        expected = Phase.FEEDBACK if code == FEEDBACK else Phase.CHECK_IN
        current = found.get(code)
        if current is None:
            found[code] = response
            continue
        key = (response.phase == expected, response.submitted_at, response.pk)
        if key > (current.phase == expected, current.submitted_at, current.pk):
            found[code] = response
    return found


def _scale(response: Response) -> _Scale:
    """The questionnaire's range from its definition; caseness and reliable change from the
    engine's configuration (the thresholds the alerts use), never from the definition file."""
    instrument = response.instrument_version.parsed
    scale = instrument.scales[0]
    code = response.instrument_version.instrument.code
    return _Scale(
        label=instrument.short_name,
        max=scale.max,
        caseness=_whole(caseness(code)),
        reliable_change=_whole(reliable_change_points(code)),
        lower_is_better=scale.direction == "lower_is_better",
    )


def _whole(value: float | None) -> float | None:
    """10.0 → 10, so the legend and the table read "PHQ-9 10", not "10.0"."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


# ------------------------------------------------------------------------------------------
# outcome: scores, expected-recovery band, caseness, reliable change
# ------------------------------------------------------------------------------------------


def _curves_for(measure: Measure) -> RecoveryCurves:
    if measure == "phq9":
        fitted = practice_curves()
        if fitted is not None and fitted.measure == measure:
            return fitted
    return reference_curves(ReferenceConfig(measure=measure))


def _round(value: float, digits: int = 2) -> float:
    return round(float(value), digits)


def _outcome_measure(
    measure: Measure, sessions: list[Session], by_instrument: list[dict[str, Response]]
) -> dict[str, Any] | None:
    responses = [found.get(measure) for found in by_instrument]
    first = next((r for r in responses if r is not None and r.score is not None), None)
    if first is None:
        return None
    scale = _scale(first)
    scores: list[float | None] = [
        float(r.score) if r is not None and r.score is not None else None for r in responses
    ]
    points = [
        {"x": s.number, "y": score}
        for s, score in zip(sessions, scores, strict=True)
        if score is not None
    ]

    config = engine_config().not_on_track
    level = config.yellow_level
    curves = _curves_for(measure)
    intake, t = curve_sessions(sessions, scores, measure, config.dose)
    intake_col = next(c for c, score in enumerate(scores) if score is not None)
    cols = np.arange(intake_col, len(sessions))
    expected = curves.expected(np.full(cols.size, intake), t[cols])
    upper = curves.upper(np.full(cols.size, intake), t[cols], level)
    spread = tolerance_z(level) * curves.sd(np.full(cols.size, intake), t[cols])
    lower = np.clip(expected - spread, 0.0, scale.max)
    upper_shown = np.minimum(upper, scale.max)
    at = t.tolist()  # plain floats: the same values, without a numpy scalar per element
    band = [
        {
            "x": sessions[c].number,
            "t": _round(at[c]),
            "expected": _round(e),
            "lower": _round(lo),
            "upper": _round(up),
        }
        for c, e, lo, up in zip(
            cols.tolist(), expected.tolist(), lower.tolist(), upper_shown.tolist(), strict=True
        )
    ]

    # Each later score against the first, by the engine's reliable-change rule.
    directions = reliable_changes(measure, points[0]["y"], [p["y"] for p in points[1:]])
    reliable = [
        {
            "x": point["x"],
            "y": point["y"],
            "change": point["y"] - points[0]["y"],
            "direction": direction,
        }
        for point, direction in zip(points[1:], directions, strict=True)
        if direction is not None
    ]
    rc = scale.reliable_change

    level_label = f"{level * 100:g} %"
    return {
        "code": measure,
        "label": scale.label,
        "max": scale.max,
        "caseness": scale.caseness,
        "reliable_change": rc,
        "scores": points,
        "intake": {
            "session": sessions[intake_col].number,
            "score": intake,
            "band": curves.band_label(intake),
        },
        "band": {
            "curve": curves.name,
            "source": curves.source,
            "level": level,
            "label": f"Expected recovery, {level_label} tolerance band ({curves.name})",
            "level_label": level_label,
            "points": band,
        },
        "reliable": reliable,
        # The engine judges this measure against its curve; the other one is for context.
        "judged": measure == config.measure,
    }


def _curve_notes(outcome: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Which curve each measure's band comes from, once per curve and source."""
    notes: dict[tuple[str, str], list[str]] = {}
    for m in outcome:
        notes.setdefault((m["band"]["curve"], m["band"]["source"]), []).append(m["label"])
    return [
        {"measures": " and ".join(labels), "curve": curve, "source": source}
        for (curve, source), labels in notes.items()
    ]


def _outcome_rows(
    sessions: list[Session], outcome: list[dict[str, Any]], notes: list[int]
) -> list[dict[str, object]]:
    """One row per session with a score: each measure's score, expected value and band."""
    lookups = []
    for m in outcome:
        lookups.append(
            (
                m,
                {p["x"]: p["y"] for p in m["scores"]},
                {p["x"]: p for p in m["band"]["points"]},
                {p["x"]: p for p in m["reliable"]},
            )
        )
    rows = []
    for session in sessions:
        cells = []
        for m, scores, band, reliable in lookups:
            score = scores.get(session.number)
            point = band.get(session.number)
            marker = reliable.get(session.number)
            cells.append(
                {
                    "label": m["label"],
                    "score": _fmt(score),
                    "expected": _fmt(point["expected"], 1) if point else "",
                    "band": (
                        f"{_fmt(point['lower'], 1)}–{_fmt(point['upper'], 1)}" if point else ""
                    ),
                    "case": score is not None
                    and m["caseness"] is not None
                    and score >= m["caseness"],
                    "reliable": (
                        f"reliable {marker['direction']} ({marker['change']:+g})" if marker else ""
                    ),
                }
            )
        if any(c["score"] for c in cells):
            rows.append(
                {"session": session.number, "cells": cells, "note": session.number in notes}
            )
    return rows


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    return f"{value:.{digits}f}" if digits else f"{value:g}"


# ------------------------------------------------------------------------------------------
# alliance: the four domains, the total, rupture and repair markers
# ------------------------------------------------------------------------------------------


def _alliance(
    episode: Episode, sessions: list[Session], by_instrument: list[dict[str, Response]]
) -> dict[str, Any]:
    domains: dict[str, list[dict[str, float]]] = {code: [] for code, _ in DOMAINS}
    total: list[dict[str, float]] = []
    max_total = 40
    scored: Response | None = None
    for session, found in zip(sessions, by_instrument, strict=True):
        response = found.get(FEEDBACK)
        if response is None:
            continue
        values = [response.answers.get(code) for code, _ in DOMAINS]
        for (code, _), value in zip(DOMAINS, values, strict=True):
            if isinstance(value, int):
                domains[code].append({"x": session.number, "y": value})
        if response.score is not None:
            total.append({"x": session.number, "y": response.score})
            scored = response
    if scored is not None:  # the range of the latest scored feedback's questionnaire
        max_total = _scale(scored).max

    totals = {p["x"]: p["y"] for p in total}
    markers: list[dict[str, Any]] = []
    seen = set()
    for alert in sorted(episode.alerts.all(), key=lambda a: (a.opened_at, a.pk)):
        if alert.kind not in ALLIANCE_MARKERS:
            continue
        number = alert.evidence.get("session_number")
        if not isinstance(number, int) or (alert.kind, number) in seen:
            continue
        seen.add((alert.kind, number))
        markers.append(
            {
                "x": number,
                "y": totals.get(number, max_total),
                "kind": alert.kind,
                "label": ALLIANCE_MARKERS[alert.kind],
                "title": alert.title,
            }
        )
    order = list(ALLIANCE_MARKERS)
    markers.sort(key=lambda m: (m["x"], order.index(m["kind"])))
    return {
        "domains": [
            {"code": code, "label": label, "points": domains[code]} for code, label in DOMAINS
        ],
        "domain_max": 10,
        "total": total,
        "total_max": max_total,
        "markers": markers,
        "marker_kinds": [{"kind": k, "label": v} for k, v in ALLIANCE_MARKERS.items()],
    }


def _alliance_rows(alliance: dict[str, Any], notes: list[int]) -> list[dict[str, object]]:
    # A row's "domains" is a dict and its "markers" a list: template rows, typed loosely.
    by_session: dict[int, dict[str, Any]] = {}
    for domain in alliance["domains"]:
        for p in domain["points"]:
            row = by_session.setdefault(p["x"], {"session": p["x"], "domains": {}})
            row["domains"][domain["code"]] = p["y"]
    for p in alliance["total"]:
        by_session.setdefault(p["x"], {"session": p["x"], "domains": {}})["total"] = p["y"]
    for marker in alliance["markers"]:
        row = by_session.setdefault(marker["x"], {"session": marker["x"], "domains": {}})
        row.setdefault("markers", []).append(marker["title"])
    rows = []
    for number in sorted(by_session):
        row = by_session[number]
        values = row["domains"]
        rows.append(
            {
                "session": number,
                "domains": [values.get(code, "") for code, _ in DOMAINS],
                "total": row.get("total", ""),
                "markers": row.get("markers", []),
                "note": number in notes,
            }
        )
    return rows


# ------------------------------------------------------------------------------------------
# modality timeline and private-note markers
# ------------------------------------------------------------------------------------------


def _timeline(
    sessions: list[Session], notes: list[int]
) -> tuple[dict[str, Any], list[dict[str, object]]]:
    """Lanes of modalities in order of first use, each with its runs of consecutive sessions
    (for the chart), and one row per session (for the table)."""
    lanes: dict[str, dict[str, Any]] = {}
    rows = []
    for index, session in enumerate(sessions):
        used = loaded(session, "modalities")
        for modality in used:
            lane = lanes.setdefault(
                modality.slug, {"slug": modality.slug, "label": modality.name, "runs": []}
            )
            runs = lane["runs"]
            if runs and runs[-1]["last_index"] == index - 1:
                runs[-1]["to"] = session.number
                runs[-1]["last_index"] = index
            else:
                runs.append({"from": session.number, "to": session.number, "last_index": index})
        rows.append(
            {
                "session": session.number,
                "date": session.scheduled_at,
                "attendance": attendance_label(session.attendance),
                "attended": session.attendance == Attendance.ATTENDED,
                "modalities": [m.name for m in used],
                "note": session.number in notes,
            }
        )
    for lane in lanes.values():
        lane["runs"] = [{"from": r["from"], "to": r["to"]} for r in lane["runs"]]
    missed = [
        s.number
        for s in sessions
        if s.attendance in (Attendance.NO_SHOW, Attendance.CANCELLED, Attendance.LATE_CANCELLED)
    ]
    return {"lanes": list(lanes.values()), "missed": missed}, rows
