"""`python -m etl load` of the 766 index's inputs that no dossier carries: PAKN (complaints and
petitions), satisfaction ratings, and the procedure catalogue's online level and publication flags.

Every file is written by the test; expected values are worked out by hand in the comments. The
dossiers are load_helpers' March 2025 set (S = Sở Tư pháp with procedure 1.001230, H = UBND thành phố
Hạ Long with 2.000815), loaded first so that the warehouse has its periods.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from etl import load as loader
from etl import sources
from tests.load_helpers import MARCH, H, S, cli, fresh, load, q, quarantine, write_envelope, write_text


@pytest.fixture(scope="module")
def march_warehouse(empty_warehouse, tmp_path_factory) -> Path:
    """The official units and load_helpers' March dossiers, loaded once."""
    base = tmp_path_factory.mktemp("march766")
    directory = fresh(empty_warehouse, base / "wh")
    load(directory, write_envelope(base / "d.json", MARCH))
    return directory


@pytest.fixture
def wh(march_warehouse, tmp_path) -> Path:
    return fresh(march_warehouse, tmp_path / "wh")

PAKN_CSV = (
    "Mã PAKN,Mã đơn vị xử lý,Đơn vị xử lý,Người phản ánh,Nội dung phản ánh,Ngày tiếp nhận,Hạn xử lý,"
    "Ngày trả lời,Mức độ hài lòng\n"
    f"PA1,{S},Sở Tư pháp,Nguyễn Văn An,Hồ sơ trễ hẹn,03/03/2025,17/03/2025,10/03/2025,Hài lòng\n"  # 2
    f"PA2,{S},Sở Tư pháp,Lê Thị Bình,Thái độ cán bộ,05/03/2025 08:30,19/03/2025,25/03/2025,"
    "Không hài lòng\n"                                                                             # 3
    f"PA3,{H},UBND thành phố Hạ Long,Trần Cường,Chậm cấp sổ,20/03/2025,03/04/2025,,\n"             # 4
    ",,Sở Tư pháp,Phạm Dũng,Không rõ đơn vị,05/03/2025,,,\n"                                       # 5
    f"PA5,{S},Sở Tư pháp,Võ Em,Ngày sai,31/02/2025,,,\n"                                           # 6
    f"PA6,{S},Sở Tư pháp,Võ Em,Hạn sai,10/03/2025,01/03/2025,,\n"                                  # 7
    f"PA7,{S},Sở Tư pháp,Võ Em,Trả lời trước khi nhận,10/03/2025,20/03/2025,05/03/2025,\n"         # 8
    f"PA8,{S},Sở Tư pháp,Võ Em,Đánh giá lạ,10/03/2025,24/03/2025,12/03/2025,Tạm được\n"            # 9
    "PA9,X.NEW,Sở Mới,Hồ Giang,Đơn vị chưa có trong danh sách,12/03/2025,26/03/2025,26/03/2025,"
    "Rất hài lòng\n"                                                                               # 10
)
# row 5 has no PAKN id and no agency: two reasons, one record


