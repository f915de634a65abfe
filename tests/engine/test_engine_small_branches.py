"""Argument checks and edge cases of the engine modules the main tests leave (issue 15):
outcomes, recovery, modality_review, not_on_track_card, therapist_effects."""

from __future__ import annotations

import math

import numpy as np
import pytest

from attune.engine import outcomes, recovery
from attune.engine.modality_review import ModalityReviewConfig
from attune.engine.not_on_track_card import NotOnTrackCardConfig
from attune.engine.therapist_effects import therapist_model


def test_cutoff_c_worked_example_and_bad_sds() -> None:
    # PHQ-9-like: dysfunctional 17 (SD 4), functional 4 (SD 3): (3·17 + 4·4) / 7 = 67 / 7
    assert outcomes.cutoff_c(17, 4, 4, 3) == pytest.approx(67 / 7)
    with pytest.raises(ValueError, match="cut-off c needs positive SDs"):
        outcomes.cutoff_c(17, 0, 4, 0)


def test_classify_change_reliability_rules_checked() -> None:
    with pytest.raises(ValueError, match="sdiff must be positive"):
        outcomes.classify_change([20], [8], higher_is_better=False, sdiff=0.0)
    with pytest.raises(ValueError, match="rc_points must be positive"):
        outcomes.classify_change([20], [8], higher_is_better=False, rc_points=-6.0)
    # 6 PHQ-9 points (NHS Talking Therapies): 20 → 14 is reliable, 20 → 15 not, 8 → 14 worse
    codes = outcomes.classify_change(
        [20, 20, 8], [14, 15, 14], higher_is_better=False, rc_points=6.0
    )
    assert outcomes.category_names(codes) == ["improved", "unchanged", "deteriorated"]


def test_first_and_latest_of_no_columns() -> None:
    result = outcomes.first_and_latest(np.empty((3, 0)), np.empty((3, 0), dtype=np.int64))
    assert np.isnan(result.first).all()
    assert np.isnan(result.latest).all()
    assert result.count.tolist() == [0, 0, 0]
    assert result.latest_session.tolist() == [0, 0, 0]


def test_recovery_curves_refuse_negative_spreads() -> None:
    curves = recovery.reference_curves()
    with pytest.raises(ValueError, match="spreads must not be negative"):
        recovery.RecoveryCurves(
            "bad", "phq9", curves.slope, (-1.0,) + curves.sd_error[1:], curves.sd_slope
        )


def test_reference_needs_more_than_one_typical_session() -> None:
    with pytest.raises(ValueError, match="typical_sessions must be above 1"):
        recovery.derive_reference(recovery.ReferenceConfig(typical_sessions=1.0))
    # the default: 6.9 sessions, the mean of finished courses (IAPT 2019-20)
    assert recovery.derive_reference().log_typical == pytest.approx(math.log(6.9))


def test_review_and_card_configs_checked() -> None:
    with pytest.raises(ValueError, match="consecutive must be at least 1"):
        ModalityReviewConfig(consecutive=0)
    with pytest.raises(ValueError, match="enter_after and exit_after must be at least 1"):
        NotOnTrackCardConfig(exit_after=0)
    with pytest.raises(ValueError, match="enter_after and exit_after must be at least 1"):
        NotOnTrackCardConfig(enter_after=0)


def test_therapist_model_without_bootstrap_has_no_interval() -> None:
    intake = [10, 12, 14, 16, 11, 13, 15, 9]
    change = [-3, -5, -2, -6, -4, -1, -7, -2]
    who = ["a", "a", "a", "a", "b", "b", "b", "b"]
    plain = therapist_model(intake, change, who, n_boot=0, min_cases=1)
    boot = therapist_model(intake, change, who, n_boot=50, min_cases=1)
    assert math.isnan(plain.icc_lower) and math.isnan(plain.icc_upper)
    assert plain.icc == boot.icc  # the point estimate does not depend on the bootstrap
    assert boot.icc_lower <= boot.icc <= boot.icc_upper
