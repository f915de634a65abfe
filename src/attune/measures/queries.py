"""Reads of stored responses shared by several pages."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet
from django.db.models.fields.json import KT

from attune.measures.models import Response


def stopping_answers_of_outer_episode() -> QuerySet[Response]:
    """For a subquery on Episode: the session-feedback answers to "Have you been thinking of
    stopping therapy?", newest first, each with its answer code as ``stopping_code``. The
    caseload's badge and the supervision queue read the latest one (``[:1]``) and compare it
    with ``attune.care.engine_adapter.thinking_of_stopping_codes``."""
    return (
        Response.objects.filter(
            episode=OuterRef("pk"),
            instrument_version__instrument__code="session_feedback",
            answers__has_key="stopping",
        )
        .order_by("-submitted_at", "-pk")
        .annotate(stopping_code=KT("answers__stopping"))
    )
