"""Who may see what (docs/security.md), under AppTest: each role signs in (through the real login form,
or through AppTest's user simulation of OpenID Connect) and we check what it can and cannot see.

The warehouse is the late-dossier page's hand-made one (tests/test_page_late.py): agency A "Sở Một"
has the late dossiers L2, L1; agency B "=Sở Hai" has B1. Roles, as a province would load them:
  lanhdao -> province leader; truong_a -> head of A; xem1 -> viewer;
  sep@tinh.gov.vn -> head of B (an identity-provider user); khongvaitro -> an account with no role.
"""

import ast
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest_support import fresh_caches, no_errors, run_page  # noqa: F401
from tests.conftest import ROOT, make_warehouse
from tests.test_page_late import AGENCIES, DOSSIERS, PROCEDURES
from ui import auth
from warehouse import access, accounts, store

LATE = "pages/tre_han.py"
PASSWORD = "mat-khau-rat-dai-1"
ROLES = pl.DataFrame(
    [("lanhdao", "lanh_dao_tinh", None), ("truong_a", "truong_co_quan", "A"), ("xem1", "xem", None),
     ("sep@tinh.gov.vn", "truong_co_quan", "B")],
    schema={"account": pl.String, "role": pl.String, "agency_code": pl.String}, orient="row",
)
OIDC_SECRETS = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                "client_id": "bang-dieu-khien", "client_secret": "bi-mat",
                "server_metadata_url": "http://keycloak.tinh.local/realms/tinh/.well-known/openid-configuration"}


@pytest.fixture(scope="module")
def real_dir(tmp_path_factory):
    """A real (not demo) warehouse with roles and local accounts."""
    directory = tmp_path_factory.mktemp("access")
    make_warehouse(directory, DOSSIERS, agencies=AGENCIES, procedures=PROCEDURES, as_of="2025-03-20",
                   holidays=["2025-03-25"], extra_tables={"ref_user_role": ROLES}).close()
    for name in ("lanhdao", "truong_a", "xem1", "khongvaitro", "nghiviec"):
        accounts.add(directory, name, PASSWORD)
    accounts.disable(directory, "nghiviec")
    return directory


@pytest.fixture
def real(real_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(real_dir))
    return real_dir


def login(page: str, name: str, password: str = PASSWORD, **params) -> AppTest:
    """Open a page as a new visitor and sign in through the form."""
    at = run_page(page, signed_in=None, **params)
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    return at.button(key="login_submit").click().run()


def page_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [h.proto.body for h in at.get("html")]
    return "\n".join(str(p) for p in parts)


def refused(at: AppTest) -> int:
    return sum(auth.REFUSED in w.value for w in at.warning)


def audit_lines(directory: Path) -> list[tuple]:
    with sqlite3.connect(directory / access.AUDIT_FILE) as con:
        return con.execute("select who, action, what, origin from audit order by id").fetchall()


# --- the policy itself, on the warehouse, without any page ----------------------------------------

def test_policy_by_role(real_dir):
    r = store.Reader(real_dir)
    leader = access.Principal("lanhdao", access.LEADER)
    head_a = access.Principal("truong_a", access.HEAD, "A")
    viewer = access.Principal("xem1", access.VIEWER)
    late_a = ("month", "2025-03", None, "A", 10)
    late_b = ("month", "2025-03", None, "B", 10)
    late_all = ("month", "2025-03", None, None, 10)
    for args in (late_a, late_b, late_all):
        access.check(leader, "queries_late", "late_dossiers", args, r)
    access.check(head_a, "queries_late", "late_dossiers", late_a, r)
    access.check(head_a, "queries_late", "due_soon", (5, None, "A"), r)
    access.check(head_a, "queries_integrity", "integrity_issues", ("month", "2025-03", "A", "no_apology"), r)
    for who, module, name, args in [
        (head_a, "queries_late", "late_dossiers", late_b),
        (head_a, "queries_late", "late_dossiers", late_all),
        (head_a, "queries_late", "late_dossiers", ("month", "2025-03", "department")),  # a peer group
        (head_a, "queries_late", "due_soon", (5,)),
        (head_a, "queries_drill", "dossiers", ("month", "2025-03", "B")),
        (head_a, "queries", "quarantine_rows", ()),
        (viewer, "queries_late", "late_dossiers", late_a),
        (viewer, "queries_drill", "dossiers", ("month", "2025-03", "A")),
        (None, "queries", "province_summary", ("month", "2025-03")),
    ]:
        with pytest.raises(access.AccessDenied):
            access.check(who, module, name, args, r)
    # aggregates and ranks for everyone signed in; before sign-in, only whether the warehouse is the demo
    for who in (leader, head_a, viewer):
        access.check(who, "queries", "province_summary", ("month", "2025-03"), r)
        access.check(who, "queries_targets", "ranking", ("month", "2025-03", "department", "on_time_rate"), r)
    access.check(None, "queries", "meta", (), r)
    r.close()


