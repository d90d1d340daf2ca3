"""The sign-in throttle in the real app (docs/security.md): behind a proxy on the machine itself (here the
browser sends X-Forwarded-For as nginx would), the address the throttle counts and audits is the
forwarded one; the sixth wrong password in a row is answered with the wait, in words."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORT, streamlit_server
from tests.browser.test_access import PASSWORD, warehouse_with_a_head
from tests.browser.test_e2e import settle

pytestmark = pytest.mark.browser

BAD_LOGIN = "Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị khóa."


@pytest.fixture(scope="module")
def real_dir(tmp_path_factory):
    return warehouse_with_a_head(tmp_path_factory, "throttle_browser")


@pytest.fixture(scope="module")
def url(real_dir, tmp_path_factory) -> Iterator[str]:
    log_path = tmp_path_factory.mktemp("streamlit_throttle") / "server.log"
    with streamlit_server(real_dir, log_path) as served:
        yield served


def test_wrong_guesses_are_throttled_and_audited_with_the_forwarded_address(browser, url, real_dir):
    ctx = browser.new_context(base_url=url, viewport=VIEWPORT, locale="vi-VN",
                              extra_http_headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9"})
    ctx.set_default_timeout(30_000)
    page = ctx.new_page()
    try:
        page.goto("/tre_han")
        settle(page)
        for attempt in range(6):
            page.get_by_label("Tên đăng nhập").fill("truong_a")
            page.get_by_label("Mật khẩu", exact=True).fill("doan-mo-sai-123" if attempt < 5 else PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            expected = BAD_LOGIN if attempt < 5 else "Đã nhập sai quá 5 lần; thử lại sau 1 phút."
            expect(page.get_by_text(expected)).to_be_visible()
            settle(page)
        expect(page.locator("h1").first).to_have_text("Đăng nhập")   # the right password waits too
    finally:
        ctx.close()
    with sqlite3.connect(real_dir / "audit.sqlite") as con:
        rows = con.execute("select who, action, what from audit order by id").fetchall()
    # the right-most forwarded address: the left one is whatever the client wrote
    assert rows == [("truong_a", "dang_nhap_loi", "wrong_password · máy 203.0.113.9")] * 5 + [
        ("truong_a", "dang_nhap_loi", "throttled · chờ 1 phút (account) · máy 203.0.113.9")]
