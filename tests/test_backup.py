"""`python -m etl backup` / `restore` (etl/backup.py): a round trip gives byte-identical reports, the
accounts and the audit log come back, and a broken or foreign archive is refused without touching the
target."""

import gzip
import io
import json
import subprocess
import sys
import tarfile

import pytest

from tests.conftest import ROOT
from warehouse import access, accounts

PASSWORD = "mat-khau-rat-dai-1"
PERIODS = [("2026-10-01", "2026-10-31"), ("2026-01-01", "2026-09-30")]


def etl(*args):
    return subprocess.run([sys.executable, "-m", "etl", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A small demo warehouse with one account and audit lines, and its backup."""
    base = tmp_path_factory.mktemp("backup")
    source = base / "wh"
    out = etl("demo", "--scale", "0.05", "--as-of", "2026-11-23", "--warehouse", source)
    assert out.returncode == 0, out.stderr
    accounts.add(source, "chanhvanphong", PASSWORD, role="lanh_dao_tinh")
    access.audit(source, "chanhvanphong", "dang_nhap", "lanh_dao_tinh · máy 10.0.0.7")
    out = etl("backup", "--warehouse", source, "--output", base / "sao_luu.tar.gz")
    assert out.returncode == 0, out.stderr
    return source, base / "sao_luu.tar.gz"


def report(directory, date_from, date_to) -> bytes:
    out = subprocess.run([sys.executable, "-m", "etl", "report", "--warehouse", str(directory), "--from",
                          date_from, "--to", date_to], cwd=ROOT, capture_output=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_round_trip_gives_identical_reports(archive, tmp_path):
    source, path = archive
    target = tmp_path / "moi"
    out = etl("restore", path, "--warehouse", target)
    assert out.returncode == 0, out.stderr
    assert "dữ liệu đến 2026-11-23" in out.stderr
    for date_from, date_to in PERIODS:
        before, after = report(source, date_from, date_to), report(target, date_from, date_to)
        assert before.count(b"\n") > 10 and before == after
    # the accounts and the audit log came back; restore says so in the log it restored
    assert accounts.verify(target, "chanhvanphong", PASSWORD)[1] == "ok"
    lines = [(r["who"], r["action"]) for r in reversed(access.audit_rows(target))]
    assert lines[0] == ("chanhvanphong", "dang_nhap") and lines[-1][1] == "khoi_phuc"
    assert (target / "accounts.sqlite").stat().st_mode & 0o077 == 0


def test_manifest(archive):
    _, path = archive
    with tarfile.open(path) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert names[0] == "manifest.json"
    assert manifest["version"] == 1 and manifest["as_of"] == "2026-11-23"
    assert set(manifest["members"]) == set(names[1:])
    assert {"warehouse/CURRENT", "warehouse/accounts.sqlite", "warehouse/audit.sqlite",
            f"warehouse/builds/{manifest['build']}", "config/etl/mappings/headers.csv"} <= set(names)
    assert all(len(m["sha256"]) == 64 for m in manifest["members"].values())


def test_a_non_empty_target_is_refused_unless_forced(archive, tmp_path):
    _, path = archive
    (tmp_path / "ghi_chu.txt").write_text("của người khác", encoding="utf-8")
    out = etl("restore", path, "--warehouse", tmp_path)
    assert out.returncode == 2 and "không trống" in out.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["ghi_chu.txt"]
    assert etl("restore", path, "--warehouse", tmp_path, "--force").returncode == 0
    assert not (tmp_path / "ghi_chu.txt").exists() and (tmp_path / "CURRENT").exists()


def test_a_corrupted_archive_is_refused(archive, tmp_path):
    _, path = archive
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF                          # one byte flipped inside the build
    broken = tmp_path / "hong.tar.gz"
    broken.write_bytes(bytes(data))
    out = etl("restore", broken, "--warehouse", tmp_path / "moi")
    assert out.returncode == 2 and out.stderr.startswith("tệp sao lưu hỏng"), out.stderr
    assert not (tmp_path / "moi").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["hong.tar.gz"]   # no temporary folder left behind

    truncated = tmp_path / "cut.tar.gz"
    truncated.write_bytes(path.read_bytes()[: len(data) // 3])
    out = etl("restore", truncated, "--warehouse", tmp_path / "moi")
    assert out.returncode == 2 and out.stderr.startswith("tệp sao lưu hỏng"), out.stderr


def test_a_member_changed_after_the_manifest_is_refused(archive, tmp_path):
    """A well-formed archive whose accounts file is not the one the manifest hashed."""
    _, path = archive
    forged = tmp_path / "sua.tar.gz"
    with tarfile.open(path) as src, tarfile.open(forged, "w:gz") as dst:
        for member in src:
            body = src.extractfile(member).read()
            if member.name == "warehouse/accounts.sqlite":
                body = body[:-1] + bytes([body[-1] ^ 1])
            dst.addfile(member, io.BytesIO(body))
    out = etl("restore", forged, "--warehouse", tmp_path / "moi")
    assert out.returncode == 2
    assert "warehouse/accounts.sqlite không khớp mã kiểm tra SHA-256" in out.stderr
    assert not (tmp_path / "moi").exists()

    foreign = tmp_path / "khac.tar.gz"
    foreign.write_bytes(gzip.compress(b"khong phai tar"))
    out = etl("restore", foreign, "--warehouse", tmp_path / "moi")
    assert out.returncode == 2 and "tệp sao lưu hỏng" in out.stderr


def test_backup_while_new_versions_are_published(tmp_path):
    """A loader publishing builds (and pruning old ones) while backups run: each archive holds one whole
    published build, byte for byte."""
    import hashlib
    import threading

    from etl import backup
    from tests.conftest import make_warehouse
    from tests.test_page_late import AGENCIES, DOSSIERS, PROCEDURES
    from warehouse import store

    directory = tmp_path / "wh"
    make_warehouse(directory, DOSSIERS, agencies=AGENCIES, procedures=PROCEDURES, as_of="2025-03-20").close()
    published = {hashlib.sha256(store.current_path(directory).read_bytes()).hexdigest()}
    stop = threading.Event()

    def loader():
        n = 0
        while not stop.is_set() or n < 5:   # at least five, more than KEEP_BUILDS: old ones are pruned
            n += 1
            with store.new_build(directory, from_current=True) as con:
                con.execute("create or replace table lan_nap as select ? as n", [n])
            published.add(hashlib.sha256(store.current_path(directory).read_bytes()).hexdigest())

    thread = threading.Thread(target=loader)
    thread.start()
    try:
        manifests = [backup.backup(directory, tmp_path / f"b{i}.tar.gz") for i in range(4)]
    finally:
        stop.set()
        thread.join()
    assert len(published) > 5
    for i, manifest in enumerate(manifests):
        build = manifest["members"][f"warehouse/builds/{manifest['build']}"]["sha256"]
        assert build in published
        backup.restore(tmp_path / f"b{i}.tar.gz", tmp_path / f"r{i}")
        assert store.current_path(tmp_path / f"r{i}").name == manifest["build"]
