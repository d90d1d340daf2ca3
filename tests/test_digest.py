"""The weekly digest (`python -m etl digest`, docs/digest.md) sent to a real SMTP server (aiosmtpd on
127.0.0.1, started here), then read back from what the server received.

A hand-made warehouse, data's date Sunday 23/11/2025, week 2025-W47 (Monday 17 – Sunday 23/11/2025),
three departments ranked on the raw on-time rate (at least 5 dossiers):

- STP (Sở Tư pháp), head giamdoc.stp@…: in the week 28 finished on time (received 17/11, due 21/11,
  finished 19/11) and 5 late (L1–L5: due 17/11, finished 20/11) → 28/33 = 0,84848… exported 0,8485
  → "84,9%" (the registry's rounding: half up from the exported value, not 84,8%); Q1 open since 03/11,
  due 14/11: overdue. L0 finished late on 12/11 (the week before: not in the week's list, in the year's
  figures). Open and due: D0 on 24/11 and D1 on 26/11 (next week: listed), D9 on 03/12 (not).
  October: 10 on time. Year to date: 38 on time of 44 finished = 0,8636 → "86,4%" against the
  department target ≥ 95% → not met.
- SYT (Sở Y tế), head giamdoc.syt@…: 20 on time in the week → "100,0%"; Q1 open, due 12/11: overdue;
  L0 late on 12/11 (not in the week); D1 due 28/11. October: 10 on time. Year: 30/31 = 0,9677 →
  "96,8%", its own target ≥ 98%.
- SXD (Sở Xây dựng): its head signs in with a local user name, no address: no e-mail. Week 10 on time,
  10 late; October 10 on time: year 20/30 = 66,7%.
Ranks (year to date, raw rate): SYT 1, STP 2, SXD 3 of 3. A leader and a viewer with addresses get nothing.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
from pathlib import Path

import polars as pl
import pytest
from aiosmtpd.controller import Controller

from etl import cli
from tests.conftest import DOSSIER_SCHEMA, dossier
from tests.targets_fixtures import agencies_frame, month_batch, rules_frame, targets_frame
from warehouse import access, build, store

WEEK = "2025-W47"
BASE = "https://tthc.example.vn"
STP, SYT = "giamdoc.stp@quangninh.gov.vn", "giamdoc.syt@quangninh.gov.vn"
CODE = re.compile(r"\b(?:STP|SYT|SXD)-[A-Z]+\d+\b")


def _dossiers() -> list[dict]:
    rows = month_batch("STP", 2025, 10, 10, 0) + month_batch("SYT", 2025, 10, 10, 0)
    rows += month_batch("SXD", 2025, 10, 10, 0)
    rows += [dossier(f"STP-OK{i}", "2025-11-17", "2025-11-21", "2025-11-19", agency="STP") for i in range(28)]
    rows += [dossier(f"STP-L{i}", "2025-11-10", "2025-11-17", "2025-11-20", agency="STP")
             for i in range(1, 6)]
    rows += [
        dossier("STP-L0", "2025-11-03", "2025-11-07", "2025-11-12", agency="STP"),
        dossier("STP-Q1", "2025-11-03", "2025-11-14", status=2, agency="STP"),
        dossier("STP-D0", "2025-11-21", "2025-11-24", status=2, agency="STP"),
        dossier("STP-D1", "2025-11-20", "2025-11-26", status=2, agency="STP"),
        dossier("STP-D9", "2025-11-20", "2025-12-03", status=2, agency="STP"),
        dossier("SYT-L0", "2025-11-03", "2025-11-07", "2025-11-12", agency="SYT"),
        dossier("SYT-Q1", "2025-11-05", "2025-11-12", status=2, agency="SYT"),
        dossier("SYT-D1", "2025-11-21", "2025-11-28", status=2, agency="SYT"),
    ]
    rows += [dossier(f"SYT-OK{i}", "2025-11-17", "2025-11-21", "2025-11-18", agency="SYT") for i in range(20)]
    rows += [dossier(f"SXD-OK{i}", "2025-11-17", "2025-11-21", "2025-11-18", agency="SXD") for i in range(10)]
    rows += [dossier(f"SXD-L{i}", "2025-11-10", "2025-11-17", "2025-11-20", agency="SXD") for i in range(10)]
    return rows


ROLES = pl.DataFrame(
    [(STP, access.HEAD, "STP"), (SYT, access.HEAD, "SYT"), ("giamdoc_sxd", access.HEAD, "SXD"),
     ("chutich@quangninh.gov.vn", access.LEADER, None), ("xem@quangninh.gov.vn", access.VIEWER, None)],
    schema={"account": pl.String, "role": pl.String, "agency_code": pl.String}, orient="row",
).with_columns(pl.lit("test").alias("source"))


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("digest_wh")
    agencies = [("STP", "Sở Tư pháp", "department", None, None, None),
                ("SYT", "Sở Y tế", "department", None, None, None),
                ("SXD", "Sở Xây dựng", "department", None, None, None)]
    targets = [(2025, "department", None, "on_time_rate", ">=", 0.95),
               (2025, None, "SYT", "on_time_rate", ">=", 0.98)]
    with store.new_build(directory) as con:
        build.create_schema(con)
        con.execute((build.SQL_DIR / "seeds" / "ref_ranking_rule.sql").read_text(encoding="utf-8"))
        build.set_meta(con, as_of="2025-11-23")
        build.insert_frame(con, "ref_agency", agencies_frame(agencies))
        build.insert_frame(con, "raw_dossier", pl.DataFrame(_dossiers(), schema=DOSSIER_SCHEMA))
        build.insert_frame(con, "ref_plan_target", targets_frame(targets))
        con.execute("delete from ref_ranking_rule")
        build.insert_frame(con, "ref_ranking_rule", rules_frame([(None, None, 5, "raw", 1.959964)]))
        build.insert_frame(con, "ref_user_role", ROLES)
        build.apply_sql(con)
    return directory


class Inbox:
    """aiosmtpd handler: keeps every message received; refuses the recipients in `refuse`."""

    def __init__(self, refuse: set[str] = frozenset()):
        self.refuse, self.received = set(refuse), []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Không có hộp thư này"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    started = []

    def start(inbox: Inbox) -> int:
        controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
        controller.start()
        started.append(controller)
        return controller.port

    yield start
    for controller in started:
        controller.stop()


def _run(monkeypatch, directory: Path, port: int, *extra: str) -> int:
    for name in ("SMTP_USER", "SMTP_PASSWORD", "SMTP_SSL", "DIGEST_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("SMTP_FROM", "Bảng điều khiển TTHC <tonghop@quangninh.gov.vn>")
    monkeypatch.setenv("SMTP_STARTTLS", "0")
    monkeypatch.setenv("SMTP_TIMEOUT", "5")
    return cli.main(["digest", "--warehouse", str(directory), "--week", WEEK, "--base-url", BASE, *extra])


def _bodies(msg) -> tuple[str, str]:
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start): text.index(end)]


def _digest_rows(directory: Path) -> list[dict]:
    return [r for r in access.audit_rows(directory) if r["origin"] == "digest"]


def test_each_head_receives_his_own_numbers_late_list_due_list_and_link(warehouse, smtp_server, monkeypatch,
                                                                       capsys):
    inbox = Inbox()
    assert _run(monkeypatch, warehouse, smtp_server(inbox)) == 0
    # one message per head with an address; no leader, no viewer, nobody for SXD
    by_recipient = {tuple(to): msg for to, msg in inbox.received}
    assert len(inbox.received) == 2 and set(by_recipient) == {(STP,), (SYT,)}
    assert "giamdoc_sxd" in capsys.readouterr().err

    stp_text, stp_html = _bodies(by_recipient[(STP,)])
    syt_text, syt_html = _bodies(by_recipient[(SYT,)])
    msg = by_recipient[(STP,)]
    assert msg["To"] == STP and "Sở Tư pháp" in msg["Subject"] and WEEK in msg["Subject"]
    for text in (stp_text, stp_html):
        assert "Sở Tư pháp" in text and "Sở Y tế" not in text and "Sở Xây dựng" not in text
        assert "84,9%" in text                                      # 28 / 33 in the week
        assert "86,4%" in text and "≥ 95,0%" in text                # 38 / 44 in the year, the level's target
        assert "(chỉ tiêu ≥ 95,0%): Có nguy cơ không đạt" in text
        assert "hạng 2/3" in text
        assert "100,0%" not in text and "96,8%" not in text and "66,7%" not in text
    assert "Mới tiếp nhận: 31 hồ sơ." in stp_text
    assert "Đã giải quyết: 33 hồ sơ, trong đó đúng hạn 28, trễ hạn 5." in stp_text
    assert "Đang giải quyết cuối tuần: 4 hồ sơ, trong đó quá hạn 1." in stp_text
    # the late list: the five finished late in the week and the open overdue one; the due list: next week's
    late = _section(stp_text, "HỒ SƠ TRỄ HẠN TRONG TUẦN: 6", "HỒ SƠ ĐẾN HẠN")
    due = _section(stp_text, "HỒ SƠ ĐẾN HẠN", "Xem chi tiết")
    assert set(CODE.findall(late)) == {"STP-L1", "STP-L2", "STP-L3", "STP-L4", "STP-L5", "STP-Q1"}
    assert CODE.findall(due) == ["STP-D0", "STP-D1"]                  # soonest first; D9 is the week after
    assert set(CODE.findall(stp_text)) == set(CODE.findall(stp_html)) == set(CODE.findall(late + due))
    link = f"{BASE}/co_quan?don_vi=STP&ky=year&ma_ky=2025"
    assert link in stp_text and link.replace("&", "&amp;") in stp_html

    for text in (syt_text, syt_html):
        assert "Sở Y tế" in text and "Sở Tư pháp" not in text
        assert "100,0%" in text and "96,8%" in text and "≥ 98,0%" in text and "hạng 1/3" in text
        assert "84,9%" not in text and "86,4%" not in text
    assert set(CODE.findall(syt_text)) == {"SYT-Q1", "SYT-D1"}
    assert f"{BASE}/co_quan?don_vi=SYT&ky=year&ma_ky=2025" in syt_text

    rows = _digest_rows(warehouse)
    assert sorted((r["action"], r["what"].rsplit("tới ", 1)[1]) for r in rows[:2]) == [
        ("gui_thu", f"{STP}: đã gửi"), ("gui_thu", f"{SYT}: đã gửi")]


def test_a_refused_recipient_is_audited_as_failed_and_the_others_still_get_theirs(tmp_path, warehouse,
                                                                                 smtp_server, monkeypatch):
    before = len(_digest_rows(warehouse))
    inbox = Inbox(refuse={STP})
    assert _run(monkeypatch, warehouse, smtp_server(inbox)) == 1
    assert [to for to, _ in inbox.received] == [[SYT]]
    new = _digest_rows(warehouse)[: len(_digest_rows(warehouse)) - before]
    outcome = {r["what"].split("tới ", 1)[1].split(":")[0]: r["action"] for r in new}
    assert outcome == {STP: "gui_thu_loi", SYT: "gui_thu"}
    failed = next(r for r in new if r["action"] == "gui_thu_loi")
    assert "550" in failed["what"] and failed["origin"] == "digest"


def test_a_stopped_server_fails_every_message_in_the_audit_log(warehouse, smtp_server, monkeypatch):
    before = len(_digest_rows(warehouse))
    port = _free_port()     # nothing listens there: the server is down
    assert _run(monkeypatch, warehouse, port) == 1
    new = _digest_rows(warehouse)[: len(_digest_rows(warehouse)) - before]
    assert len(new) == 2 and {r["action"] for r in new} == {"gui_thu_loi"}
    assert all("ConnectionRefusedError" in r["what"] for r in new)


def test_dry_run_writes_eml_files_and_sends_nothing(tmp_path, warehouse, smtp_server, monkeypatch):
    before = len(_digest_rows(warehouse))
    inbox = Inbox()
    out = tmp_path / "thu"
    assert _run(monkeypatch, warehouse, smtp_server(inbox), "--dry-run", str(out)) == 0
    assert inbox.received == [] and len(_digest_rows(warehouse)) == before
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"{WEEK}_STP_{STP}.eml", f"{WEEK}_SYT_{SYT}.eml"]
    msg = email.message_from_bytes((out / files[0]).read_bytes(), policy=email.policy.default)
    assert msg["To"] == STP and "84,9%" in msg.get_body(("plain",)).get_content()


def test_a_week_after_the_data_or_without_settings_is_refused(tmp_path, warehouse, monkeypatch, capsys):
    assert cli.main(["digest", "--warehouse", str(warehouse), "--week", "2025-W49", "--base-url", BASE,
                     "--dry-run", str(tmp_path / "x")]) == 2
    assert cli.main(["digest", "--warehouse", str(warehouse), "--week", "2025-47", "--base-url", BASE,
                     "--dry-run", str(tmp_path / "x")]) == 2
    monkeypatch.delenv("SMTP_HOST", raising=False)
    assert cli.main(["digest", "--warehouse", str(warehouse), "--week", WEEK, "--base-url", BASE]) == 2
    err = capsys.readouterr().err
    assert "sau ngày số liệu" in err and "tuần ISO" in err and "SMTP_HOST" in err
