"""The match check-in: is the client–therapist fit good enough, after the first sessions?

Fit is discerned over the first few sessions, and a poor fit is not "resistance". At session 3
(configurable) the engine looks at the alliance so far and at the client's answer to "Have you
been thinking about stopping therapy?". When the alliance is low or falling, or the client is
unsure, it prompts a conversation about the fit; when all is well it stays silent (no
reminder noise).

Sources: the product's source article on discerning fit in the first sessions; Muran et al.
(2009), *Psychotherapy* 46:233-248 — early ruptures and their resolution, rated after each of
the first 6 sessions, predicted outcome and retention (clinical-science.md §3.2); the SRS
low-alliance conventions (§3.5).

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attune.engine.alliance import (
    DEFAULT_LOW_ALLIANCE,
    EPS,
    LowAllianceConfig,
    answer_code,
    is_low_alliance,
    latest_column,
    measured,
    plain_number,
)
from attune.engine.batch import DOMAINS, STOPPING, EpisodeBatch
from attune.engine.signals import INVITE_FEEDBACK, TALK_ABOUT_FIT, WARM_REFERRAL, Signal

__all__ = ["DEFAULT_FIT_CHECK", "FitCheckConfig", "detect_fit_check"]

FIT_SOURCE = (
    "The product's source article on fit discernment; Muran et al. 2009 (early ruptures and "
    "retention); SRS low-alliance conventions — clinical-science.md §3.2, §3.5"
)


@dataclass(frozen=True)
class FitCheckConfig:
    """When the match check-in speaks up.

    * ``at_session = 3``: the check-in happens at the 3rd attended session (the product's
      "session 3-4"), using the sessions up to and including it.
    * ``falling_by = 3``: the alliance is falling when the latest total so far is at least 3
      points below the first one.
    * ``low``: the low-alliance rule (total <= 36 or any domain < 9; SRS conventions, §3.5).
    * ``stopping_at_least = 1``: the client is unsure when the latest answer to "Have you been
      thinking about stopping therapy?" is "sometimes" (1) or "yes" (2).
    """

    at_session: int = 3
    falling_by: float = 3.0
    low: LowAllianceConfig = DEFAULT_LOW_ALLIANCE
    stopping_at_least: int = 1


DEFAULT_FIT_CHECK = FitCheckConfig()


def detect_fit_check(
    batch: EpisodeBatch, config: FitCheckConfig = DEFAULT_FIT_CHECK
) -> list[Signal]:
    """ "fit_check" (yellow), key ``fit_check``, at the 3rd attended session, only when needed.

    Rule (``FitCheckConfig``): over the attended sessions up to the 3rd, the latest session
    feedback is low (total <= 36 or a domain < 9), or it is at least 3 points below the first
    one, or the client's latest answer on thinking about stopping is "sometimes"/"yes". Nothing
    is emitted when none holds. Later sessions do not change the result. Sources: the product's
    source article on fit discernment; Muran et al. 2009.
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
    low, total_low, domain_low = is_low_alliance(batch.alliance[rows, last_col], config.low)
    low &= has_latest
    fall = first - latest
    falling = (count >= 2) & (np.nan_to_num(fall, nan=-np.inf) >= config.falling_by - EPS)

    answered = attended & window & np.isfinite(batch.stopping)
    has_answer, answer_col = latest_column(answered)
    answer = np.where(has_answer, batch.stopping[rows, answer_col], np.nan)
    unsure = has_answer & (np.nan_to_num(answer, nan=-1.0) >= config.stopping_at_least)

    fire = reached & (low | falling | unsure)
    found: list[Signal] = []
    for i in np.flatnonzero(fire).tolist():
        number = int(batch.session_number[i, check[i]])
        reasons: list[str] = []
        if low[i]:
            reasons.append(
                f"the latest session feedback is low ({latest[i]:g} of 40"
                + (
                    ", with a domain below " + f"{config.low.domain_below:g}"
                    if domain_low[i]
                    else ""
                )
                + ")"
            )
        if falling[i]:
            reasons.append(
                f"the session feedback has fallen from {first[i]:g} to {latest[i]:g} since the "
                "first session"
            )
        code = answer_code(STOPPING, float(answer[i]))
        if unsure[i]:
            reasons.append(
                f'the client answered "{code}" to "Have you been thinking about stopping therapy?"'
            )
        domains = batch.alliance[i, last_col[i]]
        found.append(
            Signal(
                episode_id=int(batch.episode_ids[i]),
                kind="fit_check",
                severity="yellow",
                session_number=number,
                key="fit_check",
                title="Match check-in: talk together about how the fit feels",
                explanation=(
                    f"At session {number}, an early point for checking the fit, "
                    + "; ".join(reasons)
                    + ". Whether client and therapist fit is found out over the first few "
                    'sessions, and a poor fit is nobody\'s fault and not "resistance". Ask '
                    "openly how the work feels so far and what the client needs; if it does not "
                    "fit, a warm referral to a colleague is a good outcome too."
                ),
                evidence={
                    "session": number,
                    "at_session": config.at_session,
                    "first_total": plain_number(first[i]),
                    "latest_total": plain_number(latest[i]),
                    "change": plain_number(latest[i] - first[i]) if count[i] >= 2 else None,
                    "latest_domains": (
                        {d: plain_number(v) for d, v in zip(DOMAINS, domains, strict=True)}
                        if has_latest[i]
                        else None
                    ),
                    "low": bool(low[i]),
                    "total_low": bool(total_low[i] & has_latest[i]),
                    "domain_low": bool(domain_low[i] & has_latest[i]),
                    "falling": bool(falling[i]),
                    "falling_by": plain_number(config.falling_by),
                    "stopping": code,
                    "unsure": bool(unsure[i]),
                },
                source=FIT_SOURCE,
                actions=(TALK_ABOUT_FIT, INVITE_FEEDBACK, WARM_REFERRAL),
            )
        )
    return found
