"""The fit check-in: is the client–therapist fit good enough, after the first sessions?

One rule, one alert (kind and key ``fit_check``). Fit is discerned over the first few sessions,
and a poor fit is not "resistance". At the n-th attended session (``at_session``, the app's
``ATTUNE_FIT_CHECK_SESSION``) client and therapist each answer the Attune Fit Check-in ("How
well does our working together fit?" 0-10; "Is this the right match?" yes / not sure / no).
The engine reads those answers together with the session feedback so far (a reliable fall)
and the client's answer to "Have you been thinking about stopping therapy?". When something
calls for a conversation it says so once; when all is well it stays silent.

Sources (docs/sources.md, "Alliance, rupture, repair and fit"): Muran et al. (2009),
*Psychotherapy* 46:233-248 — early ruptures and their resolution, rated after each of the first
6 sessions, predicted outcome and retention; Tryon, Blackwell & Hammel (2007) — client and
therapist views of the alliance agree only moderately, so a gap between them is information;
Jacobson & Truax (1991) for the reliable fall; Swift & Greenberg (2012) for early dropout.

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from attune.engine.alliance import (
    EPS,
    answer_code,
    latest_column,
    measured,
    plain_number,
)
from attune.engine.batch import MATCH, STOPPING, EpisodeBatch, FloatArray
from attune.engine.signals import INVITE_FEEDBACK, TALK_ABOUT_FIT, WARM_REFERRAL, Signal

__all__ = ["DEFAULT_FIT_CHECK", "FitAnswer", "FitCheckConfig", "detect_fit_check", "fit_concerns"]

FIT_SOURCE = (
    "Muran et al. 2009 (early ruptures and retention); Tryon, Blackwell & Hammel 2007 (client "
    "and therapist views of the alliance); Swift & Greenberg 2012 (early dropout)"
)
MATCH_LABELS = {"yes": "Yes", "not_sure": "Not sure", "no": "No"}


@dataclass(frozen=True)
class FitCheckConfig:
    """When the fit check-in speaks up.

    * ``at_session = 3``: the check-in follows the 3rd attended session (the product's
      "session 3-4"); the app sets it from ``ATTUNE_FIT_CHECK_SESSION``, its one setting.
    * ``low_at_or_below = 5``: a fit rating of 5 or less of 10 (the "Worth talking about" band
      of the fit check-in definition), on either side.
    * ``client_unsure_at_most = 1``: the client's "not sure" (1) or "no" (0) to "Is this the
      right match?" — the client's doubt is their voice about staying (Muran et al. 2009).
    * ``therapist_unsure_at_most = 0``: the therapist's "no" (0). A therapist's "not sure"
      after 3 sessions is ordinary caution (therapists rate the alliance lower than clients,
      Tryon et al. 2007) and on simulated caseloads carried no information (PPV at the base
      rate), so on its own it raises nothing; it still shows in the evidence.
    * ``discordant_by = 3``: both rated and the client's rating is 3 or more points below the
      therapist's. Therapists usually rate the alliance lower than their clients and the two
      views agree only moderately (Tryon, Blackwell & Hammel 2007), so a client who rates
      higher is the ordinary case; a client well below a therapist who thinks it fits is the
      gap worth talking about.
    * ``falling_by = 5.5``: the latest session-feedback total so far is at least 5.5 points
      below the first — a reliable-change amount for one rating against one (1.96 · √2 · 2
      points, the within-client SD floor of the low-alliance rule; Jacobson & Truax 1991).
    * ``stopping_at_least = 1``: the latest answer to "Have you been thinking about stopping
      therapy?" is "sometimes" (1) or "yes" (2).
    """

    at_session: int = 3
    low_at_or_below: float = 5.0
    client_unsure_at_most: int = 1
    therapist_unsure_at_most: int = 0
    discordant_by: float = 3.0
    falling_by: float = 5.5
    stopping_at_least: int = 1


DEFAULT_FIT_CHECK = FitCheckConfig()


@dataclass(frozen=True)
class FitAnswer:
    """One side's fit check-in answer: ``side`` "client" or "therapist", the 0-10 ``rating``
    and the ``right_match`` code ("yes", "not_sure", "no")."""

    side: str
    rating: float
    right_match: str | None


def fit_concerns(
    client: FitAnswer | None,
    therapist: FitAnswer | None,
    config: FitCheckConfig = DEFAULT_FIT_CHECK,
) -> list[str]:
    """Why the fit answers call for a conversation, in plain words; empty when they do not.

    Low: a rating at or below ``low_at_or_below`` on either side. Unsure: the client's "not
    sure" or "no", the therapist's "no", to "Is this the right match?". Discordant: both
    rated, the client ``discordant_by`` or more points below the therapist. Sources: Muran et
    al. 2009; Tryon, Blackwell & Hammel 2007.
    """
    reasons: list[str] = []
    for answer in (client, therapist):
        if answer is None:
            continue
        who = "the client" if answer.side == "client" else "the therapist"
        if math.isfinite(answer.rating) and answer.rating <= config.low_at_or_below + EPS:
            reasons.append(f"{who} rated the fit {answer.rating:g} of 10")
        code = answer.right_match
        most = (
            config.client_unsure_at_most
            if answer.side == "client"
            else config.therapist_unsure_at_most
        )
        if code in MATCH and MATCH.index(code) <= most:
            reasons.append(
                f'{who} answered "{MATCH_LABELS[code]}" to whether this is the right match'
            )
    if client is not None and therapist is not None:
        gap = therapist.rating - client.rating
        if gap >= config.discordant_by - EPS:
            reasons.append(
                f"the two of you see it differently: the client rated the fit {client.rating:g} "
                f"and the therapist {therapist.rating:g} of 10, {gap:g} points apart"
            )
    return reasons


def _latest(values: FloatArray) -> tuple[np.ndarray, np.ndarray]:
    has, col = latest_column(np.isfinite(values))
    rows = np.arange(values.shape[0])
    return has, np.where(has, values[rows, col], np.nan)


def _answer(side: str, rating: float, match: float) -> FitAnswer | None:
    if not math.isfinite(rating):
        return None
    return FitAnswer(side, rating, answer_code(MATCH, match))


def _side_evidence(answer: FitAnswer | None) -> Mapping[str, object] | None:
    if answer is None:
        return None
    return {
        "rating": plain_number(answer.rating),
        "right_match": answer.right_match,
        "right_match_label": MATCH_LABELS.get(answer.right_match or ""),
    }


def detect_fit_check(
    batch: EpisodeBatch, config: FitCheckConfig = DEFAULT_FIT_CHECK
) -> list[Signal]:
    """ "fit_check" (yellow), key ``fit_check``, from the fit session on, only when needed.

    Rule (``FitCheckConfig``): once the ``at_session``-th attended session has happened, any
    of — a fit rating of 5 or less (client or therapist); the client's "not sure"/"no" or the
    therapist's "no" to "Is this the right match?"; the client's rating 3 or more below the
    therapist's; the session feedback up to the fit session fell at least 5.5 points from the
    first rating; the client's latest answer on thinking about stopping (up to the fit
    session) is "sometimes"/"yes". Nothing is emitted
    when none holds. The fit answers are read wherever they were stored (they belong to the fit
    session); later session feedback does not change the result. Sources: Muran et al. 2009;
    Tryon, Blackwell & Hammel 2007; Jacobson & Truax 1991; Swift & Greenberg 2012.
    """
    n, t = batch.attendance.shape
    if n == 0 or t == 0:
        return []
    rows = np.arange(n)
    cols = np.arange(t)[None, :]
    attended = batch.attended
    seen = np.cumsum(attended, axis=1)
    at = attended & (seen == config.at_session)
    reached = at.any(axis=1)
    check = np.argmax(at, axis=1)
    window = cols <= check[:, None]

    is_measured = measured(batch) & window
    count = is_measured.sum(axis=1)
    first_col = np.argmax(is_measured, axis=1)
    has_latest, last_col = latest_column(is_measured)
    totals = batch.alliance_total
    first = np.where(count >= 1, totals[rows, first_col], np.nan)
    latest = np.where(has_latest, totals[rows, last_col], np.nan)
    fall = first - latest
    falling = (count >= 2) & (np.nan_to_num(fall, nan=-np.inf) >= config.falling_by - EPS)

    answered = attended & window & np.isfinite(batch.stopping)
    has_answer, answer_col = latest_column(answered)
    stop = np.where(has_answer, batch.stopping[rows, answer_col], np.nan)
    thinking = has_answer & (np.nan_to_num(stop, nan=-1.0) >= config.stopping_at_least)

    _, client_rating = _latest(batch.fit_client)
    _, client_match = _latest(batch.fit_client_match)
    _, therapist_rating = _latest(batch.fit_therapist)
    _, therapist_match = _latest(batch.fit_therapist_match)

    # Only episodes where some reason can hold are looked at one by one: a superset of the
    # conditions of ``fit_concerns`` (a finite rating, then low, unsure or discordant).
    with np.errstate(invalid="ignore"):
        client_ok, therapist_ok = np.isfinite(client_rating), np.isfinite(therapist_rating)
        low = config.low_at_or_below + EPS
        maybe = (
            falling
            | thinking
            | (client_ok & (client_rating <= low))
            | (therapist_ok & (therapist_rating <= low))
            | (client_ok & (client_match < config.client_unsure_at_most + 1))
            | (therapist_ok & (therapist_match < config.therapist_unsure_at_most + 1))
            | (
                client_ok
                & therapist_ok
                & (therapist_rating - client_rating >= config.discordant_by - EPS)
            )
        )
    found: list[Signal] = []
    for i in np.flatnonzero(reached & maybe).tolist():
        client = _answer("client", float(client_rating[i]), float(client_match[i]))
        therapist = _answer("therapist", float(therapist_rating[i]), float(therapist_match[i]))
        reasons = fit_concerns(client, therapist, config)
        if falling[i]:
            reasons.append(
                f"the session feedback has fallen from {first[i]:g} to {latest[i]:g} of 40 "
                "since the first session"
            )
        code = answer_code(STOPPING, float(stop[i]))
        if thinking[i]:
            reasons.append(
                f'the client answered "{code}" to "Have you been thinking about stopping therapy?"'
            )
        if not reasons:
            continue
        number = int(batch.session_number[i, check[i]])
        waiting = (
            " The client has not answered yet."
            if client is None and therapist is not None
            else " The therapist has not answered yet."
            if therapist is None and client is not None
            else ""
        )
        found.append(
            Signal(
                episode_id=int(batch.episode_ids[i]),
                kind="fit_check",
                severity="yellow",
                session_number=number,
                key="fit_check",
                title="Fit check-in: talk together about how the fit feels",
                explanation=(
                    f"At the fit check-in after session {number}, "
                    + "; ".join(reasons)
                    + "."
                    + waiting
                    + " Whether client and therapist fit is found out over the first few "
                    'sessions, and a poor fit is nobody\'s fault and not "resistance". Ask '
                    "openly how the work feels so far and what the client needs; if it does not "
                    "fit, a warm referral to a colleague is a good outcome too."
                ),
                evidence={
                    "instrument": "Fit check-in",
                    "session": number,
                    "at_session": config.at_session,
                    "client": _side_evidence(client),
                    "therapist": _side_evidence(therapist),
                    "difference": (
                        plain_number(abs(client.rating - therapist.rating))
                        if client and therapist
                        else None
                    ),
                    "low_at_or_below": plain_number(config.low_at_or_below),
                    "discordant_by": plain_number(config.discordant_by),
                    "first_total": plain_number(first[i]),
                    "latest_total": plain_number(latest[i]),
                    "falling": bool(falling[i]),
                    "falling_by": plain_number(config.falling_by),
                    "stopping": code,
                    "thinking_of_stopping": bool(thinking[i]),
                    "items": _items(client, therapist),
                },
                source=FIT_SOURCE,
                actions=(TALK_ABOUT_FIT, INVITE_FEEDBACK, WARM_REFERRAL),
            )
        )
    return found


def _items(client: FitAnswer | None, therapist: FitAnswer | None) -> list[dict[str, object]]:
    """One line per answer, the shape the alert list shows."""
    items: list[dict[str, object]] = []
    for answer in (client, therapist):
        if answer is None:
            continue
        items.append(
            {
                "item": "fit",
                "side": answer.side,
                "text": f"How well does our working together fit? ({answer.side})",
                "answer": f"{answer.rating:g} of 10",
                "value": plain_number(answer.rating),
            }
        )
        items.append(
            {
                "item": "right_match",
                "side": answer.side,
                "text": f"Is this the right match? ({answer.side})",
                "answer": MATCH_LABELS.get(answer.right_match or "", "—"),
                "value": answer.right_match,
            }
        )
    return items
