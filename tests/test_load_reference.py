"""`python -m etl load` of reference data: the agency list, the procedure catalogue, the plan targets.

Expected values worked out by hand in the comments; unit codes checked against the official lists
(Quảng Ninh: province 22; Hạ Long district 193 until 30/06/2025; commune code 06661 is Phường Giếng
Đáy in the old hierarchy and Phường Việt Hưng in the new one).
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import polars as pl

from tests.load_helpers import H, S, dossiers, load, q, quarantine, rec, report, write_envelope, write_text

AGENCIES = (
    "Mã đơn vị,Tên đơn vị,Cấp,Mã đơn vị hành chính,Hiệu lực từ,Hiệu lực đến\n"
    f"{S},Sở Tư pháp,Sở,22,,\n"                                                  # 2
    f"{H},UBND thành phố Hạ Long,Cấp huyện,193,,30/06/2025\n"                    # 3
    "000.30.21.H22,UBND phường Giếng Đáy,Cấp xã,6661,,30/06/2025\n"              # 4 lost its leading zero
    "000.31.21.H22,UBND phường Việt Hưng,Xã,06661,01/07/2025,\n"                 # 5 same code, new hierarchy
    "000.00.60.H22,Công an tỉnh Quảng Ninh,Trung ương,22,,\n"                    # 6
    "000.00.02.H22,Sở Nội vụ,Sở,,,\n"                                            # 7 no unit given
    "X.BAD1,UBND xã Ma,Cấp xã,99999,,\n"                                         # 8 no such commune
    "X.BAD2,Thôn Một,Thôn,,,\n"                                                  # 9 not a level
    "X.BAD3,,Sở,,,\n"                                                            # 10 no name
    "X.BAD4,Sở X,Sở,,01/07/2025,30/06/2025\n"                                    # 11 ends before it begins
    ",Sở Y,Sở,,,\n"                                                              # 12 no code
    "X.BAD5,Sở Z,Sở,,31/02/2025,\n"                                              # 13 31 February
)


def test_agency_list_with_units_levels_and_validation(wh, tmp_path):
    # a dossier of S first: S is registered unverified, with the name the dossier gave
    load(wh, write_envelope(tmp_path / "d.json", [rec("A1", "2025-03-03", "2025-03-10", "2025-03-05")]))
    assert q(wh, "select agency_code, verified, agency_level from ref_agency") == [(S, False, None)]
    path = write_text(tmp_path / "don_vi.csv", AGENCIES, "utf-8-sig")
    result = load(wh, path)[0]
    assert (result.kind, result.read, result.loaded, result.rejected, result.exit_code) == (
        "agency", 12, 6, 6, 1)
    got = {r[0]: r[1:] for r in q(wh, "select agency_code, agency_name, agency_level, unit_version, "
                                      "unit_code, valid_from, valid_to, verified from ref_agency")}
    assert got == {
        # departments and central agencies serve the province (2 digits); with no dates the current
        # hierarchy (2) applies, where Quảng Ninh is still 22
        S: ("Sở Tư pháp", "department", 2, "22", None, None, True),
        H: ("UBND thành phố Hạ Long", "district", 1, "193", None, dt.date(2025, 6, 30), True),
        # ended 30/06/2025: the old hierarchy; 6661 padded to 5 digits
        "000.30.21.H22": ("UBND phường Giếng Đáy", "commune", 1, "06661", None, dt.date(2025, 6, 30), True),
        "000.31.21.H22": ("UBND phường Việt Hưng", "commune", 2, "06661", dt.date(2025, 7, 1), None, True),
        "000.00.60.H22": ("Công an tỉnh Quảng Ninh", "central", 2, "22", None, None, True),
        "000.00.02.H22": ("Sở Nội vụ", "department", None, None, None, None, True),
    }
    assert quarantine(wh) == [
        (8, "X.BAD1", "MaDonViHanhChinh", "99999"),
        (9, "X.BAD2", "CapDonVi", "Thôn"),
        (10, "X.BAD3", "TenDonVi", None),
        (11, "X.BAD4", "HieuLucDen", "30/06/2025"),
        (12, None, "MaDonVi", None),
        (13, "X.BAD5", "HieuLucTu", "31/02/2025"),
    ]
    assert all(reason for (reason,) in q(wh, "select reason from quarantine"))
    # the same code 06661 names two different wards, one per hierarchy
    assert dict(q(wh, "select a.agency_code, u.unit_name from ref_agency a join ref_unit u "
                      "on u.hierarchy_version = a.unit_version and u.unit_code = a.unit_code "
                      "where a.unit_code = '06661'")) == {
        "000.30.21.H22": "Phường Giếng Đáy", "000.31.21.H22": "Phường Việt Hưng"}
    # peer groups follow (dim_agency): old-hierarchy communes are ranked apart from new ones
    assert dict(q(wh, "select agency_code, peer_group from dim_agency where agency_code like '000.3%'")) == {
        "000.30.21.H22": "commune_old", "000.31.21.H22": "commune"}
    # the report names S from the list now
    march = report(wh, dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    names = dict(march.select("agency_code", "agency_name").rows())
    assert names[S] == "Sở Tư pháp"
    # loading the list again changes nothing
    before = q(wh, "select * from ref_agency order by agency_code")
    load(wh, path)
    assert q(wh, "select * from ref_agency order by agency_code") == before
    assert q(wh, "select count(*) from quarantine") == [(6,)]


def test_agency_list_from_excel_with_numeric_unit_codes(wh, tmp_path):
    path = tmp_path / "don_vi.xlsx"
    pl.DataFrame({
        "Mã cơ quan": ["000.30.21.H22", "000.00.21.H22"],
        "Tên cơ quan": ["UBND phường Giếng Đáy", "UBND thành phố Hạ Long"],
        "Cấp đơn vị": ["Cấp xã", "Cấp huyện"],
        "Mã ĐVHC": [6661, 193],                                # numbers: 06661 lost its zero
        "Phiên bản đơn vị hành chính": [1, 1],
    }).write_excel(path)
    result = load(wh, path)[0]
    assert (result.fmt, result.kind, result.loaded, result.rejected) == ("xlsx", "agency", 2, 0)
    assert sorted(q(wh, "select agency_code, unit_version, unit_code from ref_agency")) == [
        ("000.00.21.H22", 1, "193"), ("000.30.21.H22", 1, "06661")]


def test_procedure_catalogue(wh, tmp_path):
    load(wh, write_envelope(tmp_path / "d.json", [rec("P1", "2025-03-03", "2025-03-10", "2025-03-05")]))
    assert q(wh, "select procedure_code, verified from ref_procedure") == [("1.001230", False)]
    text = (
        "Mã thủ tục;Tên thủ tục;Mã lĩnh vực;Lĩnh vực;Thời hạn giải quyết;Có phí lệ phí\n"
        "1.00123;Cấp phiếu lý lịch tư pháp cho công dân;LV01;Lý lịch tư pháp;10;Có\n"   # 2
        "2.000815;Chứng thực bản sao;LV02;Chứng thực;1;Không\n"                        # 3
        "1.001193;Đăng ký khai sinh;LV03;Hộ tịch;;\n"                                  # 4
        "1.000001;;LV03;Hộ tịch;5;Có\n"                                                # 5 no name
        "1.000002;Thủ tục Y;LV03;Hộ tịch;mười;Có\n"                                    # 6 days in words
        ";Thủ tục Z;LV03;Hộ tịch;5;Có\n"                                               # 7 no code
    )
    path = write_text(tmp_path / "thu_tuc.csv", text, "cp1258")
    result = load(wh, path)[0]
    assert (result.kind, result.loaded, result.rejected) == ("procedure", 3, 3)
    got = {r[0]: r[1:] for r in q(wh, "select procedure_code, procedure_name, field_code, statutory_days, "
                                      "has_fee, verified from ref_procedure")}
    assert got == {
        # the unverified entry from the dossier is replaced by the catalogue's
        "1.001230": ("Cấp phiếu lý lịch tư pháp cho công dân", "LV01", 10, True, True),
        "2.000815": ("Chứng thực bản sao", "LV02", 1, False, True),
        "1.001193": ("Đăng ký khai sinh", "LV03", None, None, True),
    }
    assert dict(q(wh, "select field_code, field_name from ref_field")) == {
        "LV01": "Lý lịch tư pháp", "LV02": "Chứng thực", "LV03": "Hộ tịch"}
    assert quarantine(wh) == [(5, "1.000001", "TenTTHC", None), (6, "1.000002", "ThoiHanGiaiQuyet", "mười"),
                              (7, None, "MaTTHC", None)]


TARGETS = (
    "Năm,Cấp,Mã đơn vị,Chỉ số,So sánh,Giá trị\n"
    "2025,Sở,,Tỷ lệ giải quyết đúng hạn,>=,96%\n"          # 2  label with đ
    '2025,Cấp huyện,,online_share,>=,"0,3"\n'               # 3  KPI key, decimal comma
    "2025,Cấp xã,,Tỷ lệ hồ sơ trực tuyến,≥,0.2\n"           # 4
    f"2025,,{S},late_share,<=,4\n"                          # 5  one agency; 4 means 4%
    "2025,Toàn tỉnh,,Tỷ lệ số hóa hồ sơ,>=,15 %\n"          # 6
    "2025,Sở,,Chỉ số lạ,>=,50%\n"                           # 7  unknown KPI
    "2025,Sở,,on_time_rate,=,96%\n"                         # 8  not a comparator
    "2025,Sở,,on_time_rate,>=,150%\n"                       # 9  more than 100%
    "20x5,Sở,,on_time_rate,>=,96%\n"                        # 10 not a year
    "2025,,,on_time_rate,>=,96%\n"                          # 11 neither level nor agency
    "2025,Thôn,,on_time_rate,>=,96%\n"                      # 12 not a level
)


def test_plan_targets(wh, tmp_path):
    path = write_text(tmp_path / "chi_tieu.csv", TARGETS)
    result = load(wh, path)[0]
    assert (result.kind, result.loaded, result.rejected) == ("target", 5, 6)
    rows = q(wh, "select year, agency_level, agency_code, kpi, comparator, round(target_value, 6) "
                 "from ref_plan_target order by kpi, agency_level")
    assert sorted(rows, key=str) == sorted([
        (2025, "department", None, "on_time_rate", ">=", 0.96),
        (2025, "district", None, "online_share", ">=", 0.3),
        (2025, "commune", None, "online_share", ">=", 0.2),
        (2025, None, S, "late_share", "<=", 0.04),
        (2025, "province", None, "digitised_share", ">=", 0.15),
    ], key=str)
    assert [(r, f) for r, _, f, _ in quarantine(wh)] == [
        (7, "ChiSo"), (8, "SoSanh"), (9, "GiaTri"), (10, "Nam"), (11, "CapDonVi"), (12, "CapDonVi")]
    # a new version of one target replaces it; a label in NFD is the same label
    label = unicodedata.normalize("NFD", "Tỷ lệ giải quyết đúng hạn")
    write_text(tmp_path / "chi_tieu_2.csv", f"Năm,Cấp,Chỉ số,So sánh,Mức chỉ tiêu\n2025,Sở,{label},>=,97%\n")
    assert load(wh, tmp_path / "chi_tieu_2.csv")[0].loaded == 1
    assert q(wh, "select round(target_value, 6) from ref_plan_target where kpi = 'on_time_rate'") == [(0.97,)]
    assert q(wh, "select count(*) from ref_plan_target") == [(5,)]


def test_plan_targets_from_excel_numbers(wh, tmp_path):
    path = tmp_path / "chi_tieu.xlsx"
    pl.DataFrame({"Năm": [2026, 2026], "Cấp đơn vị": ["Sở", "Cấp xã"],
                  "Chỉ tiêu": ["Tỷ lệ giải quyết đúng hạn", "Tỷ lệ thanh toán trực tuyến"],
                  "So sánh": [">=", ">="], "Giá trị": [0.96, 0.05]}).write_excel(path)
    result = load(wh, path)[0]
    assert (result.fmt, result.loaded, result.rejected) == ("xlsx", 2, 0)
    assert sorted(q(wh, "select year, agency_level, kpi, round(target_value, 6) from ref_plan_target")) == [
        (2026, "commune", "online_payment_share", 0.05), (2026, "department", "on_time_rate", 0.96)]


def test_reference_files_do_not_touch_dossiers(wh, tmp_path):
    load(wh, write_envelope(tmp_path / "d.json", [rec("R1", "2025-03-03", "2025-03-10", "2025-03-05")]))
    before = q(wh, "select * from raw_dossier")
    load(wh, write_text(tmp_path / "don_vi.csv", AGENCIES), write_text(tmp_path / "chi_tieu.csv", TARGETS))
    assert q(wh, "select * from raw_dossier") == before
    assert set(dossiers(wh)) == {"R1"}
