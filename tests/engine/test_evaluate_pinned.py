"""The full output of ``evaluate`` is pinned: making the engine faster must not change a byte.

Issue 13 (engine speed) vectorised the signal functions. These tests hold every field of every
signal — kind, severity, session, key, title, explanation, evidence (values *and* types, in
order), source, actions — to fingerprints taken with the engine as it was before, on simulated
practices and on random batches that hit the corners the simulator does not (missing values
everywhere, half points, unsorted episode ids, long gaps, ceiling ratings). A change of output
changes the fingerprint of its kind, so a failure names the signal that moved. A rule that is
meant to change updates its fingerprints in the same commit, with the reason.

The property test checks the engine's promise that a batch evaluated at once equals its episodes
evaluated one by one, on random batches.
"""

from __future__ import annotations

import gc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attune.engine.batch import NONE, EpisodeBatch, empty_batch
from attune.engine.evaluate import EngineConfig, evaluate
from attune.engine.signals import KINDS, Signal, fingerprint
from attune.engine.sudden_gains import detect_sudden_changes
from attune.simulation.to_batch import simulate_batch


def random_batch(seed: int, n: int, t: int) -> EpisodeBatch:
    """``n`` random episodes of up to ``t`` columns, rich in events and in missing values."""
    rng = np.random.default_rng(seed)
    ids = rng.permutation(10 * n)[:n]  # unsorted: the output is ordered by episode id
    b = empty_batch(n, t, ids.tolist())
    cols = np.arange(t)[None, :]
    inside = cols < rng.integers(0, t + 1, n)[:, None]
    b.attendance[:] = np.where(inside, rng.choice(5, (n, t), p=[0.7, 0.08, 0.07, 0.1, 0.05]), NONE)
    b.session_number[:] = np.where(inside, cols + 1, 0)
    days = np.cumsum(rng.choice([7.0, 7.0, 7.0, 14.0, 30.0], (n, t)), axis=1) - 7.0
    b.days[:] = np.where(inside, days, np.nan)

    def course(top: int, noise: float) -> np.ndarray:
        start = rng.integers(0, top + 1, n)[:, None]
        slope = rng.normal(-0.4, 1.0, n)[:, None]
        jump = np.where(rng.random((n, t)) < 0.08, rng.choice([-8, 8], (n, t)), 0)
        raw = start + slope * cols + rng.normal(0, noise, (n, t)) + np.cumsum(jump, axis=1)
        halves = rng.random(n)[:, None] < 0.1  # some rows score in half points
        raw = np.where(halves, np.round(raw * 2) / 2, np.round(raw))
        kept = inside & (rng.random((n, t)) > 0.2)
        return np.where(kept, np.clip(raw, 0, top), np.nan)

    b.phq9[:] = course(27, 2.5)
    b.gad7[:] = course(21, 2.0)
    b.phq9_item9[:] = np.where(
        np.isfinite(b.phq9), rng.choice([0, 0, 0, 0, 0, 1, 2, 3], (n, t)), np.nan
    )
    level = rng.choice([10.0, 9.5, 9.0, 8.0, 6.5, 5.0], n)[:, None, None]
    dip = np.where(rng.random((n, t, 1)) < 0.1, -rng.integers(2, 6, (n, t, 1)), 0)
    alliance = np.clip(np.round(level + dip + rng.normal(0, 0.6, (n, t, 4))), 0, 10)
    alliance = np.where(rng.random((n, t, 1)) < 0.15, level, alliance)  # runs at one level
    alliance = np.where(rng.random((n, t, 4)) < 0.04, np.nan, alliance)
    b.alliance[:] = np.where(inside[..., None] & (rng.random((n, t, 1)) > 0.1), alliance, np.nan)

    def codes(choices: list[float]) -> np.ndarray:
        return np.where(inside, rng.choice(choices, (n, t)), np.nan)

    b.rupture[:] = codes([np.nan, 0, 0, 0, 0, 0, 1, 2])
    b.resolved[:] = np.where(b.rupture >= 1, codes([np.nan, 0, 1, 2, 3]), np.nan)
    b.stopping[:] = codes([np.nan, 0, 0, 0, 0, 1, 2])
    b.talked_through[:] = codes([np.nan] * 6 + [0, 1, 2])
    b.critical_text[:] = inside & (rng.random((n, t)) < 0.05)
    mix = rng.integers(0, 3, n)[:, None] + (cols >= rng.integers(2, t + 2, n)[:, None])
    b.modality_mix[:] = np.where(inside, mix, -1)
    fit_col = np.clip(rng.integers(2, 6, n), 0, t - 1)
    asked = inside[np.arange(n), fit_col] & (rng.random(n) < 0.7)
    for field, top in (
        ("fit_client", 10), ("fit_client_match", 2), ("fit_therapist", 10),
        ("fit_therapist_match", 2),
    ):  # fmt: skip
        answered = asked & (rng.random(n) < 0.85)
        values = getattr(b, field)
        values[np.flatnonzero(answered), fit_col[answered]] = rng.integers(0, top + 1, n)[answered]
    b.ended[:] = rng.random(n) < 0.3
    return b


