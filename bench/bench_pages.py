"""How long each page takes to answer a click, on a demo warehouse, beside a page that does nothing
but the shared bootstrap (menu, warehouse meta) measured in the same run.

    .venv/bin/python bench/bench_pages.py [--warehouse DIR] [--repeat 5]

Without --warehouse it builds the scale-1 demo (about 1,45 million dossiers) in a temporary folder.
Each page runs through Streamlit's AppTest (the page script, its queries and the building of every
element, without a browser): once on empty caches ("first view", the cost of a link opened for the
first time after a new build) and then `--repeat` times with the period changed ("click": a new
period is a new query for every section). Prints a table and writes bench/results/pages.csv.
The aim (issue 5): a click answers well under one second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402
import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

# a typical link per page; the click changes the period to each of these in turn
PAGES = {
    "pages/tong_quan.py": {},
    "pages/xep_hang.py": {"nhom": "commune"},
    "pages/dia_ban.py": {},
    "pages/co_quan.py": {"don_vi": "000.00.01.H49"},
    "pages/tre_han.py": {"nhom": "department"},
    "pages/trung_thuc.py": {},
    "pages/bao_cao.py": {},
    "pages/trinh_chieu.py": {"trang": "1"},
    "pages/du_lieu.py": {},
    "pages/chi_so_766.py": {},
}
# pages whose period is not `ky`/`ma_ky`: the views a click moves between
OWN_PERIODS = {
    "pages/chi_so_766.py": [{"pham_vi": "month", "thang": "2025-10"},
                            {"pham_vi": "year_to_date", "thang": "2025-10"}],
}
PERIODS = [("quarter", "2026-Q3"), ("quarter", "2026-Q2"), ("month", "2026-10"), ("year", "2025"),
           ("quarter", "2025-Q1"), ("month", "2025-06")]
REFERENCE = """
from ui.bootstrap import bootstrap
import streamlit as st
meta = bootstrap("Tham chiếu")
st.title("Tham chiếu")
"""


def run(script: str, params: dict, *, from_string: bool = False) -> float:
    at = AppTest.from_string(script, default_timeout=300) if from_string else \
        AppTest.from_file(str(ROOT / script), default_timeout=300)
    for k, v in params.items():
        at.query_params[k] = v
    started = time.perf_counter()
    at.run()
    took = time.perf_counter() - started
    if at.exception:
        raise SystemExit(f"{script} {params}: {at.exception[0].value}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    directory = args.warehouse
    if directory is None:
        from etl.build_demo import build_demo

        directory = Path(tempfile.mkdtemp(prefix="bench_pages_")) / "warehouse"
        print("building the scale-1 demo warehouse…", flush=True)
        build_demo(directory, scale=1.0)
    os.environ["WAREHOUSE_DIR"] = str(directory)
    os.chdir(ROOT)

    st.cache_data.clear()
    st.cache_resource.clear()
    run(REFERENCE, {}, from_string=True)              # opens the warehouse file once
    reference = statistics.median(run(REFERENCE, {}, from_string=True) for _ in range(args.repeat))

    rows = []
    for page, params in PAGES.items():
        st.cache_data.clear()
        views = OWN_PERIODS.get(page) or [{"ky": k, "ma_ky": key} for k, key in PERIODS]
        first_view = OWN_PERIODS[page][0] if page in OWN_PERIODS else {"ky": "year", "ma_ky": "2026"}
        first = run(page, params | first_view)
        clicks = [run(page, params | view) for view in (views * args.repeat)[:args.repeat]]
        rows.append({"page": page, "first_view_s": round(first, 3),
                     "click_median_s": round(statistics.median(clicks), 3),
                     "click_max_s": round(max(clicks), 3),
                     "click_vs_reference": round(statistics.median(clicks) / reference, 1)})
    table = pl.DataFrame(rows)
    pl.Config.set_tbl_rows(-1)
    print(f"reference (bootstrap only): {reference * 1000:.0f} ms")
    print(table)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    table.with_columns(pl.lit(round(reference, 3)).alias("reference_s")).write_csv(out / "pages.csv")


if __name__ == "__main__":
    main()
