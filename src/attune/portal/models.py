"""Portal's models moved to ``attune.clientportal`` (issue 15), which keeps their label
``portal`` and their tables. Names only, for the callers not switched yet (``workspace``):
import from ``attune.clientportal.models`` instead; this module goes when they have."""

from __future__ import annotations

from attune.clientportal.models import (
    DeletionRequest,
    DeletionStatus,
    EndingRequest,
    FeedbackMessage,
    Intent,
)

__all__ = ["DeletionRequest", "DeletionStatus", "EndingRequest", "FeedbackMessage", "Intent"]
