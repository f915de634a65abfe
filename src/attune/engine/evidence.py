"""The numbers behind a signal, written for people.

A signal's evidence is a mapping made for machines (``{"sd_floor": 2.0, "own_sd": 4.33333,
"falling": True, "values_before": [18, 17, 19]}``). :func:`for_people` turns it into short
(label, value) lines a clinician reads at a glance, and puts the long lists and nested tables
aside as "numbers behind this":

* labels are plain words from :data:`LABELS` ("sd_floor" → "Smallest drop counted"); a key
  not in the dictionary still loses its underscores ("new_key" → "New key");
* numbers have at most one decimal, as in the signal's own text ("4.3", "14" — never "14.0"),
  and a minus sign, not a hyphen;
* yes / no for booleans, "—" for a missing value, answer codes as words ("a_little" →
  "a little");
* a list of more than :data:`SHORT_LIST` values, or a nested table, goes to ``details``.

One decimal because the questionnaires are whole-number scales: a second decimal is noise to
the reader and makes the same number look different in the text and in the table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from attune.engine.levels import BY_SEVERITY

__all__ = ["HIDDEN", "LABELS", "SHORT_LIST", "Evidence", "for_people", "label", "value_text"]

#: Keys shown elsewhere on the card (the answers, the reasons, the session in the card's
#: heading) or of no use to a reader.
HIDDEN: Final = frozenset({"items", "response_id", "reasons", "session_number"})

#: Lists longer than this are collapsed into the details.
SHORT_LIST: Final = 4

#: Plain labels of the evidence keys the engine and the app write.
LABELS: Final[Mapping[str, str]] = {
    # common
    "session": "Session",
    "session_number": "Session",
    "at_session": "At session",
    "after_session": "After session",
    "measure": "Questionnaire",
    "instrument": "Questionnaire",
    "score": "Score",
    "scores": "Scores",
    "status": "Status",
    "threshold": "Change that counts",
    "reason": "Reason",
    "detail": "Detail",
    # reliable change
    "first": "First score",
    "latest": "Latest score",
    "change": "Change",
    "first_session": "First session",
    "latest_session": "Latest session",
    "sessions": "Scores recorded",
    "reliable": "Reliable change",
    "caseness_at_start": "Above the clinical cut-off at the start",
    "recovered": "Below the clinical cut-off now",
    "reliable_recovery": "Reliable recovery",
    "measures": "Each questionnaire",
    "reliable_change": "Reliable change (points)",
    # expected recovery (not on track, modality review)
    "curve": "Expected-recovery curve",
    "curve_session": "Sessions on the curve",
    "expected": "Expected score",
    "upper": "Upper limit",
    "yellow_upper": "Watch limit",
    "red_upper": "Act-soon limit",
    "intake": "Intake score",
    "intake_band": "Severity at intake",
    "band": "Severity band",
    "modality_mix": "Approaches used",
    # alliance, rupture, repair
    "total": "Alliance total",
    "total_low": "Alliance total low",
    "total_at_or_below": "Total counted as low",
    "domains": "Domains",
    "domain_low": "A domain low",
    "domain_below": "Domain counted as low",
    "low_domains": "Low domains",
    "baseline": "Client's own baseline",
    "baseline_sessions": "Sessions in the baseline",
    "earlier_measurements": "Earlier ratings",
    "own_sd": "Client's own spread (SD)",
    "sd": "Spread (SD)",
    "sd_floor": "Smallest drop counted",
    "z": "Drop that counts (SDs)",
    "client_reported": "Client reported a rupture",
    "resolved": "Resolved by the end of the session",
    "triggers": "What set it off",
    "unrepaired": "Unrepaired",
    "unrepaired_at_least": "Unrepaired ruptures that count",
    "unrepaired_sessions": "Unrepaired at sessions",
    "ruptures_in_window": "Ruptures in the window",
    "rupture_sessions_in_window": "Rupture sessions in the window",
    "ruptures_at_least": "Ruptures that count as repeated",
    "window_sessions": "Sessions looked at",
    # fit check
    "falling": "Alliance falling",
    "falling_by": "Fall that counts",
    "first_total": "First alliance total",
    "latest_total": "Latest alliance total",
    "latest_domains": "Latest domains",
    "low": "Alliance low",
    "stopping": "Thinking of stopping",
    "unsure": "Unsure about going on",
    "rating": "Fit rating",
    "right_match": "Right match",
    "right_match_label": "Right match",
    "comment": "Comment",
    "client": "Client",
    "therapist": "Therapist",
    # dropout risk
    "contributors": "What adds to the risk",
    "points": "Risk points",
    "yellow_at": "Watch from",
    "red_at": "Act soon from",
    # as-if
    "attended_sessions": "Sessions attended",
    "by_session": "By session",
    "ceiling_run": "Sessions in a row at the top",
    "min_ceiling_run": "Run that counts",
    "sessions_at_ceiling": "Sessions at the top of the scale",
    "critical_comments": "Critical comments",
    "first_phq9": "First PHQ-9",
    "latest_phq9": "Latest PHQ-9",
    "phq9_improvement": "PHQ-9 improvement",
    "ruptures_reported": "Ruptures reported",
    # safety
    "answer": "Answer",
    "item9": "Item 9 answer",
    "phq9_total": "PHQ-9 total",
    "high_at": "Act soon from",
    "urgent_at": "Urgent from",
    # sudden gains and losses
    "magnitude": "Size of the change",
    "pre_score": "Score before",
    "post_score": "Score after",
    "pre_gain_session": "Session before",
    "post_gain_session": "Session after",
    "mean_before": "Mean of the scores before",
    "mean_after": "Mean of the scores after",
    "values_before": "Scores before",
    "values_after": "Scores after",
    "percent": "Share of the score before (%)",
    "percent_of_pre": "Share that counts (%)",
    "pooled_sd": "Pooled spread (SD)",
    "critical_value": "Critical value",
    "cutoff": "Cut-off",
    # signals being written on the engine branches (merged not-on-track card, dropout, alliance)
    "since_session": "Since session",
    "from_session": "From session",
    "severity": "Level",
    "non_response": "No reliable improvement yet",
    "review_approach": "Review the approach",
    "not_on_track": "Not on track",
    "sudden_loss": "Sudden loss",
    "deterioration": "Deterioration",
    "upper_limit": "Upper limit",
    "phq9_band": "PHQ-9 band",
    "gad7_band": "GAD-7 band",
    "phq9_change": "PHQ-9 change",
    "flat_within": "Flat within (points)",
    "early_phase": "Early in therapy",
    "alliance_decline": "Alliance falling",
    "low_alliance": "Low alliance",
    "low_early_alliance": "Low session feedback early on",
    "low_at_or_below": "Counted as low at or below",
    "low_total_at_or_below": "Total counted as low",
    "own_baseline": "Client's own baseline",
    "reliable_fall": "Reliable fall",
    "by_fall": "By a fall",
    "by_level": "By its level",
    "large": "Large drop",
    "persists": "Persists",
    "ongoing": "Still going",
    "unresolved": "Unresolved",
    "no_shows": "Missed sessions",
    "late_cancellations": "Late cancellations",
    "long_gap": "Long gap since the last session",
    "thinking_of_stopping": "Thinking of stopping",
    "contributor": "Contributor",
    "discordant_by": "Gap that counts",
    "difference": "Difference",
    "totals": "Totals",
    "side": "Who",
    "item": "Item",
    "value": "Value",
    "text": "Text",
    "label": "Label",
    "numbers": "Numbers",
    # questionnaires as keys
    "phq9": "PHQ-9",
    "gad7": "GAD-7",
    "session_feedback": "Session feedback",
    # alliance domains as keys
    "bond": "Bond",
    "goals": "Goals and topics",
    "approach": "Approach",
    "overall": "Overall",
}

_WORDS: Final = {"phq9": "PHQ-9", "gad7": "GAD-7", "sd": "SD", "srs": "SRS"}
_CODE: Final = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
_LONG_DECIMAL: Final = re.compile(r"(?<![\d.])-?\d+\.\d{2,}(?![\d.])")
_NUMBER: Final = re.compile(r"^-?\d+(\.\d+)?$")
_BOOLEAN: Final = re.compile(r"\b(True|False)\b")
_MINUS: Final = "\u2212"


@dataclass(frozen=True)
class Evidence:
    """``facts``: the short lines shown on the card; ``details``: the numbers behind them."""

    facts: tuple[tuple[str, str], ...]
    details: tuple[tuple[str, str], ...]


def label(key: str) -> str:
    """A plain label for an evidence key: from :data:`LABELS`, else the key in words."""
    known = LABELS.get(key)
    if known is not None:
        return known
    words = [_WORDS.get(w, w) for w in key.replace("-", "_").split("_") if w]
    text = " ".join(words) or "Value"
    return text[:1].upper() + text[1:]


def _number(x: float) -> str:
    if math.isnan(x):
        return "—"
    if math.isinf(x):
        return "∞" if x > 0 else f"{_MINUS}∞"
    text = f"{x:.1f}".removesuffix(".0")
    if text in ("-0", "-0.0"):
        text = "0"
    return text.replace("-", _MINUS)


def _text(value: str) -> str:
    stripped = value.strip()
    if stripped in ("True", "False"):
        return "yes" if stripped == "True" else "no"
    if _NUMBER.match(stripped):
        return _number(float(stripped))
    if stripped in LABELS:
        return LABELS[stripped]
    if _CODE.match(stripped):  # an answer code: "a_little" → "a little"
        return " ".join(_WORDS.get(w, w) for w in stripped.split("_"))
    # Free text keeps its words; a long decimal inside it is shortened like any other number.
    shorter = _LONG_DECIMAL.sub(lambda m: _number(float(m.group())), value)
    return _BOOLEAN.sub(lambda m: "yes" if m.group() == "True" else "no", shorter)


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def value_text(value: object) -> str:
    """One value as a person reads it (lists and tables inline, separated by commas and
    semicolons)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return _number(float(value))
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Mapping):
        parts = [f"{label(str(k))} {value_text(v)}" for k, v in value.items()]
        return "; ".join(parts) if parts else "—"
    if isinstance(value, Sequence):
        parts = [value_text(v) for v in value]
        return ", ".join(parts) if parts else "—"
    return _text(str(value))


