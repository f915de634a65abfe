"""The therapist model recovers a known between-therapist variance on simulated practices
(issue 13), adjusts for intake, and places nobody under 15 finished courses."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from attune.analytics.therapist_effects import therapist_model
from attune.engine.therapist_effects import reml_fit


def simulate(therapists: int, per: int, icc: float, seed: int, total_var: float = 25.0):
    """PHQ-9-like change: intake ~ N(15, 5), change = -5 - 0.3 (intake - 15) + u_j + e."""
    rng = np.random.default_rng(seed)
    counts = np.full(therapists, per)
    counts[0] = 8  # one therapist with a small caseload
    groups = np.repeat(np.arange(therapists), counts)
    intake = rng.normal(15.0, 5.0, groups.size)
    u = rng.normal(0.0, np.sqrt(icc * total_var), therapists)
    e = rng.normal(0.0, np.sqrt((1 - icc) * total_var), groups.size)
    change = -5.0 - 0.3 * (intake - 15.0) + u[groups] + e
    return intake, change, [f"T{g:02d}" for g in groups]


@pytest.mark.parametrize(("icc", "seed"), [(0.10, 1), (0.05, 2)])
def test_a_known_between_therapist_share_is_inside_its_interval(icc, seed):
    intake, change, who = simulate(40, 30, icc, seed)
    model = therapist_model(intake, change, who, n_boot=100, seed=seed)
    print(
        f"\ntrue ICC {icc:.2f}: estimated {model.icc:.3f} "
        f"[{model.icc_lower:.3f}, {model.icc_upper:.3f}], intake slope {model.intake_slope:.3f}"
    )
    assert model.icc_lower <= icc <= model.icc_upper
    assert model.icc_upper - model.icc_lower < 0.15
    assert model.intake_slope == pytest.approx(-0.3, abs=0.05)
    assert model.courses == 8 + 39 * 30 and model.therapists == 40


def test_nobody_is_placed_under_15_courses_and_nobody_is_ranked():
    intake, change, who = simulate(12, 20, 0.10, 3)
    model = therapist_model(intake, change, who, n_boot=20)
    small = [e for e in model.effects if e.n < 15]
    assert [e.therapist for e in small] == ["T00"]
    assert small[0].effect is None and small[0].place.startswith("not placed")
    placed = [e for e in model.effects if e.n >= 15]
    assert all(e.lower is not None and e.lower <= e.effect <= e.upper for e in placed)
    assert [e.therapist for e in model.effects] == sorted(e.therapist for e in model.effects)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        therapist_model([10.0], [1.0, 2.0], ["a"])
    with pytest.raises(ValueError):
        therapist_model([10.0, 11.0, 12.0], [1.0, 2.0, 3.0], ["a", "a", "a"])


@pytest.mark.parametrize(
    ("seed", "icc", "therapists", "per"),
    [(1, 0.10, 40, 30), (3, 0.0, 8, 12), (4, 0.30, 5, 25)],
    ids=["icc-0.10", "icc-0", "icc-0.30"],
)
def test_the_numpy_reml_fit_matches_statsmodels_mixedlm(seed, icc, therapists, per):
    """The engine's REML (one profiled parameter) against statsmodels' MixedLM, the reference."""
    # inline: statsmodels (with scipy and pandas) takes 2.6 s to import, paid by every pytest
    # process at collection when imported at the top; only this test needs it.
    from statsmodels.regression.mixed_linear_model import MixedLM

    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(therapists), rng.integers(per // 2, per * 2, therapists))
    intake = rng.normal(15.0, 5.0, groups.size)
    change = (
        -5.0
        - 0.3 * (intake - 15.0)
        + rng.normal(0.0, np.sqrt(icc * 25.0), therapists)[groups]
        + rng.normal(0.0, np.sqrt((1 - icc) * 25.0), groups.size)
    )
    x = np.column_stack([np.ones_like(intake), intake - intake.mean()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = MixedLM(change, x, groups=groups).fit(reml=True, method="nm", maxiter=5000)
    b0, b1, tau2, sigma2 = reml_fit(intake, change, groups)
    assert b0 == pytest.approx(float(ref.fe_params[0]), abs=1e-3)
    assert b1 == pytest.approx(float(ref.fe_params[1]), abs=1e-3)
    assert tau2 == pytest.approx(float(np.asarray(ref.cov_re)[0, 0]), abs=2e-3)
    assert sigma2 == pytest.approx(float(ref.scale), rel=1e-3)


def test_a_therapist_far_from_the_practice_is_placed_outside_the_range():
    """One therapist's clients change 6 points more (better), one 6 points less; 40 courses
    each among ten therapists: the model places them on either side, the rest within."""
    rng = np.random.default_rng(11)
    groups = np.repeat(np.arange(10), 40)
    intake = rng.normal(15.0, 4.0, groups.size)
    shift = np.zeros(10)
    shift[1], shift[2] = -6.0, 6.0
    change = -5.0 - 0.3 * (intake - 15.0) + shift[groups] + rng.normal(0.0, 4.0, groups.size)
    model = therapist_model(intake, change, [f"T{g:02d}" for g in groups], n_boot=50)
    places = {e.therapist: e.place for e in model.effects}
    assert places["T01"] == "more improvement than expected"
    assert places["T02"] == "less improvement than expected"
    assert sum(p == "within the expected range" for p in places.values()) >= 6
