"""bench/plot_scale.py draws docs/scale.md's figure from bench_scale.py's CSV files: one line per series
with a point per size in order of size, the later run's file winning a size both files hold, the
8 GB and 100 ms lines, Vietnamese numbers; the same files give the same bytes."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
HEAD = ("size_millions,dossiers,section,item,seconds,peak_mb,query_id,page,level,period,median_ms,p95_ms,"
        "params,ratio\n")


def rows(size: float, dossiers: int, build_s: float, build_mb: float, p95s: tuple[float, float],
         report: float, bare: float) -> str:
    """The rows plot_scale.py reads for one size, as bench_scale.py's report() writes them."""
    return "".join([
        f"{size},{dossiers},build,demo build,{build_s},{build_mb},,,,,,,,\n",
        f"{size},{dossiers},serve,replay of page queries and reports,,300.0,,,,,,,,\n",
        f"{size},{dossiers},page_query,#1 queries.meta,,,aa,all,5 levels,month/year,1.0,{p95s[0]},None,\n",
        f'{size},{dossiers},page_query,#2 queries_late.late_dossiers,,,bb,tre_han,province,year,2.0,'
        f'{p95s[1]},"[\'year\', \'2025\']",\n',
        f"{size},,page_worst_p95,#2,,,,tre_han,,,,{max(p95s)},,\n",
        f'{size},{dossiers},report,"ours: queries.report_for_range, per agency",,,,,,,{report},{report},,\n',
        f"{size},{dossiers},report,floor: bare DuckDB count(*) per agency of fct_dossier,,,,,,,"
        f"{bare},{bare},,\n",
    ])


def draw(tmp_path: Path, *files: Path, table: bool = False) -> tuple[ET.Element, str, str]:
    out = tmp_path / "growth.svg"
    command = [sys.executable, str(ROOT / "bench" / "plot_scale.py"), "--inputs", *map(str, files),
               "--out", str(out), *(["--table"] if table else [])]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    text = out.read_text(encoding="utf-8")
    return ET.fromstring(text), text, done.stdout


def test_series_points_reference_lines_and_vietnamese_numbers(tmp_path):
    first = tmp_path / "scale.csv"
    # written largest size first: the points must still come out in order of size
    first.write_text(HEAD + rows(10.0, 10_000_000, 90.25, 4321.5, (3.0, 150.5), 26.0, 17.0)
                     + rows(1.0, 1_000_000, 12.5, 1234.6, (2.0, 40.0), 20.0, 4.0)
                     + ",,csv_load,our load step,3.1,,,,,,,,,3.9\n", encoding="utf-8")
    later = tmp_path / "scale_100.csv"
    later.write_text(HEAD + rows(100.0, 100_000_000, 2345.0, 7000.0, (5.0, 95.0), 40.0, 200.0)
                     + rows(10.0, 10_000_000, 80.0, 4000.0, (3.0, 60.0), 25.0, 16.0), encoding="utf-8")

    root, text, table = draw(tmp_path, first, later, table=True)

    lines = {p.get("data-series"): p.get("points") for p in root.iter(f"{SVG}polyline")}
    assert set(lines) == {"build_s", "build_mb", "serve_mb", "worst_p95", "report_ms", "bare_ms"}
    for name, points in lines.items():
        xs = [float(pair.split(",")[0]) for pair in points.split()]
        assert len(xs) == 3, name
        assert xs == sorted(xs) and len(set(xs)) == 3, name
    refs = {line.get("data-ref") for line in root.iter(f"{SVG}line") if line.get("data-ref")}
    assert refs == {"8 GB", "100 ms"}
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "1.235" in labels and "12,5" in labels        # build MB at 1 M, build seconds at 1 M
    assert "2.345" in labels                             # build seconds at 100 M: dot thousands
    # 10 M is in both files: the later run's figures are drawn, not the earlier ones
    assert "80,0" in labels and "90,3" not in labels
    assert "scale.csv: 1 triệu" in text and "scale_100.csv: 10, 100 triệu" in text
    assert "| 10 M | 10.000.000 | 80,0 | 4.000 | 300 | 60,0 (#2, tre_han) | 25,0 | 16,0 | 1,6× |" in table
    assert "run in progress" not in table


def test_only_the_first_run_and_the_same_bytes_twice(tmp_path):
    first = tmp_path / "scale.csv"
    first.write_text(HEAD + rows(1.0, 1_000_000, 12.5, 1234.6, (2.0, 40.0), 20.0, 4.0), encoding="utf-8")
    missing = tmp_path / "scale_100.csv"       # the 100 M run has not finished: plot what exists

    root, text, table = draw(tmp_path, first, missing, table=True)
    again = draw(tmp_path, first, missing)[1]

    assert text == again
    assert all(len(p.get("points").split()) == 1 for p in root.iter(f"{SVG}polyline"))
    assert "| 100 M | (100 M: run in progress) |" in table
