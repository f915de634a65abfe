"""Issue 9's acceptance on the demo, as the therapist sees it on her caseload: at most 30 % of
her active clients show an open alert above "note" (safety alerts included; good news and
rupture markers are notes and never count).

The demo therapist (therapist@, 14 active clients) is held to it, and so is the practice as a
whole (60 active clients). A colleague with 4 or 5 active clients is not held to it alone: one
client is already 20-25 % of such a caseload, so the share says nothing about the alerts.
Checked on the demo loaded for each of 21 consecutive days: therapist@ 1-4 of 14, the practice
3-15 of 60.
"""

from __future__ import annotations

from attune.accounts.demo_logins import DEMO_PASSWORD
from attune.accounts.models import Role, User
from tests.browser.conftest import login

MOST = 0.30


def alerted_share(page, live_server, email: str) -> tuple[int, int]:
    """(clients with an open alert, active clients) on this therapist's caseload page."""
    login(page, live_server, email, DEMO_PASSWORD)
    assert page.url.endswith("/caseload/")
    rows = page.locator("[data-testid=caseload-row]")
    total = rows.count()
    cells = [rows.nth(i).locator("[data-testid=open-alerts]").inner_text() for i in range(total)]
    return sum(1 for text in cells if text.strip() != "—"), total


def test_at_most_30_percent_of_clients_show_an_open_alert(demo, live_server, new_page):
    shares = {}
    for therapist in User.objects.filter(role=Role.THERAPIST).order_by("email"):
        page = new_page(viewport={"width": 1280, "height": 900})
        shares[therapist.email] = alerted_share(page, live_server, therapist.email)
        page.context.close()
    alerted, total = shares["therapist@example.org"]
    assert total == 14 and alerted <= MOST * total, shares
    practice_alerted = sum(a for a, _ in shares.values())
    practice_total = sum(t for _, t in shares.values())
    assert practice_total >= 50 and practice_alerted <= MOST * practice_total, shares
