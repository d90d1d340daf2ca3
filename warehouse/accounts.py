"""Local accounts for a stand-alone machine (DIR/accounts.sqlite), read by the dashboard's sign-in
(ui/auth.py) and written by `python -m etl user`. The role list is loaded into the warehouse by
`python -m etl load` (kind `role`, etl/load_apply.py). See docs/security.md.

Passwords are hashed with Argon2id (argon2-cffi's PasswordHasher: a random salt per password, the
parameters stored in the hash string); nothing here stores or logs a password. The file lives beside
the warehouse, not in it: the dashboard holds the DuckDB file open, and DuckDB lets no one write it then.

Roles: the warehouse's ref_user_role (loaded like other reference data) is the source of truth. A role
given to `etl user add --role` is kept with the account and used only while the warehouse has no
row for that name (the first administrator, before any role list was loaded).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from warehouse import access

ACCOUNTS_FILE = "accounts.sqlite"
MIN_PASSWORD = 10
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")

_HASHER = PasswordHasher()
# verified when the name is unknown, so that a wrong name takes as long as a wrong password
_DUMMY_HASH = _HASHER.hash("không phải mật khẩu của ai")

_SCHEMA = """
create table if not exists account (
    username      text primary key,       -- lower case
    password_hash text not null,          -- Argon2id, PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash)
    role          text,                   -- used only while the warehouse has no role row for the name
    agency_code   text,
    disabled      integer not null default 0,
    created_at    text not null,
    updated_at    text not null
);
"""


class AccountError(ValueError):
    """A request the account store refuses (bad name, short password, unknown role...)."""


@dataclass(frozen=True)
class Account:
    username: str
    role: str | None
    agency_code: str | None
    disabled: bool


def _connect(directory: Path) -> sqlite3.Connection:
    return access.sqlite_beside(directory, ACCOUNTS_FILE, _SCHEMA)


def normalise(name: str) -> str:
    return (name or "").strip().lower()


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def _check_role(role: str | None, agency: str | None) -> None:
    if role is None:
        if agency is not None:
            raise AccountError("--agency chỉ dùng cùng --role truong_co_quan")
        return
    if role not in access.ROLES:
        raise AccountError(f"vai trò không hợp lệ: {role} (cần một trong {', '.join(access.ROLES)})")
    if role == access.HEAD and not agency:
        raise AccountError("trưởng cơ quan cần --agency MÃ_ĐƠN_VỊ")
    if role != access.HEAD and agency:
        raise AccountError("chỉ trưởng cơ quan gắn với một đơn vị (--agency)")


def add(directory: Path, name: str, password: str, role: str | None = None, agency: str | None = None,
        replace: bool = False) -> Account:
    """A new account (or, with `replace`, a new password and role for an existing one, enabled again)."""
    name = normalise(name)
    if not NAME_PATTERN.match(name):
        raise AccountError("tên đăng nhập: 2-64 ký tự a-z, 0-9, dấu chấm, gạch, @")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"mật khẩu cần ít nhất {MIN_PASSWORD} ký tự")
    _check_role(role, agency)
    hashed = _HASHER.hash(password)
    with contextlib.closing(_connect(directory)) as con:
        exists = con.execute("select 1 from account where username = ?", [name]).fetchone()
        if exists and not replace:
            raise AccountError(f"đã có tài khoản {name} (thêm --replace để đặt lại mật khẩu và vai trò)")
        con.execute(
            """insert into account (username, password_hash, role, agency_code, disabled, created_at,
                                    updated_at)
               values (?, ?, ?, ?, 0, ?, ?)
               on conflict (username) do update set password_hash = excluded.password_hash,
                   role = excluded.role, agency_code = excluded.agency_code, disabled = 0,
                   updated_at = excluded.updated_at""",
            [name, hashed, role, agency, _now(), _now()],
        )
    return Account(name, role, agency, False)


def disable(directory: Path, name: str) -> bool:
    """Lock an account out (kept, so the audit log still names it); False when there is none."""
    with contextlib.closing(_connect(directory)) as con:
        cur = con.execute("update account set disabled = 1, updated_at = ? where username = ?",
                          [_now(), normalise(name)])
        return cur.rowcount > 0


def accounts(directory: Path) -> list[Account]:
    if not (directory / ACCOUNTS_FILE).exists():
        return []
    with contextlib.closing(_connect(directory)) as con:
        rows = con.execute(
            "select username, role, agency_code, disabled from account order by username").fetchall()
    return [Account(u, r, a, bool(d)) for u, r, a, d in rows]


def has_enabled(directory: Path) -> bool:
    return any(not a.disabled for a in accounts(directory))


def find(directory: Path, name: str) -> Account | None:
    return next((a for a in accounts(directory) if a.username == normalise(name)), None)


def verify(directory: Path, name: str, password: str) -> tuple[Account | None, str]:
    """(the account, "ok") when the name and password match an enabled account; else (None, why):
    "unknown", "wrong_password" or "disabled" (the screen says the same for all three)."""
    name = normalise(name)
    row = None
    if (directory / ACCOUNTS_FILE).exists():
        with contextlib.closing(_connect(directory)) as con:
            row = con.execute("select username, password_hash, role, agency_code, disabled from account "
                              "where username = ?", [name]).fetchone()
    if row is None:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _HASHER.verify(_DUMMY_HASH, password or "")
        return None, "unknown"
    username, hashed, role, agency, disabled = row
    try:
        _HASHER.verify(hashed, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None, "wrong_password"
    if disabled:
        return None, "disabled"
    if _HASHER.check_needs_rehash(hashed):  # parameters raised since: store the stronger hash
        with contextlib.closing(_connect(directory)) as con:
            con.execute("update account set password_hash = ? where username = ?",
                        [_HASHER.hash(password), username])
    return Account(username, role, agency, False), "ok"


def role_for(name: str, warehouse_roles: dict[str, tuple[str, str | None]],
             account: Account | None = None) -> tuple[str, str | None] | None:
    """(role, agency) of a user: the warehouse's row, else the account's own fallback role, else None."""
    found = warehouse_roles.get(normalise(name))
    if found is not None:
        return found
    if account is not None and account.role in access.ROLES:
        return account.role, account.agency_code
    return None