def by_kind(signals: list[Signal]) -> dict[str, tuple[int, str]]:
    """Count and fingerprint (first 16 hex digits) of each kind, in the output's order."""
    kinds = sorted({s.kind for s in signals}, key=lambda k: (k not in KINDS, k))
    return {
        kind: (
            sum(s.kind == kind for s in signals),
            fingerprint(s for s in signals if s.kind == kind)[:16],
        )
        for kind in kinds
    }


def _as_of(batch: EpisodeBatch, seed: int) -> np.ndarray:
    """Evaluated some days after each episode's latest recorded day (the long-gap path)."""
    days = np.where((batch.attendance >= 0) & np.isfinite(batch.days), batch.days, -np.inf)
    latest = np.max(days, axis=1)
    gap = np.random.default_rng(seed).integers(0, 60, batch.size)
    return np.asarray(np.where(np.isfinite(latest), latest, 0.0) + gap, dtype=np.float64)


OVERRIDES = EngineConfig.from_mapping(
    {
        "rupture": {"alert_when_carried_on": True, "z": 1.5},
        "not_on_track": {"gad7_curve": False, "exit_after": 1},
        "dropout": {"needs_sign_of_leaving": False},
    }
)


def case(name: str) -> list[Signal]:
    if name.startswith("simulated-"):
        seed = int(name.rsplit("-", 1)[1])
        batch, _ = simulate_batch(2000, 20, seed=seed)
        return evaluate(batch)
    if name == "ceiling-3":
        batch, _ = simulate_batch(2000, 20, seed=3, alliance="ceiling")
        return evaluate(batch)
    if name == "as-of-4":
        batch, _ = simulate_batch(1000, 20, seed=4)
        return evaluate(batch, as_of=_as_of(batch, 4))
    if name == "overrides-0":
        batch, _ = simulate_batch(1000, 20, seed=0)
        return evaluate(batch, config=OVERRIDES)
    if name == "random-5":
        return evaluate(random_batch(5, 2000, 16))
    if name == "random-6":
        batch = random_batch(6, 1000, 24)
        return evaluate(batch, as_of=_as_of(batch, 6))
    raise AssertionError(name)


