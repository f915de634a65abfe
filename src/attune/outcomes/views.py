"""The practice outcomes page and its research export: thin — the permission, the input, render."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from attune.accounts.decorators import login_required
from attune.accounts.http import AuthenticatedHttpRequest
from attune.care.engine_adapter import engine_config
from attune.outcomes.charts import caterpillar_svg, funnel_svg, recovery_bars
from attune.outcomes.national import ATTRIBUTION
from attune.outcomes.queries import QUARTER_LABELS, BadPeriod, outcomes_report
from attune.outcomes.research_export import (
    FORMATS,
    audit_export,
    csv_lines,
    dictionary_csv,
    parquet_available,
    parquet_bytes,
    research_rows,
)


@require_GET
@login_required
def practice_outcomes(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not request.user.has_perm("outcomes.view_outcomes"):
        raise PermissionDenied
    year = request.GET.get("year") or None
    quarter = request.GET.get("quarter") or None
    try:
        report = outcomes_report(
            request.user, year=year, quarter=quarter, today=timezone.localdate(), therapists=True
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
            "funnel_svg": funnel_svg(report.therapists) if report and report.therapists else "",
            "caterpillar_svg": (
                caterpillar_svg(report.therapists) if report and report.therapists else ""
            ),
            "compare_therapists": request.user.has_perm("outcomes.compare_therapists"),
            "caseness": _thresholds(),
            "can_export": request.user.has_perm("outcomes.export_research"),
            "parquet": parquet_available(),
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


@require_POST
@login_required
def research_export(request: AuthenticatedHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The pseudonymised session-level export of the caller's scope, as CSV (streamed) or
    Parquet; POST because it writes an audit event, and nothing clinical is in the URL."""
    if not request.user.has_perm("outcomes.export_research"):
        raise PermissionDenied
    fmt = request.POST.get("format", "")
    if fmt not in FORMATS:
        return HttpResponse("Choose CSV or Parquet.", status=400, content_type="text/plain")
    if fmt == "parquet" and not parquet_available():
        return HttpResponse(
            "Parquet needs pyarrow: pip install 'attune[research]'.",
            status=400,
            content_type="text/plain",
        )
    export = research_rows(request.user)
    if export is None:
        return HttpResponse(
            "Your account is not linked to a practice.", status=400, content_type="text/plain"
        )
    audit_export(request.user, export, fmt)
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            csv_lines(export.rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            parquet_bytes(export.rows), content_type="application/vnd.apache.parquet"
        )
    response["Content-Disposition"] = f'attachment; filename="attune-research-export.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def research_dictionary(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The export's data dictionary (column, type, meaning, source): no data in it."""
    if not request.user.has_perm("outcomes.export_research"):
        raise PermissionDenied
    response = HttpResponse(dictionary_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="attune-research-dictionary.csv"'
    return response
