"""The weekly digest as an e-mail (plain text and HTML, Vietnamese, UTF-8) and its sending over SMTP
(settings from the environment: docs/digest.md). The figures come from warehouse/digest_content.py;
this module only words and formats them (warehouse/fmt.py).
"""

from __future__ import annotations

import html
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from warehouse import fmt, queries_targets
from warehouse.digest_content import ON_TIME, AgencyDigest
from warehouse.metrics import METRICS, TARGET_STATE_LABELS, metric, target_state

# at most this many dossiers of each list in the e-mail; the rest are on the page
LIST_LIMIT = 20
LATE_STATES = {"finished_late": "Đã kết thúc, trễ hạn", "overdue": "Chưa kết thúc, quá hạn"}
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class SettingsError(Exception):
    """A missing or contradictory SMTP setting (exit code 2)."""


# ------------------------------------------------------------------------------ the words

def subject(d: AgencyDigest) -> str:
    return (f"Tổng hợp tuần {d.week} ({fmt.date(d.monday)} – {fmt.date(d.sunday)}): {d.agency_name}")


def _week_lines(d: AgencyDigest) -> list[str]:
    row = d.week_row
    if row is None or not (row["received_new"] or row["finished"] or row["in_progress"]):
        return ["Trong tuần đơn vị không có hồ sơ."]
    on_time = row["finished_early"] + row["finished_on_time"]
    return [
        f"Mới tiếp nhận: {fmt.number(row['received_new'])} hồ sơ.",
        f"Đã giải quyết: {fmt.number(row['finished'])} hồ sơ, trong đó đúng hạn {fmt.number(on_time)}, "
        f"trễ hạn {fmt.number(row['finished_late'])}.",
        f"{ON_TIME.label}: {fmt.metric_value(ON_TIME, row[ON_TIME.key])}.",
        f"Đang giải quyết cuối tuần: {fmt.number(row['in_progress'])} hồ sơ, trong đó quá hạn "
        f"{fmt.number(row['in_progress_overdue'])}.",
    ]


def _target_lines(d: AgencyDigest) -> list[str]:
    lines = []
    for row in d.targets:
        m = METRICS[row["kpi"]]
        goal = fmt.target_text(m, row["comparator"], row["target_value"])
        state = TARGET_STATE_LABELS[target_state(row)]
        lines.append(f"{m.label}: {fmt.metric_value(m, row['value'])} (chỉ tiêu {goal}): {state}.")
    if not lines:
        value = None if d.year_row is None else ON_TIME.value(d.year_row, rounded=True)
        lines.append(f"Đơn vị chưa có chỉ tiêu năm {d.year}. {ON_TIME.label} từ đầu năm: "
                     f"{fmt.metric_value(ON_TIME, value)}.")
    return lines


def _rank_lines(d: AgencyDigest) -> list[str]:
    lines = []
    for row in d.ranks:
        m = metric(row["kpi"])
        if row["is_ranked"]:
            place = f"hạng {fmt.number(row['rank'])}/{fmt.number(row['ranked_count'])}"
        else:
            place = "chưa xếp hạng: " + queries_targets.UNRANKED_REASONS.get(row["unranked_reason"],
                                                                            row["unranked_reason"] or "")
        unscored = row.get("unscored_points")
        # a 766 total some of whose points no loaded input scores: say so beside it (docs/score_766.md)
        gap = f" ({fmt.number(unscored, 1)} điểm không có dữ liệu để chấm)" if unscored else ""
        lines.append(f"{m.label}: {fmt.metric_value(m, row['value'])}{gap}, {place}.")
    return lines or ["Chưa có bảng xếp hạng của năm."]


def _late_rows(d: AgencyDigest) -> list[list[str]]:
    return [[r["dossier_id"], r["procedure_name"] or fmt.EMPTY, fmt.date(r["due_date"]),
             LATE_STATES.get(r["late_state"], r["late_state"]), fmt.number(r["late_workdays"])]
            for r in d.late.head(LIST_LIMIT).iter_rows(named=True)]


def _due_rows(d: AgencyDigest) -> list[list[str]]:
    return [[r["dossier_id"], r["procedure_name"] or fmt.EMPTY, fmt.date(r["received_date"]),
             fmt.date(r["due_date"]), fmt.number(r["workdays_left"])]
            for r in d.due.head(LIST_LIMIT).iter_rows(named=True)]


LATE_HEAD = ["Mã hồ sơ", "Thủ tục", "Hẹn trả", "Tình trạng", "Số ngày làm việc trễ"]
DUE_HEAD = ["Mã hồ sơ", "Thủ tục", "Tiếp nhận", "Hẹn trả", "Còn (ngày làm việc)"]


def _sections(d: AgencyDigest) -> list[tuple[str, list[str], list[str] | None, list[list[str]], str]]:
    """(title, lines, table head, table rows, line under the table) in the e-mail's order."""
    late_title = f"Hồ sơ trễ hạn trong tuần: {fmt.number(d.late.height)}"
    due_title = (f"Hồ sơ đến hạn từ ngày số liệu đến hết tuần sau ({fmt.date(d.due_until)}): "
                 f"{fmt.number(d.due.height)}")
    return [
        (f"Trong tuần {fmt.date(d.monday)} – {fmt.date(d.sunday)}", _week_lines(d), None, [], ""),
        (f"Từ đầu năm {d.year} so với chỉ tiêu", _target_lines(d), None, [], ""),
        (f"Thứ hạng từ đầu năm trong nhóm {d.peer_group_label}", _rank_lines(d), None, [], ""),
        (late_title, [] if d.late.height else ["Không có hồ sơ trễ hạn."], LATE_HEAD, _late_rows(d),
         _more(d.late.height)),
        (due_title, [] if d.due.height else ["Không có hồ sơ đến hạn."], DUE_HEAD, _due_rows(d),
         _more(d.due.height)),
    ]


