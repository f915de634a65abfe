"""Properties of the engine's therapist model on arbitrary small practices (the recovery of a
known variance and the parity with statsmodels are in tests/analytics/)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from attune.engine.therapist_effects import WITHIN, therapist_model


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 25), min_size=2, max_size=6),
    spread=st.floats(0.0, 8.0),
    seed=st.integers(0, 10_000),
    flat_intake=st.booleans(),
)
def test_any_small_practice_gives_a_coherent_summary(sizes, spread, seed, flat_intake):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(len(sizes)), sizes)
    intake = np.full(groups.size, 14.0) if flat_intake else rng.integers(0, 28, groups.size)
    change = np.round(rng.normal(0.0, spread, len(sizes))[groups] + rng.normal(-4, 4, groups.size))
    who = [f"T{g}" for g in groups]
    if groups.size < 3:
        return
    model = therapist_model(intake, change, who, n_boot=20, seed=seed)
    assert 0.0 <= model.icc < 1.0 and model.tau2 >= 0.0 and model.sigma2 >= 0.0
    assert 0.0 <= model.icc_lower <= model.icc_upper < 1.0
    assert [e.therapist for e in model.effects] == sorted(set(who))
    for e in model.effects:
        if e.n < model.min_cases:
            assert e.effect is None and e.place.startswith("not placed")
        else:
            assert e.lower is not None and e.upper is not None and e.effect is not None
            assert e.lower <= e.effect <= e.upper
            assert (e.place == WITHIN) == (e.lower <= 0.0 <= e.upper)
