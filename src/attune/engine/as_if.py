"""The "as-if" signal: perfect session ratings, nothing critical ever said, and no change.

Some clients present as compliant and content while the therapy does not reach them: they rate
every session at the top of the scale, never report a difficult moment, never write a critical
word — and their symptoms do not move. The clinical idea is the "as-if" personality described
by Helene Deutsch (1942) and Winnicott's compliant "false self" (1960); the product's source
article on co-created therapy calls this "as-if" therapy. It is often not pretence but a lack
of safety: a client who learned that criticism is dangerous, or that it is "complaining", may
not feel free to say what is not working.

Session-rating scales also have a strong ceiling effect (most ratings are near the top), so a
top rating on its own says little; the signal needs ceiling ratings *and* silence about
difficulties *and* no measurable change.

Sources: the product's source article on co-created and "as-if" therapy; Deutsch, H. (1942),
"Some forms of emotional disturbance and their relationship to schizophrenia", *Psychoanal Q*
11:301-321; Winnicott, D. W. (1960), "Ego distortion in terms of true and false self"; ceiling
effects of alliance scales; reliable change on the PHQ-9 = 6 points (NHS Talking Therapies,
clinical-science.md §1.2).

No Django import: this is part of :mod:`attune.engine`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attune.engine.alliance import EPS, measured, plain_number
from attune.engine.batch import EpisodeBatch
from attune.engine.signals import (
    INVITE_FEEDBACK,
    REVIEW_IN_SUPERVISION,
    REVIEW_MODALITY,
    Signal,
)

__all__ = ["DEFAULT_AS_IF", "AsIfConfig", "detect_as_if"]

AS_IF_SOURCE = (
    "Deutsch (1942), Psychoanal Q 11:301-321 ('as-if' personality); Winnicott (1960), Ego "
    "distortion in terms of true and false self (compliant false self); Safran & Muran (2000), "
    "Negotiating the Therapeutic Alliance (withdrawal ruptures: deference, appeasing); Tryon, "
    "Blackwell & Hammel (2007), Psychother Res 17:629-642 (clients rate the alliance near the "
    "top of the scale); PHQ-9 reliable change 6 points (NHS Talking Therapies Manual)."
)


@dataclass(frozen=True)
class AsIfConfig:
    """Thresholds of the as-if signal.

    * ``ceiling = 10``: a domain rating at the top of the 0-10 scale.
    * ``min_ceiling_run = 4``: at least 4 consecutive measured sessions (attended, all four
      domains answered) with every domain at the ceiling (sessions without feedback neither
      count nor break the run).
    * ``by_session = 6``: judged from the 6th attended session on.
    * ``reliable_change = 6``: the PHQ-9 reliable change (NHS Talking Therapies), named in the
      explanation.
    * ``flat_within = 3``: a *flat* course — the latest PHQ-9 within 3 points (half the
      reliable change) of the first, in either direction. A client improving steadily but not
      yet reliably is not flat (clinical judgement; configurable).
    * ``min_phq9 = 2``: at least two PHQ-9 scores are needed to speak of "no change".

    The ceiling run must be *current*: it must still be going at the latest feedback (a past
    run of top ratings followed by ordinary ones is not "as-if").

    No rupture may ever have been reported ("a little"/"yes") and no free-text comment may ever
    have been critical (``EpisodeBatch.critical_text``; see :mod:`attune.engine.text`).
    """

    ceiling: float = 10.0
    min_ceiling_run: int = 4
    by_session: int = 6
    reliable_change: float = 6.0
    flat_within: float = 3.0
    min_phq9: int = 2


DEFAULT_AS_IF = AsIfConfig()


def plain(x: float) -> str:
    """One decimal at most: 14, 14.5."""
    r = round(float(x), 1)
    return str(int(r)) if r == int(r) else f"{r:.1f}"


def detect_as_if(batch: EpisodeBatch, config: AsIfConfig = DEFAULT_AS_IF) -> list[Signal]:
    """ "as_if" (yellow), key ``as_if:from-s<N>``, one per stretch.

    Rule (``AsIfConfig``): at the latest data, the episode has at least 6 attended sessions, a
    *current* run of at least 4 consecutive measured sessions with all four domains at 10, no
    rupture ever reported, no critical free text ever, and a flat PHQ-9 course (latest within
    3 points of the first). ``session_number`` N is the first session of the current stretch
    in which all of this held. Sources: Deutsch 1942; Winnicott 1960; Safran & Muran 2000
    (withdrawal ruptures); Tryon, Blackwell & Hammel 2007 (ceiling of alliance ratings).
    """
    n, t = batch.attendance.shape
    if n == 0 or t == 0:
        return []
    cols = np.broadcast_to(np.arange(t)[None, :], (n, t))
    is_measured = measured(batch)
    at_ceiling = is_measured & (batch.alliance >= config.ceiling - EPS).all(axis=2)
    reset = is_measured & ~at_ceiling
    seen_ceiling = np.cumsum(at_ceiling, axis=1)
    since_reset = np.maximum.accumulate(np.where(reset, seen_ceiling, 0), axis=1)
    run: np.ndarray = (
        seen_ceiling - since_reset
    )  # the current run of ceiling ratings at each column

    reported = np.nan_to_num(batch.rupture, nan=0.0) >= 1
    any_rupture = np.logical_or.accumulate(reported, axis=1)
    any_critical = np.logical_or.accumulate(batch.critical_text, axis=1)
    attended = np.cumsum(batch.attended, axis=1)

    scored = np.isfinite(batch.phq9)
    scores = np.cumsum(scored, axis=1)
    has_first = scored.any(axis=1)
    first_col = np.argmax(scored, axis=1)
    first = np.where(has_first, batch.phq9[np.arange(n), first_col], np.nan)
    last_col = np.maximum.accumulate(np.where(scored, cols, -1), axis=1)
    latest = np.where(
        last_col >= 0, np.take_along_axis(batch.phq9, np.maximum(last_col, 0), axis=1), np.nan
    )
    improvement = first[:, None] - latest
    no_change = (scores >= config.min_phq9) & (
        np.abs(np.nan_to_num(improvement, nan=np.inf)) < config.flat_within - EPS
    )

    cond = (
        (attended >= config.by_session)
        & (run >= config.min_ceiling_run)
        & ~any_rupture
        & ~any_critical
        & no_change
    )
    fire = cond[:, -1]
    # the first column of the current stretch in which all of this holds
    broken = np.maximum.accumulate(np.where(~cond, cols, -1), axis=1)[:, -1]
    start = broken + 1
    found: list[Signal] = []
    for i in np.flatnonzero(fire).tolist():
        c = int(start[i])
        number = int(batch.session_number[i, c])
        first_score, latest_score = float(first[i]), float(latest[i, -1])
        change = first_score - latest_score
        found.append(
            Signal(
                episode_id=int(batch.episode_ids[i]),
                kind="as_if",
                severity="yellow",
                session_number=number,
                key=f"as_if:from-s{number}",
                title="Perfect ratings but no change: is there room to say what isn't working?",
                explanation=(
                    f"The client has rated {int(run[i, -1])} sessions in a row at the top of "
                    f"every scale ({config.ceiling:g} of 10), has never reported a difficult "
                    "moment or written anything critical, and after "
                    f"{int(attended[i, -1])} sessions the PHQ-9 has moved from "
                    f"{plain(first_score)} to {plain(latest_score)}: a flat course (a "
                    f"reliable change needs {config.reliable_change:g} points). Ratings at the "
                    "ceiling together with no change can mean that the client does not yet "
                    "feel safe to say what is not working — many people learned that "
                    "criticism is risky or is 'complaining'. This is not a judgement of the "
                    "client or of you: it is an invitation to make honest feedback easier, for "
                    "example by asking what could be better or what has been left unsaid."
                ),
                evidence={
                    "session": number,
                    "ceiling_run": int(run[i, -1]),
                    "sessions_at_ceiling": int(seen_ceiling[i, -1]),
                    "attended_sessions": int(attended[i, -1]),
                    "ruptures_reported": 0,
                    "critical_comments": 0,
                    "first_phq9": round(first_score, 1),
                    "latest_phq9": round(latest_score, 1),
                    "phq9_change": round(-change, 1),
                    "flat_within": plain_number(config.flat_within),
                    "reliable_change": plain_number(config.reliable_change),
                    "min_ceiling_run": config.min_ceiling_run,
                    "by_session": config.by_session,
                },
                source=AS_IF_SOURCE,
                actions=(INVITE_FEEDBACK, REVIEW_MODALITY, REVIEW_IN_SUPERVISION),
            )
        )
    return found