def test_every_listing_query_is_declared_and_sql_is_parameterised():
    """Static checks over warehouse/queries*.py: a function whose SQL selects dossier ids row by row
    is in access.LISTINGS; no f-string given to r.query interpolates a function argument."""
    listed, interpolated = [], []
    for path in sorted((ROOT / "warehouse").glob("queries*.py")):
        module = path.stem
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in [n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]:
            args = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
            text = ast.get_source_segment(path.read_text(encoding="utf-8"), fn) or ""
            if any(s in text for s in ("select i.dossier_id", "select d.dossier_id", "l.dossier_id,",
                                       "o.dossier_id,", "q.record_key")):
                listed.append((module, fn.name))
            for node in ast.walk(fn):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "query" and node.args
                        and isinstance(node.args[0], ast.JoinedStr)):
                    names = {n.id for v in node.args[0].values if isinstance(v, ast.FormattedValue)
                             for n in ast.walk(v.value) if isinstance(n, ast.Name)}
                    if names & (args - {"r"}):
                        interpolated.append((module, fn.name, sorted(names & args)))
    assert set(listed) <= set(access.LISTINGS), set(listed) - set(access.LISTINGS)
    assert ("queries_late", "late_list") in listed  # the scan finds what it must (late_dossiers calls it)
    assert interpolated == []


# --- the pages, one role at a time ------------------------------------------------------------------

def test_real_warehouse_without_accounts_shows_how_to_create_the_first(tmp_path, monkeypatch):
    make_warehouse(tmp_path, DOSSIERS, agencies=AGENCIES, as_of="2025-03-20").close()
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    at = run_page(LATE, signed_in=None)
    assert not at.exception
    assert any("python -m etl user add" in w.value for w in at.warning)
    assert [t.value for t in at.title] == ["Cần đăng nhập"]
    assert not at.get("html") and not at.download_button


