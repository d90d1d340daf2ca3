"""`python -m etl report`: its columns are a public interface (README)."""

import csv
import io
import subprocess
import sys

from tests.conftest import ROOT, make_warehouse
from tests.test_report_rules import EXPECTED_A, MARCH

COLUMNS = [
    "agency_code", "agency_name", "carried_over", "received_new", "received_online", "received_direct",
    "received_postal", "finished", "finished_early", "finished_on_time", "finished_late", "in_progress",
    "in_progress_not_due", "in_progress_overdue", "on_time_rate",
]


def run(*args):
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, capture_output=True, text=True)


def test_report_csv_columns_and_values(tmp_path):
    make_warehouse(tmp_path, MARCH).close()
    out = run("report", "--warehouse", str(tmp_path), "--from", "2025-03-01", "--to", "2025-03-31",
              "--format", "csv")
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert list(rows[0].keys()) == COLUMNS
    by_code = {r["agency_code"]: r for r in rows}
    assert set(by_code) == {"A", "B"}
    a = by_code["A"]
    for key, value in EXPECTED_A.items():
        if key == "on_time_rate":
            assert a[key] == "0.8000"
        else:
            assert int(a[key]) == value, key
    assert by_code["B"]["on_time_rate"] == ""


def test_report_refuses_bad_input(tmp_path):
    out = run("report", "--warehouse", str(tmp_path), "--from", "2025-03-01", "--to", "2025-03-31")
    assert out.returncode == 2
    make_warehouse(tmp_path, MARCH).close()
    out = run("report", "--warehouse", str(tmp_path), "--from", "2025-04-01", "--to", "2025-03-01")
    assert out.returncode == 2 and "after" in out.stderr
    out = run("report", "--warehouse", str(tmp_path), "--from", "01/03/2025", "--to", "2025-03-31")
    assert out.returncode == 2 and "YYYY-MM-DD" in out.stderr