def test_pakn_are_loaded_validated_and_scored(wh, tmp_path):
    no_agency = write_text(tmp_path / "pakn_bad.csv", "Mã PAKN,Ngày tiếp nhận\nPC1,03/03/2025\n")
    result, unusable = load(wh, write_text(tmp_path / "pakn.csv", PAKN_CSV, "utf-8-sig"), no_agency)
    assert (result.kind, result.read, result.loaded, result.rejected, result.exit_code) == (
        "pakn", 9, 4, 5, 1)
    # a PAKN file without the agency column loads nothing and says which column is missing
    assert unusable.exit_code == 2 and "MaDonViXuLy" in unusable.unusable
    got = {r[0]: r[1:] for r in q(wh, "select pakn_id, agency_code, received_at::date::varchar, "
                                      "due_at::date::varchar, resolved_at::date::varchar, satisfied "
                                      "from raw_pakn")}
    assert got == {
        "PA1": (S, "2025-03-03", "2025-03-17", "2025-03-10", True),
        "PA2": (S, "2025-03-05", "2025-03-19", "2025-03-25", False),
        "PA3": (H, "2025-03-20", "2025-04-03", None, None),
        "PA9": ("X.NEW", "2025-03-12", "2025-03-26", "2025-03-26", True),
    }
    assert quarantine(wh) == [
        (5, None, "MaDonViXuLy", None), (5, None, "MaPAKN", None),
        (6, "PA5", "NgayTiepNhan", "31/02/2025"),
        (7, "PA6", "HanXuLy", "01/03/2025"),
        (8, "PA7", "NgayXuLy", "05/03/2025"),
        (9, "PA8", "HaiLong", "Tạm được"),
    ]
    assert all(reason for (reason,) in q(wh, "select reason from quarantine"))
    # the agency nobody listed yet is registered, unverified, under the name the file gave
    assert q(wh, "select agency_name, verified from ref_agency where agency_code = 'X.NEW'") == [
        ("Sở Mới", False)]
    # personal data and the complaint's text are stored nowhere
    for table in ("raw_pakn", "quarantine", "load_log"):
        text = str(q(wh, f"select * from {table}"))
        assert "Nguyễn" not in text and "trễ hẹn" not in text and "Võ Em" not in text, table
    assert not any("phản ánh" in h.lower() for h in result.ignored_headers)
    # March, by hand: S handles PA1 (on time, satisfied) and PA2 (late, unsatisfied): 1 of 2 on time,
    # 1 of 2 satisfied -> 3 + 3 points; H: PA3 open and due 03/04, not yet due at 31/03 -> 1 of 1 -> 6
    march = {r[0]: r[1:] for r in q(wh, "select agency_code, pakn_total, pakn_on_time, pakn_rated, "
                                        "pakn_satisfied from agg_pakn_rating "
                                        "where period_kind = 'month' and period_key = '2025-03'")}
    assert march == {S: (2, 1, 2, 1), H: (1, 1, 0, 0), "X.NEW": (1, 1, 1, 1)}
    points = dict(q(wh, "select indicator_key, points from agg_score_766_indicator "
                        "where period_kind = 'month' and period_key = '2025-03' and agency_code = ? "
                        "and group_key = 'satisfaction'", [S]))
    assert points == {"pakn_on_time": 3.0, "pakn_satisfaction": 3.0, "receiving_satisfaction": None}
    # loading the file again changes nothing
    before = q(wh, "select * from raw_pakn order by pakn_id")
    load(wh, tmp_path / "pakn.csv")
    assert q(wh, "select * from raw_pakn order by pakn_id") == before
    assert q(wh, "select count(*) from quarantine") == [(6,)]
    # a later export answers PA3 (on 02/04, on time) and replaces its record
    update = write_text(tmp_path / "pakn_2.csv",
                        "Mã phản ánh;Mã cơ quan;Ngày nhận;Hạn trả lời;Ngày hoàn thành;Đánh giá\n"
                        f"PA3;{H};20/03/2025;03/04/2025;02/04/2025;có\n")
    assert load(wh, update)[0].loaded == 1
    assert q(wh, "select resolved_at::date::varchar, satisfied from raw_pakn where pakn_id = 'PA3'") == \
        [("2025-04-02", True)]
    assert q(wh, "select count(*) from raw_pakn") == [(4,)]


RATINGS = [
    {"MaDanhGia": "DG1", "MaHoSo": "S1", "NgayDanhGia": "2025-03-09T10:00:00", "DiemDanhGia": "5"},  # 1
    {"MaDanhGia": "DG2", "MaHoSo": "H3", "NgayDanhGia": "20/03/2025", "HaiLong": "Không hài lòng"},  # 2
    {"MaHoSo": "S2", "MaDonViXuLy": S, "NgayDanhGia": "20250305100000", "HaiLong": "Rất hài lòng",
     "DiemDanhGia": "4", "Ý kiến": "Chị Hoa hướng dẫn rất tận tình"},                                # 3
    {"MaHoSo": "S2", "MaDonViXuLy": S, "NgayDanhGia": "20250305100000", "HaiLong": "Rất hài lòng",
     "DiemDanhGia": "4"},                                                                            # 4 = 3
    {"MaDanhGia": "DG5", "NgayDanhGia": "21/03/2025", "DiemDanhGia": "5"},                           # 5
    {"MaDanhGia": "DG6", "MaHoSo": "S3", "NgayDanhGia": "21/03/2025", "DiemDanhGia": "6"},           # 6
    {"MaDanhGia": "DG7", "MaHoSo": "S3", "NgayDanhGia": "hôm qua", "HaiLong": "Hài lòng"},           # 7
    {"MaDanhGia": "DG8", "MaHoSo": "S3", "NgayDanhGia": "21/03/2025"},                               # 8
]