#: Taken before issue 13 changed any engine code (commit on branch ``engine``).
PINNED: dict[str, tuple[str, dict[str, tuple[int, str]]]] = {
    "simulated-0": (
        "5061689c22772379184723ae5a5a520ed5b102f676861a461cfe9bc7969fbe5d",
        {
            "as_if": (114, "e0dbcae855bdc67d"),
            "dropout_risk": (473, "1427db71ecd31852"),
            "fit_check": (66, "4c836ce21566f635"),
            "low_alliance": (329, "b0d01f9c8be39f9d"),
            "not_on_track": (527, "92bc327960997ae3"),
            "reliable_improvement": (969, "32101ed6263fc8ba"),
            "repair": (909, "de58f32b4b065ca9"),
            "repeated_ruptures": (19, "8a51e77c2d595a28"),
            "rupture": (2276, "9b777ca532590489"),
            "safety": (250, "f6dda1c7c5afd5f3"),
            "sudden_gain": (122, "dbd915bbfa3250ab"),
            "unrepaired_rupture": (274, "68a2924fa2ff6eed"),
        },
    ),
    "simulated-1": (
        "4412fef03b335a7cf8574c7e5e82a608b7556bcc1cf7377717b6c3e7c925c535",
        {
            "as_if": (113, "bae02247f21caa55"),
            "dropout_risk": (439, "0f6bb69a15652762"),
            "fit_check": (92, "1d183ac164017091"),
            "low_alliance": (335, "526d55236a6ae449"),
            "not_on_track": (509, "eaf2fac79d06e491"),
            "reliable_improvement": (965, "1e0cac745dae1fec"),
            "repair": (894, "faa7f5410623cb3e"),
            "repeated_ruptures": (21, "b9e14df8a0f5d195"),
            "rupture": (2292, "c2f1506af66efa5e"),
            "safety": (244, "e6393e8967b5f821"),
            "sudden_gain": (135, "e98dac5a0dd98ba6"),
            "unrepaired_rupture": (244, "511697fad35374a3"),
        },
    ),
    "simulated-2": (
        "00cbefc933e5e954dba66023d478fe6a5537a055acdad53c7093099ba82de71c",
        {
            "as_if": (108, "aa835eb76a746450"),
            "dropout_risk": (470, "0c6ed1b2ea6d3ee9"),
            "fit_check": (86, "7d432bfbd7c70039"),
            "low_alliance": (358, "9c7d999cd8dbdf6f"),
            "not_on_track": (528, "73aec31079ca10b0"),
            "reliable_improvement": (994, "1dae4c892aa1429e"),
            "repair": (929, "d9a66652e1606ec3"),
            "repeated_ruptures": (21, "4cc9176d43c645ad"),
            "rupture": (2338, "8cd59fced3175934"),
            "safety": (259, "c8be3acecf4fcdb6"),
            "sudden_gain": (130, "87875792ba53a74b"),
            "unrepaired_rupture": (268, "7c7b497143e53e71"),
        },
    ),
    "ceiling-3": (
        "597b3575f0898a0e521b664a867665b0300552a94fc98ae4e0dafd123eb065ee",
        {
            "as_if": (135, "a28c8e10c9992278"),
            "dropout_risk": (436, "5f6173eaed44f4cf"),
            "fit_check": (69, "39d78c90070a512f"),
            "low_alliance": (293, "c809e3d476cc1ed4"),
            "not_on_track": (524, "afa1ec0d0d3f43eb"),
            "reliable_improvement": (981, "b85642d6bae4c1e2"),
            "repair": (457, "7580ca126ec3237b"),
            "repeated_ruptures": (22, "59ca91b03233dbe8"),
            "rupture": (1702, "cb702f07c343ff8c"),
            "safety": (221, "1a62de2c7a33374e"),
            "sudden_gain": (111, "f36cc44a54c9e115"),
            "unrepaired_rupture": (199, "10baef38e3180297"),
        },
    ),
    "as-of-4": (
        "b1b8a9dcdaf8b250883a5733cf396b6b5c169f4fbe0192b8c49466536bedf6ff",
        {
            "as_if": (67, "5e9cd6c167f585aa"),
            "dropout_risk": (234, "dc572fc9b1daf1f7"),
            "fit_check": (44, "0de8e8f59b01c76a"),
            "low_alliance": (193, "85f3ad0786cc6e7c"),
            "not_on_track": (263, "cafbad42635fe949"),
            "reliable_improvement": (499, "c93599eecbfcde1b"),
            "repair": (465, "519872a4b8ca6800"),
            "repeated_ruptures": (18, "e284bfc1458457b5"),
            "rupture": (1191, "e00bfa39fa86ea1d"),
            "safety": (123, "902470a92093bcd0"),
            "sudden_gain": (73, "c812720730b6a195"),
            "unrepaired_rupture": (134, "d8de11ab53eaf056"),
        },
    ),
    "overrides-0": (
        "27aa2ad44f3e3500f53292bc0869c8384db14a51f9abe61aa39be52e0fa57309",
        {
            "as_if": (63, "f341be9d226ea0c7"),
            "dropout_risk": (264, "ff89d0bf1f3c6ff3"),
            "fit_check": (48, "ab57568df519fb84"),
            "low_alliance": (186, "22708389ed65ef2f"),
            "not_on_track": (246, "0c345ab16ca6ec23"),
            "reliable_improvement": (456, "03de7fe0caaafcc9"),
            "repair": (226, "6ecd9f1e46abb09f"),
            "repeated_ruptures": (12, "43447cbb1ad6b2e2"),
            "rupture": (889, "a1cb2b23721f2886"),
            "safety": (115, "4f2e1b78daa429e8"),
            "sudden_gain": (62, "08f87340488deef0"),
            "unrepaired_rupture": (100, "934a9420dfba03a9"),
        },
    ),
    "random-5": (
        "e3311e87c1d6a4045220406ea3132086cba709e7b08b010bb569197fac99e15b",
        {
            "dropout_risk": (1067, "33bb924f08edae84"),
            "fit_check": (1108, "95bf63cb2deea4cd"),
            "low_alliance": (544, "4d8e5b88be8f0da4"),
            "not_on_track": (835, "4cc8018334d2c7ce"),
            "reliable_improvement": (684, "8fc6bc9316d37ac6"),
            "repair": (1285, "66af8c999bc6952c"),
            "rupture": (2801, "62b554dd1e101e3f"),
            "safety": (4762, "18620a5506074fae"),
            "sudden_gain": (163, "adb977c0f7bb86f7"),
            "unrepaired_rupture": (30, "31677be97d8cd897"),
        },
    ),
    "random-6": (
        "3278fb40613d68812baa8bee53044b5cde00a7ac58726d42564cc3e32eca32a5",
        {
            "dropout_risk": (660, "b944db21f15da307"),
            "fit_check": (626, "e4828673f720521e"),
            "low_alliance": (311, "f7ca8e9614677a6e"),
            "not_on_track": (455, "75867b699e486338"),
            "reliable_improvement": (415, "7a1e39c59b0befda"),
            "repair": (1121, "b239d1894509cd47"),
            "rupture": (2145, "d68235353dd54dfd"),
            "safety": (3606, "1be366b156a087e2"),
            "sudden_gain": (119, "1cdc8301d1a10a17"),
            "unrepaired_rupture": (16, "7ab4d7db6b1c6acd"),
        },
    ),
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_evaluate_gives_exactly_the_pinned_signals(name: str) -> None:
    signals = case(name)
    expected_all, expected_kinds = PINNED[name]
    assert by_kind(signals) == expected_kinds
    assert fingerprint(signals) == expected_all  # the order across kinds and episodes too


def test_the_pinned_cases_raise_every_kind_of_signal() -> None:
    seen = {kind for _, kinds in PINNED.values() for kind in kinds}
    assert seen == set(KINDS)


def test_the_fingerprint_tells_types_and_order_apart() -> None:
    a = Signal(1, "repair", "info", 3, "repair:s3", "t", "e", {"total": 30}, "s")
    b = Signal(1, "repair", "info", 3, "repair:s3", "t", "e", {"total": 30.0}, "s")
    c = Signal(2, "repair", "info", 3, "repair:s3", "t", "e", {"total": 30}, "s")
    assert fingerprint([a]) != fingerprint([b])
    assert fingerprint([a, c]) != fingerprint([c, a])
    assert fingerprint([a]) == fingerprint([a])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 22))
