"""Pages say "Không có dữ liệu" for a KPI whose input no record carries (docs/inputs.md), never 0%.

The dossiers are tests/test_report_rules.py's March 2025 set (agency A): 12 new dossiers in March, D1
(online) and D3 (in person) among them. Only the fee facts change between the two warehouses.
"""

from tests.apptest_support import fresh_caches, no_errors, run_page  # noqa: F401
from tests.conftest import make_warehouse
from tests.test_report_rules import MARCH

PAYMENT = "Tỷ lệ thanh toán trực tuyến"


def _overview(tmp_path, monkeypatch, dossiers):
    make_warehouse(tmp_path, dossiers).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run_page("pages/tong_quan.py", ky="month", ma_ky="2025-03")
    no_errors(at)
    card = next(m for m in at.metric if m.label == PAYMENT)
    notes = [md.value for md in at.markdown if "Không có dữ liệu" in md.value]
    return card.value, notes


def test_payment_share_without_fee_information_says_no_data(tmp_path, monkeypatch):
    """No record says whether it has a fee (has_fee null) and no catalogue flag stands in: the share has
    no denominator, so the card shows no figure and says "Không có dữ liệu" (the other five headline KPIs
    have figures: on time 8/10, online 4/12, digitised 0/12, electronic results 0/10, apology 0/2)."""
    value, notes = _overview(tmp_path, monkeypatch, [{**d, "has_fee": None} for d in MARCH])
    assert value == "—"
    assert len(notes) == 1


def test_payment_share_with_fee_lists_is_a_figure(tmp_path, monkeypatch):
    """D1 and D3 (both new in March) have a fee; D1 was paid online, D3's payment is unknown (not paid);
    every other dossier's fee list is all 0 (has_fee false): 1 / 2 = 50,0%, and no card says no data."""
    fees = {"D1": (True, 1), "D3": (True, None)}
    dossiers = [{**d, "has_fee": fees.get(d["dossier_id"], (False, None))[0],
                 "paid_online": fees.get(d["dossier_id"], (False, None))[1]} for d in MARCH]
    value, notes = _overview(tmp_path, monkeypatch, dossiers)
    assert value == "50,0%"
    assert notes == []


def test_agency_standing_says_no_data_for_the_payment_share(tmp_path):
    """The agency page's standing table (ui/agency_parts.standing_table) writes "Không có dữ liệu" in
    the value cell of a KPI the agency has no input for, not "—" or 0%."""
    from ui import agency_parts
    from warehouse import queries_targets

    r = make_warehouse(tmp_path, [{**d, "has_fee": None} for d in MARCH])
    try:
        rankings = queries_targets.agency_rankings(r, "month", "2025-03", "A")
        table = agency_parts.standing_table(rankings)
        row = table.filter(table["Chỉ số"] == PAYMENT).row(0, named=True)
        assert row["Giá trị trong kỳ"] == "Không có dữ liệu"
        on_time = table.filter(table["Chỉ số"] == "Tỷ lệ giải quyết đúng hạn").row(0, named=True)
        assert on_time["Giá trị trong kỳ"] == "80,0%"   # 8 / 10
    finally:
        r.close()


def _inputs_table(tmp_path, monkeypatch, dossiers) -> tuple[dict, str]:
    make_warehouse(tmp_path, dossiers).close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run_page("pages/du_lieu.py")
    no_errors(at)
    assert "Dữ liệu đầu vào" in [t.label for t in at.tabs]
    table = next(d.value for d in at.dataframe if "Biết có phí, lệ phí hay không" in d.value.columns)
    assert len(table) == 1
    text = " ".join(md.value for md in at.markdown)
    return table.iloc[0].to_dict(), text


def test_data_page_says_which_inputs_the_dossiers_carry(tmp_path, monkeypatch):
    """MARCH counts 18 dossiers, all received in 2025 (D9 refused and D10 never received are not counted).
    Fees as in the 50,0% test above: every fee known (18 / 18 = 100,0%), 2 with a fee, the payment of
    1 of them known (D1; D3's is not said: 1 / 2 = 50,0%). No record says how its result was returned
    (HinhThuc) nor the appointment before D18's supplement requests: "Không có dữ liệu". No PAKN and no
    rating file was loaded: "Không có dữ liệu" too."""
    fees = {"D1": (True, 1), "D3": (True, None)}
    dossiers = [{**d, "has_fee": fees.get(d["dossier_id"], (False, None))[0],
                 "paid_online": fees.get(d["dossier_id"], (False, None))[1]} for d in MARCH]
    row, text = _inputs_table(tmp_path, monkeypatch, dossiers)
    assert row == {
        "Năm tiếp nhận": "2025", "Hồ sơ": "18", "Biết có phí, lệ phí hay không": "100,0%",
        "Hồ sơ có phí": "2",
        "Biết thanh toán trực tuyến (hồ sơ có phí)": "50,0%",
        "Biết hình thức trả kết quả (đã giải quyết)": "Không có dữ liệu",
        "Biết ngày hẹn ban đầu (hồ sơ bổ sung)": "Không có dữ liệu",
    }
    assert "Phản ánh, kiến nghị: Không có dữ liệu" in text and "Đánh giá hài lòng: Không có dữ liệu" in text


def test_data_page_without_fee_information(tmp_path, monkeypatch):
    """The same dossiers saying nothing about fees: fee known in none of 18 ("Không có dữ liệu"), so none
    with a fee and no payment to know ("—")."""
    row, _ = _inputs_table(tmp_path, monkeypatch, [{**d, "has_fee": None} for d in MARCH])
    assert (row["Biết có phí, lệ phí hay không"], row["Hồ sơ có phí"],
            row["Biết thanh toán trực tuyến (hồ sơ có phí)"]) == ("Không có dữ liệu", "0", "—")
