"""Local accounts (DIR/accounts.sqlite), the `python -m etl user` command, the role list loaded as
reference data (kind `role`) and the audit log's append-only table (docs/security.md)."""

import io
import sqlite3
import sys

import duckdb
import pytest

from etl import cli
from tests.conftest import dossier, make_warehouse
from warehouse import access, accounts, store

PASSWORD = "mot-mat-khau-dai"


def _audit(directory):
    with sqlite3.connect(directory / access.AUDIT_FILE) as con:
        return con.execute("select who, action, what, origin from audit order by id").fetchall()


def test_passwords_are_stored_as_salted_argon2_hashes(tmp_path):
    accounts.add(tmp_path, "an", PASSWORD)
    accounts.add(tmp_path, "binh", PASSWORD)
    with sqlite3.connect(tmp_path / accounts.ACCOUNTS_FILE) as con:
        hashes = dict(con.execute("select username, password_hash from account").fetchall())
    assert all(h.startswith("$argon2id$") for h in hashes.values())
    assert hashes["an"] != hashes["binh"]  # a salt of its own: the same password, two hashes
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("accounts.sqlite*"))
    assert PASSWORD.encode() not in raw
    assert (tmp_path / accounts.ACCOUNTS_FILE).stat().st_mode & 0o077 == 0  # owner only

    assert accounts.verify(tmp_path, "An", PASSWORD)[1] == "ok"
    assert accounts.verify(tmp_path, "an", PASSWORD + "x") == (None, "wrong_password")
    assert accounts.verify(tmp_path, "chau", PASSWORD) == (None, "unknown")
    accounts.disable(tmp_path, "an")
    assert accounts.verify(tmp_path, "an", PASSWORD) == (None, "disabled")


def test_account_rules(tmp_path):
    with pytest.raises(accounts.AccountError):
        accounts.add(tmp_path, "ngan", "123")                                   # too short
    with pytest.raises(accounts.AccountError):
        accounts.add(tmp_path, "có dấu", PASSWORD)                               # not a user name
    with pytest.raises(accounts.AccountError):
        accounts.add(tmp_path, "truong", PASSWORD, role="truong_co_quan")       # a head needs his agency
    with pytest.raises(accounts.AccountError):
        accounts.add(tmp_path, "xem", PASSWORD, role="xem", agency="A")          # only heads have one
    with pytest.raises(accounts.AccountError):
        accounts.add(tmp_path, "sep", PASSWORD, role="admin")
    accounts.add(tmp_path, "sep", PASSWORD)
    with pytest.raises(accounts.AccountError):
        accounts.add(tmp_path, "sep", PASSWORD)                                  # exists: --replace
    accounts.disable(tmp_path, "sep")
    accounts.add(tmp_path, "sep", PASSWORD + "2", replace=True)                 # enabled again
    assert accounts.verify(tmp_path, "sep", PASSWORD + "2")[1] == "ok"


def test_role_comes_from_the_warehouse_before_the_account():
    fallback = accounts.Account("an", "lanh_dao_tinh", None, False)
    assert accounts.role_for("AN", {"an": ("xem", None)}, fallback) == ("xem", None)
    assert accounts.role_for("an", {}, fallback) == ("lanh_dao_tinh", None)
    assert accounts.role_for("an", {}, accounts.Account("an", None, None, False)) is None


def test_cli_user_add_list_disable(tmp_path, monkeypatch, capsys):
    wh = ["--warehouse", str(tmp_path)]
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["user", "add", "Boss", "--role", "lanh_dao_tinh", "--password-stdin", *wh]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["user", "add", "truong", "--role", "truong_co_quan", "--password-stdin", *wh]) == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO("ngan\n"))
    assert cli.main(["user", "add", "ngan", "--password-stdin", *wh]) == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert cli.main(["user", "add", "truong", "--role", "truong_co_quan", "--agency", "A", "--password-stdin",
                     *wh]) == 0
    assert cli.main(["user", "disable", "truong", *wh]) == 0
    assert cli.main(["user", "disable", "khongco", *wh]) == 2
    capsys.readouterr()
    assert cli.main(["user", "list", *wh]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "username,role,agency,state", "boss,lanh_dao_tinh,,enabled", "truong,truong_co_quan,A,disabled"]
    actions = [(a, w) for _, a, w, origin in _audit(tmp_path) if origin == "cli"]
    assert actions == [("tai_khoan", "tạo/đặt lại boss (vai trò dự phòng: lanh_dao_tinh)"),
                       ("tai_khoan", "tạo/đặt lại truong (vai trò dự phòng: truong_co_quan A)"),
                       ("tai_khoan", "khóa truong")]


