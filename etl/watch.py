"""`python -m etl watch --inbox DIR`: one pass over the inbox (a timer runs it; docs/receiver.md).

The files waiting in DIR (the receiver's batches, a vendor's nightly export) are loaded in arrival
order into ONE new warehouse version with etl.load.load_files, then each is moved to DIR/archive/,
or, when the loader could not use it at all, to DIR/rejected/ with `<name>.reason.txt` beside it.
Records a file holds that are invalid go to quarantine as with `etl load`; the file is archived.

Safe to run again at any time:
- one pass at a time: a second pass started meanwhile sees the lock and leaves at once;
- a file whose exact content (sha256) the warehouse already loaded is not loaded again: it goes to
  archive/ with `<name>.note.txt` saying when it was loaded;
- a pass killed before the new version is published leaves the warehouse as it was and the files
  in the inbox, so the next pass retries them; killed after publishing, the next pass finds them
  loaded (same sha256) and only archives them.

Waiting files: the regular files directly in DIR, not hidden (a name starting with "." is a file
still being written), unchanged for --settle seconds (a vendor's copy still growing is left for the
next pass). Arrival order: the receiver's files by the time their name starts with, other files by
their modification time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from etl.checksum import file_sha256
from warehouse import store

ARCHIVE, REJECTED = "archive", "rejected"
LOCK = ".watch.lock"
RECEIVED_NAME = re.compile(r"(\d{8}T\d{12})Z-")   # etl/receiver.py's names: UTC time to the microsecond


@dataclass
class Outcome:
    name: str
    where: str            # archive | rejected
    note: str
    note_file: bool = True  # a note beside the file (a rejection's reason, a file not loaded again)


def add_parser(sub, add_warehouse) -> None:
    p = sub.add_parser("watch", help="one pass: load the files waiting in the inbox into one new warehouse "
                                     "version, then archive or reject them (docs/receiver.md)")
    add_warehouse(p)
    p.add_argument("--inbox", metavar="DIR", required=True, help="the receiver's inbox folder")
    p.add_argument("--settle", type=float, default=30.0, metavar="SECONDS",
                   help="leave a file changed less than this long ago for the next pass (default 30)")


def arrival_key(path: Path) -> str:
    """Sortable text: the receiver's UTC time from the name, else the file's modification time."""
    found = RECEIVED_NAME.match(path.name)
    if found:
        return found.group(1) + "|" + path.name
    stamp = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return f"{stamp:%Y%m%dT%H%M%S%f}|{path.name}"


def waiting(inbox: Path, settle: float = 0.0, now: float | None = None) -> list[Path]:
    now = time.time() if now is None else now
    files = []
    for entry in os.scandir(inbox):
        if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
            continue
        if now - entry.stat().st_mtime < settle:
            continue
        files.append(Path(entry.path))
    return sorted(files, key=arrival_key)


def loaded_before(directory: Path, digests: set[str]) -> dict[str, tuple]:
    """sha256 -> (finished_at, source) of a load of that content the warehouse used (not 'unusable')."""
    path = store.current_path(directory)
    if path is None or not digests:
        return {}
    con = store.connect(path)
    try:
        rows = con.execute(
            """select file_sha256, max(finished_at), arg_max(source, finished_at) from load_log
               where file_sha256 in (select unnest(?)) and status <> 'unusable'
               group by file_sha256""", [sorted(digests)]).fetchall()
    finally:
        con.close()
    return {sha: (at, source) for sha, at, source in rows}


def _move(path: Path, folder: Path, note_suffix: str | None, note: str) -> None:
    """Into archive/ or rejected/, with the note beside it when note_suffix is given."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():   # the same name again (a vendor's fixed file name): keep both
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    if note_suffix is not None:
        (folder / f"{target.name}{note_suffix}").write_text(note + "\n", encoding="utf-8")
    with contextlib.suppress(FileNotFoundError):  # taken away by hand meanwhile: nothing to move
        os.replace(path, target)