def test_ratings_are_loaded_validated_and_scored(wh, tmp_path):
    """1: dossier S1 (S's), score 5 -> satisfied; 2: dossier H3 (H's), "Không hài lòng"; 3 and 4: the
    same rating twice (no id) -> stored once, satisfied; 5: names neither dossier nor agency; 6: score
    6; 7: no date; 8: neither a result nor a score. March: S 2 of 2 satisfied, H 0 of 1; the province
    2 of 3. S's receiving satisfaction: 1.0 >= 0.9 -> 6 points; H's: 0 -> 0 points."""
    path = tmp_path / "danh_gia.json"
    path.write_text(json.dumps(RATINGS, ensure_ascii=False), encoding="utf-8")
    result = load(wh, path)[0]
    assert (result.kind, result.read, result.loaded, result.rejected, result.exit_code) == (
        "rating", 8, 4, 4, 1)
    stored = q(wh, "select rating_id, dossier_id, agency_code, score, satisfied from raw_rating")
    assert sorted(stored, key=str) == sorted(
        [("DG1", "S1", None, 5, True), ("DG2", "H3", None, None, False), (None, "S2", S, 4, True)], key=str)
    assert quarantine(wh) == [(5, "DG5", "MaHoSo", None), (6, "DG6", "DiemDanhGia", "6"),
                              (7, "DG7", "NgayDanhGia", "hôm qua"), (8, "DG8", "HaiLong", None)]
    assert "Hoa" not in str(q(wh, "select * from raw_rating")) + str(q(wh, "select * from quarantine"))
    march = dict(q(wh, "select agency_code, [ratings, ratings_satisfied] from agg_pakn_rating "
                       "where period_kind = 'month' and period_key = '2025-03'"))
    assert march == {S: [2, 2], H: [1, 0]}
    points = dict(q(wh, "select agency_code, points from agg_score_766_indicator where period_kind = 'month' "
                        "and period_key = '2025-03' and indicator_key = 'receiving_satisfaction'"))
    assert points == {S: 6.0, H: 0.0}
    assert q(wh, "select round(sum(ratings_satisfied) / sum(ratings), 6) from agg_pakn_rating "
                 "where period_kind = 'month' and period_key = '2025-03'") == [(round(2 / 3, 6),)]
    # again: nothing changes
    before = q(wh, "select * from raw_rating order by all")
    load(wh, path)
    assert q(wh, "select * from raw_rating order by all") == before


CATALOGUE = (
    "Mã TTHC,Tên TTHC,Mức độ DVCTT,Công bố đúng hạn,Công khai,Thông tin đầy đủ\n"
    "1.001230,Cấp phiếu lý lịch tư pháp,Toàn trình,Có,Có,Có\n"  # 2: 2, published, publicised, complete
    "2.000815,Chứng thực bản sao,Mức độ 3,Không,x,\n"           # 3: 1 (old level 3), late, public, unknown
    "1.001193,Đăng ký khai sinh,Một phần,1,0,1\n"               # 4: 1
    "1.000004,Thủ tục D,4,có,có,có\n"                           # 5: 2 (a bare 4: the old scale)
    "1.000005,Thủ tục E,Mức độ 2,có,có,có\n"                    # 6: 0 (level 2 offered nothing online)
    "1.000006,Thủ tục F,trực tuyến lắm,có,có,có\n"              # 7: not a level
    "1.000007,Thủ tục G,Toàn trình,chưa rõ,có,có\n"             # 8: not yes or no
)


def test_procedure_catalogue_online_level_and_publication(wh, tmp_path):
    result = load(wh, write_text(tmp_path / "thu_tuc.csv", CATALOGUE))[0]
    assert (result.kind, result.loaded, result.rejected) == ("procedure", 5, 2)
    got = {r[0]: r[1:] for r in q(wh, "select procedure_code, online_level, published_on_time, publicised, "
                                      "info_complete from ref_procedure")}
    assert got == {
        "1.001230": (2, True, True, True),
        "2.000815": (1, False, True, None),
        "1.001193": (1, True, False, True),
        "1.000004": (2, True, True, True),
        "1.000005": (0, True, True, True),
    }
    assert quarantine(wh) == [(7, "1.000006", "MucDoDVCTT", "trực tuyến lắm"),
                              (8, "1.000007", "CongBoDungHan", "chưa rõ")]
    # scored in March: S handled only 1.001230 -> every procedure indicator full; H only 2.000815:
    # offered online (1 of 1) -> 6, published late -> 0 of 4.5, publicised -> 4.5, completeness unknown
    # -> no data
    rows = {(r[0], r[1]): r[2:] for r in q(
        wh, "select agency_code, indicator_key, points, status from agg_score_766_indicator "
            "where period_kind = 'month' and period_key = '2025-03' and source = 'procedure'")}
    assert {k[1]: v for k, v in rows.items() if k[0] == S} == {
        "procedures_published": (4.5, "scored"), "procedures_publicised": (4.5, "scored"),
        "procedures_complete": (4.5, "scored"), "procedures_online": (6.0, "scored")}
    assert {k[1]: v for k, v in rows.items() if k[0] == H} == {
        "procedures_published": (0.0, "scored"), "procedures_publicised": (4.5, "scored"),
        "procedures_complete": (None, "no_data"), "procedures_online": (6.0, "scored")}
    # a catalogue without the 766 columns updates names and days, and keeps the flags already loaded
    write_text(tmp_path / "thu_tuc_2.csv", "Mã thủ tục,Tên thủ tục,Thời hạn giải quyết\n"
                                          "1.001230,Cấp Phiếu lý lịch tư pháp số 1,10\n")
    assert load(wh, tmp_path / "thu_tuc_2.csv")[0].loaded == 1
    assert q(wh, "select procedure_name, statutory_days, online_level, published_on_time from ref_procedure "
                 "where procedure_code = '1.001230'") == [("Cấp Phiếu lý lịch tư pháp số 1", 10, 2, True)]


