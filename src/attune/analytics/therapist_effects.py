"""The therapist multilevel model — its home is now the engine.

:mod:`attune.engine.therapist_effects` fits the same model (change adjusted for intake, a random
intercept per therapist, REML, parametric-bootstrap interval of the ICC) in numpy alone, so the
practice outcomes page can draw it in a standard install (docs/decisions.md, "Therapist model
without statsmodels"). statsmodels' ``MixedLM`` remains the reference it is checked against
(tests/analytics/test_therapist_effects.py, the ``dev`` and ``analytics`` extras). This module
keeps the names it always exported.
"""

from __future__ import annotations

from attune.engine.therapist_effects import (
    MIN_CASES,
    TherapistEffect,
    TherapistModel,
    therapist_model,
)

__all__ = ["MIN_CASES", "TherapistEffect", "TherapistModel", "therapist_model"]
