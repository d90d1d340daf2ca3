"""`python -m etl load` into an existing warehouse: unknown agencies and procedures registered
unverified, one row per dossier (a later record or load wins), the history of states, and loading the
same file twice changing nothing.

Every input file is written by the test itself into tmp_path; every expected value is worked out by hand
beside it. Shared writers and readers: tests/load_helpers.py.
"""

from __future__ import annotations

import datetime as dt

from tests.load_helpers import MARCH, S, _snapshot, dossiers, load, q, rec, report, write_envelope, write_text

# ---- unknown codes ----------------------------------------------------------------------------

def test_unknown_agency_and_procedure_are_registered_unverified_and_the_dossier_kept(wh, tmp_path):
    # a known agency first (from an agency list), then dossiers of it and of an unknown one
    write_text(tmp_path / "agencies.csv", f"Mã đơn vị,Tên đơn vị,Cấp\n{S},Sở Tư pháp,Sở\n")
    load(wh, tmp_path / "agencies.csv")
    records = [rec("U1", "2025-03-03", "2025-03-10", "2025-03-05"),
               rec("U2", "2025-03-03", "2025-03-10", "2025-03-05", agency="X.99", MaTTHC="9.999999",
                   TenTTHC="Thủ tục lạ")]
    result = load(wh, write_envelope(tmp_path / "u.json", records))[0]
    assert (result.loaded, result.rejected) == (2, 0)
    assert set(dossiers(wh)) == {"U1", "U2"}
    agencies = {r[0]: r[1:] for r in q(wh, "select agency_code, agency_name, verified from ref_agency")}
    assert agencies == {S: ("Sở Tư pháp", True), "X.99": ("Đơn vị X.99", False)}
    procedures = {r[0]: r[1:]
                  for r in q(wh, "select procedure_code, procedure_name, verified from ref_procedure")}
    assert procedures == {"1.001230": ("Cấp phiếu lý lịch tư pháp", False), "9.999999": ("Thủ tục lạ", False)}
    # the unverified agency is in the report with its dossier (received 03/03, finished early 05/03)
    rows = {r["agency_code"]: r for r in report(wh, dt.date(2025, 3, 1), dt.date(2025, 3, 31)).to_dicts()}
    assert (rows["X.99"]["received_new"], rows["X.99"]["finished_early"]) == (1, 1)
    # a second load of the same codes registers nothing twice
    load(wh, tmp_path / "u.json")
    assert q(wh, "select count(*) from ref_agency") == [(2,)]
    assert q(wh, "select count(*) from ref_procedure") == [(2,)]


# ---- one row per dossier, history, idempotence ----------------------------------------------

def test_a_later_record_in_the_file_replaces_the_earlier_and_history_keeps_each_state(wh, tmp_path):
    text = (
        "MaHoSo,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"
        f"D1,03/03/2025,10/03/2025,,2,1,{S}\n"            # received
        f"D2,03/03/2025,10/03/2025,,4,1,{S}\n"
        f"D1,03/03/2025,10/03/2025,,4,1,{S}\n"            # in progress
        f"D1,03/03/2025,10/03/2025,,4,1,{S}\n"            # the same state again: no new history row
        f"D1,03/03/2025,10/03/2025,12/03/2025,10,1,{S}\n"  # finished, late
    )
    result = load(wh, write_text(tmp_path / "dup.csv", text))[0]
    assert (result.read, result.loaded, result.rejected) == (5, 5, 0)
    got = dossiers(wh)
    assert set(got) == {"D1", "D2"}
    assert (got["D1"]["status"], got["D1"]["finished_at"], got["D1"]["source_row"]) == \
        (10, dt.datetime(2025, 3, 12), 6)                # spreadsheet row 6: the last record
    # D1 went through 3 distinct states (2, 4, 10), D2 through one
    history = q(wh, "select dossier_id, status, source_row from raw_dossier_history "
                    "order by dossier_id, source_row")
    assert history == [("D1", 2, 2), ("D1", 4, 4), ("D1", 10, 6), ("D2", 4, 3)]


def test_a_later_load_replaces_the_earlier_state(wh, tmp_path):
    first = write_envelope(tmp_path / "a.json", [rec("L1", "2025-03-03", "2025-03-10", None, status=4),
                                                 rec("L2", "2025-03-03", "2025-03-10", None, status=4)])
    second = write_envelope(tmp_path / "b.json", [rec("L1", "2025-03-03", "2025-03-10", "2025-03-08")])
    load(wh, first)
    load(wh, second)
    got = dossiers(wh)
    assert (got["L1"]["status"], got["L1"]["finished_at"]) == (10, dt.datetime(2025, 3, 8, 9, 0))
    assert got["L1"]["source_file"] == str(second)
    assert got["L2"]["status"] == 4                       # untouched by the second file
    assert q(wh, "select dossier_id, status from raw_dossier_history order by dossier_id, status") == \
        [("L1", 4), ("L1", 10), ("L2", 4)]
    # March: L1 finished 08/03, due 10/03 -> early. The data's date is its newest event, 08/03, so
    # March is judged on 08/03 (README: a period not yet over): L2, due 10/03, is not yet due
    assert q(wh, "select value from meta where key = 'as_of'") == [("2025-03-08",)]
    row = report(wh, dt.date(2025, 3, 1), dt.date(2025, 3, 31)).row(0, named=True)
    assert (row["received_new"], row["finished_early"], row["in_progress_not_due"]) == (2, 1, 1)


def test_history_keeps_states_that_differ_only_in_which_date_is_missing(wh, tmp_path):
    # state 1: due 10/03, not finished; state 2: no due date, finished 10/03 (same status). Both
    # are distinct states, whatever text the two would make if the missing value were just skipped.
    text = (
        "MaHoSo,NgayTiepNhan,NgayHenTra,NgayKetThucXuLy,TrangThaiHoSo,KenhThucHien,MaDonViXuLy\n"
        f"N1,03/03/2025,10/03/2025,,4,1,{S}\n"
        f"N1,03/03/2025,,10/03/2025,4,1,{S}\n"
    )
    load(wh, write_text(tmp_path / "n.csv", text))
    assert q(wh, "select count(*) from raw_dossier_history where dossier_id = 'N1'") == [(2,)]
    got = dossiers(wh)["N1"]
    assert (got["due_at"], got["finished_at"]) == (None, dt.datetime(2025, 3, 10))


def test_loading_the_same_file_twice_changes_nothing(wh, tmp_path):
    records = MARCH + [rec("BAD", "2025-03-03", status=42)]          # one rejected record too
    path = write_envelope(tmp_path / "march.json", records)
    steps = write_text(tmp_path / "steps.csv", "MaHoSo,PhongBanXuLy,ThoiDiemXuLy,NoiDungXuLy\n"
                                               "S1,Một cửa,20250303083000,Tiếp nhận\n")
    assert [r.exit_code for r in load(wh, path, steps)] == [1, 0]
    before = _snapshot(wh)
    logs = q(wh, "select count(*) from load_log")[0][0]
    assert [r.exit_code for r in load(wh, path, steps)] == [1, 0]
    assert _snapshot(wh) == before
    assert q(wh, "select count(*) from load_log")[0][0] == logs + 2   # the log says it was loaded again
    assert len(before["raw_dossier"]) == 17 and len(before["quarantine"]) == 1
