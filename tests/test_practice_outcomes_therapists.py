"""Therapist outcomes framed for learning on the practice outcomes page (issue 13): a simulated
practice whose therapists have ≥ 15 finished courses is placed on the funnel (above / within /
below the 95 % limits) and in the therapist model; nobody is placed under 15; each role sees
only her scope; the comparison is withheld when a colleague's figures could be subtracted out;
a fixed number of queries."""

from __future__ import annotations

import re

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.care_helpers import as_user
from tests.conftest import (
    kept_for_a_scope,
    make_therapist,
    the_practice,
    the_practice_admin,
    the_supervisor,
    the_therapist,
)
from tests.test_practice_outcomes_page import URL, finished

pytestmark = pytest.mark.django_db

YEAR = {"year": "2024-25"}


def _items(total: int, count: int) -> list[int]:
    """Answers (0–3) adding up to ``total``; PHQ-9 item 9 stays 0 (no safety alert)."""
    usable = count - 1 if count == 9 else count
    values = [min(3, max(0, total - 3 * i)) for i in range(usable)]
    return values + [0] * (count - usable)


def courses(practice, therapist, recovered: int, not_recovered: int, seed: int) -> None:
    """Finished courses at caseness (first PHQ-9 12–20, GAD-7 9–15): ``recovered`` end below
    caseness on both, the others stay at caseness; the totals vary (seeded), so the model has
    something to fit."""
    rng = np.random.default_rng(seed)
    for ok in [True] * recovered + [False] * not_recovered:
        p0, g0 = int(rng.integers(12, 21)), int(rng.integers(9, 16))
        p1 = int(rng.integers(2, 9)) if ok else int(rng.integers(10, min(p0 + 3, 24)))
        g1 = int(rng.integers(1, 7)) if ok else int(rng.integers(8, 16))
        course = (_items(p0, 9), _items(g0, 7), _items(p1, 9), _items(g1, 7))
        finished(practice, therapist, 1, course=course)


def _team() -> dict:
    """Tara (supervised by Sam) 28 of 38 recovered, Bo 10 of 38, Cy 15 of 30, Di 5 of 14: the
    practice's rate is 58 of 120 = 48.3 %. The people of tests/conftest.py's fixtures
    (``practice``, ``supervisor``, ``therapist``, ``practice_admin``), by the same functions."""
    practice = the_practice()
    supervisor = the_supervisor(practice)
    therapist = the_therapist(practice, supervisor)
    admin = the_practice_admin(practice)
    bo = make_therapist(practice, "bo.brown@example.org")
    cy = make_therapist(practice, "cy.cole@example.org")
    di = make_therapist(practice, "di.dunn@example.org")
    courses(practice, therapist, 28, 10, 1)
    courses(practice, bo, 10, 28, 2)
    courses(practice, cy, 15, 15, 3)
    courses(practice, di, 5, 9, 4)
    return {
        "tara": therapist,
        "bo": bo,
        "cy": cy,
        "di": di,
        "supervisor": supervisor,
        "admin": admin,
    }


def _rows(page: str, testid: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "|", m).replace("||", "|")
        for m in re.findall(rf'<tr data-testid="{testid}">(.*?)</tr>', page, re.S)
    ]


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture(scope="class")
def team(django_db_setup, django_db_blocker):
    """``_team``, built once for the class that asks for it (120 finished courses, about 5 s) and
    rolled back after its last test (``kept_for_a_scope``)."""
    yield from kept_for_a_scope(django_db_blocker, _team)


