"""The public datasets beside the checkout (``../shared/datasets``, each README gives its
licence), and one mark for the tests that read them: skipped on a machine without the folder,
never under ``CI=true`` — there a missing dataset fails the test instead of passing it silently.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATASETS = (Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets").resolve()
OUTCOME_REFERENCE = SHARED_DATASETS / "outcome-reference"


def needs(path: Path) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not path.exists() and os.environ.get("CI") != "true",
        reason=f"shared dataset not found: {path}",
    )