def test_a_random_batch_at_once_equals_its_episodes_one_by_one(seed: int, n: int, t: int) -> None:
    batch = random_batch(seed, n, t)
    together = [repr(s) for s in evaluate(batch)]
    rows = sorted(range(n), key=lambda i: int(batch.episode_ids[i]))
    alone = [repr(s) for i in rows for s in evaluate(batch.row(i))]
    assert together == alone


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(2, 22))
def test_evaluate_reports_the_sudden_gains_of_detect_sudden_changes(
    seed: int, n: int, t: int
) -> None:
    # evaluate identifies the sudden changes once for the card and the notes; its gains must stay
    # exactly those of the detector in attune.engine.sudden_gains
    batch = random_batch(seed, n, t)
    kept = [repr(s) for s in evaluate(batch) if s.kind == "sudden_gain"]
    detected = [s for s in detect_sudden_changes(batch) if s.kind == "sudden_gain"]
    detected.sort(key=lambda s: (s.episode_id, s.session_number))
    assert kept == [repr(s) for s in detected]


@pytest.mark.parametrize("enabled", [True, False], ids=["collector-on", "collector-off"])
def test_evaluate_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    batch = random_batch(7, 30, 12)
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        assert evaluate(batch)
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError):
            evaluate(batch, as_of=np.zeros(batch.size + 1))  # wrong shape: fails inside
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
