"""Shape checks of :class:`attune.engine.batch.EpisodeBatch` and
:class:`attune.engine.classifier.Reader`, and the options of
:func:`attune.simulation.to_batch.batch_from_courses` the main tests leave (issue 15)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from attune.engine.batch import EpisodeBatch
from attune.engine.classifier import Reader, TermBlock, evaluate
from attune.engine.not_on_track_card import detect_not_on_track_card
from attune.simulation.to_batch import batch_from_courses, simulate_batch
from attune.simulation.trajectories import Courses


@pytest.fixture(scope="module")
def simulated() -> tuple[EpisodeBatch, Courses]:
    return simulate_batch(6, max_sessions=4, seed=3)


def test_batch_shapes_checked(simulated: tuple[EpisodeBatch, Courses]) -> None:
    batch, _ = simulated
    n, t = batch.attendance.shape
    with pytest.raises(
        ValueError, match=rf"phq9 has shape \({n}, {t + 1}\), expected \({n}, {t}\)"
    ):
        dataclasses.replace(batch, phq9=np.zeros((n, t + 1)))
    with pytest.raises(ValueError, match="alliance has shape"):
        dataclasses.replace(batch, alliance=np.zeros((n, t, 3)))
    with pytest.raises(ValueError, match="episode_ids must have one id per row"):
        dataclasses.replace(batch, episode_ids=np.arange(n + 1))
    # a wrong-length "ended" is replaced by "nobody has ended"
    fixed = dataclasses.replace(batch, ended=np.ones(n + 2, dtype=bool))
    assert fixed.ended.tolist() == [False] * n


def test_batch_from_courses_takes_given_arrays(simulated: tuple[EpisodeBatch, Courses]) -> None:
    batch, courses = simulated
    n, t = batch.attendance.shape
    item9 = np.full((n, t), 2.0)
    mix = np.full((n, t), 5, dtype=np.int64)
    critical = np.ones((n, t), dtype=bool)
    given = batch_from_courses(
        courses,
        phq9_item9=item9,
        modality_mix=mix,
        critical_text=critical,
    )
    assert (given.phq9_item9 == 2.0).all()
    assert (given.modality_mix == 5).all()
    assert given.critical_text.all()
    # the defaults: item 9 is 0 wherever a PHQ-9 was taken (NaN elsewhere), mix 0 at every
    # session of the episode and -1 past its end
    default = batch_from_courses(courses)
    taken = ~np.isnan(default.phq9)
    assert (default.phq9_item9[taken] == 0.0).all()
    assert np.isnan(default.phq9_item9[~taken]).all()
    inside = default.attendance >= 0
    assert (default.modality_mix[inside] == 0).all()
    assert (default.modality_mix[~inside] == -1).all()
    assert (~inside).any()  # some episodes are shorter than the longest


def test_simulate_batch_arguments_checked() -> None:
    with pytest.raises(ValueError, match="n_episodes must be at least 1"):
        simulate_batch(0)
    with pytest.raises(ValueError, match="max_sessions must be at least 2"):
        simulate_batch(3, max_sessions=1)


def reader(**change: object) -> Reader:
    block = TermBlock("words", ["sleep", "panic"], np.ones(2))
    fields: dict[str, object] = {
        "areas": ["sleep", "anxiety"],
        "blocks": [block],
        "coef": np.eye(2),
        "intercept": np.zeros(2),
        "platt_a": np.ones(2),
        "platt_b": np.zeros(2),
        "thresholds": np.full(2, 0.5),
    }
    fields.update(change)
    return Reader(**fields)  # type: ignore[arg-type]


def test_reader_shapes_checked() -> None:
    assert reader().areas == ["sleep", "anxiety"]
    with pytest.raises(ValueError, match=r"coef has shape \(2, 3\), expected \(2, 2\)"):
        reader(coef=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="thresholds must have one value per area"):
        reader(thresholds=np.zeros(3))
    with pytest.raises(ValueError, match="unknown analyzer 'letters'"):
        TermBlock("letters", ["a"], np.ones(1))


def test_evaluate_needs_matching_lists() -> None:
    with pytest.raises(ValueError, match="non-empty and of the same length"):
        evaluate([], [])
    with pytest.raises(ValueError, match="non-empty and of the same length"):
        evaluate([{"sleep"}], [{"sleep"}, set()])


def test_not_on_track_card_of_no_episodes(simulated: tuple[EpisodeBatch, Courses]) -> None:
    batch, _ = simulated
    empty = dataclasses.replace(
        batch, **{f.name: getattr(batch, f.name)[:0] for f in dataclasses.fields(batch)}
    )
    assert empty.attendance.shape == (0, batch.attendance.shape[1])
    assert detect_not_on_track_card(empty) == []
