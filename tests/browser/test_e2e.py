"""The real app (`streamlit run app.py`) in headless Chromium: pages load by URL, numbers are Vietnamese
whatever the browser's locale, a shared link reproduces the view, and the README's screenshots.

Run: .venv/bin/python -m pytest tests/browser -q   (needs /usr/bin/chromium or $CHROMIUM_PATH)
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import REPO_ROOT, VIEWPORT

pytestmark = pytest.mark.browser

# the README's pictures; a run at another date (test.sh with TEST_CLOCK_OFFSET) writes them elsewhere so
# the README never shows a build stamped with a fake date
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR") or REPO_ROOT / "docs" / "screenshots")

RANKING_LINK = "/xep_hang?ky=quarter&ma_ky=2025-Q1&nhom=district&chi_so=on_time_rate&toi_thieu=30"

VN_PERCENT = re.compile(r"^\d{1,3},\d%$")            # 96,5%
VN_COUNT = re.compile(r"^\d{1,3}(\.\d{3})+$")        # 72.097
EN_PERCENT = re.compile(r"\d\.\d%")                  # 96.5%
EN_THOUSANDS = re.compile(r"\d,\d{3}(?!\d)")         # 72,097


# --- helpers -----------------------------------------------------------------------------------------

# Resolves once the main area has not changed for `quiet` ms (or after `limit` ms in any case).
_DOM_QUIET = """([quiet, limit]) => new Promise(resolve => {
    const root = document.querySelector('[data-testid="stMain"]') || document.body;
    const done = () => { observer.disconnect(); clearTimeout(timer); clearTimeout(cap); resolve(true); };
    const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, quiet); });
    let timer = setTimeout(done, quiet);
    const cap = setTimeout(done, limit);
    observer.observe(root, {subtree: true, childList: true, characterData: true});
})"""


def settle(page: Page) -> None:
    """Wait until the script has run to the end and its output is on screen.

    The app's `data-test-script-state` turns "notRunning" a moment before the frontend has drawn
    the last elements of the run, so after it we also wait for the main area to stop changing.
    """
    expect(page.locator("h1").first).to_be_visible()
    app = page.locator('[data-testid="stApp"]')
    expect(app).to_have_attribute("data-test-script-state", "notRunning")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
    expect(page.locator('[data-testid="stStatusWidget"]')).to_have_count(0)
    page.evaluate(_DOM_QUIET, [300, 10_000])


def open_page(page: Page, path: str) -> Page:
    page.goto(path)
    settle(page)
    return page


def assert_no_errors(page: Page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert exceptions.count() == 0, exceptions.all_inner_texts()
    assert errors.count() == 0, errors.all_inner_texts()


def query(page: Page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(page.url).query).items()}


def selected(page: Page, label: str) -> str:
    return page.get_by_role("combobox", name=label, exact=True).input_value()


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def metric_values(page: Page) -> list[str]:
    return [t.strip() for t in page.locator('[data-testid="stMetricValue"]').all_inner_texts()]


def wait_for_charts(page: Page) -> None:
    charts = page.locator('[data-testid="stPlotlyChart"]')
    for i in range(charts.count()):
        expect(charts.nth(i).locator(".main-svg").first).to_be_attached()


def full_page_screenshot(page: Page, path: Path) -> None:
    """Streamlit scrolls inside <main>, not the document, so Playwright's full_page alone would only
    capture the viewport: grow the viewport to the content's height first."""
    close_page_not_found(page)
    height = VIEWPORT["height"]
    for _ in range(5):
        wanted = page.evaluate(
            """() => {
                const main = document.querySelector('[data-testid="stMain"]');
                return Math.ceil(Math.max(main ? main.scrollHeight : 0,
                                          document.documentElement.scrollHeight));
            }"""
        )
        if wanted <= height:
            break
        height = wanted
        page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
        page.wait_for_timeout(300)  # charts and grids re-layout on resize
    wait_for_charts(page)
    page.wait_for_timeout(500)      # let plotly finish its transitions
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    page.set_viewport_size(VIEWPORT)


def page_not_found_dialog(page: Page):
    return page.get_by_role("dialog").filter(has_text="Page not found")


