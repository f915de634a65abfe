"""The practice outcomes page: thin — the permission, the period from the query string, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from attune.alerts.evaluation import engine_config
from attune.outcomes.charts import recovery_bars
from attune.outcomes.national import ATTRIBUTION
from attune.outcomes.queries import QUARTER_LABELS, BadPeriod, outcomes_report


@require_GET
@login_required
def practice_outcomes(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("outcomes.view_outcomes"):
        raise PermissionDenied
    year = request.GET.get("year") or None
    quarter = request.GET.get("quarter") or None
    try:
        report = outcomes_report(
            request.user, year=year, quarter=quarter, today=timezone.localdate()
        )
    except BadPeriod:
        return render(
            request,
            "outcomes/practice_outcomes.html",
            {"bad_period": True, "quarters": QUARTER_LABELS},
            status=400,
        )
    return render(
        request,
        "outcomes/practice_outcomes.html",
        {
            "report": report,
            "quarters": QUARTER_LABELS,
            "attribution": ATTRIBUTION,
            "chart": recovery_bars(report) if report else None,
            "compare_therapists": request.user.has_perm("outcomes.compare_therapists"),
            "caseness": _thresholds(),
        },
    )


def _thresholds() -> dict[str, str]:
    """The engine's caseness and reliable-change values, as the definitions print them."""
    c = engine_config().reliable_change
    return {
        "phq9": f"{c.phq9_caseness:g}",
        "gad7": f"{c.gad7_caseness:g}",
        "phq9_rc": f"{c.phq9_reliable_change:g}",
        "gad7_rc": f"{c.gad7_reliable_change:g}",
    }