def test_audit_log_is_append_only(tmp_path):
    access.audit(tmp_path, "an", "xuat", "a.xlsx")
    con = sqlite3.connect(tmp_path / access.AUDIT_FILE)
    for sql in ("update audit set who = 'binh'", "delete from audit"):
        with pytest.raises(sqlite3.DatabaseError, match="chỉ được ghi thêm"):
            con.execute(sql)
    con.close()
    assert _audit(tmp_path) == [("an", "xuat", "a.xlsx", "app")]


ROLE_FILE = (
    "Tên đăng nhập;Vai trò;Mã đơn vị\n"
    "LanhDao;Lãnh đạo tỉnh;\n"         # ok, name in lower case
    "truong_a;Trưởng cơ quan;A\n"      # ok
    "truong_x;Trưởng cơ quan;X\n"      # agency X is not in the agency list
    "truong_y;Trưởng cơ quan;\n"       # a head without an agency
    "xem1;Xem;\n"                      # ok
    "ai_do;Quản trị;\n"                # no such role
    ";Xem;\n"                          # no account
    "sep;lanh dao tinh;B\n"            # a leader tied to an agency
)


def test_role_list_loads_like_reference_data(tmp_path, capsys):
    directory = tmp_path / "wh"
    make_warehouse(directory, [dossier("D1", "2025-03-03")]).close()   # agencies A and B
    roles_csv = tmp_path / "vai_tro.csv"
    roles_csv.write_text(ROLE_FILE, encoding="utf-8")
    # recognised from its columns; 5 rows rejected -> exit code 1 (some records rejected)
    assert cli.main(["load", str(roles_csv), "--warehouse", str(directory)]) == 1
    con = duckdb.connect(str(store.current_path(directory)), read_only=True)
    assert sorted(con.sql("select account, role, agency_code from ref_user_role").fetchall(), key=str) == [
        ("lanhdao", "lanh_dao_tinh", None), ("truong_a", "truong_co_quan", "A"), ("xem1", "xem", None)]
    rejected = con.sql("select source_row, field, reason from quarantine where kind = 'role'").fetchall()
    assert sorted(rejected) == [
        (4, "MaDonVi", "mã đơn vị không có trong danh sách đơn vị"),
        (5, "MaDonVi", "trưởng cơ quan cần mã đơn vị"),
        (7, "VaiTro", "vai trò không hợp lệ (lãnh đạo tỉnh, trưởng cơ quan, xem, thu hồi)"),
        (8, "TaiKhoan", "thiếu tài khoản (tên đăng nhập hoặc thư điện tử)"),
        (9, "MaDonVi", "chỉ trưởng cơ quan gắn với một đơn vị"),
    ]
    assert con.sql("select value from meta where key = 'is_demo'").fetchall() == [("false",)]
    con.close()
    assert any(a == "nap" and w.startswith("vai_tro.csv: role, nạp 3, loại 5")
               for _, a, w, _ in _audit(directory))

    # a later list replaces an account's row; "thu hồi" removes it
    again = tmp_path / "vai_tro_2.csv"
    again.write_text("TaiKhoan,VaiTro,MaDonVi\ntruong_a,Thu hồi,\nxem1,Lãnh đạo tỉnh,\n", encoding="utf-8")
    assert cli.main(["load", str(again), "--warehouse", str(directory)]) == 0
    r = store.Reader(directory)
    assert access.role_rows(r) == {"lanhdao": ("lanh_dao_tinh", None), "xem1": ("lanh_dao_tinh", None)}
    r.close()