def close_page_not_found(page: Page) -> None:
    """Streamlit's 'Page not found' modal (see test_default_page_url_has_no_page_not_found_dialog)
    must not end up in the README's pictures."""
    dialog = page_not_found_dialog(page)
    if dialog.count():
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)


# --- 1. every page by its direct URL -----------------------------------------------------------------

PAGES = [
    # path, h1 (exact, or prefix when it ends with "…"), metric cards at least, plotly charts at least
    ("/tong_quan", "Tổng quan…", 12, 1),
    ("/", "Tổng quan…", 12, 1),
    ("/xep_hang", "Xếp hạng cơ quan, đơn vị", 0, 1),
    ("/dia_ban", "Theo địa bàn", 5, 3),
    ("/co_quan", "Cơ quan của tôi", 4, 1),
    ("/tre_han", "Hồ sơ trễ hạn", 0, 0),
    ("/trung_thuc", "Trung thực số liệu báo cáo", 0, 0),
    ("/bao_cao", "Báo cáo định kỳ", 3, 0),
    ("/du_lieu", "Dữ liệu", 4, 0),
    # /trinh_chieu hides the menu and its heading is the slide's message: tests/browser/test_projector.py
]


@pytest.mark.parametrize(("path", "title", "metrics", "charts"), PAGES, ids=[p[0] for p in PAGES])
def test_page_loads_by_direct_url(page: Page, path, title, metrics, charts):
    open_page(page, path)
    h1 = page.locator("h1").first.inner_text().strip()
    if title.endswith("…"):
        assert h1.startswith(title[:-1]), h1
    else:
        assert h1 == title
    assert_no_errors(page)
    expect(page).to_have_title(re.compile(r" · Đánh giá giải quyết thủ tục hành chính$"))
    if metrics:
        expect(page.locator('[data-testid="stMetric"]').nth(metrics - 1)).to_be_visible()
    charts_drawn = page.locator('[data-testid="stPlotlyChart"]')
    if charts:
        expect(charts_drawn.nth(charts - 1)).to_be_attached()      # at least this many
    else:
        expect(charts_drawn).to_have_count(0)
    # the demo warehouse is announced in the sidebar
    expect(page.get_by_text("kho dữ liệu mẫu")).to_be_visible()


@pytest.mark.parametrize("path", ["/tong_quan", "/xep_hang", "/du_lieu", "/?ky=quarter&ma_ky=2025-Q2"])
def test_no_page_not_found_dialog_and_root_opens_the_overview(page: Page, path):
    open_page(page, path)
    page.wait_for_timeout(500)
    expect(page_not_found_dialog(page)).to_have_count(0, timeout=1)
    if path.startswith("/?"):
        # the root keeps a shared link's parameters and lands on the overview's own address
        assert "/tong_quan?" in page.url and "ma_ky=2025-Q2" in page.url, page.url
        assert "Quý II/2025" in page.locator('[data-testid="stMain"]').inner_text()


# --- 2. Vietnamese formats whatever the browser's locale ------------------------------------------------

def test_vietnamese_number_formats_in_english_browser(new_context):
    page = new_context(locale="en-US").new_page()
    open_page(page, "/?ky=year&ma_ky=2026")
    # the root hands over to the overview's own address: wait for that run, not the hand-over
    page.wait_for_url(re.compile(r"/tong_quan\?"))
    settle(page)
    expect(page.locator('[data-testid="stMetricValue"]').nth(11)).to_be_visible()
    assert page.evaluate("navigator.language") == "en-US"
    assert_no_errors(page)

    values = metric_values(page)
    assert any(VN_PERCENT.match(v) for v in values), values
    assert any(VN_COUNT.match(v) for v in values), values
    assert not [v for v in values if EN_PERCENT.search(v) or EN_THOUSANDS.search(v)], values
    deltas = page.locator('[data-testid="stMetricDelta"]').all_inner_texts()
    assert deltas and all(re.search(r"\d,\d\sđiểm\s%$", d) for d in deltas), deltas

    wait_for_charts(page)
    chart_text = page.locator('[data-testid="stPlotlyChart"] .main-svg').first.text_content()
    assert not EN_THOUSANDS.search(chart_text), chart_text

    open_page(page, "/du_lieu")
    assert_no_errors(page)
    values = metric_values(page)
    assert any(VN_COUNT.match(v) for v in values), values
    assert not [v for v in values if EN_THOUSANDS.search(v)], values
    body = page.locator('[data-testid="stMain"]').inner_text()
    assert "23/11/2026" in body, body       # the as-of date, dd/mm/yyyy
    assert not EN_THOUSANDS.search(body), body


