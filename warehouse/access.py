"""Who may see what: the roles, the policy every query of the data-access layer passes, where a
user's role comes from, and the audit log (docs/security.md).

Aggregates (counts, rates, ranks) are for every signed-in user. Queries that list dossiers are
declared in LISTINGS: a province leader may run them for any agency, an agency head only for his
own agency, a viewer never. The check runs in ui/data.py before the query, whatever the page shows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import os
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path

LEADER, HEAD, VIEWER = "lanh_dao_tinh", "truong_co_quan", "xem"
ROLES = {LEADER: "Lãnh đạo tỉnh", HEAD: "Trưởng cơ quan, đơn vị", VIEWER: "Chỉ xem số liệu tổng hợp"}

# query functions that return dossiers (ids, dates, records) rather than counts, and the argument
# that names the agency asked for (None: the function lists every agency's records: leaders only)
LISTINGS: dict[tuple[str, str], str | None] = {
    ("queries_late", "late_dossiers"): "agency",
    ("queries_late", "late_list"): "agency",
    ("queries_late", "late_in_window"): "agency",
    ("queries_late", "due_soon"): "agency",
    ("queries_drill", "dossiers"): "agency_code",
    ("queries_integrity", "integrity_issues"): "agency_code",
    ("queries", "quarantine_rows"): None,
}
# what a page may read before anyone signed in: whether the warehouse is the demo
OPEN_QUERIES = {("queries", "meta")}

AUDIT_FILE = "audit.sqlite"


class AccessDenied(Exception):
    """The signed-in user may not run this query (or nobody is signed in)."""


@dataclass(frozen=True)
class Principal:
    """A signed-in user: name (local user name or OIDC e-mail), role, own agency (heads), and how
    they signed in: 'local', 'oidc' or 'demo' (the demo warehouse, open to anyone)."""
    name: str
    role: str
    agency: str | None = None
    mode: str = "local"

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def cache_key(self) -> tuple[str, str | None]:
        return (self.role, self.agency)


def _requested_agencies(reader, module: str, name: str, args: tuple) -> set[str] | None:
    """The agencies whose dossiers the call lists (None: all agencies)."""
    param = LISTINGS[(module, name)]
    if param is None:
        return None
    import importlib

    fn = getattr(importlib.import_module(f"warehouse.{module}"), name)
    bound = inspect.signature(fn).bind(reader, *args)
    bound.apply_defaults()
    wanted = set() if bound.arguments.get(param) is None else {bound.arguments[param]}
    unit = bound.arguments.get("unit")
    if (module, name) == ("queries_drill", "dossiers") and unit is not None:
        # a commune's dossiers are those of its agencies: allowed when they are all the head's own
        version, level, code = unit
        wanted |= set(reader.query(
            "select agency_code from dim_unit_membership "
            "where hierarchy_version = $version and unit_level = $level and unit_code = $code",
            {"version": version, "level": level, "code": code},
        )["agency_code"].to_list())
    return wanted or None


def check(principal: Principal | None, module: str, name: str, args: tuple, reader) -> None:
    """Raise AccessDenied unless `principal` may run warehouse.<module>.<name>(reader, *args)."""
    if principal is None:
        if (module, name) in OPEN_QUERIES:
            return
        raise AccessDenied("chưa đăng nhập")
    if principal.role not in ROLES:
        raise AccessDenied(f"vai trò không hợp lệ: {principal.role}")
    if (module, name) not in LISTINGS or principal.role == LEADER:
        return
    if principal.role == VIEWER:
        raise AccessDenied("vai trò chỉ xem số liệu tổng hợp")
    wanted = _requested_agencies(reader, module, name, args)
    if principal.agency is None or wanted is None or wanted - {principal.agency}:
        raise AccessDenied("chỉ xem được hồ sơ của đơn vị mình")


def may_list(principal: Principal | None, agency: str | None) -> bool:
    """Whether the user may see the dossier list of `agency` (None: all agencies)."""
    if principal is None:
        return False
    if principal.role == LEADER:
        return True
    return principal.role == HEAD and agency is not None and agency == principal.agency


# ------------------------------------------------------------------------------ roles

def role_rows(reader) -> dict[str, tuple[str, str | None]]:
    """account (lower case) -> (role, agency) from the warehouse's ref_user_role (loaded with
    `python -m etl load --kind role`); empty for a warehouse built before roles existed."""
    present = reader.query("select count(*) as n from duckdb_tables() where table_name = 'ref_user_role'")
    if present["n"][0] == 0:
        return {}
    rows = reader.query("select account, role, agency_code from ref_user_role")
    return {a: (r, c) for a, r, c in rows.iter_rows()}


# ------------------------------------------------------------------------------ audit log

_AUDIT_SCHEMA = """
create table if not exists audit (
    id     integer primary key autoincrement,
    at     text not null,     -- local time, ISO 8601
    who    text not null,     -- user name, OIDC e-mail, or the operating-system user for the CLI
    action text not null,     -- dang_nhap, dang_nhap_loi, dang_xuat, xuat, nap, tai_khoan
    what   text,              -- which file, list or account, and the result
    origin text not null      -- app or cli
);
-- append-only: rows are never changed or removed through this file's connection
create trigger if not exists audit_no_update before update on audit
begin select raise(abort, 'nhật ký chỉ được ghi thêm'); end;
create trigger if not exists audit_no_delete before delete on audit
begin select raise(abort, 'nhật ký chỉ được ghi thêm'); end;
"""


def sqlite_beside(directory: Path, file_name: str, schema: str) -> sqlite3.Connection:
    """A SQLite file in the warehouse directory, readable by its owner only, with its schema."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    con = sqlite3.connect(path, timeout=10, isolation_level=None)
    con.execute("pragma busy_timeout = 10000")
    con.execute("pragma journal_mode = wal")
    con.executescript(schema)
    return con


def audit(directory: Path, who: str, action: str, what: str | None = None, origin: str = "app") -> None:
    """One line in DIR/audit.sqlite: who did what, when."""
    with contextlib.closing(sqlite_beside(directory, AUDIT_FILE, _AUDIT_SCHEMA)) as con:
        con.execute("insert into audit (at, who, action, what, origin) values (?, ?, ?, ?, ?)",
                    [dt.datetime.now().isoformat(timespec="seconds"), who, action, what, origin])


def audit_rows(directory: Path, limit: int = 500) -> list[dict]:
    """The latest lines of the audit log, newest first."""
    if not (directory / AUDIT_FILE).exists():
        return []
    with contextlib.closing(sqlite_beside(directory, AUDIT_FILE, _AUDIT_SCHEMA)) as con:
        con.row_factory = sqlite3.Row
        rows = con.execute("select at, who, action, what, origin from audit order by id desc limit ?",
                           [limit]).fetchall()
    return [dict(r) for r in rows]
