"""Episodes as arrays: the one input shape of every signal.

Rows are episodes, columns are the episode's scheduled sessions in order (attended or not).
A practice is a batch of many rows; a single episode is a batch of one row — the same code
evaluates both, so they cannot disagree. Missing values are NaN (floats) or -1 (codes); columns
past an episode's end have attendance ``NONE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Attendance codes (same order as the care model's choices and the simulator's).
ATTENDANCE: tuple[str, ...] = ("attended", "cancelled", "late_cancelled", "no_show", "scheduled")
ATTENDED, CANCELLED, LATE_CANCELLED, NO_SHOW, SCHEDULED = range(len(ATTENDANCE))
NONE = -1

#: Session-feedback domains, in the order of the last axis of ``alliance``.
DOMAINS: tuple[str, ...] = ("bond", "goals", "approach", "overall")
#: Answer codes of the session-feedback choice items, as their values.
RUPTURE: tuple[str, ...] = ("no", "a_little", "yes")
RESOLVED: tuple[str, ...] = ("not_at_all", "partly", "mostly", "completely")
STOPPING: tuple[str, ...] = ("no", "sometimes", "yes")
#: "If you told us about a difficult moment before: has it been talked through?" (session
#: feedback version 2); "not applicable" is stored as missing.
TALKED_THROUGH: tuple[str, ...] = ("no", "partly", "yes")
#: Fit check-in, "Is this the right match?" (client and therapist), as their values.
MATCH: tuple[str, ...] = ("no", "not_sure", "yes")


#: The (n, t) arrays of a batch (``alliance`` is (n, t, 4) and handled on its own).
_SESSION_FIELDS = (
    "session_number", "attendance", "days", "phq9", "gad7", "phq9_item9", "rupture", "resolved",
    "stopping", "critical_text", "modality_mix", "talked_through", "fit_client",
    "fit_client_match", "fit_therapist", "fit_therapist_match",
)  # fmt: skip
#: Session fields added later, optional when a batch is built (missing = NaN).
_OPTIONAL_FIELDS = (
    "talked_through", "fit_client", "fit_client_match", "fit_therapist", "fit_therapist_match",
)  # fmt: skip


def _missing() -> FloatArray:
    return np.zeros((0, 0))


@dataclass(frozen=True, eq=False)
class EpisodeBatch:
    """Session-by-session data of ``n`` episodes over ``t`` session columns.

    ``episode_ids`` are the caller's ids (database ids, row numbers of a CSV); signals carry them.
    ``modality_mix`` is an integer per session naming its set of modalities (equal integers =
    the same mix; -1 unknown). ``critical_text`` marks feedback whose free text voiced a
    criticism or a difficulty (the caller decides; see ``attune.engine.text``).
    ``talked_through`` is the client's later confirmation that an earlier difficult moment was
    talked through (codes into ``TALKED_THROUGH``). ``fit_client`` / ``fit_therapist`` are the
    fit check-in ratings (0-10) and ``fit_*_match`` the answers to "Is this the right match?"
    (codes into ``MATCH``), in the column of the session the check-in was asked after. The
    optional fields default to all missing.
    """

    episode_ids: IntArray  # (n,)
    session_number: IntArray  # (n, t) 1-based; 0 in padding
    attendance: IntArray  # (n, t) codes into ATTENDANCE; NONE in padding
    days: FloatArray  # (n, t) days since the episode started; NaN in padding
    phq9: FloatArray  # (n, t) PHQ-9 total before the session
    gad7: FloatArray  # (n, t) GAD-7 total before the session
    phq9_item9: FloatArray  # (n, t) PHQ-9 item 9 value 0..3
    alliance: FloatArray  # (n, t, 4) session feedback per DOMAINS, 0..10
    rupture: FloatArray  # (n, t) 0 no, 1 a little, 2 yes
    resolved: FloatArray  # (n, t) 0..3, NaN when no rupture
    stopping: FloatArray  # (n, t) 0..2, NaN when not answered
    critical_text: BoolArray  # (n, t)
    modality_mix: IntArray  # (n, t)
    ended: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (n,) episode over
    talked_through: FloatArray = field(default_factory=_missing)  # (n, t) 0..2
    fit_client: FloatArray = field(default_factory=_missing)  # (n, t) 0..10
    fit_client_match: FloatArray = field(default_factory=_missing)  # (n, t) 0..2
    fit_therapist: FloatArray = field(default_factory=_missing)  # (n, t) 0..10
    fit_therapist_match: FloatArray = field(default_factory=_missing)  # (n, t) 0..2

    def __post_init__(self) -> None:
        n, t = self.attendance.shape
        if self.ended.shape != (n,):
            object.__setattr__(self, "ended", np.zeros(n, dtype=bool))
        for name in _OPTIONAL_FIELDS:
            if getattr(self, name).shape != (n, t) and getattr(self, name).size == 0:
                object.__setattr__(self, name, np.full((n, t), np.nan))
        for name in _SESSION_FIELDS:
            if name == "attendance":
                continue
            shape = getattr(self, name).shape
            if shape != (n, t):
                raise ValueError(f"{name} has shape {shape}, expected {(n, t)}")
        if self.alliance.shape != (n, t, len(DOMAINS)):
            raise ValueError(f"alliance has shape {self.alliance.shape}, expected {(n, t, 4)}")
        if self.episode_ids.shape != (n,):
            raise ValueError("episode_ids must have one id per row")

    @property
    def size(self) -> int:
        return int(self.attendance.shape[0])

    @property
    def columns(self) -> int:
        return int(self.attendance.shape[1])

    @property
    def alliance_total(self) -> FloatArray:
        """Sum of the four domains (0..40); NaN unless all four were answered."""
        return np.asarray(self.alliance.sum(axis=2), dtype=np.float64)

    @property
    def attended(self) -> BoolArray:
        return np.asarray(self.attendance == ATTENDED)

    def row(self, index: int) -> EpisodeBatch:
        """A batch of one episode (for single-episode evaluation and tests)."""
        pick = slice(index, index + 1)
        return EpisodeBatch(
            episode_ids=self.episode_ids[pick],
            session_number=self.session_number[pick],
            attendance=self.attendance[pick],
            days=self.days[pick],
            phq9=self.phq9[pick],
            gad7=self.gad7[pick],
            phq9_item9=self.phq9_item9[pick],
            alliance=self.alliance[pick],
            rupture=self.rupture[pick],
            resolved=self.resolved[pick],
            stopping=self.stopping[pick],
            critical_text=self.critical_text[pick],
            modality_mix=self.modality_mix[pick],
            ended=self.ended[pick],
            talked_through=self.talked_through[pick],
            fit_client=self.fit_client[pick],
            fit_client_match=self.fit_client_match[pick],
            fit_therapist=self.fit_therapist[pick],
            fit_therapist_match=self.fit_therapist_match[pick],
        )


def empty_batch(n: int, t: int, episode_ids: Sequence[int] | None = None) -> EpisodeBatch:
    """A batch of ``n`` episodes and ``t`` columns with nothing recorded, to be filled in."""
    nan2 = np.full((n, t), np.nan)
    return EpisodeBatch(
        episode_ids=np.arange(n, dtype=np.int64)
        if episode_ids is None
        else np.asarray(episode_ids, dtype=np.int64),
        session_number=np.zeros((n, t), dtype=np.int64),
        attendance=np.full((n, t), NONE, dtype=np.int64),
        days=nan2.copy(),
        phq9=nan2.copy(),
        gad7=nan2.copy(),
        phq9_item9=nan2.copy(),
        alliance=np.full((n, t, len(DOMAINS)), np.nan),
        rupture=nan2.copy(),
        resolved=nan2.copy(),
        stopping=nan2.copy(),
        critical_text=np.zeros((n, t), dtype=bool),
        modality_mix=np.full((n, t), -1, dtype=np.int64),
        ended=np.zeros(n, dtype=bool),
        talked_through=nan2.copy(),
        fit_client=nan2.copy(),
        fit_client_match=nan2.copy(),
        fit_therapist=nan2.copy(),
        fit_therapist_match=nan2.copy(),
    )


def episode(
    *,
    attendance: Sequence[str],
    phq9: Sequence[float | None] = (),
    gad7: Sequence[float | None] = (),
    item9: Sequence[float | None] = (),
    alliance: Sequence[Sequence[float] | None] = (),
    rupture: Sequence[str | None] = (),
    resolved: Sequence[str | None] = (),
    stopping: Sequence[str | None] = (),
    talked_through: Sequence[str | None] = (),
    fit_client: Sequence[float | None] = (),
    fit_client_match: Sequence[str | None] = (),
    fit_therapist: Sequence[float | None] = (),
    fit_therapist_match: Sequence[str | None] = (),
    critical_text: Sequence[bool] = (),
    modality_mix: Sequence[int] = (),
    days: Sequence[float] = (),
    episode_id: int = 0,
    ended: bool = False,
) -> EpisodeBatch:
    """Build a one-episode batch from plain lists (one entry per scheduled session).

    Shorter lists leave the remaining sessions missing; ``days`` defaults to weekly sessions.
    This is the convenient way to write a worked example in a test or a notebook.
    """
    t = len(attendance)
    batch = empty_batch(1, t, [episode_id])
    batch.session_number[0] = np.arange(1, t + 1)
    batch.attendance[0] = [ATTENDANCE.index(a) for a in attendance]
    batch.days[0] = list(days) + [7.0 * j for j in range(len(days), t)]
    _fill(batch.phq9[0], phq9)
    _fill(batch.gad7[0], gad7)
    _fill(batch.phq9_item9[0], item9)
    for j, row in enumerate(alliance):
        if row is not None:
            batch.alliance[0, j] = row
    _fill(batch.rupture[0], [None if c is None else RUPTURE.index(c) for c in rupture])
    _fill(batch.resolved[0], [None if c is None else RESOLVED.index(c) for c in resolved])
    _fill(batch.stopping[0], [None if c is None else STOPPING.index(c) for c in stopping])
    _fill(batch.talked_through[0], [_code(TALKED_THROUGH, c) for c in talked_through])
    _fill(batch.fit_client[0], fit_client)
    _fill(batch.fit_client_match[0], [_code(MATCH, c) for c in fit_client_match])
    _fill(batch.fit_therapist[0], fit_therapist)
    _fill(batch.fit_therapist_match[0], [_code(MATCH, c) for c in fit_therapist_match])
    batch.critical_text[0, : len(critical_text)] = critical_text
    batch.modality_mix[0, : len(modality_mix)] = modality_mix
    batch.ended[0] = ended
    return batch


def stack(batches: Sequence[EpisodeBatch]) -> EpisodeBatch:
    """One batch from many (rows padded to the longest)."""
    n = sum(b.size for b in batches)
    t = max((b.columns for b in batches), default=0)
    ids = [int(i) for b in batches for i in b.episode_ids]
    out = empty_batch(n, t, ids)
    row = 0
    for b in batches:
        rows, cols = slice(row, row + b.size), slice(0, b.columns)
        for name in _SESSION_FIELDS:
            getattr(out, name)[rows, cols] = getattr(b, name)
        out.alliance[rows, cols] = b.alliance
        out.ended[rows] = b.ended
        row += b.size
    return out


def _code(codes: tuple[str, ...], code: str | None) -> int | None:
    return None if code is None else codes.index(code)


def _fill(target: FloatArray, values: Sequence[float | None]) -> None:
    for j, value in enumerate(values):
        if value is not None:
            target[j] = value
