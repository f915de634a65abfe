"""axe-core on every page a client (or a person with a form link) can reach, on a phone (390×844)
and on a desktop screen. A "serious" or "critical" violation fails the test; every violation is
printed (rule, impact, element, help) so a failure says what to fix.

axe comes from npm (``vendor/axe.min.js``, see ``vendor/README.md``). The live server of the
browser tests serves that folder under ``/static/tests/`` (``tests/browser/conftest.py``), and
each audited page loads axe with a ``<script src>`` of its own origin, which Attune's CSP
(``script-src 'self'``) allows as it would any of Attune's scripts; an inline ``<script>``
(``page.add_script_tag(content=...)``) it would refuse. The browser context is *not* created
with ``bypass_csp``: the pages are audited under the policy production sends.

Pages other engineers are still building (composer, data page, ending, e-mail links) are audited
when their address resolves and skipped with the reason otherwise. Each client page on its own
(the composer, your data, the ending, your goals, how my therapist works) is audited by
test_axe_sweep.py, at both sizes, with a fuller practice than here; this module audits the
states a journey leads to.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from attune.accounts.models import Role
from attune.care.models import Attendance, Client, Ending, EndingKind, EpisodeStatus, Session
from tests.browser.conftest import PHONE, login, sign_in_without_the_form, vendor_url
from tests.conftest import make_user

RUN_AXE = """async () => {
  const result = await window.axe.run(document, {
    resultTypes: ["violations"], rules: {"target-size": {enabled: true}},
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target.map((t) => Array.isArray(t) ? t.join(" >>> ") : String(t)).join(" "),
      impact: n.impact, html: n.html.slice(0, 160),
    })),
  }));
}"""
FAILING = {"serious", "critical"}
VIEWPORTS = {
    "phone": PHONE,
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}


class Audit:
    """Runs axe on pages and collects what it finds, for one test and one screen size."""

    def __init__(self, viewport: str) -> None:
        self.viewport = viewport
        self.found: list[tuple[str, dict[str, Any]]] = []
        self.pages: list[str] = []

    def __call__(self, page: Any, name: str) -> None:
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(url=vendor_url("axe.min.js"))
        violations = page.evaluate(RUN_AXE)
        where = f"{name} [{self.viewport}] {page.url}"
        self.pages.append(where)
        self.found.extend((where, v) for v in violations)

    def report(self) -> str:
        lines = []
        for where, v in self.found:
            lines.append(f"{where}\n  {v['impact']}: {v['id']} — {v['help']} ({v['helpUrl']})")
            lines.extend(f"    {n['target']}  {n['html']}" for n in v["nodes"])
        return "\n".join(lines)

    def check(self) -> None:
        print(f"\naxe on {len(self.pages)} page(s):", *self.pages, sep="\n  ")
        print(self.report() or "no violations")
        failing = [(w, v) for w, v in self.found if v["impact"] in FAILING]
        assert not failing, "axe found serious or critical violations:\n" + self.report()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def audit(viewport: str) -> Any:
    return Audit(viewport)


@pytest.fixture
def screen(new_page: Any, viewport: str) -> Any:
    return new_page(**VIEWPORTS[viewport])


def go(page: Any, live_server: Any, path: str) -> Any:
    return page.goto(f"{live_server.url}{path}")


def submit(page: Any, button: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()


def answer_everything(page: Any, safety: bool = False) -> None:
    """Tick the first option of every question (PHQ-9 item 9 "Several days" when ``safety``) and
    write a line in every visible text box."""
    page.evaluate(
        """(safety) => {
      const groups = new Map();
      document.querySelectorAll('form.questionnaire input[type=radio]').forEach((input) => {
        if (!groups.has(input.name)) groups.set(input.name, []);
        groups.get(input.name).push(input);
      });
      groups.forEach((inputs, name) => {
        const pick = safety && name === 'phq9-phq9_9' ? inputs[1] : inputs[0];
        pick.checked = true;
        pick.dispatchEvent(new Event('change', {bubbles: true}));
      });
    }""",
        safety,
    )
    for box in page.locator("form.questionnaire textarea:visible").all():
        box.fill("It was fine.")


# --------------------------------------------------------------------------- signed out


def test_sign_in_and_password_reset_pages(screen, audit, browser_errors, live_server, client_user):
    go(screen, live_server, "/accounts/login/")
    audit(screen, "sign in")
    screen.fill("#id_username", client_user.email)
    screen.fill("#id_password", "not-the-password")
    submit(screen, "Sign in")
    expect(screen.get_by_role("alert")).to_be_visible()
    audit(screen, "sign in, wrong password")

    go(screen, live_server, "/accounts/password_reset/")
    audit(screen, "password reset")
    screen.fill("#id_email", client_user.email)
    submit(screen, "Send the link")
    expect(screen.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    audit(screen, "password reset sent")

    go(screen, live_server, "/accounts/reset/MQ/not-a-token/")
    audit(screen, "password reset, expired link")
    uid = urlsafe_base64_encode(force_bytes(client_user.pk))
    token = default_token_generator.make_token(client_user)
    go(screen, live_server, f"/accounts/reset/{uid}/{token}/")
    expect(screen.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    audit(screen, "choose a new password")
    screen.fill("#id_new_password1", "a-new-long-password-1")
    screen.fill("#id_new_password2", "a-different-password-2")
    submit(screen, "Save the password")
    audit(screen, "choose a new password, with errors")
    screen.fill("#id_new_password1", "a-new-long-password-1")
    screen.fill("#id_new_password2", "a-new-long-password-1")
    submit(screen, "Save the password")
    expect(screen.get_by_role("heading", level=1)).to_have_text("Your password is saved")
    audit(screen, "password saved")

    go(screen, live_server, "/help/")
    audit(screen, "crisis help, signed out")
    audit.check()


# --------------------------------------------------------------------------- the client's home


def test_home_with_open_forms_help_and_sign_out(screen, audit, live_server, client_user, upcoming):
    login(screen, live_server, client_user.email)
    expect(screen.get_by_test_id("open-forms")).to_be_visible()
    audit(screen, "my therapy, forms open")
    go(screen, live_server, "/help/")
    audit(screen, "crisis help, signed in")
    go(screen, live_server, "/me/")
    submit(screen, "Sign out")
    audit(screen, "signed out")
    audit.check()


def test_home_without_open_forms(
    screen, new_page, viewport, audit, live_server, practice, client_user, episode
):
    episode.sessions.all().delete()
    login(screen, live_server, client_user.email)
    expect(screen.get_by_text("Nothing to fill in right now.")).to_be_visible()
    audit(screen, "my therapy, nothing open")

    newcomer = make_user(practice, "nora.new@example.org", Role.CLIENT)
    Client.objects.create(user=newcomer, practice=practice)
    page = new_page(**VIEWPORTS[viewport])  # a context of its own: the other client's cookies
    login(page, live_server, newcomer.email)
    expect(page.get_by_text("You have no active therapy")).to_be_visible()
    audit(page, "my therapy, no therapy")
    audit.check()


# --------------------------------------------------------------------------- forms


def test_check_in_empty_with_errors_and_thanks(
    screen, audit, browser_errors, live_server, client_user, upcoming
):
    browser_errors.allow(r"status of 400 \(Bad Request\)")  # the refused form comes back as 400
    sign_in_without_the_form(screen, live_server, client_user.email)
    go(screen, live_server, f"/me/sessions/{upcoming.pk}/check-in/")
    audit(screen, "check-in, empty")
    submit(screen, "Send")
    expect(screen.locator("#form-error")).to_be_visible()
    audit(screen, "check-in, with errors")
    answer_everything(screen)
    submit(screen, "Send")
    expect(screen.get_by_test_id("stored-confirmation")).to_be_visible()
    expect(screen.get_by_test_id("safety-message")).to_have_count(0)
    audit(screen, "thank you")
    go(screen, live_server, "/me/")
    audit(screen, "my therapy, with recent check-ins")
    audit.check()


def test_thanks_with_the_safety_message(screen, audit, live_server, client_user, upcoming):
    sign_in_without_the_form(screen, live_server, client_user.email)
    go(screen, live_server, f"/me/sessions/{upcoming.pk}/check-in/")
    answer_everything(screen, safety=True)
    submit(screen, "Send")
    expect(screen.get_by_test_id("safety-message")).to_be_visible()
    audit(screen, "thank you, safety message")
    audit.check()


def test_feedback_with_the_rupture_follow_up(
    screen, audit, live_server, client_user, last_attended
):
    sign_in_without_the_form(screen, live_server, client_user.email)
    go(screen, live_server, f"/me/sessions/{last_attended.pk}/feedback/")
    audit(screen, "feedback")
    rupture = screen.locator('fieldset[data-item="rupture"]')
    rupture.locator("label.option").get_by_text("A little", exact=True).click()
    expect(screen.locator('fieldset[data-item="rupture_resolved"]')).to_be_visible()
    audit(screen, "feedback, rupture follow-up shown")
    audit.check()


def test_form_closed(screen, audit, live_server, client_user, last_attended):
    sign_in_without_the_form(screen, live_server, client_user.email)
    go(screen, live_server, f"/me/sessions/{last_attended.pk}/check-in/")  # the session is over
    expect(screen.get_by_text("This form isn't open at the moment", exact=False)).to_be_visible()
    audit(screen, "form closed")
    audit.check()


def test_fit_check_form_and_thanks(screen, audit, live_server, client_user, episode):
    now = timezone.now()
    for number, days_ago in ((3, 4), (4, 1)):  # attended: 1, 3, 4 → the fit check follows 4
        Session.objects.create(
            episode=episode,
            number=number,
            scheduled_at=now - timedelta(days=days_ago),
            attendance=Attendance.ATTENDED,
        )
    fit = episode.sessions.get(number=4)
    sign_in_without_the_form(screen, live_server, client_user.email)
    go(screen, live_server, f"/me/sessions/{fit.pk}/fit-check/")
    expect(screen.get_by_test_id("questionnaire")).to_be_visible()
    audit(screen, "fit check-in")
    answer_everything(screen)
    submit(screen, "Send")
    expect(screen.get_by_test_id("stored-confirmation")).to_be_visible()
    audit(screen, "fit check-in, thank you")
    audit.check()


def test_exit_feedback_form_and_thanks(screen, audit, live_server, client_user, episode, therapist):
    now = timezone.now()
    episode.status = EpisodeStatus.ENDED_PLANNED
    episode.ended_on = date.today()
    episode.save()
    Ending.objects.create(
        episode=episode,
        kind=EndingKind.PLANNED,
        ended_on=date.today(),
        recorded_by=therapist,
        recorded_at=now,
        exit_requested_at=now,
    )
    login(screen, live_server, client_user.email)
    expect(screen.get_by_test_id("open-forms")).to_be_visible()
    audit(screen, "my therapy, ended, exit feedback open")
    go(screen, live_server, f"/me/episodes/{episode.pk}/exit-feedback/")
    expect(screen.get_by_test_id("questionnaire")).to_be_visible()
    audit(screen, "exit feedback")
    answer_everything(screen)
    submit(screen, "Send")
    expect(screen.get_by_test_id("stored-confirmation")).to_be_visible()
    audit(screen, "exit feedback, thank you")
    audit.check()


# --------------------------------------------------------------------------- errors


def test_403_and_404_as_a_client(screen, audit, browser_errors, live_server, client_user):
    browser_errors.allow(r"status of 40[34] \((Forbidden|Not Found)\)")
    sign_in_without_the_form(screen, live_server, client_user.email)
    assert go(screen, live_server, "/caseload/").status == 403
    audit(screen, "403")
    assert go(screen, live_server, "/me/sessions/999999/check-in/").status == 404
    audit(screen, "404")
    audit.check()


# --------------------------------------------------------------------------- pages in progress


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def test_a_confirmation_message(screen, audit, live_server, client_user, episode):
    """The messages a page shows after an action (base.html), here after asking for deletion."""
    if not _resolves("/me/data/"):
        pytest.skip("/me/data/ does not resolve yet (another engineer is building it)")
    sign_in_without_the_form(screen, live_server, client_user.email)
    go(screen, live_server, "/me/data/")
    deletion = screen.get_by_test_id("deletion")
    deletion.get_by_role("checkbox").check()
    with screen.expect_navigation():
        deletion.get_by_role("button").click()
    expect(screen.locator(".messages")).to_be_visible()
    audit(screen, "your data, with a confirmation message")
    audit.check()


def test_home_with_goals(screen, audit, browser_errors, live_server, client_user, episode):
    """The goals on the client's home: unrated, sent without a rating, and rated."""
    from attune.care import models as care_models

    if not hasattr(care_models, "Goal") or not _resolves("/me/goals/1/rating/"):
        pytest.skip("goals on the client's home are not there yet (another engineer's work)")
    browser_errors.allow(r"status of 400 \(Bad Request\)")  # a refused rating comes back as 400
    goal = care_models.Goal.objects.create(episode=episode, description="Sleep through the night")
    sign_in_without_the_form(screen, live_server, client_user.email)
    go(screen, live_server, "/me/goals/")  # issue 12: the goals are one link away from home
    card = screen.get_by_test_id(f"goal-{goal.pk}")
    expect(card).to_be_visible()
    audit(screen, "your goals, with a goal")
    with screen.expect_navigation():
        card.locator("button[type=submit]").click()
    audit(screen, "your goals, goal sent without a rating")
    card = screen.get_by_test_id(f"goal-{goal.pk}")
    card.locator("label.option").get_by_text("7", exact=True).click()
    with screen.expect_navigation():
        card.locator("button[type=submit]").click()
    expect(screen.get_by_test_id(f"goal-{goal.pk}").get_by_test_id("saved-here")).to_be_visible()
    audit(screen, "your goals, goal rated")
    audit.check()


