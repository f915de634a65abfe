"""Renew the README's screenshots from the demo practice, as its users see it.

    .venv/bin/python docs/screenshots/take.py

Loads the demo into a temporary directory, serves it on a free local port, signs in as each
demo login (password only: demo mode) and saves the pages below into docs/screenshots/.
Needs Debian's chromium (as the browser tests do).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

HERE = Path(__file__).resolve().parent
PASSWORD = "attune-demo"  # noqa: S105 - the published demo password
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def _shot(page: Page, name: str, *, full_page: bool = False) -> None:
    page.screenshot(path=str(HERE / name), full_page=full_page)
    print(f"saved docs/screenshots/{name}")


def take(base: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        desk = browser.new_page(viewport=DESKTOP)
        _sign_in(desk, base, "therapist@example.org")
        _shot(desk, "caseload.png")
        red = desk.locator("table tbody tr").filter(
            has=desk.locator(".chip.severity-act-soon").filter(has_not_text="Safety item")
        )
        red.first.locator("th a").first.click()
        desk.wait_for_load_state()
        episode_url = desk.url
        _shot(desk, "episode.png")
        card = desk.locator("[data-testid=alert].severity-act-soon").first
        if card.count():
            card.locator("[data-testid=alert-more] > summary").click()
            card.screenshot(path=str(HERE / "alert-card.png"))
            print("saved docs/screenshots/alert-card.png")
        episode_id = episode_url.rstrip("/").rsplit("/", 1)[1]
        desk.goto(f"{base}/episodes/{episode_id}/refer/")
        _shot(desk, "referral.png")
        desk.goto(f"{base}/episodes/{episode_id}/end/")
        _shot(desk, "ending.png")
        desk.goto(f"{base}/consultations/")
        _shot(desk, "consultations.png")
        desk.goto(f"{base}/clients/add/")
        _shot(desk, "add-client.png")

        phone = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True)
        _sign_in(phone, base, "therapist@example.org")
        phone.goto(episode_url)
        _shot(phone, "episode-phone.png")

        supervisor = browser.new_context(viewport=DESKTOP).new_page()  # a fresh sign-in
        _sign_in(supervisor, base, "supervisor@example.org")
        supervisor.get_by_role("link", name="to discuss").first.click()
        supervisor.wait_for_load_state()
        _shot(supervisor, "supervision.png")
        admin = browser.new_context(viewport=DESKTOP).new_page()
        _sign_in(admin, base, "admin@example.org")
        _shot(admin, "practice.png")
        browser.close()


def main() -> None:
    port = _free_port()
    with tempfile.TemporaryDirectory() as var:
        env = {**os.environ, "ATTUNE_VAR_DIR": var, "PORT": str(port)}
        attune = [sys.executable, "-m", "attune"]
        # Our own interpreter and command, fixed arguments.
        load = [*attune, "demo", "--no-serve"]
        subprocess.run(load, env=env, check=True, capture_output=True)  # noqa: S603
        server = subprocess.Popen([*attune, "demo"], env=env, stdout=subprocess.DEVNULL)  # noqa: S603
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(60):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - loopback
                    break
                except OSError:
                    time.sleep(1)
            take(base)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
