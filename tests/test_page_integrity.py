"""The "Trung thực số liệu" page under AppTest: the demo, a shared link to one agency and check,
a period with no dossiers, and a warehouse with no processing steps."""

import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.apptest_support import fresh_caches, no_errors, param, run_page  # noqa: F401
from tests.conftest import make_warehouse
from tests.integrity_helpers import STATE_AGENCIES, STATES, done
from warehouse import store

PAGE = "pages/trung_thuc.py"


def run(**params) -> AppTest:
    return run_page(PAGE, **params)


def test_demo_lists_the_dossiers_of_an_agency_for_a_check(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    r = store.Reader(demo_dir)
    agency, issues = r.query(
        """select agency_code, count(*) n from fct_integrity_issue
           where check_key = 'due_moved_no_supplement' and year(event_date) = 2025
           group by 1 order by n desc, agency_code limit 1""").row(0)
    ids = set(r.query(
        """select dossier_id from fct_integrity_issue where check_key = 'due_moved_no_supplement'
           and year(event_date) = 2025 and agency_code = ?""", [agency])["dossier_id"])
    r.close()
    at = run(ky="year", ma_ky="2025", don_vi=agency, kiem_tra="due_moved_no_supplement")
    no_errors(at)
    assert at.title[0].value == "Trung thực số liệu báo cáo"
    assert "Năm 2025" in at.subheader[0].value
    cards = {m.label: m.value for m in at.metric}
    assert len(cards) == 10 and "Lùi ngày hẹn trả không có yêu cầu bổ sung" in cards
    assert param(at, "don_vi") == agency and param(at, "kiem_tra") == "due_moved_no_supplement"
    listing = at.dataframe[0].value
    assert set(listing["Mã hồ sơ"]) == ids and len(listing) == issues
    assert listing["Hẹn trả"].str.match(r"\d{2}/\d{2}/\d{4}$").all()      # dd/mm/yyyy
    assert listing["Diễn giải"].str.contains("mà không có yêu cầu bổ sung hồ sơ mới").all()
    assert any(f"**{issues}** hồ sơ" in md.value for md in at.markdown)


def test_link_with_unknown_values_falls_back(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    at = run(ky="year", ma_ky="2026", nhom="nobody", don_vi="'; drop table x;--", kiem_tra="nothing")
    no_errors(at)
    assert param(at, "nhom") == "all"
    assert param(at, "kiem_tra") != "nothing"


def test_a_period_with_no_dossiers_or_no_issue_says_so(tmp_path, monkeypatch):
    make_warehouse(tmp_path / "one", [done("X1", "2025-03-03", "2025-03-10", "2025-03-07")]).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path / "one"))
    at = run(ky="month", ma_ky="2025-07")
    no_errors(at)
    assert any("Tháng 07/2025: không có hồ sơ nào trong kỳ này" in i.value for i in at.info)
    assert not at.metric
    # STATES: in May 2025 the stopped S1 and the waiting R2 are still open, but nothing happened
    make_warehouse(tmp_path / "states", STATES, agencies=STATE_AGENCIES).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path / "states"))
    st.cache_resource.clear()
    at = run(ky="month", ma_ky="2025-05")
    no_errors(at)
    assert any("Tháng 05/2025: không phát hiện dấu hiệu nào" in s.value for s in at.success)
    assert not at.metric


def test_without_steps_the_page_says_what_cannot_be_known(tmp_path, monkeypatch):
    """STATES has no processing steps and no history: March 2025 still shows agency A's counts
    (tests/integrity_helpers.py: 2 closed with no result, 2 withdrawn or returned, ...), and says that
    the department of late dossiers and moved due dates cannot be found."""
    make_warehouse(tmp_path, STATES, agencies=STATE_AGENCIES).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run(ky="month", ma_ky="2025-03", don_vi="A", kiem_tra="late_department")
    no_errors(at)
    infos = " ".join(i.value for i in at.info)
    assert "Chưa nạp dữ liệu bước xử lý" in infos
    assert "chưa phát hiện được việc lùi ngày hẹn trả" in infos
    assert "chưa có hồ sơ trễ hạn nào biết bộ phận giữ hồ sơ" in infos
    cards = {m.label: m.value for m in at.metric}
    assert cards["Kết thúc hồ sơ khi chưa có kết quả"] == "1"      # C1 (C5 needs its history)
    assert cards["Rút, trả lại hồ sơ sau hạn nhưng không bị tính trễ"] == "2"
    assert cards["Hồ sơ trễ hạn và bộ phận giữ hồ sơ quá hạn"] == "0"
    assert not at.dataframe

    at = run(ky="month", ma_ky="2025-03", don_vi="A", kiem_tra="withdrawn_returned_on_time")
    no_errors(at)
    listing = at.dataframe[0].value
    assert list(listing["Mã hồ sơ"]) == ["W1", "W3"]
    assert list(listing["Kết thúc"]) == ["14/03/2025", "17/03/2025"]