def test_composer_and_ending_after_sending(
    screen, audit, browser_errors, live_server, client_user, episode
):
    """The composer with its errors, a saved message and the list of messages; the ending page
    once a conversation was asked for. Whatever the pages show after each step is audited."""
    for path in ("/me/composer/", "/me/ending/"):
        if not _resolves(path):
            pytest.skip(f"{path} does not resolve yet (another engineer is building it)")
    browser_errors.allow(r"status of 400 \(Bad Request\)")  # a refused form comes back as 400
    sign_in_without_the_form(screen, live_server, client_user.email)
    go(screen, live_server, "/me/composer/")
    composer = screen.get_by_test_id("composer")
    with screen.expect_navigation():
        composer.locator("button[type=submit]").click()
    audit(screen, "composer, sent empty")
    screen.locator("#id_text").fill("I felt rushed at the end of our last session.")
    screen.get_by_text("Share it now", exact=True).click()
    with screen.expect_navigation():
        screen.get_by_test_id("composer").locator("button[type=submit]").click()
    audit(screen, "composer, message saved")
    go(screen, live_server, "/me/composer/")
    audit(screen, "composer, with my messages")

    go(screen, live_server, "/me/ending/")
    ending = screen.get_by_test_id("ending-form")
    if ending.count():
        screen.locator("#id_reason").fill("I would like to talk about ending.")
        with screen.expect_navigation():
            ending.locator("button[type=submit]").click()
        audit(screen, "ending, conversation asked for")
    audit.check()