@contextlib.contextmanager
def _single(inbox: Path):
    """Yields True while holding the inbox's lock, False when another pass holds it."""
    with open(inbox / LOCK, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def watch_once(directory: Path, inbox: Path, settle: float = 0.0, progress=print,
               now: float | None = None) -> list[Outcome] | None:
    """One pass; None when another pass is running. Raises what the load raised (files stay).
    `now` (seconds since the epoch, default the clock) is what a file's age for `settle` counts from."""
    from etl.load import load_files

    inbox.mkdir(parents=True, exist_ok=True)
    with _single(inbox) as mine:
        if not mine:
            return None
        files = waiting(inbox, settle, now)
        if not files:
            return []
        digests = {p: file_sha256(p) for p in files}
        before = loaded_before(directory, set(digests.values()))
        outcomes: list[Outcome] = []
        fresh: list[Path] = []
        seen: dict[str, Path] = {}
        for path in files:
            sha = digests[path]
            if sha in before:
                at, source = before[sha]
                outcomes.append(Outcome(path.name, ARCHIVE, f"đã nạp trước đó ({_when(at)}, tệp "
                                                             f"{Path(source).name}): không nạp lại"))
            elif sha in seen:
                outcomes.append(Outcome(path.name, ARCHIVE, f"trùng nội dung với {seen[sha].name} trong "
                                                             "cùng lượt: không nạp lại"))
            else:
                seen[sha] = path
                fresh.append(path)
        results = {r.path: r for r in load_files(directory, fresh, progress=progress)} if fresh else {}
        # the new version is published: only now do the files leave the inbox
        for path in fresh:
            r = results[path]
            if r.unusable:
                outcomes.append(Outcome(path.name, REJECTED, r.unusable))
            else:
                loaded = f"nạp {r.loaded} bản ghi"
                outcomes.append(Outcome(path.name, ARCHIVE, f"{loaded}, loại {r.rejected} (trang Dữ liệu, "
                                        "mục Bản ghi bị loại)" if r.rejected else loaded, note_file=False))
        by_name = {p.name: p for p in files}
        for o in outcomes:
            suffix = ".reason.txt" if o.where == REJECTED else ".note.txt"
            _move(by_name[o.name], inbox / o.where, suffix if o.note_file else None, o.note)
        order = {p.name: i for i, p in enumerate(files)}
        return sorted(outcomes, key=lambda o: order[o.name])


def _when(value) -> str:
    from warehouse import fmt

    return fmt.datetime(value)


def main(args, operator) -> int:
    """The command: `operator()` names who ran it, for the audit log."""
    return run(store.warehouse_dir(args.warehouse), Path(args.inbox), args.settle, operator())


def run(directory: Path, inbox: Path, settle: float, operator: str) -> int:
    from warehouse import access

    try:
        outcomes = watch_once(directory, inbox, settle, progress=lambda m: print(m, file=sys.stderr))
    except Exception as exc:  # noqa: BLE001 - any failure leaves the warehouse and the inbox as they were
        print(f"lượt nạp thất bại, các tệp vẫn chờ trong hộp thư: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 2
    if outcomes is None:
        print("một lượt nạp khác đang chạy: bỏ qua lượt này", file=sys.stderr)
        return 0
    if not outcomes:
        print("không có tệp nào chờ nạp", file=sys.stderr)
        return 0
    for o in outcomes:
        where = "lưu trữ" if o.where == ARCHIVE else "bị từ chối"
        print(f"{o.name} -> {o.where}/: {o.note}", file=sys.stderr)
        access.audit(directory, operator, "nap", f"{o.name} ({where}): {o.note}", origin="cli")
    archived = sum(1 for o in outcomes if o.where == ARCHIVE)
    print(f"Tổng: {archived} tệp vào lưu trữ, {len(outcomes) - archived} tệp bị từ chối", file=sys.stderr)
    return 0
