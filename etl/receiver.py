"""`python -m etl receive`: the HTTP receiver of the one-stop system's sync batches (docs/receiver.md).

The province's one-stop software already pushes `DongBoHoSoMC` and `CapNhatTienDoHoSoMC` batches
to the National Public Service Portal; pointed here, it pushes the same body. The receiver checks
the bearer token (RECEIVER_TOKEN; none set = every request refused), checks the envelope's shape
(a JSON object, a known service, `data` a non-empty list of objects, under the size limit), writes
the batch into the inbox folder and answers as the portal does: `{"error_code": "00", "message": ...}`
on success, another code with the reason otherwise.

It never opens the warehouse: a batch is a file in the inbox the moment it is answered "00", and
`python -m etl watch` loads the inbox on a timer. Whether each record is valid is the loader's job
(bad records go to quarantine with their reason), so one bad record never refuses a whole batch.

A batch appears in the inbox whole or not at all: it is written to a hidden temporary file (a name
starting with ".", which the watcher skips), flushed to disk, then renamed. Names sort by arrival:
`<UTC time to the microsecond>-<counter>-<service>-<sha256 prefix>.json`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import hmac
import itertools
import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from etl.load_parse import SERVICES

if TYPE_CHECKING:  # Starlette is imported when the app is made: `python -m etl` starts faster
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse

TOKEN_ENV = "RECEIVER_TOKEN"
INBOX_ENV = "RECEIVER_INBOX"
MAX_BYTES_ENV = "RECEIVER_MAX_BYTES"
DEFAULT_MAX_BYTES = 64 << 20   # a 500-record batch is about 1 MB; the portal's batches are far smaller
# the sender's own portal session: a credential of theirs, never kept in the inbox
DROPPED_KEYS = ("session",)

# error_code values: "00" is the portal's success (its clients test error_code == "00"); the others
# are this receiver's own, each with a Vietnamese message saying what to fix
OK, BAD_TOKEN, NOT_JSON, BAD_SERVICE, BAD_DATA = "00", "01", "02", "03", "04"
TOO_LARGE, NOT_SAVED = "05", "06"


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def answer(code: str, message: str, status: int = 200) -> JSONResponse:
    from starlette.responses import JSONResponse

    # a 401 names the scheme expected (RFC 9110), for a sender's log
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error_code": code, "message": message}, status_code=status, headers=headers)


def check_token(header: str | None, token: str | None) -> None:
    """`Authorization: Bearer <token>`, compared in constant time; no configured token refuses all."""
    if not token:
        raise Refused(401, BAD_TOKEN, f"máy nhận chưa cấu hình mã truy cập ({TOKEN_ENV}): từ chối mọi lô")
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Refused(401, BAD_TOKEN, "mã truy cập (Bearer token) không đúng")


def validate(body: bytes) -> dict:
    """The envelope, or Refused saying what is wrong with it (never about a single record's values)."""
    try:
        envelope = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Refused(400, NOT_JSON, f"nội dung không phải JSON UTF-8 hợp lệ ({type(exc).__name__})") from exc
    if not isinstance(envelope, dict):
        raise Refused(400, NOT_JSON, 'cần một đối tượng JSON {"service": ..., "data": [...]}')
    service = envelope.get("service")
    if service not in SERVICES:
        known = ", ".join(SERVICES)
        raise Refused(400, BAD_SERVICE, f"dịch vụ (service) không hỗ trợ: cần một trong {known}")
    data = envelope.get("data")
    if not isinstance(data, list) or not data:
        raise Refused(400, BAD_DATA, "data phải là một danh sách bản ghi, không rỗng")
    not_objects = [i for i, record in enumerate(data, start=1) if not isinstance(record, dict)]
    if not_objects:
        raise Refused(400, BAD_DATA, f"bản ghi thứ {not_objects[0]} của data không phải đối tượng JSON "
                                     f"({len(not_objects)} bản ghi như vậy)")
    return envelope


class Inbox:
    """Atomic, arrival-ordered files in one folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def name_for(self, service: str, content: bytes, now: dt.datetime | None = None) -> str:
        now = now or dt.datetime.now(dt.UTC)
        with self._lock:
            number = next(self._counter)
        digest = hashlib.sha256(content).hexdigest()[:12]
        return f"{now:%Y%m%dT%H%M%S%fZ}-{os.getpid()}-{number:06d}-{service}-{digest}.json"

    def write(self, service: str, content: bytes) -> str:
        name = self.name_for(service, content)
        temp = self.folder / f".{name}.part"
        try:
            with open(temp, "xb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, self.folder / name)
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        with contextlib.suppress(OSError):  # the rename survives a power cut where the platform allows
            fd = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        return name


async def _read_body(request: Request, max_bytes: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise Refused(413, TOO_LARGE, f"lô quá lớn: tối đa {max_bytes} byte mỗi lần gửi")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise Refused(413, TOO_LARGE, f"lô quá lớn: tối đa {max_bytes} byte mỗi lần gửi")
        chunks.append(chunk)
    return b"".join(chunks)


def _content(body: bytes, envelope: dict) -> bytes:
    """What goes into the inbox: the bytes as sent, unless they carry the sender's portal session
    (then the envelope without it) or a byte-order mark (the loader reads plain UTF-8)."""
    if any(key in envelope for key in DROPPED_KEYS):
        kept = {k: v for k, v in envelope.items() if k not in DROPPED_KEYS}
        return json.dumps(kept, ensure_ascii=False).encode("utf-8")
    return body.removeprefix(b"\xef\xbb\xbf")


def create_app(inbox: Path, token: str | None, max_bytes: int = DEFAULT_MAX_BYTES) -> Starlette:
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.routing import Route

    box = Inbox(inbox)

    async def receive(request: Request) -> JSONResponse:
        try:
            # the token first: a refused sender learns nothing about the envelope rules
            check_token(request.headers.get("authorization"), token)
            body = await _read_body(request, max_bytes)
            envelope = await run_in_threadpool(validate, body)
            content = await run_in_threadpool(_content, body, envelope)
            try:
                await run_in_threadpool(box.write, envelope["service"], content)
            except OSError as exc:
                raise Refused(503, NOT_SAVED, f"máy nhận chưa lưu được lô, hãy gửi lại sau "
                                              f"({type(exc).__name__})") from exc
        except Refused as refused:
            return answer(refused.code, refused.message, refused.status)
        return answer(OK, f"Đã nhận {len(envelope['data'])} bản ghi {envelope['service']}")

    async def health(request: Request) -> JSONResponse:
        return answer(OK, "máy nhận đang chạy")

    return Starlette(routes=[
        Route("/health", health, methods=["GET"]),
        # any path: the one-stop software keeps the endpoint path it was configured with
        Route("/{path:path}", receive, methods=["POST"]),
    ])


def from_env() -> Starlette:
    """For `uvicorn --factory etl.receiver:from_env`: the settings from the environment."""
    inbox = os.environ.get(INBOX_ENV)
    if not inbox:
        raise SystemExit(f"{INBOX_ENV} chưa đặt: thư mục hộp thư nhận lô")
    return create_app(Path(inbox), os.environ.get(TOKEN_ENV), _max_bytes())


def _max_bytes() -> int:
    value = os.environ.get(MAX_BYTES_ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_BYTES


def add_parser(sub) -> None:
    p = sub.add_parser("receive", help="HTTP receiver of the one-stop system's sync batches "
                                       "(docs/receiver.md); token from $RECEIVER_TOKEN")
    p.add_argument("--inbox", metavar="DIR", default=os.environ.get(INBOX_ENV),
                   help="folder the batches are written to (default: $RECEIVER_INBOX)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: "
                                                       "behind the reverse proxy)")
    p.add_argument("--port", type=int, default=8502)


def main(args: argparse.Namespace, operator=None) -> int:
    import sys

    import uvicorn

    if not args.inbox:
        print(f"cần --inbox DIR (hoặc {INBOX_ENV})", file=sys.stderr)
        return 2
    token = os.environ.get(TOKEN_ENV)
    if not token:
        print(f"cảnh báo: {TOKEN_ENV} chưa đặt, máy nhận sẽ từ chối mọi lô", file=sys.stderr)
    app = create_app(Path(args.inbox), token, _max_bytes())
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=True, log_level="info")
    return 0