def _form_links() -> Any:
    """``attune.reminders.services`` once it can make a form link, else skip with the reason."""
    if not _resolves("/f/any-token/"):
        pytest.skip("/f/<token>/ does not resolve yet (attune.reminders is being built)")
    try:
        from attune.reminders import services
    except ImportError as missing:
        pytest.skip(f"/f/<token>/ resolves but attune.reminders.services is missing: {missing}")
    if not hasattr(services, "create_link") or not hasattr(services, "link_path"):
        pytest.skip("/f/<token>/ resolves but reminders.services has no create_link/link_path")
    return services


def test_form_link_from_an_e_mail(
    screen, audit, browser_errors, live_server, episode, upcoming, last_attended
):
    """Signed out, as the person who got the e-mail: the form, its errors, the thank-you page,
    a link to a closed form (410) and a link that matches nothing (404)."""
    services = _form_links()
    browser_errors.allow(r"status of (400|404|410) \((Bad Request|Not Found|Gone)\)")
    _, token = services.create_link(episode=episode, session=upcoming, phase="check_in")
    go(screen, live_server, services.link_path(token))
    expect(screen.get_by_test_id("questionnaire")).to_be_visible()
    audit(screen, "form link, check-in")
    submit(screen, "Send")
    expect(screen.locator("#form-error")).to_be_visible()
    audit(screen, "form link, with errors")
    answer_everything(screen, safety=True)
    submit(screen, "Send")
    expect(screen.get_by_test_id("stored-confirmation")).to_be_visible()
    audit(screen, "form link, thank you with the safety message")

    _, closed = services.create_link(episode=episode, session=last_attended, phase="check_in")
    go(screen, live_server, services.link_path(closed))
    expect(screen.get_by_role("heading", level=1)).to_contain_text("isn't open")
    audit(screen, "form link, form closed")
    assert go(screen, live_server, "/f/" + "x" * 43 + "/").status == 404
    audit(screen, "form link, unknown (404 signed out)")
    audit.check()


# --------------------------------------------------------------------------- the harness itself


def test_axe_reports_what_it_should(screen, live_server):
    """A page with planted faults: axe must run under the CSP and name them, or every green
    result above would mean nothing."""
    go(screen, live_server, "/accounts/login/")
    screen.evaluate(
        """() => {
      const img = document.createElement('img');
      img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
      const button = document.createElement('button');
      document.querySelector('main').append(img, button);
    }"""
    )
    planted = Audit("test")
    planted(screen, "planted faults")
    found = {v["id"]: v["impact"] for _, v in planted.found}
    assert found.get("image-alt") == "critical", found
    assert found.get("button-name") == "critical", found