def test_catalogue_flags_from_excel_numbers(wh, tmp_path):
    path = tmp_path / "thu_tuc.xlsx"
    pl.DataFrame({"Mã thủ tục": ["1.001230", "2.000815"], "Tên thủ tục": ["Lý lịch tư pháp", "Chứng thực"],
                  "Mức độ dịch vụ công trực tuyến": [2, 0], "Công bố đúng thời hạn": [1, 0],
                  "Niêm yết công khai": [1, 1], "Công khai đầy đủ": [0, 1]}).write_excel(path)
    result = load(wh, path)[0]
    assert (result.fmt, result.kind, result.loaded, result.rejected) == ("xlsx", "procedure", 2, 0)
    assert sorted(q(wh, "select procedure_code, online_level, published_on_time, publicised, info_complete "
                        "from ref_procedure")) == [("1.001230", 2, True, True, False),
                                                   ("2.000815", 0, False, True, True)]


def test_exit_codes_of_the_command(empty_warehouse, tmp_path):
    directory = tmp_path / "cli_wh"
    good = write_text(tmp_path / "pakn_ok.csv", "Mã PAKN,Mã đơn vị,Ngày tiếp nhận,Hạn xử lý\n"
                                               f"PB1,{S},03/03/2025,17/03/2025\n")
    out = cli("load", write_envelope(tmp_path / "d.json", MARCH), good, "--warehouse", directory)
    assert out.returncode == 0, out.stderr
    out = cli("load", write_text(tmp_path / "pakn.csv", PAKN_CSV), "--warehouse", directory)
    assert out.returncode == 1, out.stderr
    assert "phản ánh, kiến nghị" in out.stderr and "loại 5" in out.stderr
    # a ratings file that says neither whether the citizen was satisfied nor gives a score: unusable,
    # named on one line with the missing columns
    no_result = write_text(tmp_path / "danh_gia.csv", "Mã hồ sơ,Ngày đánh giá\nS1,09/03/2025\n")
    out = cli("load", no_result, "--kind", "rating", "--warehouse", directory)
    assert out.returncode == 2
    assert any(str(no_result) in line and "HaiLong hoặc DiemDanhGia" in line
               for line in out.stderr.splitlines())


@pytest.mark.parametrize("text, kind", [
    ("Mã hồ sơ,Ngày đánh giá,Điểm\nS1,09/03/2025,5\n", "rating"),  # has a dossier number, is not dossiers
    ("Số hồ sơ,Mã đơn vị,Thời gian đánh giá,Kết quả đánh giá\nS1,X,09/03/2025,Hài lòng\n", "rating"),
    ("Số PAKN,Mã cơ quan,Ngày gửi\nP1,X,09/03/2025\n", "pakn"),
    (f"Mã hồ sơ,Mã đơn vị,Ngày tiếp nhận,Trạng thái,Kênh nộp\nS1,{S},03/03/2025,4,1\n", "dossier"),
    ("Mã thủ tục,Tên thủ tục,Mức độ DVCTT\n1.001230,Lý lịch tư pháp,Toàn trình\n", "procedure"),
])
def test_kinds_are_recognised_from_the_columns(tmp_path, text, kind):
    con = duckdb.connect()
    try:
        assert loader.detect_kind(sources.read(con, write_text(tmp_path / "f.csv", text))) == kind
    finally:
        con.close()
