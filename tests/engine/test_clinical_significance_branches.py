"""Branches of :mod:`attune.engine.clinical_significance` the published-data tests leave: bad
input and the functional-norm cut-offs b and c (Jacobson & Truax 1991; Hageman & Arrindell 1999).

Five people, lower is better: pre 20, 30, 10, 24, 18 (M 20.4, SD √54.8 = 7.4027), post 8, 28,
16, 12, 17; a functional population with M 8, SD 5.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from attune.engine import clinical_significance as cs

PRE = [20.0, 30.0, 10.0, 24.0, 18.0]
POST = [8.0, 28.0, 16.0, 12.0, 17.0]
SD_PRE = math.sqrt(54.8)


def test_cutoff_b_and_c_by_hand() -> None:
    b = cs.cutoff_from_data(PRE, "b", direction=-1, m_functional=8, sd_functional=5)
    assert (b.type, b.value) == ("b", 18.0)  # 8 + 2·5: two functional SDs toward the clinical
    c = cs.cutoff_from_data(PRE, "c", direction=-1, m_functional=8, sd_functional=5)
    assert c.value == pytest.approx((SD_PRE * 8 + 5 * 20.4) / (SD_PRE + 5))
    assert c.value == pytest.approx(12.9989, abs=1e-4)
    assert c.as_dict()["m_clinical"] == pytest.approx(20.4)
    higher = cs.cutoff_from_data(PRE, "b", direction=1, m_functional=8, sd_functional=5)
    assert higher.value == -2.0  # 8 − 2·5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cutoff_type": "b"}, "cut-off b needs the functional mean and SD"),
        (
            {"cutoff_type": "c", "m_functional": 8, "sd_functional": 0},
            "the functional SD must be positive",
        ),
        (
            {"cutoff_type": "d", "m_functional": 8, "sd_functional": 5},
            "unknown cut-off type 'd'; choose a, b or c",
        ),
    ],
)
def test_cutoff_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cs.cutoff_from_data(PRE, direction=-1, **kwargs)  # type: ignore[arg-type]


def test_cutoff_needs_two_cases_and_a_direction() -> None:
    with pytest.raises(ValueError, match="at least two complete cases"):
        cs.cutoff_from_data([20.0], "a", direction=-1)
    with pytest.raises(ValueError, match=r"direction must be 1 \(higher is better\) or -1, got 0"):
        cs.cutoff_from_data(PRE, "a", direction=0)


@pytest.mark.parametrize(
    ("pre", "post", "message"),
    [
        ([1.0, 2.0], [1.0], "one-dimensional arrays of the same length"),
        ([[1.0, 2.0]], [[1.0, 2.0]], "one-dimensional arrays of the same length"),
        ([], [], "no complete cases"),
        ([1.0, math.nan], [1.0, 2.0], "must not contain NaN"),
    ],
)
def test_pairs_checked(pre: object, post: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cs.anchor_categories(pre, post, 5, direction=-1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("jt", 1.0), {}, "reliability must be at least 0 and below 1, got 1.0"),
        (("jt", math.nan), {}, "reliability must be at least 0 and below 1"),
        (("jt", 0.8), {"significance_level": 1.0}, "significance level must be between 0 and 1"),
        (("xx", 0.8), {}, "unknown RCI method 'xx'; choose from jt"),
    ],
)
def test_rci_argument_errors(
    args: tuple[str, float], kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        cs.rci_by_method(PRE, POST, *args, **kwargs)


def test_rci_data_errors() -> None:
    with pytest.raises(ValueError, match="need at least two complete cases"):
        cs.rci_by_method([20.0], [8.0], "jt", 0.8)
    with pytest.raises(ValueError, match=r"the pre scores all have the same value \(SD 0\)"):
        cs.rci_by_method([20.0, 20.0], [8.0, 9.0], "jt", 0.8)
    with pytest.raises(ValueError, match=r"the post scores all have the same value \(SD 0\)"):
        cs.rci_by_method(PRE, [9.0] * 5, "ha", 0.8)
    # changes of −5, −5, −5, −5, −4: their variance (0.2) is below 2·SE² (21.9)
    with pytest.raises(ValueError, match="reliability of the difference scores is not positive"):
        cs.rci_by_method(PRE, [15.0, 25.0, 5.0, 19.0, 14.0], "ha", 0.8)


def test_ha_with_one_change_for_everyone_is_an_error_not_a_crash() -> None:
    """Everyone 5 points lower: the changes have no variance. This divided by zero
    (ZeroDivisionError, a traceback from ``attune outcomes``) before the check."""
    with pytest.raises(ValueError, match=r"the changes all have the same value \(SD 0\)"):
        cs.rci_by_method(PRE, [p - 5 for p in PRE], "ha", 0.8)


def test_significance_level_gives_normal_quantiles() -> None:
    jt = cs.rci_by_method(PRE, POST, "jt", 0.8, significance_level=0.05)
    assert jt.critical_value == pytest.approx(1.959964, abs=1e-6)  # two-sided 5 %
    ha = cs.rci_by_method(PRE, POST, "ha", 0.8, significance_level=0.05)
    assert ha.critical_value == pytest.approx(1.644854, abs=1e-6)  # one-sided 5 %


def test_percentage_and_anchor_thresholds_checked() -> None:
    with pytest.raises(ValueError, match="positive fractions"):
        cs.percentage_categories(PRE, POST, 0.5, 0.0, direction=-1)
    with pytest.raises(ValueError, match="the MIDs must not be negative"):
        cs.anchor_categories(PRE, POST, 5, -1, direction=-1)


def ha() -> cs.RciResult:
    return cs.rci_by_method(PRE, POST, "ha", 0.8)


def test_ha_true_score_cutoffs_b_and_c() -> None:
    """SE = SD_pre·√(1 − .8) = 3.3106; the functional reliability (25 − SE²)/25 = 0.5616."""
    result = ha()
    assert result.se_measurement == pytest.approx(SD_PRE * math.sqrt(0.2))
    r_f = (25 - result.se_measurement**2) / 25
    b = cs.ha_combined(result, PRE, POST, "b", direction=-1, m_functional=8, sd_functional=5)
    assert b.cutoff.type == "b_true"
    assert b.cutoff.value == pytest.approx(8 + 2 * 5 * math.sqrt(r_f))
    assert b.cutoff.value == pytest.approx(15.494, abs=1e-3)
    # person 1 (20 → 8) crosses 15.49 and improves reliably: recovered; person 4 stays at 12
    # but started at 24 — also past the cut-off; ha's CS_indiv weighs it by r_post
    assert b.categories.names() == ["recovered", "unchanged", "unchanged", "improved", "unchanged"]
    c = cs.ha_combined(result, PRE, POST, "c", direction=-1, m_functional=8, sd_functional=5)
    r_c = (54.8 - result.se_measurement**2) / 54.8
    w_c, w_f = SD_PRE * math.sqrt(r_c), 5 * math.sqrt(r_f)
    assert c.cutoff.value == pytest.approx((w_c * 8 + w_f * 20.4) / (w_c + w_f))
    assert c.changed == b.changed  # the group-level change does not depend on the cut-off


def test_ha_higher_is_better_mirrors_the_group_level() -> None:
    lower = cs.ha_combined(ha(), PRE, POST, "a", direction=-1)
    higher = cs.ha_combined(ha(), PRE, POST, "a", direction=1)
    assert higher.changed == pytest.approx(1 - lower.changed)
    assert higher.cutoff.value == pytest.approx(20.4 + 2 * SD_PRE * math.sqrt(0.8 * 54.8 / 54.8))
    # lower scores are worse now: persons 1 and 4 (−12) deteriorate reliably
    assert higher.categories.names()[0] == "deteriorated"
    assert higher.categories.names()[3] == "deteriorated"


@pytest.mark.parametrize(
    ("kind", "kwargs", "message"),
    [
        ("b", {}, "cut-off b needs the functional mean and a positive SD"),
        ("c", {"m_functional": 8, "sd_functional": 1}, "smaller than the standard error"),
        ("z", {"m_functional": 8, "sd_functional": 5}, "unknown cut-off type 'z'"),
    ],
)
def test_ha_errors(kind: str, kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cs.ha_combined(ha(), PRE, POST, kind, direction=-1, **kwargs)


def test_ha_combined_needs_an_ha_rci() -> None:
    jt = cs.rci_by_method(PRE, POST, "jt", 0.8)
    with pytest.raises(ValueError, match="needs an RCI by the 'ha' method"):
        cs.ha_combined(jt, PRE, POST, "a", direction=-1)


def test_ha_post_reliability_must_be_positive() -> None:
    # post scores barely spread (SD 0.84 < SE 3.3): their HA reliability is negative
    post = np.array([9.0, 10.0, 11.0, 10.0, 9.0])
    result = cs.rci_by_method(PRE, post, "ha", 0.8)
    with pytest.raises(ValueError, match="post scores' reliability"):
        cs.ha_combined(result, PRE, post, "a", direction=-1)