# --- 3. a shared link reproduces the view, and the view writes the link --------------------------------

def test_shared_link_reproduces_ranking_view(new_context):
    page = new_context().new_page()
    open_page(page, RANKING_LINK)
    assert_no_errors(page)

    subheader = page.locator("h3").first
    expect(subheader).to_contain_text("UBND cấp huyện")
    expect(subheader).to_contain_text("Tỷ lệ giải quyết đúng hạn")
    expect(subheader).to_contain_text("Quý I/2025")
    assert selected(page, "Loại kỳ") == "Quý"
    assert selected(page, "Kỳ") == "Quý I/2025"
    assert selected(page, "Nhóm so sánh").startswith("UBND cấp huyện")
    assert selected(page, "Chỉ số") == "Tỷ lệ giải quyết đúng hạn"
    assert selected(page, "Số hồ sơ tối thiểu để xếp hạng") == "30"
    assert query(page) == {"ky": "quarter", "ma_ky": "2025-Q1", "nhom": "district",
                           "chi_so": "on_time_rate", "toi_thieu": "30"}

    # another peer group: the URL follows, the rest of the link stays
    choose(page, "Nhóm so sánh", "Sở, ban, ngành cấp tỉnh")
    page.wait_for_url(re.compile(r"[?&]nhom=department(&|$)"))
    expect(subheader).to_contain_text("Sở, ban, ngành cấp tỉnh")
    settle(page)
    assert query(page) == {"ky": "quarter", "ma_ky": "2025-Q1", "nhom": "department",
                           "chi_so": "on_time_rate", "toi_thieu": "30"}

    # a stricter minimum volume
    choose(page, "Số hồ sơ tối thiểu để xếp hạng", "50")
    page.wait_for_url(re.compile(r"[?&]toi_thieu=50(&|$)"))
    settle(page)
    assert_no_errors(page)
    shared = page.url
    assert query(page) == {"ky": "quarter", "ma_ky": "2025-Q1", "nhom": "department",
                           "chi_so": "on_time_rate", "toi_thieu": "50"}

    # the updated link, opened by someone else, shows the same view
    other = new_context().new_page()
    open_page(other, shared)
    assert_no_errors(other)
    expect(other.locator("h3").first).to_have_text(subheader.inner_text())
    assert selected(other, "Nhóm so sánh") == "Sở, ban, ngành cấp tỉnh"
    assert selected(other, "Số hồ sơ tối thiểu để xếp hạng") == "50"
    assert query(other) == query(page)


# --- 4. screenshots for the README ---------------------------------------------------------------------

SHOTS = [
    # file, URL, a text the finished page shows
    ("tong_quan.png", "/?ky=year&ma_ky=2026", "Năm 2026 · so với chỉ tiêu"),
    ("xep_hang.png", RANKING_LINK,
     "UBND cấp huyện (đến 30/06/2025) · Tỷ lệ giải quyết đúng hạn · Quý I/2025"),
    ("trung_thuc.png", "/trung_thuc?ky=year&ma_ky=2025", "Theo cơ quan, đơn vị"),
    ("du_lieu.png", "/du_lieu", "Hồ sơ trong kho"),
    ("chi_so_766.png", "/chi_so_766?pham_vi=month&thang=2025-10", "Hạng 2/34"),
]


def test_screenshots_for_readme(new_context):
    page = new_context().new_page()
    for name, path, expected in SHOTS:
        open_page(page, path)
        expect(page.locator('[data-testid="stMain"]')).to_contain_text(expected)
        assert_no_errors(page)
        target = SCREENSHOTS / name
        full_page_screenshot(page, target)
        assert target.stat().st_size > 10_000, target


# --- 5. an Excel export downloads and opens -------------------------------------------------------------