class TestAPracticeOfFourTherapists:
    """The four tests that only read ``team``'s practice."""

    def test_the_funnel_places_and_classifies_against_spiegelhalter_limits(self, client, team):
        as_user(client, team["admin"])
        page = _text(client.get(URL, YEAR))
        funnel = _rows(page, "funnel-row")
        print("\n" + "\n".join(funnel))
        # alphabetical, not ranked
        assert [r.split("|")[1] for r in funnel] == [
            "Bo Brown",
            "Cy Cole",
            "Di Dunn",
            "Tara Therapist",
        ]
        bo, cy, di, tara = funnel
        assert "26.3 %" in bo and "below the expected range" in bo
        assert "50.0 %" in cy and "within the expected range" in cy
        assert "not placed (fewer than 15 courses)" in di and "Di Dunn" in di
        assert "73.7 %" in tara and "above the expected range" in tara
        # the practice's rate is the centre line; three marks drawn (Di is not placed)
        assert "practice’s recovery rate (48.3 %)" in page
        assert re.search(r'data-testid="funnel-svg" data-marks="3"', page)
        assert page.count('class="funnel-mark') == 3
        assert page.count('class="limit-inner"') == 2 and page.count('class="limit-outer"') == 2

    def test_the_model_places_from_15_courses_and_gives_the_icc_with_its_interval(
        self, client, team
    ):
        as_user(client, team["admin"])
        page = _text(client.get(URL, YEAR))
        effects = _rows(page, "effects-row")
        print("\n" + "\n".join(effects))
        assert [r.split("|")[1] for r in effects] == [
            "Bo Brown",
            "Cy Cole",
            "Di Dunn",
            "Tara Therapist",
        ]
        assert "not placed (fewer than 15 courses)" in effects[2]
        for placed in (effects[0], effects[1], effects[3]):
            assert re.search(r"[+-]\d+\.\d to [+-]\d+\.\d", placed)
        # Tara's clients improved most, Bo's least: the model sees it with intake allowed for;
        # "within" exactly when the interval crosses 0 (more/less improvement otherwise)
        values = {r.split("|")[1]: float(r.split("|")[5]) for r in effects if "not placed" not in r}
        assert values["Tara Therapist"] < values["Cy Cole"] < values["Bo Brown"]
        assert values["Tara Therapist"] < 0 < values["Bo Brown"]
        for row in (effects[0], effects[1], effects[3]):
            lo, hi = (float(v) for v in re.findall(r"[+-]\d+\.\d(?= to |\|)", row)[-2:])
            crosses = lo <= 0 <= hi
            assert ("within the expected range" in row) == crosses, row
        icc = re.search(
            r"<strong>(\d+\.\d) %</strong> lies between therapists \(95 % interval "
            r"(\d+\.\d) – (\d+\.\d) %",
            page,
        )
        assert icc, "the share of variance between therapists with its interval"
        share, lo, hi = (float(v) for v in icc.groups())
        assert 0 <= lo <= share <= hi <= 100
        print(f"share between therapists {share} % [{lo}, {hi}]")
        assert re.search(r'data-testid="caterpillar-svg" data-marks="3"', page)
        assert page.count('class="effect-mark"') == 3

    def test_a_supervisor_sees_her_supervisees_against_the_practice(self, client, team):
        as_user(client, team["supervisor"])
        page = _text(client.get(URL, YEAR))
        assert [r.split("|")[1] for r in _rows(page, "funnel-row")] == ["Tara Therapist"]
        assert [r.split("|")[1] for r in _rows(page, "effects-row")] == ["Tara Therapist"]
        assert "above the expected range" in page and "48.3 %" in page
        for other in ("Bo Brown", "Cy Cole", "Di Dunn"):
            assert other not in page

    def test_a_therapist_sees_only_her_own_row(self, client, team):
        as_user(client, team["bo"])
        page = _text(client.get(URL, YEAR))
        assert "Your outcomes beside the practice, for learning" in page
        assert [r.split("|")[1] for r in _rows(page, "funnel-row")] == ["Bo Brown"]
        assert [r.split("|")[1] for r in _rows(page, "effects-row")] == ["Bo Brown"]
        assert "below the expected range" in page
        assert page.count('class="funnel-mark') == 1
        for other in ("Tara Therapist", "Cy Cole", "Di Dunn", "73.7 %", "50.0 %"):
            assert other not in page


def test_no_comparison_when_one_colleague_could_be_subtracted_out(
    client, practice, therapist, colleague
):
    courses(practice, therapist, 12, 12, 5)
    courses(practice, colleague, 12, 12, 6)
    as_user(client, therapist)
    page = _text(client.get(URL, YEAR))
    assert 'data-testid="not-compared"' in page
    assert 'data-testid="funnel-svg"' not in page and "Cole Colleague" not in page


def test_nobody_placed_under_15_courses(client, practice, practice_admin, therapist, colleague):
    courses(practice, therapist, 7, 7, 7)
    courses(practice, colleague, 7, 7, 8)
    as_user(client, practice_admin)
    page = _text(client.get(URL, YEAR))
    assert 'data-testid="not-placed"' in page and "Nobody is placed in this period" in page
    assert 'data-marks="0"' in page  # the funnel's limits, no mark
    assert page.count("not placed (fewer than 15 courses)") == 4  # both tables, both rows
    assert 'data-testid="caterpillar-svg"' not in page


VIEWERS = ("practice_admin", "supervisor", "therapist")


def test_the_query_count_does_not_grow_with_courses(request, client, practice, therapist):
    """For each viewer, the same number of queries for 5 and for 74 courses. The courses are
    built once for the three viewers (they are the same whoever looks)."""
    viewers = {who: request.getfixturevalue(who) for who in VIEWERS}
    others = [make_therapist(practice, f"t{i}.other@example.org") for i in range(3)]
    courses(practice, therapist, 2, 1, 9)
    courses(practice, others[0], 1, 1, 10)

    def queries(who: str) -> tuple[int, str]:
        as_user(client, viewers[who])
        client.get(URL, YEAR)
        with CaptureQueriesContext(connection) as captured:
            page = _text(client.get(URL, YEAR))
        client.logout()
        return len(captured), page

    few = {who: queries(who)[0] for who in VIEWERS}
    for i, other in enumerate(others):
        courses(practice, other, 9, 8, 11 + i)
    courses(practice, therapist, 10, 8, 20)
    for who in VIEWERS:
        many, page = queries(who)
        assert 'data-testid="funnel-svg"' in page, who
        assert (who, many) == (who, few[who])
        print(f"\npractice outcomes page as {who}: {many} queries for 5 and for 74 courses")
