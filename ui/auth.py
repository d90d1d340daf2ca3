"""Sign-in and what the pages do with a refusal (docs/security.md).

Two modes: OpenID Connect through st.login when .streamlit/secrets.toml has an [auth] section (a
province's identity provider, e.g. Keycloak), else local accounts in DIR/accounts.sqlite. The demo
warehouse runs open and says so; a real warehouse never does.

The signed-in user lives in Streamlit's session state, which only server code can write: the login
form after the password was verified, or the OIDC identity Streamlit checked. ui/data.py reads it
for every query. Local sign-ins go through warehouse/throttle.py (failed attempts slow the next ones
down per account and per client address, every attempt audited); a local session unused for
AUTH_IDLE_MINUTES is signed out.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from typing import TYPE_CHECKING

import streamlit as st

from ui import data
from warehouse import access
from warehouse.access import Principal

if TYPE_CHECKING:
    from warehouse.throttle import Refusal

REFUSED = "Bạn không có quyền xem danh sách hồ sơ của đơn vị này."
BAD_LOGIN = "Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị khóa."
DEMO_NOTE = "Không cần đăng nhập: dữ liệu mẫu, mở cho mọi người xem."
STORE_FAILED = ("Máy chủ không ghi được lượt đăng nhập (tệp tài khoản hoặc nhật ký), nên chưa đăng nhập "
                "được. Hãy báo người quản trị.")
SEEN_KEY = "auth_last_seen"      # epoch seconds of the session's last page run (idle expiry)
EXPIRED_KEY = "auth_expired"     # the words the sign-in form shows after an idle session ended


def current() -> Principal | None:
    return data.principal()


def _sign_in(principal: Principal) -> None:
    st.session_state[data.PRINCIPAL_KEY] = principal.as_dict()
    st.session_state[SEEN_KEY] = time.time()


def _sign_out() -> None:
    st.session_state.pop(data.PRINCIPAL_KEY, None)
    st.session_state.pop(SEEN_KEY, None)


def _directory():
    return data.reader().directory


def audit(action: str, what: str | None = None, who: str | None = None) -> None:
    """A line in the audit log, never a reason for the page to fail."""
    try:
        who = who or (current().name if current() else "?")
        access.audit(_directory(), who, action, what)
    except Exception:  # noqa: BLE001 - the log is best effort on screen; the load and CLI paths are strict
        pass


def audit_export(what: str) -> None:
    """on_click of a download button: who downloaded which file."""
    audit("xuat", what)


def _oidc_section() -> dict | None:
    try:
        section = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - no secrets file at all: no identity provider
        return None
    return dict(section) if section else None


def mode() -> str:
    return "oidc" if _oidc_section() else "local"


def gate(meta: dict) -> Principal:
    """The signed-in user, or the sign-in screen and a stop. Called by ui/bootstrap.py."""
    if meta.get("is_demo") == "true":
        principal = Principal("khach", access.LEADER, None, "demo")
        _sign_in(principal)
        st.sidebar.caption(DEMO_NOTE)
        return principal
    signed = current()
    if signed is not None and signed.mode == "demo":
        _sign_out()   # the warehouse became real data while this session was open
    principal = _oidc_gate() if mode() == "oidc" else _local_gate()
    _who_box(principal)
    return principal


# ------------------------------------------------------------------------------ local accounts

def _local_gate() -> Principal:
    from warehouse import accounts

    directory = _directory()
    signed = current()
    if signed is not None and signed.mode == "local":
        if (directory / accounts.ACCOUNTS_FILE).exists():
            account = accounts.find(directory, signed.name)
            if account is None or account.disabled:   # locked out since signing in
                _sign_out()
                signed = None
        if signed is not None and _idle(signed):
            signed = None
        if signed is not None:
            st.session_state[SEEN_KEY] = time.time()
            return signed
    elif signed is not None:
        _sign_out()
    if not accounts.has_enabled(directory):
        st.title("Cần đăng nhập")
        st.warning(
            "Kho dữ liệu này là số liệu thật nên chỉ người có tài khoản mới xem được, nhưng máy chủ chưa có "
            "tài khoản nào. Người quản trị tạo tài khoản đầu tiên trên máy chủ bằng lệnh\n\n"
            f"`python -m etl user add TEN_DANG_NHAP --role lanh_dao_tinh --warehouse {directory}`\n\n"
            "(nhập mật khẩu khi được hỏi), rồi tải lại trang. Xem docs/security.md.",
            icon=":material/lock:",
        )
        st.stop()
    _login_form(directory)
    st.stop()


def _client() -> str:
    """The client address the throttle counts: the connection's, or, behind a trusted reverse proxy,
    the one it forwards (warehouse/throttle.py)."""
    from warehouse import throttle

    try:
        peer, headers = st.context.ip_address, dict(st.context.headers)
    except Exception:  # noqa: BLE001 - no browser connection (a script run): the machine itself
        peer, headers = None, {}
    # AppTest has no connection and answers with stand-in objects: only plain text counts
    peer = peer if isinstance(peer, str) else None
    headers = {k: v for k, v in headers.items() if isinstance(k, str) and isinstance(v, str)}
    return throttle.client_address(peer, headers, throttle.trusted_proxies())


def waiting(refusal: Refusal) -> str:
    """The refusal in words: whose count, and how long to wait."""
    who = "Đã nhập sai" if refusal.scope == "account" else "Máy này đã đăng nhập sai"
    return f"{who} quá {refusal.max_failures} lần; thử lại sau {refusal.minutes} phút."


def _idle(signed: Principal) -> bool:
    """Sign an unused session out (AUTH_IDLE_MINUTES), saying why on the sign-in form."""
    from warehouse import throttle  # with the account store: loaded only where local accounts are used

    minutes = throttle.idle_minutes()
    if not throttle.idle_expired(st.session_state.get(SEEN_KEY), time.time(), minutes):
        return False
    from warehouse.fmt import number

    words = number(minutes, 0 if float(minutes).is_integer() else 1)
    audit("dang_xuat", f"hết phiên sau {words} phút không dùng", who=signed.name)
    _sign_out()
    st.session_state[EXPIRED_KEY] = (f"Phiên đăng nhập đã hết hạn vì không dùng quá {words} phút; "
                                     "hãy đăng nhập lại.")
    return True


def _login_form(directory) -> None:
    from warehouse import accounts, throttle

    st.title("Đăng nhập")
    st.caption("Kho dữ liệu thật: đăng nhập bằng tài khoản người quản trị đã cấp.")
    notice = st.session_state.pop(EXPIRED_KEY, None)
    if notice:
        st.info(notice, icon=":material/schedule:")
    with st.form("dang_nhap"):
        name = st.text_input("Tên đăng nhập", key="login_name", max_chars=64)
        password = st.text_input("Mật khẩu", type="password", key="login_password", max_chars=256)
        submitted = st.form_submit_button("Đăng nhập", key="login_submit", type="primary")
    if not submitted:
        return
    roles = access.role_rows(data.reader())
    try:
        result = throttle.sign_in(directory, name, password, _client(), dt.datetime.now(),
                                  lambda account: accounts.role_for(account.username, roles, account))
    except (sqlite3.Error, OSError):
        # no count and no audit line, no sign-in: the server's files must be fixed first
        st.error(STORE_FAILED, icon=":material/error:")
        return
    if result.refusal is not None:
        st.error(waiting(result.refusal), icon=":material/timer:")
        return
    if result.account is None:
        st.error(BAD_LOGIN, icon=":material/lock:")
        return
    if result.role is None:
        st.warning(f"Tài khoản {result.account.username} chưa được giao vai trò nên chưa xem được gì. Hãy đề "
                   "nghị người quản trị nạp danh sách vai trò (docs/security.md).", icon=":material/lock:")
        return
    _sign_in(Principal(result.account.username, result.role[0], result.role[1], "local"))
    st.rerun()


# ------------------------------------------------------------------------------ OpenID Connect

def _provider() -> str | None:
    """None: the [auth] section configures one provider itself; else the name of its first provider."""
    section = _oidc_section() or {}
    if "client_id" in section:
        return None
    return next((k for k, v in section.items() if isinstance(v, dict)), None)


def _oidc_gate() -> Principal:
    if not st.user.get("is_logged_in", False):
        st.title("Đăng nhập")
        st.caption("Đăng nhập bằng tài khoản của tỉnh (hệ thống xác thực tập trung).")
        if st.button("Đăng nhập", key="oidc_login", type="primary", icon=":material/login:"):
            st.login(_provider()) if _provider() else st.login()
        st.stop()
    from warehouse import accounts

    email = accounts.normalise(st.user.get("email") or "")
    signed = current()
    if signed is not None and signed.mode == "oidc" and signed.name == email:
        return signed
    role = access.role_rows(data.reader()).get(email) if email else None
    if role is None:
        audit("dang_nhap_loi", "chưa có vai trò", who=email or "?")
        st.title("Chưa có quyền xem")
        st.warning(f"Tài khoản {email or '(không có thư điện tử)'} chưa được giao vai trò nên chưa xem "
                   "được gì. Hãy đề nghị người quản trị nạp danh sách vai trò (docs/security.md).",
                   icon=":material/lock:")
        if st.button("Đăng xuất", key="oidc_logout"):
            st.logout()
        st.stop()
    principal = Principal(email, role[0], role[1], "oidc")
    _sign_in(principal)
    audit("dang_nhap", f"{role[0]}{' ' + role[1] if role[1] else ''}", who=email)
    return principal


# ------------------------------------------------------------------------------ on every page

def _who_box(principal: Principal) -> None:
    words = access.ROLES.get(principal.role, principal.role)
    if principal.agency:
        words += f" · đơn vị {principal.agency}"
    st.sidebar.caption(f"Đăng nhập: **{principal.name}** · {words}")
    if st.sidebar.button("Đăng xuất", key="logout", icon=":material/logout:"):
        audit("dang_xuat")
        _sign_out()
        if principal.mode == "oidc":
            st.logout()
        st.rerun()


def dossiers(call):
    """The result of a dossier-listing query, or None after saying in words that this user may not
    see it (access.AccessDenied from ui/data.py). Pages then offer no list and no download."""
    try:
        return call()
    except access.AccessDenied:
        st.warning(REFUSED, icon=":material/lock:")
        return None


def preferred_agency(options) -> str | None:
    """An agency head's own agency when it is among the options (the default choice on his pages)."""
    signed = current()
    if signed is not None and signed.role == access.HEAD and signed.agency in list(options):
        return signed.agency
    return None


def may_list(agency: str | None) -> bool:
    return access.may_list(current(), agency)


def is_leader() -> bool:
    signed = current()
    return signed is not None and signed.role == access.LEADER


def audit_log(limit: int = 500) -> list[dict] | None:
    """The latest audit lines for a province leader (None for anyone else)."""
    if not is_leader():
        return None
    return access.audit_rows(_directory(), limit)