def test_demo_runs_open_and_says_so(demo_dir, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DIR", str(demo_dir))
    at = run_page(LATE, signed_in=None)
    no_errors(at)
    assert at.title[0].value == "Hồ sơ trễ hạn"
    assert any(auth.DEMO_NOTE in c.value for c in at.sidebar.caption)
    assert not at.text_input  # no login form


def test_leader_signs_in_and_sees_every_agency(real):
    at = login(LATE, "LanhDao ")  # names are compared in lower case, spaces trimmed
    no_errors(at)
    assert at.title[0].value == "Hồ sơ trễ hạn"
    text = page_text(at)
    assert all(d in text for d in ("L2", "L1", "B1"))
    assert refused(at) == 0 and len(at.download_button) == 2
    assert ("lanhdao", "dang_nhap", "lanh_dao_tinh · máy 127.0.0.1", "app") in audit_lines(real)


def test_head_sees_own_agency_and_is_refused_another_by_direct_link(real):
    at = login(LATE, "truong_a")
    no_errors(at)
    assert at.selectbox(key="url_don_vi").value == "A"  # opens on his own agency
    text = page_text(at)
    assert "L2" in text and "L1" in text and "B1" not in text
    assert refused(at) == 0 and len(at.download_button) == 2

    for link in ({"don_vi": "B"}, {"don_vi": "all"}, {"nhom": "department", "don_vi": "all"}):
        at = login(LATE, "truong_a", **link)
        no_errors(at)
        assert at.selectbox(key="url_don_vi").value == link["don_vi"]
        assert refused(at) == 2, link  # late and falling due: both refused
        assert "B1" not in page_text(at) and "L2" not in page_text(at)
        assert not at.download_button


def test_head_on_other_pages(real):
    # his agency's page: his lists; another agency's page: its aggregates, not its lists
    own = login("pages/co_quan.py", "truong_a", ky="month", ma_ky="2025-03")
    no_errors(own)
    assert refused(own) == 0 and "L2" in page_text(own)
    other = login("pages/co_quan.py", "truong_a", don_vi="B", ky="month", ma_ky="2025-03")
    no_errors(other)
    assert other.header[0].value == "=Sở Hai"
    assert refused(other) == 2 and "B1" not in page_text(other) and not other.download_button


def test_viewer_sees_aggregates_and_no_dossier_list(real):
    overview = login("pages/tong_quan.py", "xem1", ky="month", ma_ky="2025-03")
    no_errors(overview)
    assert len(overview.metric) >= 3
    for link in ({}, {"don_vi": "A"}):
        at = login(LATE, "xem1", **link)
        no_errors(at)
        assert refused(at) == 2 and not at.download_button
        assert "L2" not in page_text(at)
    data_page = login("pages/du_lieu.py", "xem1")
    no_errors(data_page)
    assert "Nhật ký truy cập" not in [t.label for t in data_page.tabs]


def test_wrong_password_unknown_name_and_disabled_account_are_refused(real):
    for name, password, why in [("truong_a", "sai-mat-khau-123", "wrong_password"),
                                ("khongcoai", PASSWORD, "unknown"), ("nghiviec", PASSWORD, "disabled")]:
        at = login(LATE, name, password)
        assert [e.value for e in at.error] == [auth.BAD_LOGIN]
        assert [t.value for t in at.title] == ["Đăng nhập"] and not at.get("html")
        # the audit line names the client too (warehouse/throttle.py): "wrong_password · máy 127.0.0.1"
        assert any(line[:2] == (name, "dang_nhap_loi") and line[2].startswith(f"{why} · máy ")
                   and line[3] == "app" for line in audit_lines(real))
    # an account without any role signs in to nothing
    at = login(LATE, "khongvaitro")
    assert any("chưa được giao vai trò" in w.value for w in at.warning)
    assert [t.value for t in at.title] == ["Đăng nhập"]


def test_disabling_an_account_signs_its_open_session_out(real_dir, monkeypatch, tmp_path):
    import shutil

    directory = tmp_path / "wh"
    shutil.copytree(real_dir, directory)
    monkeypatch.setenv("WAREHOUSE_DIR", str(directory))
    at = login(LATE, "truong_a")
    assert at.title[0].value == "Hồ sơ trễ hạn"
    accounts.disable(directory, "truong_a")
    at.run()
    assert [t.value for t in at.title] == ["Đăng nhập"]


def test_export_is_audited(real):
    at = login(LATE, "truong_a", ky="month", ma_ky="2025-03")
    at.download_button[0].click().run()
    no_errors(at)
    assert ("truong_a", "xuat", "ho_so_tre_han_so_mot_A_2025-03.xlsx", "app") in audit_lines(real)


def test_leader_reads_the_audit_log_on_the_data_page(real):
    login(LATE, "lanhdao")
    at = login("pages/du_lieu.py", "lanhdao")
    no_errors(at)
    assert "Nhật ký truy cập" in [t.label for t in at.tabs]
    log = at.dataframe[-1].value
    assert "lanhdao" in set(log["Người"]) and "Đăng nhập" in set(log["Việc"])


# --- OpenID Connect (AppTest's user simulation) ---------------------------------------------------

def oidc(page: str, user: dict, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=120)
    at.secrets["auth"] = OIDC_SECRETS
    at.user = user
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def test_oidc_user_gets_the_role_of_his_email(real):
    at = oidc(LATE, {"is_logged_in": True, "email": "Sep@Tinh.gov.vn", "name": "Trưởng B"})
    no_errors(at)
    assert at.selectbox(key="url_don_vi").value == "B"
    assert "B1" in page_text(at) and "L2" not in page_text(at)
    refused_other = oidc(LATE, {"is_logged_in": True, "email": "sep@tinh.gov.vn"}, don_vi="A")
    no_errors(refused_other)
    assert refused(refused_other) == 2 and not refused_other.download_button
    assert ("sep@tinh.gov.vn", "dang_nhap", "truong_co_quan B", "app") in audit_lines(real)


def test_oidc_signed_out_or_without_role_sees_nothing(real):
    out = oidc(LATE, {"is_logged_in": False})
    assert not out.exception
    assert [b.label for b in out.button] == ["Đăng nhập"] and not out.get("html")
    stranger = oidc(LATE, {"is_logged_in": True, "email": "la@noi.khac"})
    assert any("chưa được giao vai trò" in w.value for w in stranger.warning)
    assert not stranger.get("html") and not stranger.text_input  # no local form in OIDC mode
