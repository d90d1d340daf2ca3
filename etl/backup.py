"""`python -m etl backup --output FILE` and `python -m etl restore FILE --warehouse DIR` (docs/deploy.md).

One tar.gz holds what a machine needs to come back: the current warehouse build, the local accounts,
the audit log, any other file the warehouse directory holds at its top (a state file of another
command), and the checkout's header mapping and calendar override, with `manifest.json` (format
version, the data's as-of date, the build, a SHA-256 per member) as its first member.

Consistency while the app runs: a published build is never written again (warehouse/store.py), so the
file CURRENT names is copied through a descriptor opened at once (a build published meanwhile removes
an older file only by name: the open copy stays readable). SQLite files are copied with SQLite's own
online backup, which sees one committed state even while the app writes.

Restore checks every member against the manifest while extracting into a temporary folder beside the
target, and only then renames it into place: a refused or broken archive leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
from pathlib import Path

from etl.checksum import file_sha256
from warehouse import store

FORMAT = "tthc-warehouse-backup"
VERSION = 1
MANIFEST = "manifest.json"
CHECKOUT_FILES = ("etl/mappings/headers.csv", "etl/reference/calendar_override.csv")
RESTORED_CONFIG = "backup-config"   # where restore leaves the checkout files of the backup, inside DIR
_SKIPPED = (".lock", "-wal", "-shm", "-journal", ".tmp")


class BackupError(Exception):
    """A backup that cannot be made or an archive that is refused; the message says why, in words."""


def add_parser(sub, add_warehouse) -> None:
    p = sub.add_parser("backup", help="one archive of the current build, accounts, audit log and settings")
    add_warehouse(p)
    p.add_argument("--output", metavar="FILE", type=Path, required=True,
                   help="the archive to write (.tar.gz)")
    r = sub.add_parser("restore", help="a backup archive into an empty warehouse directory")
    r.add_argument("archive", metavar="FILE", type=Path)
    r.add_argument("--warehouse", metavar="DIR", required=True, help="the directory to restore into")
    r.add_argument("--force", action="store_true", help="replace a directory that is not empty")


def _copy_current_build(directory: Path, staging: Path) -> Path:
    for _ in range(5):   # CURRENT may move on between reading it and opening the file it named
        source = store.current_path(directory)
        if source is None:
            raise BackupError(f"không có kho dữ liệu trong {directory}")
        try:
            fh = open(source, "rb")
        except FileNotFoundError:
            continue
        with fh:
            target = staging / "warehouse" / "builds" / source.name
            target.parent.mkdir(parents=True)
            with open(target, "wb") as out:
                shutil.copyfileobj(fh, out, 1 << 20)
        (staging / "warehouse" / store.POINTER).write_text(source.name + "\n", encoding="utf-8")
        return target
    raise BackupError("kho dữ liệu đổi phiên bản liên tục trong lúc sao lưu; hãy chạy lại")


def _copy_sqlite(source: Path, target: Path) -> None:
    with contextlib.closing(sqlite3.connect(source, timeout=30)) as src, \
            contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    with contextlib.closing(sqlite3.connect(target)) as dst:
        dst.execute("pragma journal_mode = delete")   # one self-contained file in the archive


def _as_of(build: Path) -> str | None:
    con = store.connect(build, read_only=True)
    try:
        row = con.execute("select value from meta where key = 'as_of'").fetchone()
    except Exception:  # noqa: BLE001 - a build without meta is still worth keeping
        row = None
    finally:
        con.close()
    return row[0] if row else None


def backup(directory: Path, output: Path, now: dt.datetime | None = None) -> dict:
    """Write the archive (replaced whole only when complete) and return its manifest."""
    output = output.resolve()
    staging = output.parent / f".{output.name}.{os.getpid()}.staging"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        build = _copy_current_build(directory, staging)
        for path in sorted(directory.iterdir()):
            if not path.is_file() or path.name.startswith(".") or path.name == store.POINTER \
                    or path.name.endswith(_SKIPPED):
                continue
            target = staging / "warehouse" / path.name
            if path.suffix in (".sqlite", ".db"):
                _copy_sqlite(path, target)
            else:
                shutil.copyfile(path, target)
        for name in CHECKOUT_FILES:
            if (store.REPO_ROOT / name).exists():
                (staging / "config" / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(store.REPO_ROOT / name, staging / "config" / name)
        members = sorted(p for p in staging.rglob("*") if p.is_file())
        manifest = {
            "format": FORMAT, "version": VERSION, "as_of": _as_of(build), "build": build.name,
            "created_at": (now or dt.datetime.now()).isoformat(timespec="seconds"),
            "members": {p.relative_to(staging).as_posix():
                        {"sha256": file_sha256(p), "bytes": p.stat().st_size} for p in members},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        partial = output.parent / f".{output.name}.{os.getpid()}.partial"
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:   # 9: 3x slower, 1% smaller
            tar.add(staging / MANIFEST, arcname=MANIFEST)
            for p in members:
                tar.add(p, arcname=p.relative_to(staging).as_posix())
        os.replace(partial, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


# ------------------------------------------------------------------------------ restore

def _read_manifest(tar: tarfile.TarFile) -> dict:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise BackupError(f"không phải tệp sao lưu của kho dữ liệu (thiếu {MANIFEST} ở đầu)")
    manifest = json.loads(tar.extractfile(first).read().decode("utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError("không phải tệp sao lưu của kho dữ liệu (định dạng lạ)")
    if manifest.get("version") != VERSION:
        raise BackupError(f"tệp sao lưu phiên bản {manifest.get('version')}, "
                          f"lệnh này đọc phiên bản {VERSION}")
    return manifest


def _safe(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts \
        and parts[0] in ("warehouse", "config")


def _extract(archive: Path, work: Path) -> dict:
    """Every member into `work`, checked against the manifest; BackupError on any difference."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            manifest = _read_manifest(tar)
            expected = manifest["members"]
            seen = set()
            for member in tar:
                if member.name == MANIFEST and MANIFEST not in seen:   # the first member, read above
                    seen.add(MANIFEST)
                    continue
                if not member.isfile() or not _safe(member.name) or member.name not in expected \
                        or member.name in seen:
                    raise BackupError(f"tệp sao lưu có thành phần lạ: {member.name}")
                target = work / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with tar.extractfile(member) as src, open(target, "wb") as out:
                    for block in iter(lambda: src.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
                if digest.hexdigest() != expected[member.name]["sha256"]:
                    raise BackupError(f"tệp sao lưu hỏng: {member.name} không khớp mã kiểm tra SHA-256")
                seen.add(member.name)
    except (tarfile.TarError, EOFError, OSError, ValueError, KeyError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError(f"tệp sao lưu hỏng hoặc không đọc được ({type(exc).__name__}: {exc})") from exc
    missing = sorted(set(expected) - seen - {MANIFEST})
    if missing:
        raise BackupError(f"tệp sao lưu thiếu: {', '.join(missing)}")
    return manifest


def restore(archive: Path, directory: Path, force: bool = False) -> dict:
    """The archive into `directory` (empty or absent, or any with `force`); returns the manifest."""
    directory = directory.resolve()
    if directory.exists() and any(directory.iterdir()) and not force:
        raise BackupError(f"{directory} không trống: chọn thư mục trống, hoặc thêm --force để thay thế")
    if not archive.is_file():
        raise BackupError(f"không có tệp {archive}")
    directory.parent.mkdir(parents=True, exist_ok=True)
    work = directory.parent / f".{directory.name}.{os.getpid()}.restoring"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)
    try:
        manifest = _extract(archive, work)
        tree = work / "warehouse"
        if (work / "config").exists():
            os.replace(work / "config", tree / RESTORED_CONFIG)
        for sqlite_file in tree.glob("*.sqlite"):
            sqlite_file.chmod(0o600)   # accounts and audit: their owner only, as when created
        tree.chmod(0o700)
        old = directory.parent / f".{directory.name}.{os.getpid()}.old"
        if directory.exists():
            os.replace(directory, old)   # empty, or replaced with --force
        os.replace(tree, directory)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def checkout_differences(directory: Path) -> list[str]:
    """The checkout files whose backed-up copy (DIR/backup-config) differs from this checkout's."""
    differ = []
    for name in CHECKOUT_FILES:
        saved = directory / RESTORED_CONFIG / name
        here = store.REPO_ROOT / name
        if saved.exists() and (not here.exists() or file_sha256(saved) != file_sha256(here)):
            differ.append(name)
    return differ


def run(args, directory: Path, operator: str) -> int:
    import sys

    from warehouse import access

    try:
        if args.command == "backup":
            manifest = backup(directory, args.output)
            access.audit(directory, operator, "sao_luu", f"{args.output.name}: {manifest['build']}",
                         origin="cli")
            size = sum(m["bytes"] for m in manifest["members"].values())
            print(f"Đã sao lưu {len(manifest['members'])} tệp ({size / 1e6:.1f} MB trước nén), dữ liệu đến "
                  f"{manifest['as_of'] or '?'}, vào {args.output}", file=sys.stderr)
            return 0
        manifest = restore(args.archive, directory, force=args.force)
    except BackupError as exc:
        print(exc, file=sys.stderr)
        return 2
    except OSError as exc:   # a full disk, a folder the user may not write: said, not a traceback
        print(f"không {'sao lưu' if args.command == 'backup' else 'khôi phục'} được: {exc}", file=sys.stderr)
        return 1
    access.audit(directory, operator, "khoi_phuc", f"{args.archive.name}: {manifest['build']}", origin="cli")
    print(f"Đã khôi phục {len(manifest['members'])} tệp (dữ liệu đến {manifest['as_of'] or '?'}, sao lưu lúc "
          f"{manifest['created_at']}) vào {directory}", file=sys.stderr)
    for name in checkout_differences(directory):
        print(f"Lưu ý: {name} trong bản sao lưu khác bản trong mã nguồn này; bản sao lưu ở "
              f"{directory / RESTORED_CONFIG / name}", file=sys.stderr)
    return 0
