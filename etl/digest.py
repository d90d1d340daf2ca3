"""`python -m etl digest --week 2025-W47`: the weekly digest, one e-mail to each agency head with an
address in the role list (docs/digest.md). The figures: warehouse/digest_content.py; the e-mail and
SMTP: etl/digest_mail.py.

Every message sent or failed is a line of the audit log (origin 'digest'); one failure does not stop
the others. Exit code: 0 all sent (or nobody to write to), 1 at least one message failed, 2 a request
or setting the command cannot run with. `--dry-run DIR` writes each message to DIR as an .eml file
and sends nothing (and logs nothing: nothing left the machine).
"""

from __future__ import annotations

import os
import re
import smtplib
import sys
from pathlib import Path

from etl import digest_mail
from warehouse import access, digest_content, store

SENT, FAILED = "gui_thu", "gui_thu_loi"
ORIGIN = "digest"


def add_parser(sub, add_warehouse) -> None:
    p = sub.add_parser("digest", help="the weekly digest e-mail to each agency head (docs/digest.md)")
    add_warehouse(p)
    p.add_argument("--week", required=True, metavar="YYYY-Www",
                   help="the ISO week, e.g. 2025-W47 (Monday to Sunday)")
    p.add_argument("--dry-run", metavar="DIR", type=Path,
                   help="write each message to DIR as an .eml file instead of sending it")
    p.add_argument("--base-url", metavar="URL",
                   help="the dashboard's public address for the link to each agency's page "
                        "(default: $DIGEST_BASE_URL)")


def _eml_name(week: str, head: digest_content.Head) -> str:
    return re.sub(r"[^A-Za-z0-9._@-]", "_", f"{week}_{head.agency_code}_{head.address}") + ".eml"


def run(directory: Path, week: str, dry_run: Path | None, base_url: str | None,
        env: dict | None = None) -> int:
    env = dict(os.environ if env is None else env)
    base_url = (base_url or env.get("DIGEST_BASE_URL", "")).strip()
    if not re.match(r"https?://[^/\s]+", base_url):
        print("cần --base-url URL (hoặc DIGEST_BASE_URL): địa chỉ của bảng điều khiển, như "
              "https://tthc.quangninh.gov.vn", file=sys.stderr)
        return 2
    if store.current_path(directory) is None:
        print(f"no warehouse in {directory}", file=sys.stderr)
        return 2
    try:
        smtp = None if dry_run else digest_mail.settings(env)
    except digest_mail.SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    sender = smtp.sender if smtp else (env.get("SMTP_FROM", "").strip() or "digest@localhost")
    reader = store.Reader(directory)
    try:
        digest_content.check_week(reader, week)
        with_address, without = digest_content.heads(reader)
        report = digest_content.week_report(reader, week)    # every agency's week, read once
        digests = {code: digest_content.agency_digest(reader, code, week, base_url, report)
                   for code in dict.fromkeys(h.agency_code for h in with_address)}
    except digest_content.DigestError as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        reader.close()
    for head in without:
        print(f"không gửi: tài khoản {head.account} (đơn vị {head.agency_code}) "
              "không phải địa chỉ thư điện tử", file=sys.stderr)
    if dry_run:
        dry_run.mkdir(parents=True, exist_ok=True)
    from etl.cli import _operator

    who, sent, failed = _operator(), 0, 0
    for head in with_address:
        d = digests[head.agency_code]
        what = f"tổng hợp tuần {week.strip()}, đơn vị {head.agency_code}, tới {head.address}"
        if d is None:
            error = "đơn vị không có trong danh mục của kho"
        else:
            msg = digest_mail.message(d, head.address, sender)
            if dry_run:
                (dry_run / _eml_name(week.strip(), head)).write_bytes(msg.as_bytes())
                sent += 1
                continue
            try:
                digest_mail.send(smtp, msg)
                error = None
            except (smtplib.SMTPException, OSError) as exc:
                error = f"{type(exc).__name__}: {exc}"
        if error is None:
            sent += 1
            access.audit(directory, who, SENT, f"{what}: đã gửi", origin=ORIGIN)
        else:
            failed += 1
            print(f"lỗi gửi tới {head.address}: {error}", file=sys.stderr)
            if not dry_run:
                access.audit(directory, who, FAILED, f"{what}: lỗi {error}", origin=ORIGIN)
    done = f"đã ghi {sent} tệp .eml vào {dry_run}" if dry_run else f"đã gửi {sent} thư"
    print(f"Tổng hợp tuần {week.strip()}: {done}, lỗi {failed}; không có địa chỉ: {len(without)}",
          file=sys.stderr)
    return 1 if failed else 0
