"""The receiver end to end (docs/receiver.md): a real uvicorn server started by `python -m etl receive`
on a free localhost port, batches POSTed to it, `python -m etl watch` and `python -m etl report` run
as commands; and the receiver's refusals and its atomic inbox.

Records are tests/load_helpers.py's sync records; every expected figure is worked out by hand beside it.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest

from etl import receiver, watch
from tests.conftest import ROOT
from tests.load_helpers import S, json_record, rec
from warehouse import store

TOKEN = "thu-nghiem-7f3a"
MAX_BYTES = 40_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in (receiver.TOKEN_ENV, receiver.INBOX_ENV)}
    env.update(extra)
    return env


@pytest.fixture
def server(tmp_path):
    """`python -m etl receive` on a free port; yields (url, inbox)."""
    inbox, port = tmp_path / "inbox", _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "etl", "receive", "--inbox", str(inbox), "--port", str(port)],
        cwd=ROOT, env=_env(RECEIVER_TOKEN=TOKEN, RECEIVER_MAX_BYTES=str(MAX_BYTES)),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2) as r:
                    assert json.load(r)["error_code"] == "00"
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("receiver did not start: " + proc.stderr.read().decode()) from None
                time.sleep(0.1)
        yield url, inbox
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stderr.close()


def post(url: str, body: bytes | dict, token: str | None = TOKEN, path: str = "/") -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url + path, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.load(exc)


def envelope(records: list[dict], service: str = "DongBoHoSoMC", **extra) -> dict:
    return {"service": service, "isUpdating": False, "data": [json_record(r) for r in records], **extra}


def inbox_files(inbox: Path) -> list[str]:
    return sorted(p.name for p in inbox.iterdir() if p.is_file() and not p.name.startswith("."))


def etl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=ROOT, env=_env(), capture_output=True,
                          text=True, timeout=300)


def test_two_batches_then_watch_then_report(server, tmp_path):
    url, inbox = server
    # Sở Tư pháp, March 2025: G1 received Mon 03/03, due 10/03, finished 05/03 (early); G2 received
    # 04/03 online (channel 2), due 11/03, in progress; B1's receipt date is 31/02 (no such day)
    good_and_bad = envelope([rec("G1", "2025-03-03", "2025-03-10", "2025-03-05"),
                             rec("G2", "2025-03-04", "2025-03-11", channel=2),
                             rec("B1", "2025-03-04", "2025-03-11", NgayTiepNhan="20250231090000")])
    status, body = post(url, good_and_bad, path="/api/SynsTTHCC/DongBoHoSoMC")
    assert (status, body["error_code"]) == (200, "00"), body
    assert "3 bản ghi" in body["message"]
    # a batch with the wrong token: refused, nothing written
    status, body = post(url, envelope([rec("W1", "2025-03-05", "2025-03-12")]), token="sai-ma")
    assert (status, body["error_code"]) == (401, "01"), body
    assert "token" in body["message"]
    files = inbox_files(inbox)
    assert len(files) == 1 and files[0].endswith(".json") and "-DongBoHoSoMC-" in files[0]

    warehouse = tmp_path / "wh"
    done = etl("watch", "--inbox", str(inbox), "--warehouse", str(warehouse), "--settle", "0")
    assert done.returncode == 0, done.stderr
    assert inbox_files(inbox) == []
    assert inbox_files(inbox / "archive") == files
    assert not (inbox / "rejected").exists()

    report = etl("report", "--warehouse", str(warehouse), "--from", "2025-03-01", "--to", "2025-03-31")
    assert report.returncode == 0, report.stderr
    header, *rows = report.stdout.splitlines()
    row = dict(zip(header.split(","), rows[0].split(",")))
    assert len(rows) == 1 and row["agency_code"] == S
    # 2 received new (G1 direct, G2 online), 1 finished early (05/03 before 10/03), 1 in progress and
    # not yet due; on-time rate 1/1; the bad record counts nowhere
    assert {k: row[k] for k in ("received_new", "received_online", "received_direct", "finished",
                                "finished_early", "finished_late", "in_progress", "in_progress_not_due",
                                "on_time_rate")} == {
        "received_new": "2", "received_online": "1", "received_direct": "1", "finished": "1",
        "finished_early": "1", "finished_late": "0", "in_progress": "1", "in_progress_not_due": "1",
        "on_time_rate": "1.0000"}
    con = duckdb.connect(str(store.current_path(warehouse)), read_only=True)
    try:
        quarantined = con.sql("select record_key, field, value, reason, source_file "
                              "from quarantine").fetchall()
        dossiers = con.sql("select dossier_id from raw_dossier order by 1").fetchall()
    finally:
        con.close()
    assert [q[:4] for q in quarantined] == [("B1", "NgayTiepNhan", "20250231090000", "ngày không hợp lệ")]
    assert Path(quarantined[0][4]).name == files[0]
    assert dossiers == [("G1",), ("G2",)]


@pytest.mark.parametrize("body, status, code, words", [
    (b"{not json", 400, "02", "JSON"),
    ("xin chào".encode("utf-16"), 400, "02", "UTF-8"),
    (b"[]", 400, "02", "đối tượng"),
    ({"service": "TraCuuHoSo", "data": [{"MaHoSo": "X"}]}, 400, "03", "DongBoHoSoMC"),
    ({"data": [{"MaHoSo": "X"}]}, 400, "03", "service"),
    ({"service": "DongBoHoSoMC", "data": []}, 400, "04", "không rỗng"),
    ({"service": "DongBoHoSoMC", "data": {"MaHoSo": "X"}}, 400, "04", "danh sách"),
    ({"service": "DongBoHoSoMC", "data": [{"MaHoSo": "X"}, 7, "y"]}, 400, "04", "thứ 2"),
    ({"service": "DongBoHoSoMC", "data": [{"MaHoSo": "X" * MAX_BYTES}]}, 413, "05", "quá lớn"),
])
def test_envelope_refusals_write_nothing(server, body, status, code, words):
    url, inbox = server
    got, answer = post(url, body)
    assert (got, answer["error_code"]) == (status, code), answer
    assert words in answer["message"]
    assert inbox_files(inbox) == [] and [p for p in inbox.iterdir() if p.is_file()] == []


def test_token_missing_or_unset_refuses(server):
    url, inbox = server
    good = envelope([rec("G1", "2025-03-03", "2025-03-10")])
    assert post(url, good, token=None)[0] == 401
    request = urllib.request.Request(url + "/", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused_http:
        urllib.request.urlopen(request, timeout=30)
    assert refused_http.value.headers["WWW-Authenticate"] == "Bearer"
    refused_http.value.close()
    assert post(url, b"{not json", token="sai")[1]["error_code"] == "01"   # the token is checked first
    assert inbox_files(inbox) == []
    # a receiver without a configured token refuses everyone, whatever they send
    with pytest.raises(receiver.Refused) as refused:
        receiver.check_token(f"Bearer {TOKEN}", None)
    assert (refused.value.status, refused.value.code) == (401, "01")
    with pytest.raises(receiver.Refused):
        receiver.check_token("Bearer ", "")


def test_batches_arrive_whole_in_arrival_order(server):
    """Twenty batches at once: each file is complete JSON as sent (no session token kept), names are
    unique, and the inbox never shows a partly written file (temp files are hidden, watch skips them)."""
    url, inbox = server
    batches = [envelope([rec(f"H{i:02d}-{j}", "2025-03-03", "2025-03-10") for j in range(30)],
                        session="phien-cong-quoc-gia") for i in range(20)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda b: post(url, b), batches))
    ok = (200, {"error_code": "00", "message": "Đã nhận 30 bản ghi DongBoHoSoMC"})
    assert all(a == ok for a in answers)
    names = inbox_files(inbox)
    assert len(names) == 20 == len(set(names)) and list(p.name for p in watch.waiting(inbox)) == names
    received = sorted(json.loads((inbox / n).read_text(encoding="utf-8"))["data"][0]["MaHoSo"] for n in names)
    assert received == [f"H{i:02d}-0" for i in range(20)]
    assert all("session" not in json.loads((inbox / n).read_text(encoding="utf-8")) for n in names)
    assert [p.name for p in inbox.iterdir() if p.name.startswith(".")] == []


def test_inbox_write_is_atomic(tmp_path):
    """A half-written batch is a hidden temp file: watch never sees it; a finished one is renamed."""
    box = receiver.Inbox(tmp_path / "inbox")
    partial = ".20250303T090000000000Z-1-000001-DongBoHoSoMC-abc.json.part"
    (box.folder / partial).write_bytes(b'{"service": "Do')
    name = box.write("DongBoHoSoMC", b'{"service": "DongBoHoSoMC", "data": [{"MaHoSo": "A"}]}')
    assert [p.name for p in watch.waiting(box.folder)] == [name]
    assert json.loads((box.folder / name).read_text())["data"] == [{"MaHoSo": "A"}]
    assert sorted(p.name for p in box.folder.iterdir()) == sorted([name, partial])