def _more(total: int) -> str:
    return f"… và {fmt.number(total - LIST_LIMIT)} hồ sơ khác: xem trên trang của đơn vị." \
        if total > LIST_LIMIT else ""


def _intro(d: AgencyDigest) -> list[str]:
    return [f"Kính gửi Thủ trưởng {d.agency_name},",
            f"Số liệu giải quyết thủ tục hành chính của đơn vị tuần {d.week}, tính đến ngày số liệu "
            f"{fmt.date(d.as_of)}.", *d.notes]


def plain_text(d: AgencyDigest) -> str:
    out = [*_intro(d), ""]
    for title, lines, head, rows, more in _sections(d):
        out += [title.upper(), *[f"- {line}" for line in lines]]
        if rows:
            out += ["  " + " | ".join(head)] + ["  " + " | ".join(r) for r in rows]
        out += [more] if more else []
        out.append("")
    out += [f"Xem chi tiết trên trang của đơn vị: {d.link}", "",
            "Thư gửi tự động từ bảng điều khiển giải quyết thủ tục hành chính; xin không trả lời thư này."]
    return "\n".join(out) + "\n"


def html_text(d: AgencyDigest) -> str:
    e = html.escape
    cell = "border:1px solid #ccc;padding:4px 6px;text-align:left"
    parts = [f"<p>{e(line)}</p>" for line in _intro(d)]
    for title, lines, head, rows, more in _sections(d):
        parts.append(f"<h3>{e(title)}</h3>")
        if lines:
            parts.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>")
        if rows:
            parts.append("<table style='border-collapse:collapse'><tr>"
                         + "".join(f"<th style='{cell}'>{e(h)}</th>" for h in head) + "</tr>"
                         + "".join("<tr>" + "".join(f"<td style='{cell}'>{e(c)}</td>" for c in r) + "</tr>"
                                   for r in rows) + "</table>")
        if more:
            parts.append(f"<p>{e(more)}</p>")
    parts.append(f"<p><a href=\"{e(d.link)}\">Xem chi tiết trên trang của đơn vị</a></p>")
    parts.append("<p style='color:#666'>Thư gửi tự động từ bảng điều khiển giải quyết thủ tục hành chính; "
                 "xin không trả lời thư này.</p>")
    return ("<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def message(d: AgencyDigest, to: str, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject(d)
    msg["From"] = sender
    msg["To"] = formataddr(("", to))
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    msg.set_content(plain_text(d), charset="utf-8")
    msg.add_alternative(html_text(d), subtype="html", charset="utf-8")
    return msg


# ------------------------------------------------------------------------------ sending

@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    ssl: bool = False
    timeout: float = 30.0


def _flag(env: dict, name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name}={value}: cần 1 hoặc 0")


def settings(env: dict | None = None) -> Settings:
    """SMTP settings from the environment (docs/digest.md)."""
    env = dict(os.environ if env is None else env)
    host, sender = env.get("SMTP_HOST", "").strip(), env.get("SMTP_FROM", "").strip()
    if not host or not sender:
        raise SettingsError("cần SMTP_HOST và SMTP_FROM (hoặc --dry-run DIR để chỉ ghi thư ra tệp)")
    use_ssl = _flag(env, "SMTP_SSL", False)
    starttls = _flag(env, "SMTP_STARTTLS", not use_ssl)
    if use_ssl and starttls:
        raise SettingsError("SMTP_SSL=1 và SMTP_STARTTLS=1 không dùng cùng nhau")
    port_text = env.get("SMTP_PORT", "").strip() or ("465" if use_ssl else "587" if starttls else "25")
    try:
        port, timeout = int(port_text), float(env.get("SMTP_TIMEOUT", "").strip() or 30)
    except ValueError:
        raise SettingsError(f"SMTP_PORT={port_text} hoặc SMTP_TIMEOUT không phải là số") from None
    user = env.get("SMTP_USER", "").strip() or None
    if user and not (use_ssl or starttls) and host not in LOCAL_HOSTS:
        # a password in clear over the network: refuse rather than leak it
        raise SettingsError("SMTP_USER cần SMTP_STARTTLS=1 hoặc SMTP_SSL=1 (không gửi mật khẩu không mã hóa)")
    return Settings(host, port, sender, user, env.get("SMTP_PASSWORD") or None, starttls, use_ssl, timeout)


def send(s: Settings, msg: EmailMessage) -> None:
    """One message over its own connection, so one failure cannot leave the next in a broken session."""
    context = ssl.create_default_context()
    if s.ssl:
        server = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
    else:
        server = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
    with server:
        if s.starttls:
            server.starttls(context=context)
        if s.user:
            server.login(s.user, s.password or "")
        server.send_message(msg)