def test_late_list_excel_downloads_and_opens(page: Page, tmp_path):
    """The late list of a district for 2024: the .xlsx that the button gives is a real workbook holding
    the rows on screen, codes and dates as shown."""
    import polars as pl

    open_page(page, "/tre_han?ky=year&ma_ky=2024&nhom=district")
    assert_no_errors(page)
    summary = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="hồ sơ trễ hạn ·").first
    shown = int(summary.inner_text().split()[0].replace(".", ""))
    table = page.locator("table.vn-table").first
    first_code = table.locator("tbody tr").first.locator("td").first.inner_text().strip()

    with page.expect_download() as info:
        page.get_by_role("button", name="Tải danh sách (Excel)").first.click()
    download = info.value
    # the file names who and the period; its title rows too, above the table (row 4)
    assert download.suggested_filename == "ho_so_tre_han_ubnd_cap_huyen_den_30_06_2025_2024.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.read_bytes()[:2] == b"PK"          # an Office Open XML zip, not an error page
    title = pl.read_excel(target, has_header=False)[:, 0].head(3).to_list()
    assert title == ["DANH SÁCH HỒ SƠ TRỄ HẠN", "UBND cấp huyện (đến 30/06/2025)",
                     "Năm 2024: từ ngày 01/01/2024 đến ngày 31/12/2024"]
    book = pl.read_excel(target, read_options={"header_row": 4}).head(-1)   # the foot counts the rows
    assert book.height == shown, (book.height, shown)
    assert book.columns[:2] == ["Mã hồ sơ", "Cơ quan, đơn vị"]
    assert book["Mã hồ sơ"][0] == first_code
    # dates as dates (shown dd/mm/yyyy by the cell's format), working days as numbers
    assert book.schema["Tiếp nhận"] == pl.Date and book.schema["Số ngày làm việc trễ"] == pl.Int64


# --- 6. from a ranking bar to the agency's own page ------------------------------------------------------

def test_click_on_a_ranking_bar_opens_that_agency(page: Page):
    open_page(page, RANKING_LINK)
    wait_for_charts(page)
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    top_name = page.locator("table.vn-table tbody tr").first.locator("a").inner_text().strip()
    # bars are drawn bottom-up, so the last is rank 1; the axis starts near the lowest value, so a bar
    # begins left of the plot: click inside the plot, near the bar's end (plotly listens on its drag layer)
    bar = chart.locator(".bars path").last.bounding_box()
    plot = chart.locator("rect.nsewdrag").first.bounding_box()
    page.mouse.click(min(bar["x"] + bar["width"], plot["x"] + plot["width"]) - 8,
                     bar["y"] + bar["height"] / 2)
    page.wait_for_url(re.compile(r"/co_quan\?"))
    settle(page)
    assert_no_errors(page)
    params = query(page)
    assert params["ky"] == "quarter" and params["ma_ky"] == "2025-Q1" and params["don_vi"], params
    expect(page.locator("h2").first).to_have_text(top_name)          # rank 1, the bar clicked
    assert selected(page, "Kỳ") == "Quý I/2025"


def test_agency_name_in_the_ranking_table_is_a_link_to_its_page(page: Page):
    open_page(page, RANKING_LINK)
    link = page.locator("table.vn-table tbody tr").nth(1).locator("a")
    name = link.inner_text().strip()
    link.click()
    page.wait_for_url(re.compile(r"/co_quan\?"))
    settle(page)
    assert_no_errors(page)
    expect(page.locator("h2").first).to_have_text(name)
    assert query(page)["ma_ky"] == "2025-Q1"


# --- 7. nothing is fetched from outside (a government intranet has no internet) ------------------------

OFFLINE_PAGES = ["/tong_quan?ky=year&ma_ky=2025", "/xep_hang", "/dia_ban?ky=year&ma_ky=2024",
                 "/co_quan", "/tre_han", "/trung_thuc", "/bao_cao", "/trinh_chieu", "/du_lieu"]


def test_every_page_fetches_only_from_the_app_server(page: Page, base_url):
    own = urlsplit(base_url).netloc
    outside: list[str] = []
    page.on("request", lambda req: outside.append(req.url)
            if urlsplit(req.url).scheme in ("http", "https", "ws", "wss") and urlsplit(req.url).netloc != own
            else None)
    for path in OFFLINE_PAGES:
        page.goto(path)
        expect(page.locator('[data-testid="stApp"]')).to_have_attribute("data-test-script-state",
                                                                        "notRunning")
        page.wait_for_timeout(800)       # charts, fonts and images load after the script has run
        assert_no_errors(page)
    assert outside == [], outside
