"""Matching the portal's published agencies to ours (sql/macros/portal_name_key.sql,
sql/marts/fct_published_766.sql, warehouse/queries_published_match.py; docs/published_766.md).

The warehouse: the real An Giang export (15 departments, 102 communes under H01) and an agency list
of five of ours, worked out by hand:
  AG.TP   'Sở Tư pháp tỉnh An Giang'       = H01.12 'Sở Tư pháp - tỉnh An Giang'          (name)
  AG.VH   'Sở Văn hoá và Thể thao'          = H01.04 'Sở Văn hóa và Thể thao - tỉnh …'     (name: hoá = hóa)
  AG.BQL  'BQL Khu kinh tế tỉnh An Giang'   = H01.13 'Ban Quản lý Khu kinh tế - tỉnh …'    (name: BQL)
  AG.DL   'Sở Du lịch và Quảng bá'          no name matches; the mapping gives it H01.15
  AG.XDT  'UBND xã Đông Thái' (commune)     = H01.187 'UBND xã Đông Thái - tỉnh An Giang' (name)
Departments of the month: 3 by name, 12 unmatched. With the mapping file (H01.15 -> AG.DL; by name
'Ban Quản lý Khu kinh tế Phú Quốc - tỉnh An Giang' -> AG.BQL; 'Thanh tra tỉnh An Giang' -> nothing):
3 by name, 2 by mapping, 1 deliberately without counterpart, 9 unmatched.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import ROOT
from tests.load_helpers import load, write_text
from tests.test_published_load import REAL
from warehouse import queries_published_match as qm
from warehouse import store

AGENCIES = ("Mã đơn vị,Tên đơn vị,Cấp\n"
            "AG.TP,Sở Tư pháp tỉnh An Giang,Sở\n"
            "AG.VH,Sở Văn hoá và Thể thao,Sở\n"
            "AG.BQL,BQL Khu kinh tế tỉnh An Giang,Sở\n"
            "AG.DL,Sở Du lịch và Quảng bá,Sở\n"
            "AG.XDT,UBND xã Đông Thái,Xã\n")
MAPPING = ("portal_code,portal_name,agency_code,note\n"
           "H01.15,,AG.DL,đổi tên sau sáp nhập\n"
           ",Ban Quản lý Khu kinh tế Phú Quốc - tỉnh An Giang,AG.BQL,một ban quản lý chung\n"
           ",Thanh tra tỉnh An Giang,,không tiếp nhận hồ sơ trên hệ thống của tỉnh\n")


@pytest.mark.parametrize("name, key", [
    ("Sở Tư pháp - tỉnh An Giang", "sở tư pháp"),
    ("Sở Ngoại vụ tỉnh Quảng Ninh", "sở ngoại vụ"),
    ("Thanh tra tỉnh An Giang", "thanh tra"),
    ("UBND xã Đông Thái - tỉnh An Giang", "xã đông thái"),
    ("Ủy ban nhân dân  Xã Tân Hoà", "xã tân hòa"),
    ("Sở VH, TT&DL tỉnh Quảng Ninh", "sở văn hóa thể thao và du lịch"),
    ("Sở Văn hoá, Thể thao và Du lịch", "sở văn hóa thể thao và du lịch"),
    ("BQL Khu kinh tế tỉnh Quảng Ninh", "ban quản lý khu kinh tế"),
    ("Sở TN&MT", "sở tài nguyên và môi trường"),
    ("Sở KH&ĐT", "sở kế hoạch và đầu tư"),
    # the province's own name keeps its 'tỉnh': it is what the province row is matched by
    ("UBND tỉnh Quảng Ninh", "tỉnh quảng ninh"),
    ("Tỉnh Quảng Ninh", "tỉnh quảng ninh"),
])
def test_portal_name_key(name, key):
    con = duckdb.connect()
    con.execute((ROOT / "sql" / "macros" / "portal_name_key.sql").read_text(encoding="utf-8"))
    assert con.execute("select portal_name_key(?)", [name]).fetchone()[0] == key


def matches(directory, kind="department"):
    reader = store.Reader(directory)
    try:
        return {r["portal_code"]: (r["agency_code"], r["match_method"]) for r in reader.query(
            """select portal_code, agency_code, match_method from fct_published_766
               where scope = $scope and agency_kind = $kind and agency_code is not null""",
            {"scope": "month" if kind == "department" else "year_to_date", "kind": kind}).to_dicts()}
    finally:
        reader.close()


def test_names_match_unmatched_stay_listed_and_the_mapping_corrects(wh, tmp_path):
    load(wh, write_text(tmp_path / "don_vi.csv", AGENCIES), REAL)
    assert matches(wh) == {"H01.12": ("AG.TP", "name"), "H01.04": ("AG.VH", "name"),
                           "H01.13": ("AG.BQL", "name")}
    assert matches(wh, "commune") == {"H01.187": ("AG.XDT", "name")}
    reader = store.Reader(wh)
    try:
        listed = qm.unmatched(reader, "month", "2025-10")
        assert listed.height == 12 and not listed["deliberate"].any()
        assert "Sở Du lịch - tỉnh An Giang" in listed["portal_name"].to_list()
        assert listed.columns == ["scope", "period_key", "agency_kind", "portal_code", "portal_name",
                                  "total_points", "simulated", "deliberate", "reason", "source_file",
                                  "source_sheet", "source_row"]
        # every published agency is kept: the unmatched have no agency code, nothing is dropped
        assert reader.query("select count(*) as n from fct_published_766")["n"][0] == 185
    finally:
        reader.close()

    load(wh, write_text(tmp_path / "doi_chieu.csv", MAPPING))
    assert matches(wh) == {"H01.12": ("AG.TP", "name"), "H01.04": ("AG.VH", "name"),
                           "H01.13": ("AG.BQL", "name"), "H01.15": ("AG.DL", "mapping"),
                           "H01.16": ("AG.BQL", "mapping")}
    reader = store.Reader(wh)
    try:
        summary = qm.match_summary(reader).filter(scope="month").to_dicts()
        assert summary == [{"scope": "month", "period_key": "2025-10", "agency_kind": "department",
                            "published": 15, "by_mapping": 2, "by_name": 3, "deliberate": 1, "unmatched": 9,
                            "simulated": 0}]
        listed = qm.unmatched(reader, "month", "2025-10")
        assert listed.height == 10
        thanh_tra = listed.filter(portal_code="H01.08").to_dicts()[0]
        assert thanh_tra["deliberate"] and thanh_tra["reason"] == qm.REASON_DELIBERATE
        assert qm.unmatched(reader).height == 10 + 101   # and the communes of the year to date
    finally:
        reader.close()

    # a mapping file replaces the previous one whole
    load(wh, write_text(tmp_path / "doi_chieu_2.csv", "portal_code,agency_code\nH01.15,AG.DL\n"))
    assert "H01.16" not in matches(wh)
    assert len(matches(wh)) == 4


def test_the_demo_finds_its_province_among_the_34(demo_dir):
    reader = store.Reader(demo_dir)
    try:
        rows = reader.query("""select scope, total_points, portal_rank from fct_published_766
                               where is_own_province order by scope""").rows()
    finally:
        reader.close()
    assert rows == [("month", 90.57, 2), ("year_to_date", 89.05, 8)]
