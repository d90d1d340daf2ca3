"""Guessing passwords of local accounts: the throttle per account and per client, its audit lines, the
client address behind a reverse proxy and idle expiry (warehouse/throttle.py, docs/security.md).

The clock is passed explicitly: T0 plus seconds. Policy: 5 failures in 15 minutes, then a wait of
1 minute after the last failure, doubled by each failure after a wait, at most 60 minutes.
"""

import datetime as dt
import ipaddress
import sqlite3

import pytest

from tests.apptest_support import fresh_caches  # noqa: F401 - autouse: Streamlit's caches per test
from warehouse import access, accounts, throttle
from warehouse.throttle import Policy, State

PASSWORD = "mat-khau-rat-dai-1"
T0 = dt.datetime(2026, 3, 2, 8, 0, 0)
RULES = {"account": Policy(5, 900, 60, 3600), "client": Policy(20, 900, 60, 3600)}


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def viewer(_account):
    return ("xem", None)


def attempt(directory, name, password, seconds, client="10.0.0.7"):
    return throttle.sign_in(directory, name, password, client, at(seconds), viewer, RULES)


def audit_lines(directory):
    with sqlite3.connect(directory / access.AUDIT_FILE) as con:
        return con.execute("select who, action, what from audit order by id").fetchall()


def test_the_rule_by_hand():
    p = RULES["account"]
    s = State()
    for t in (0, 1, 2, 3):                       # four failures: no wait yet
        s = throttle.after_failure(s, t, p)
        assert throttle.seconds_left(s, t) == 0
    s = throttle.after_failure(s, 4, p)          # the fifth within 15 minutes: 1 minute
    assert (s.level, s.locked_until) == (1, 64)
    s = throttle.after_failure(s, 64, p)         # after the wait, wrong again: 2 minutes
    assert (s.level, s.locked_until) == (2, 184)
    # four failures spread over more than 15 minutes never add up to a wait
    spread = State()
    for t in (0, 400, 800, 1200, 1600):
        spread = throttle.after_failure(spread, t, p)
    assert spread.level == 0 and len(spread.recent) == 3   # 800, 1200, 1600 are within the window
    # a quiet window after the wait ends the episode: the next failure starts from nothing
    calm = throttle.after_failure(s, 184 + 900, p)
    assert (calm.level, calm.recent) == (0, (1084.0,))


def test_twenty_wrong_guesses_then_the_right_password_after_the_wait(tmp_path):
    accounts.add(tmp_path, "truong_a", PASSWORD)
    # the guesser tries as soon as he may. Failure k (k >= 5) waits min(60 * 2**(k-5), 3600) seconds:
    # failures at 0,1,2,3,4 | 64 (+60) | 184 (+120) | 424 (+240) | 904 (+480) | 1864 (+960)
    # | 3784 (+1920) | 7384 (+3600, capped) | ... each +3600 ... | the 20th at 3784 + 9*3600 = 36184
    times = [0, 1, 2, 3, 4, 64, 184, 424, 904, 1864, 3784] + [3784 + 3600 * k for k in range(1, 10)]
    waits = [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60] + [60] * 9
    for t, wait in zip(times, waits, strict=True):
        assert attempt(tmp_path, "truong_a", "doan-mo-sai-123", t).why == "wrong_password"
        if wait:
            # one second later the right password is refused too, before its hash is checked
            refused = attempt(tmp_path, "truong_a", PASSWORD, t + 1)
            assert refused.why == "throttled" and refused.account is None
            assert refused.refusal.minutes == wait
            assert refused.refusal.seconds == wait * 60 - 1
    locked_until = 36184 + 3600
    assert attempt(tmp_path, "truong_a", PASSWORD, locked_until - 1).why == "throttled"
    signed = attempt(tmp_path, "truong_a", PASSWORD, locked_until)
    assert signed.why == "ok" and signed.account.username == "truong_a" and signed.role == ("xem", None)
    # the success cleared the account's count: a later slip is an ordinary failure
    assert attempt(tmp_path, "truong_a", "go-nham-1234", locked_until + 5).why == "wrong_password"
    assert attempt(tmp_path, "truong_a", PASSWORD, locked_until + 6).why == "ok"

    lines = audit_lines(tmp_path)
    failures = [w for who, a, w in lines if a == "dang_nhap_loi" and w.startswith("wrong_password")]
    throttled = [w for who, a, w in lines if w.startswith("throttled")]
    successes = [w for who, a, w in lines if a == "dang_nhap"]
    assert len(failures) == 21 and len(throttled) == 16 + 1 and len(successes) == 2
    assert len(lines) == 20 + 16 + 1 + 1 + 1 + 1          # every attempt, one line each
    assert all(who == "truong_a" and w.endswith("· máy 10.0.0.7") for who, _, w in lines)
    assert "throttled · chờ 60 phút (account) · máy 10.0.0.7" in throttled
    assert successes == ["xem · máy 10.0.0.7"] * 2


