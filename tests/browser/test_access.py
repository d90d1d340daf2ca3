"""Sign-in in the real app: an agency head signs in through the local login form on a real (not demo)
warehouse served by its own `streamlit run app.py`, sees his own agency's late dossiers, downloads
them (audited), and is refused another agency's list opened by a direct link (docs/security.md).

The warehouse is tests/test_page_late.py's: agency A has late dossiers L2, L1; agency B has B1.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import polars as pl
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import VIEWPORT, streamlit_server
from tests.browser.test_e2e import settle
from tests.conftest import make_warehouse
from tests.test_page_late import AGENCIES, DOSSIERS, PROCEDURES

pytestmark = pytest.mark.browser

PASSWORD = "mat-khau-truong-a"
REFUSED = "Bạn không có quyền xem danh sách hồ sơ của đơn vị này."


def warehouse_with_a_head(tmp_path_factory, name: str):
    """A small real warehouse whose agency A has a head, `truong_a`, with a local account (PASSWORD)."""
    from warehouse import accounts

    directory = tmp_path_factory.mktemp(name) / "warehouse"
    roles = pl.DataFrame([("truong_a", "truong_co_quan", "A")],
                         schema={"account": pl.String, "role": pl.String, "agency_code": pl.String},
                         orient="row")
    make_warehouse(directory, DOSSIERS, agencies=AGENCIES, procedures=PROCEDURES, as_of="2025-03-20",
                   extra_tables={"ref_user_role": roles}).close()
    accounts.add(directory, "truong_a", PASSWORD)
    return directory


@pytest.fixture(scope="module")
def real_dir(tmp_path_factory):
    return warehouse_with_a_head(tmp_path_factory, "access_browser")


@pytest.fixture(scope="module")
def access_url(real_dir, tmp_path_factory) -> Iterator[str]:
    """`streamlit run app.py` serving the real warehouse (the session's server serves the demo)."""
    log_path = tmp_path_factory.mktemp("streamlit_access") / "server.log"
    with streamlit_server(real_dir, log_path) as url:
        yield url


@pytest.fixture
def fresh_page(browser, access_url):
    ctx = browser.new_context(base_url=access_url, viewport=VIEWPORT, locale="vi-VN", accept_downloads=True)
    ctx.set_default_timeout(30_000)
    yield ctx.new_page()
    ctx.close()


def sign_in(page: Page, path: str, name: str, password: str) -> None:
    page.goto(path)
    settle(page)
    expect(page.locator("h1").first).to_have_text("Đăng nhập")
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("h1").first).not_to_have_text("Đăng nhập")
    settle(page)


def test_agency_head_sees_his_list_and_is_refused_another_agency(fresh_page, real_dir):
    page = fresh_page
    page.goto("/tre_han")
    settle(page)
    assert "L2" not in page.locator('[data-testid="stMain"]').inner_text()  # nothing before sign-in

    sign_in(page, "/tre_han?ky=month&ma_ky=2025-03", "truong_a", PASSWORD)
    expect(page.locator("h1").first).to_have_text("Hồ sơ trễ hạn")
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("L2", exact=True)).to_be_visible()
    assert "B1" not in main.inner_text()
    expect(page.get_by_text(REFUSED)).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("button", name="Tải danh sách (Excel)").first.click()
    assert download.value.suggested_filename == "ho_so_tre_han_so_mot_A_2025-03.xlsx"

    # another agency's list by a direct link (a new tab: a new session, so sign in again)
    other = page.context.new_page()
    sign_in(other, "/tre_han?ky=month&ma_ky=2025-03&don_vi=B", "truong_a", PASSWORD)
    expect(other.get_by_text(REFUSED).first).to_be_visible()
    text = other.locator('[data-testid="stMain"]').inner_text()
    assert "B1" not in text and "L2" not in text
    expect(other.get_by_role("button", name="Tải danh sách (Excel)")).to_have_count(0)

    with sqlite3.connect(real_dir / "audit.sqlite") as con:
        rows = con.execute("select who, action, what from audit order by id").fetchall()
    # the client is the browser's address as the throttle counts it (here the machine itself)
    assert rows.count(("truong_a", "dang_nhap", "truong_co_quan A · máy 127.0.0.1")) == 2
    assert ("truong_a", "xuat", "ho_so_tre_han_so_mot_A_2025-03.xlsx") in rows


def test_wrong_password_is_refused(fresh_page):
    page = fresh_page
    page.goto("/tong_quan")
    settle(page)
    page.get_by_label("Tên đăng nhập").fill("truong_a")
    page.get_by_label("Mật khẩu", exact=True).fill("khong-dung-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("Sai tên đăng nhập hoặc mật khẩu")).to_be_visible()
    expect(page.locator("h1").first).to_have_text("Đăng nhập")
