"""Receiving 10.000 sync records over HTTP in batches of 500, and loading them with `etl watch`.

    .venv/bin/python bench/bench_receive.py [--records 10000] [--batch 500] [--repeat 3]

Prints a table and writes bench/results/receive.csv. Each figure is the median of --repeat runs, in
the same process on the same machine, beside a reference:
- receiving: `python -m etl receive` (uvicorn, a separate process) takes the batches one after the
  other on one kept-alive connection, as a one-stop system sends them; the reference writes the same
  batches into an inbox directly (etl.receiver.Inbox: temp file, fsync, rename), the disk work alone;
- loading: `python -m etl watch` loads the inbox's batch files into a copy of an empty warehouse;
  the reference is `python -m etl load` of the same records as one envelope file into another copy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from etl import demo, receiver  # noqa: E402
from etl import demo_reference as ref  # noqa: E402
from etl.load import load_files  # noqa: E402

TOKEN = "bench-token"
NOW = dt.datetime(2026, 11, 23, 23, 0)


def sync_records(count: int) -> list[dict]:
    """Demo dossiers as DongBoHoSoMC records: codes as text, dates as yyyymmddHHMMSS."""
    frame = demo.generate_dossiers(ref.agencies(), seed=11, scale=count / 1_447_000 * 1.05,
                                   as_of=NOW.date()).head(count)

    def day(value):
        return value.strftime("%Y%m%d%H%M%S") if value else None

    def flag(value):
        return None if value is None else str(int(value))

    return [{
        "MaHoSo": r["dossier_id"], "MaTTHC": r["procedure_code"], "MaLinhVuc": r["field_code"],
        "KenhThucHien": str(r["channel"]), "LoaiDoiTuong": str(r["applicant_type"]),
        "NgayNopHoSo": day(r["submitted_at"]), "NgayTiepNhan": day(r["received_at"]),
        "NgayHenTra": day(r["due_at"]), "NgayKetThucXuLy": day(r["finished_at"]),
        "NgayTra": day(r["returned_at"]), "NgayTuChoi": day(r["refused_at"]),
        "TrangThaiHoSo": str(r["status"]), "MaDonViXuLy": r["agency_code"],
        "HoSoCoThanhPhanSoHoa": flag(r["digitised"]), "DuocThanhToanTrucTuyen": flag(r["paid_online"]),
        "DanhSachHoSoBoSung": [], "DanhSachGiayToKetQua": [],
    } for r in frame.iter_rows(named=True)]


def bodies(records: list[dict], batch: int) -> list[bytes]:
    return [json.dumps({"service": "DongBoHoSoMC", "isUpdating": False, "data": records[i:i + batch]},
                       ensure_ascii=False).encode("utf-8") for i in range(0, len(records), batch)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _etl(*args: str) -> None:
    env = {**os.environ, "WAREHOUSE_THREADS": os.environ.get("WAREHOUSE_THREADS", "2")}
    done = subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stderr)


def receive_http(batches: list[bytes], inbox: Path) -> float:
    port = _free_port()
    env = {**os.environ, receiver.TOKEN_ENV: TOKEN}
    command = [sys.executable, "-m", "etl", "receive", "--inbox", str(inbox), "--port", str(port)]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
        started = time.perf_counter()
        for body in batches:
            con.request("POST", "/", body=body, headers=headers)
            answer = json.loads(con.getresponse().read())
            assert answer["error_code"] == "00", answer
        elapsed = time.perf_counter() - started
        con.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return elapsed


def receive_direct(batches: list[bytes], inbox: Path) -> float:
    box = receiver.Inbox(inbox)
    started = time.perf_counter()
    for body in batches:
        box.write("DongBoHoSoMC", body)
    return time.perf_counter() - started


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    records = sync_records(args.records)
    batches = bodies(records, args.batch)
    timings: dict[str, list[float]] = {k: [] for k in ("http", "direct", "watch", "load")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = work / "base"
        load_files(base, [], progress=lambda m: None, now=NOW)    # an empty warehouse: official units only
        whole = work / "all.json"
        whole.write_bytes(b"".join(bodies(records, len(records))))
        for i in range(args.repeat):
            inbox = work / f"inbox{i}"
            timings["http"].append(receive_http(batches, inbox))
            assert len(list(inbox.glob("*.json"))) == len(batches)
            timings["direct"].append(receive_direct(batches, work / f"direct{i}"))
            wh = Path(shutil.copytree(base, work / f"wh{i}"))
            started = time.perf_counter()
            _etl("watch", "--inbox", str(inbox), "--warehouse", str(wh), "--settle", "0")
            timings["watch"].append(time.perf_counter() - started)
            assert len(list((inbox / "archive").glob("*.json"))) == len(batches)
            wh = Path(shutil.copytree(base, work / f"ref{i}"))
            started = time.perf_counter()
            _etl("load", str(whole), "--warehouse", str(wh))
            timings["load"].append(time.perf_counter() - started)
    m = {k: statistics.median(v) for k, v in timings.items()}
    n = len(records)
    rows = [
        ("receive: direct inbox writes (reference)", m["direct"], n / m["direct"], 1.0),
        (f"receive: HTTP POST, {len(batches)} batches of {args.batch}", m["http"], n / m["http"],
         m["http"] / m["direct"]),
        ("load: `etl load` of one file (reference)", m["load"], n / m["load"], 1.0),
        (f"load: `etl watch` of {len(batches)} batch files", m["watch"], n / m["watch"],
         m["watch"] / m["load"]),
    ]
    print(f"\n{n:,} records, {sum(map(len, batches)) / 1e6:.1f} MB; median of {args.repeat}")
    print(f"{'what':<52} {'seconds':>8} {'records/s':>10} {'× ref':>6}")
    for name, sec, rate, ratio in rows:
        print(f"{name:<52} {sec:>8.2f} {rate:>10,.0f} {ratio:>6.2f}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(rows, schema=["what", "seconds", "records_per_second", "ratio_to_reference"],
                 orient="row").write_csv(out / "receive.csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