def test_unknown_names_are_throttled_like_accounts(tmp_path):
    accounts.add(tmp_path, "co_that", PASSWORD)
    for t in range(5):
        assert attempt(tmp_path, "khong_co", "x" * 12, t).why == "unknown"
    # the same answer as for a real account: the throttle tells nothing about which names exist
    assert attempt(tmp_path, "khong_co", "x" * 12, 10).refusal.minutes == 1


def test_a_client_guessing_many_names_waits_whatever_the_name(tmp_path):
    accounts.add(tmp_path, "an", PASSWORD)
    for i in range(20):            # 20 names, one guess each: no account reaches its own limit
        assert attempt(tmp_path, f"ten{i:02d}", "doan-mo-sai-123", i, client="10.9.9.9").why == "unknown"
    refused = attempt(tmp_path, "an", PASSWORD, 30, client="10.9.9.9")
    assert refused.why == "throttled" and refused.refusal.scope == "client"
    assert refused.refusal.max_failures == 20 and refused.refusal.seconds == 19 + 60 - 30
    # another client signs in to the same account meanwhile: the limit belongs to the guessing client
    assert attempt(tmp_path, "an", PASSWORD, 31, client="10.0.0.8").why == "ok"
    # and a success from the guessing client's own account does not clear its count
    assert attempt(tmp_path, "an", PASSWORD, 79, client="10.9.9.9").why == "ok"
    assert attempt(tmp_path, "ten99", "sai-nua-12345", 80, client="10.9.9.9").why == "unknown"
    assert attempt(tmp_path, "an", PASSWORD, 81, client="10.9.9.9").refusal.scope == "client"


def test_the_state_is_shared_through_the_account_store(tmp_path):
    accounts.add(tmp_path, "an", PASSWORD)
    for t in range(5):
        attempt(tmp_path, "an", "doan-mo-sai-123", t)
    with sqlite3.connect(tmp_path / accounts.ACCOUNTS_FILE) as con:
        rows = dict(con.execute("select key, level from sign_in_throttle").fetchall())
    assert rows == {"account:an": 1, "client:10.0.0.7": 0}
    # a quiet window after the wait (64 + 900 s), any attempt forgets them: the table does not grow
    attempt(tmp_path, "binh", "doan-mo-sai-123", 964, client="10.0.0.8")
    with sqlite3.connect(tmp_path / accounts.ACCOUNTS_FILE) as con:
        keys = {k for (k,) in con.execute("select key from sign_in_throttle")}
    assert keys == {"account:binh", "client:10.0.0.8"}


