"""The late list in the real app (headless Chromium): a department head sees, for each late dossier,
the department that held it (from its processing steps), never a blank, and the same as the warehouse.

Run: .venv/bin/python -m pytest tests/browser/test_late_holding.py -q   (needs /usr/bin/chromium)
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.test_e2e import assert_no_errors, open_page
from warehouse import fmt, store

pytestmark = pytest.mark.browser

COLUMN = "Bộ phận giữ hồ sơ"


def test_every_late_dossier_on_the_list_names_the_department_that_held_it(page: Page, warehouse_dir):
    open_page(page, "/tre_han?ky=quarter&ma_ky=2025-Q3")
    assert_no_errors(page)
    table = page.locator("table.vn-table").first
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert COLUMN in headers, headers
    rows = [[c.strip() for c in r.locator("td").all_inner_texts()] for r in table.locator("tbody tr").all()]
    assert len(rows) >= 20, len(rows)
    code_at, held_at = headers.index("Mã hồ sơ"), headers.index(COLUMN)
    shown = {r[code_at]: r[held_at] for r in rows}
    assert fmt.EMPTY not in shown.values() and "" not in shown.values(), shown

    reader = store.Reader(warehouse_dir)
    try:
        frame = reader.query(
            """select h.dossier_id, h.department,
                      list(distinct s.department) as step_departments
               from fct_late_holdup as h
               join raw_dossier_step as s using (dossier_id)
               where h.dossier_id in (select unnest(?))
               group by all""", [list(shown)])
    finally:
        reader.close()
    held = {r["dossier_id"]: r for r in frame.iter_rows(named=True)}
    assert set(held) == set(shown), set(shown) - set(held)
    for code, department in shown.items():
        # the page names the warehouse's attribution, one of the departments the dossier's steps went through
        assert department == held[code]["department"], (code, department, held[code])
        assert department in held[code]["step_departments"], (code, department)
