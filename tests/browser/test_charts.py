"""The episode page's charts in a real browser, under the real Content-Security-Policy.

Console errors fail every browser test (conftest), and a CSP violation is one; on top of that
each page here records ``securitypolicyviolation`` events, so a refused script, style or image
is named even if the browser logged nothing.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from attune.practice.models import Modality
from tests.browser.conftest import PHONE, login, sign_in_without_the_form
from tests.test_charts import FEEDBACK, PHQ9, build_episode

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""

CANVASES = ("outcome-canvas", "alliance-canvas", "timeline-canvas")

DRAWN = """
(ids) => ids.map((id) => {
  const canvas = document.getElementById(id);
  const chart = canvas && window.Chart ? window.Chart.getChart(canvas) : undefined;
  const blank = document.createElement("canvas");
  blank.width = canvas.width;
  blank.height = canvas.height;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted += 1; }
  return {
    id,
    width: canvas.width,
    height: canvas.height,
    datasets: chart ? chart.data.datasets.map((d) => [d.label, d.data.length]) : [],
    differsFromBlank: canvas.toDataURL() !== blank.toDataURL(),
    painted,
  };
})
"""

# Drawn and done: Chart.js's animator has no running animation for the chart (the page turns
# animations off; should one come back, the pixels are read once it has ended, not mid-way).
CHARTS_READY = """
(ids) => ids.every((id) => {
  const canvas = document.getElementById(id);
  const chart = canvas && window.Chart ? window.Chart.getChart(canvas) : undefined;
  return chart && chart.data.datasets.length > 0 && !window.Chart.animator.running(chart);
})
"""

# After "load": one turn of the event loop, so a securitypolicyviolation event queued while the
# page loaded has reached the recorder.
SETTLED = "() => new Promise((resolve) => setTimeout(resolve, 0))"


def violations(page: Any) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def open_episode(page: Any, live_server: Any, therapist: Any, episode: Any) -> None:
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in_without_the_form(page, live_server, therapist.email)
    page.goto(f"{live_server.url}/episodes/{episode.pk}/")
    page.wait_for_function(CHARTS_READY, arg=list(CANVASES))


def test_the_therapist_sees_both_charts_and_the_timeline_drawn(
    page, live_server, therapist, episode
):
    build_episode(episode)
    open_episode(page, live_server, therapist, episode)

    for testid in ("outcome-chart", "alliance-chart", "modality-timeline"):
        expect(page.get_by_test_id(testid)).to_be_visible()
    drawn = {c["id"]: c for c in page.evaluate(DRAWN, list(CANVASES))}
    for canvas in drawn.values():
        assert canvas["width"] > 200 and canvas["height"] > 80, canvas
        assert canvas["differsFromBlank"] and canvas["painted"] > 2000, canvas

    outcome = dict(drawn["outcome-canvas"]["datasets"])
    assert outcome["PHQ-9"] == len(PHQ9)
    assert outcome["GAD-7"] == len(PHQ9)
    assert outcome["PHQ-9 expected, 80 % band"] == 7  # sessions 1-7, the next one included
    assert outcome["PHQ-9 caseness (10)"] == 2
    assert outcome["PHQ-9 reliable improvement"] == 2
    assert outcome["GAD-7 reliable deterioration"] == 1
    alliance = dict(drawn["alliance-canvas"]["datasets"])
    assert alliance["Total (right axis)"] == len(FEEDBACK)
    assert alliance["Bond"] == len(FEEDBACK)
    assert alliance["Rupture"] >= 1
    timeline = dict(drawn["timeline-canvas"]["datasets"])
    assert timeline["Modalities"] == 3  # CBT 1-2 and 4-5, EMDR 4-6
    assert timeline["Missed or cancelled"] == 1

    # The text alternatives open and hold the numbers.
    page.get_by_text("Outcome as a table").click()
    table = page.get_by_test_id("outcome-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr")).to_have_count(len(PHQ9))
    expect(table.locator("tbody tr").nth(3)).to_contain_text("reliable improvement (-6)")
    page.get_by_text("Session feedback as a table").click()
    expect(page.get_by_test_id("alliance-table").locator("tbody tr")).to_have_count(len(FEEDBACK))
    page.get_by_text("Modalities and notes as a table").click()
    expect(page.get_by_test_id("timeline-table")).to_contain_text("Test CBT, Test EMDR")

    # The GAD-7 band starts hidden; its legend entry shows it.
    hidden = page.evaluate(
        """() => {
          const chart = window.Chart.getChart(document.getElementById("outcome-canvas"));
          return chart.data.datasets.map((d, i) => [d.label, chart.isDatasetVisible(i)]);
        }"""
    )
    visible = dict(hidden)
    assert visible["PHQ-9 expected, 80 % band"] and not visible["GAD-7 expected, 80 % band"]
    assert violations(page) == []


def test_the_charts_fit_a_phone(new_page, live_server, therapist, episode):
    build_episode(episode)
    phone = new_page(**PHONE)
    open_episode(phone, live_server, therapist, episode)
    drawn = phone.evaluate(DRAWN, list(CANVASES))
    for canvas in drawn:
        assert canvas["differsFromBlank"] and canvas["painted"] > 2000, canvas
    # The charts and their tables stay inside the phone's width (wide tables scroll in their
    # own box).
    right = phone.evaluate(
        """() => Math.max(...[...document.querySelectorAll(
              ".charts, .charts figure, .charts canvas, .charts .table-wrap"
            )].map((e) => e.getBoundingClientRect().right))"""
    )
    assert right <= PHONE["viewport"]["width"], "the charts must not widen the page"
    assert violations(phone) == []


def test_an_episode_without_data_shows_no_empty_chart(page, live_server, therapist, episode):
    page.add_init_script(RECORD_VIOLATIONS)
    sign_in_without_the_form(page, live_server, therapist.email)
    page.goto(f"{live_server.url}/episodes/{episode.pk}/")
    expect(page.get_by_test_id("outcome-chart")).to_contain_text("No check-in scores yet.")
    expect(page.get_by_test_id("alliance-chart")).to_contain_text("No session feedback yet.")
    expect(page.locator("#outcome-canvas")).to_have_count(0)
    page.wait_for_function(CHARTS_READY, arg=["timeline-canvas"])
    assert violations(page) == []


def test_the_django_admin_works_under_the_policy(page, live_server, practice_admin, browser_errors):
    """The admin's own scripts and styles are files on this host: no exception is needed."""
    practice_admin.is_superuser = True
    practice_admin.save()
    modality = Modality.objects.create(slug="test-act", name="Test ACT", summary="x")
    # The admin's pages link no icon, so the browser asks for /favicon.ico, which the site does
    # not serve: a 404 unrelated to the policy. Any other failed resource is still reported
    # (with its address, by the conftest).
    browser_errors.allow(
        r"^console on \S+/admin/\S*: Failed to load resource: the server responded with a "
        r"status of 404 \(Not Found\)$"
    )
    page.add_init_script(RECORD_VIOLATIONS)
    login(page, live_server, practice_admin.email)
    for path, heading in (
        ("/admin/", "Site administration"),
        (f"/admin/accounts/user/{practice_admin.pk}/change/", "Change user"),
        (f"/admin/practice/modality/{modality.pk}/change/", "Change modality"),
        ("/admin/practice/modality/add/", "Add modality"),
        ("/admin/accounts/user/", "Select user to change"),
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_contain_text(heading)
        page.evaluate(SETTLED)
        assert violations(page) == [], path
    # Saving a change form works (its scripts ran and the form posts to 'self').
    page.goto(f"{live_server.url}/admin/practice/modality/{modality.pk}/change/")
    page.fill("#id_name", "Test ACT, renamed")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    modality.refresh_from_db()
    assert modality.name == "Test ACT, renamed"
    assert violations(page) == []


def test_the_policy_is_enforced_and_a_violation_would_be_seen(
    page, live_server, therapist, episode, browser_errors
):
    """Guards the guard: an inline script is refused on the episode page, and both the
    console and the violation recorder notice — so the tests above would catch one."""
    browser_errors.allow(r"inline script violates the following Content Security Policy")
    build_episode(episode)
    open_episode(page, live_server, therapist, episode)
    # The console message may trail the event: wait for it (the conftest records it first).
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.__inlineRan = true;";
              document.body.appendChild(script);
            }"""
        )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__inlineRan === undefined")
    assert [v.split()[0] for v in violations(page)] == ["script-src-elem"]
    assert any("Content Security Policy" in e for e in browser_errors.seen)
