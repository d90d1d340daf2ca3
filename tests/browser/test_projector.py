"""Projector mode in a real browser: keys turn the slides without clicking anything first, the timer
turns them by itself, the sidebar is gone, the type is large; and the README's screenshot.

Run: .venv/bin/python -m pytest tests/browser/test_projector.py -q   (needs /usr/bin/chromium)
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_e2e import (
    SCREENSHOTS,
    assert_no_errors,
    choose,
    open_page,
    query,
    selected,
    settle,
    wait_for_charts,
)

pytestmark = pytest.mark.browser

LINK = "/trinh_chieu?ky=quarter&ma_ky=2025-Q3"


def px(page: Page, selector: str, prop: str = "fontSize") -> float:
    return float(page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}").removesuffix("px"))


def headline(page: Page) -> str:
    return page.locator("h1").first.inner_text().strip()


def press_and_wait(page: Page, key: str, slide: int) -> None:
    page.keyboard.press(key)
    page.wait_for_url(re.compile(rf"[?&]trang={slide}(&|$)"))
    settle(page)


def test_keys_turn_the_slides(page: Page):
    open_page(page, LINK + "&trang=1")
    assert_no_errors(page)
    first = headline(page)
    assert first.startswith("Tỷ lệ đúng hạn"), first

    # no click anywhere first: the key goes to the page as it opened
    press_and_wait(page, "ArrowRight", 2)
    expect(page.locator("h1").first).not_to_have_text(first)
    second = headline(page)
    assert second.startswith("Đúng hạn Quý III/2025"), second
    assert query(page) == {"ky": "quarter", "ma_ky": "2025-Q3", "trang": "2", "tu_dong": "0"}

    press_and_wait(page, "ArrowLeft", 1)
    expect(page.locator("h1").first).to_have_text(first)

    press_and_wait(page, "PageDown", 2)
    press_and_wait(page, "Space", 3)
    expect(page.locator("h1").first).to_contain_text("trễ hạn nhiều nhất")
    press_and_wait(page, "PageUp", 2)
    expect(page.locator("h1").first).to_have_text(second)
    press_and_wait(page, "ArrowLeft", 1)
    press_and_wait(page, "ArrowLeft", 5)  # wraps round
    assert_no_errors(page)


def test_one_key_press_turns_one_slide(page: Page):
    """However many times the page has rerun, one listener: a key press moves exactly one slide."""
    open_page(page, LINK + "&trang=1")
    for slide in (2, 3, 4):
        press_and_wait(page, "ArrowRight", slide)
    page.wait_for_timeout(1500)  # a second listener's click would have landed by now
    assert query(page)["trang"] == "4"


def test_timer_turns_the_slides_by_itself(page: Page):
    open_page(page, LINK + "&trang=3&tu_dong=2")
    before = headline(page)
    page.wait_for_url(re.compile(r"[?&]trang=4(&|$)"), timeout=6_000)
    expect(page.locator("h1").first).not_to_have_text(before, timeout=6_000)
    assert query(page)["tu_dong"] == "2"
    expect(page.get_by_text("tự chuyển sau 2 giây")).to_be_visible()


def test_full_screen_large_type_no_sidebar(page: Page):
    open_page(page, LINK + "&trang=1")
    expect(page.locator('[data-testid="stSidebar"]')).to_be_hidden()
    expect(page.locator('[data-testid="stHeader"]')).to_be_hidden()
    assert px(page, "h1") >= 48
    assert px(page, ".tile-value") >= 64
    # near-black on white
    assert page.locator("h1").first.evaluate("e => getComputedStyle(e).color") == "rgb(17, 17, 17)"
    # the control bar is on screen without scrolling, the options tucked away in a popover
    for name in ("Trước", "Sau", "Toàn màn hình", "Tuỳ chọn"):
        expect(page.get_by_role("button", name=re.compile(name))).to_be_in_viewport()
    expect(page.get_by_role("combobox", name="Loại kỳ")).to_be_hidden()

    page.get_by_role("button", name=re.compile("Toàn màn hình")).click()
    page.wait_for_function("document.fullscreenElement !== null", timeout=5_000)
    page.keyboard.press("f")
    page.wait_for_function("document.fullscreenElement === null", timeout=5_000)


def test_options_show_the_current_period_after_turning_slides(page: Page):
    """The options box is opened only after a few slides: it still shows (and keeps) the link's period."""
    open_page(page, LINK + "&trang=1")
    press_and_wait(page, "ArrowRight", 2)
    press_and_wait(page, "ArrowRight", 3)
    page.get_by_role("button", name=re.compile("Tuỳ chọn")).click()
    assert selected(page, "Loại kỳ") == "Quý"
    assert selected(page, "Kỳ") == "Quý III/2025"
    choose(page, "Tự động chuyển trang", "Sau mỗi 60 giây")
    page.wait_for_url(re.compile(r"[?&]tu_dong=60(&|$)"))
    settle(page)
    assert query(page) == {"ky": "quarter", "ma_ky": "2025-Q3", "trang": "3", "tu_dong": "60"}

    choose(page, "Kỳ", "Quý II/2025")
    page.wait_for_url(re.compile(r"[?&]ma_ky=2025-Q2(&|$)"))
    settle(page)
    assert query(page) == {"ky": "quarter", "ma_ky": "2025-Q2", "trang": "3", "tu_dong": "60"}
    page.keyboard.press("Escape")
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Quý II/2025: toàn tỉnh")


def test_screenshot_for_readme(page: Page):
    open_page(page, LINK + "&trang=1")
    assert_no_errors(page)
    wait_for_charts(page)
    target = SCREENSHOTS / "trinh_chieu.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), animations="disabled")  # the slide is the viewport, by design
    assert target.stat().st_size > 10_000, target