#: Keys whose value may be a severity code: shown on the one scale ("red" → "Act soon").
_SEVERITY_KEYS: Final = frozenset({"severity", "status", "level"})


def _value(key: str, value: object) -> str:
    if key in _SEVERITY_KEYS and isinstance(value, str) and value in BY_SEVERITY:
        return BY_SEVERITY[value].label
    return value_text(value)


def _short(value: object) -> bool:
    """Shown on the card as it is: a scalar, a short flat list, a small flat table."""
    if _is_scalar(value):
        return True
    if isinstance(value, Mapping):
        return len(value) <= SHORT_LIST and all(_is_scalar(v) for v in value.values())
    if isinstance(value, Sequence):
        return len(value) <= SHORT_LIST and all(_is_scalar(v) for v in value)
    return True


def for_people(evidence: Mapping[str, object]) -> Evidence:
    """The evidence as (label, value) lines: short ones in ``facts``, long lists and nested
    tables in ``details`` (one line per entry of a nested table). A line that says the same as
    an earlier one (e.g. "Session 7" twice) is shown once."""
    facts: list[tuple[str, str]] = []
    details: list[tuple[str, str]] = []
    for key, value in evidence.items():
        key = str(key)
        if key in HIDDEN:
            continue
        name = label(key)
        if _short(value):
            line = (name, _value(key, value))
            if line not in facts:
                facts.append(line)
        elif isinstance(value, Mapping):
            for sub, inner in value.items():
                details.append((f"{name}: {label(str(sub))}", value_text(inner)))
        else:
            details.append((name, value_text(value)))
    return Evidence(facts=tuple(facts), details=tuple(details))
