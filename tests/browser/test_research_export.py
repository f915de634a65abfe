"""The research export from the practice outcomes page (issue 13), in a browser: the
administrator downloads the CSV and the Parquet file by the page's POST form; the files carry
the dictionary's columns and no e-mail; each download is one audit event."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from attune.accounts.demo_logins import DEMO_PASSWORD
from attune.outcomes.research_export import NAMES
from tests.browser.conftest import sign_in_without_the_form


def test_the_administrator_downloads_csv_and_parquet(demo, live_server, new_page: Any):
    from attune.audit.models import AuditEvent

    page = new_page()
    sign_in_without_the_form(page, live_server, "admin@example.org", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/practice/outcomes/")
    form = page.get_by_test_id("research-export-form")
    with page.expect_download() as got:
        form.get_by_role("button", name="Download CSV").click()
    download = got.value
    assert download.suggested_filename == "attune-research-export.csv"
    body = Path(download.path()).read_text()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == list(NAMES) and len(rows) > 1
    assert "@example.org" not in body
    expect(page).to_have_url(f"{live_server.url}/practice/outcomes/")  # the page stays
    pq = pytest.importorskip("pyarrow.parquet")
    with page.expect_download() as got:
        form.get_by_role("button", name="Download Parquet").click()
    table = pq.read_table(got.value.path())
    assert table.column_names == list(NAMES) and table.num_rows == len(rows) - 1
    details = list(
        AuditEvent.objects.filter(action="export").order_by("pk").values_list("detail", flat=True)
    )
    n = len(rows) - 1
    assert details == [f"research csv practice rows={n}", f"research parquet practice rows={n}"]
