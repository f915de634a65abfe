"""The national figures beside a practice's: NHS Talking Therapies, England, per year.

Shipped: ``data/nhs_tt_england.json`` — the "Total" rows of the measures table of NHS England's
*NHS Talking Therapies for anxiety and depression, Annual Reports* 2017-18 … 2024-25, as tidied
by bennettoxford/nhstt; Open Government Licence v3.0 (attribution in the file and on the page).
``ATTUNE_NHS_TT_MEASURES_CSV`` may point at a newer ``england_measures_annual.csv`` in the same
long format (``reporting_period, …, variable_type, …, measure_name, measure_statistic, value``);
its "Total" rows are read instead.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from attune import conf

SHIPPED = Path(__file__).with_name("data") / "nhs_tt_england.json"
ATTRIBUTION = (
    "England: NHS Talking Therapies for anxiety and depression, Annual Reports (NHS England), "
    "contains public sector information licensed under the Open Government Licence v3.0."
)


@dataclass(frozen=True)
class NationalYear:
    """One reporting year (April to March) of England, as published (percentages to 0.1)."""

    year: str
    finished: int
    recovery: float
    reliable_recovery: float
    improvement: float
    deterioration: float


def _from_values(year: str, v: dict[str, Any]) -> NationalYear:
    return NationalYear(
        year=year,
        finished=int(v["finished_course_treatment"]),
        recovery=float(v["recovery_pct"]),
        reliable_recovery=float(v["reliable_recovery_pct"]),
        improvement=float(v["improvement_pct"]),
        deterioration=float(v["deterioration_pct"]),
    )


def _read_csv(path: Path) -> dict[str, dict[str, Any]]:
    years: dict[str, dict[str, Any]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r.get("variable_type") != "Total":
                continue
            key = r["measure_name"] + ("_pct" if r["measure_statistic"] == "percentage" else "")
            years.setdefault(r["reporting_period"], {})[key] = r["value"]
    return years


@lru_cache(maxsize=4)
def _load(csv_path: str | None) -> dict[str, NationalYear]:
    if csv_path:
        raw = _read_csv(Path(csv_path))
    else:
        raw = json.loads(SHIPPED.read_text(encoding="utf-8"))["years"]
    return {year: _from_values(year, v) for year, v in sorted(raw.items())}


def national_years() -> dict[str, NationalYear]:
    """Every published year, oldest first (read once per process)."""
    return _load(conf.nhs_tt_measures_csv())


def national_for(year: str) -> tuple[NationalYear | None, bool]:
    """The figures of ``year``, else the latest published before it (with ``False``: not the
    same year). None when nothing is published up to that year."""
    years = national_years()
    if year in years:
        return years[year], True
    earlier = [y for y in years if y < year]
    return (years[earlier[-1]], False) if earlier else (None, False)