TRUSTED = [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128")]


@pytest.mark.parametrize("peer, headers, expected", [
    (None, {}, "127.0.0.1"),                                                     # on the machine itself
    ("203.0.113.5", {}, "203.0.113.5"),                                          # no proxy
    ("203.0.113.5", {"X-Forwarded-For": "1.2.3.4", "X-Real-Ip": "1.2.3.4"}, "203.0.113.5"),  # not trusted
    (None, {"X-Forwarded-For": "10.1.2.3"}, "10.1.2.3"),                         # nginx on the machine
    (None, {"X-Forwarded-For": "6.6.6.6, 10.1.2.3"}, "10.1.2.3"),               # the left part is forged
    (None, {"X-Real-Ip": "10.1.2.4"}, "10.1.2.4"),
    (None, {"X-Forwarded-For": "khong-phai-dia-chi"}, "127.0.0.1"),
    ("::ffff:127.0.0.1", {"X-Real-Ip": "10.1.2.5"}, "10.1.2.5"),                # a dual-stack socket
])
def test_client_address(peer, headers, expected):
    assert throttle.client_address(peer, headers, TRUSTED) == expected


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("AUTH_MAX_FAILURES", "3")
    monkeypatch.setenv("AUTH_MAX_WAIT_MINUTES", "10")
    monkeypatch.setenv("AUTH_TRUSTED_PROXIES", "10.0.0.0/8")
    assert throttle.policies()["account"] == Policy(3, 900, 60, 600)
    assert throttle.policies()["client"].max_failures == 20
    assert throttle.client_address("10.0.0.2", {"X-Forwarded-For": "192.0.2.9"},
                                   throttle.trusted_proxies()) == "192.0.2.9"


def test_idle_expiry():
    assert not throttle.idle_expired(None, 1000, 30)          # never seen: nothing to expire
    assert not throttle.idle_expired(1000, 1000 + 30 * 60, 30)
    assert throttle.idle_expired(1000, 1000 + 30 * 60 + 1, 30)
    assert not throttle.idle_expired(1000, 10 ** 9, 0)         # 0: no idle limit


# --- the sign-in form, under AppTest (the real clock: a wait of a minute outlasts the test) ---------

@pytest.fixture
def real(tmp_path, monkeypatch):
    from tests.conftest import make_warehouse
    from tests.test_access import ROLES
    from tests.test_page_late import AGENCIES, DOSSIERS, PROCEDURES

    make_warehouse(tmp_path, DOSSIERS, agencies=AGENCIES, procedures=PROCEDURES, as_of="2025-03-20",
                   extra_tables={"ref_user_role": ROLES}).close()
    accounts.add(tmp_path, "truong_a", PASSWORD)
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path))
    monkeypatch.delenv("AUTH_MAX_FAILURES", raising=False)
    return tmp_path


def _login(name, password, at=None):
    from tests.apptest_support import run_page

    at = at or run_page("pages/tre_han.py", signed_in=None)
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    return at.button(key="login_submit").click().run()


def test_the_form_says_how_long_to_wait(real):
    from ui import auth

    at = None
    for _ in range(5):
        at = _login("truong_a", "doan-mo-sai-123", at)
        assert [e.value for e in at.error] == [auth.BAD_LOGIN]
    at = _login("truong_a", PASSWORD, at)
    assert [e.value for e in at.error] == ["Đã nhập sai quá 5 lần; thử lại sau 1 phút."]
    assert [t.value for t in at.title] == ["Đăng nhập"]
    whats = [w for _, a, w in audit_lines(real) if a == "dang_nhap_loi"]
    assert len(whats) == 6 and whats[-1].startswith("throttled · chờ 1 phút (account) · máy ")


def test_an_idle_session_is_signed_out_with_a_message(real, monkeypatch):
    from ui import auth

    monkeypatch.setenv("AUTH_IDLE_MINUTES", "30")
    at = _login("truong_a", PASSWORD)
    assert at.title[0].value == "Hồ sơ trễ hạn"
    at.session_state[auth.SEEN_KEY] = at.session_state[auth.SEEN_KEY] - 29 * 60   # used 29 minutes ago
    at.run()
    assert at.title[0].value == "Hồ sơ trễ hạn"
    at.session_state[auth.SEEN_KEY] = at.session_state[auth.SEEN_KEY] - 31 * 60   # then idle 31 minutes
    at.run()
    assert [t.value for t in at.title] == ["Đăng nhập"]
    assert [i.value for i in at.info] == [
        "Phiên đăng nhập đã hết hạn vì không dùng quá 30 phút; hãy đăng nhập lại."]
    assert ("truong_a", "dang_xuat", "hết phiên sau 30 phút không dùng") in audit_lines(real)
