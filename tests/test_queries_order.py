"""Agency lists in Vietnamese alphabetical order (ICU collation), not byte order where Đ follows Z."""

from tests.conftest import make_warehouse
from warehouse import queries_agency, queries_late


def test_agency_lists_sort_the_vietnamese_way(tmp_path):
    agencies = [("Z", "Sở Zeta", "department"), ("D2", "Sở Đông", "department"),
                ("D1", "Sở Dân", "department"), ("A", "Sở Ánh", "department")]
    r = make_warehouse(tmp_path, [], agencies=agencies)
    try:
        expected = ["Sở Ánh", "Sở Dân", "Sở Đông", "Sở Zeta"]
        assert queries_late.agencies(r)["agency_name"].to_list() == expected
        assert queries_agency.agencies(r)["agency_name"].to_list() == expected
    finally:
        r.close()
