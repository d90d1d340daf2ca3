"""Failed sign-ins of local accounts slow the next ones down, per account name and per client address,
and idle sessions end (docs/security.md, "Guessing passwords").

The rule, for each key (an account name, whether it exists or not, and a client address):
- a failure is remembered while it is younger than the window (15 minutes);
- when `max_failures` of them fall within the window, the key waits `first_wait` (1 minute) after the
  last failure; every further failure after a wait doubles it (2, 4, 8 … minutes), up to `max_wait`;
- an attempt during the wait is refused before any password is checked, and does not count;
- the episode ends after a quiet window once the wait is over, or, for an account, at its next
  successful sign-in. A client's count is not reset by a success: an attacker with an account of his
  own could otherwise clear it between guesses at other names.

The state lives in DIR/accounts.sqlite (table sign_in_throttle), so every app process shares it, and
is updated in one write transaction per attempt. The functions take `now` (a datetime) so tests pass
the clock; nothing here reads it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from warehouse import access, accounts
from warehouse.accounts import ACCOUNTS_FILE

_SCHEMA = """
create table if not exists sign_in_throttle (
    key          text primary key,   -- 'account:<name>' or 'client:<address>'
    recent       text not null,      -- JSON list of failure times (epoch seconds) within the window
    level        integer not null,   -- 0: no wait; n: the n-th wait of this episode
    locked_until real not null,      -- epoch seconds; no attempt before
    forget_after real not null       -- epoch seconds; from then on the row says no more than no row
);
create index if not exists sign_in_throttle_forget on sign_in_throttle (forget_after);
"""


@dataclass(frozen=True)
class Policy:
    max_failures: int = 5
    window: float = 15 * 60          # seconds
    first_wait: float = 60
    max_wait: float = 60 * 60

    def wait(self, level: int) -> float:
        return min(self.first_wait * 2 ** (level - 1), self.max_wait)


@dataclass(frozen=True)
class State:
    recent: tuple[float, ...] = ()
    level: int = 0
    locked_until: float = 0.0


@dataclass(frozen=True)
class Refusal:
    """Why an attempt was refused: whose count ('account' or 'client'), its limit, seconds left."""
    scope: str
    max_failures: int
    seconds: float

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def _minutes(name: str, default: float) -> float:
    return float(os.environ.get(name, default)) * 60


def policies() -> dict[str, Policy]:
    """The settings (environment variables, docs/security.md): one policy per scope."""
    window = _minutes("AUTH_WINDOW_MINUTES", 15)
    first = _minutes("AUTH_FIRST_WAIT_MINUTES", 1)
    cap = _minutes("AUTH_MAX_WAIT_MINUTES", 60)
    return {"account": Policy(int(os.environ.get("AUTH_MAX_FAILURES", 5)), window, first, cap),
            "client": Policy(int(os.environ.get("AUTH_CLIENT_MAX_FAILURES", 20)), window, first, cap)}


def idle_minutes() -> float:
    """AUTH_IDLE_MINUTES (default 30): a local session unused this long is signed out; 0 = never."""
    return float(os.environ.get("AUTH_IDLE_MINUTES", 30))


# ------------------------------------------------------------------------------ the rule itself

def seconds_left(state: State, now: float) -> float:
    return max(0.0, state.locked_until - now)


def after_failure(state: State, now: float, policy: Policy) -> State:
    """The state once a failure at `now` (epoch seconds) is counted."""
    if state.level and now >= state.locked_until + policy.window:
        state = State()   # a quiet window after the last wait: the episode is over
    recent = tuple(t for t in state.recent if t > now - policy.window) + (now,)
    if state.level:
        level = state.level + 1
    elif len(recent) >= policy.max_failures:
        level = 1
    else:
        return replace(state, recent=recent)
    return State(recent, level, now + policy.wait(level))


def idle_expired(last_seen: float | None, now: float, minutes: float) -> bool:
    return bool(minutes) and last_seen is not None and now - last_seen > minutes * 60


# ------------------------------------------------------------------------------ the shared store

def _key(scope: str, value: str) -> str:
    return f"{scope}:{value}"


def _read(con, key: str) -> State:
    row = con.execute("select recent, level, locked_until from sign_in_throttle where key = ?",
                      [key]).fetchone()
    return State(tuple(json.loads(row[0])), row[1], row[2]) if row else State()


def _write(con, key: str, state: State, policy: Policy) -> None:
    # a quiet window after the wait and after the last failure: the state is as good as empty
    forget = max(state.locked_until, *state.recent, 0.0) + policy.window
    con.execute("insert into sign_in_throttle (key, recent, level, locked_until, forget_after) "
                "values (?, ?, ?, ?, ?) on conflict (key) do update set recent = excluded.recent, "
                "level = excluded.level, locked_until = excluded.locked_until, "
                "forget_after = excluded.forget_after",
                [key, json.dumps(list(state.recent)), state.level, state.locked_until, forget])


@contextlib.contextmanager
def _transaction(directory: Path, now: float):
    with contextlib.closing(access.sqlite_beside(directory, ACCOUNTS_FILE, _SCHEMA)) as con:
        con.execute("begin immediate")   # one writer: two app processes never both pass a full count
        try:
            # names guessed once long ago are forgotten: the table does not grow with every guess
            con.execute("delete from sign_in_throttle where forget_after <= ?", [now])
            yield con
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise


def attempt(directory: Path, name: str, client: str, now, rules: Mapping[str, Policy] | None = None
            ) -> Refusal | None:
    """Before the password is checked: a Refusal while the account or the client must wait, else None.

    An allowed attempt is counted at once as a failure of the account, undone by `outcome` on
    success, so that parallel requests cannot all pass a count that only the first should."""
    rules = rules or policies()
    at = now.timestamp()
    with _transaction(directory, at) as con:
        states = {"account": _read(con, _key("account", name)), "client": _read(con, _key("client", client))}
        waits = [Refusal(s, rules[s].max_failures, seconds_left(states[s], at)) for s in states]
        refused = max(waits, key=lambda r: r.seconds)
        if refused.seconds > 0:
            return refused
        _write(con, _key("account", name), after_failure(states["account"], at, rules["account"]),
               rules["account"])
    return None


def outcome(directory: Path, name: str, client: str, ok: bool, now,
            rules: Mapping[str, Policy] | None = None) -> None:
    """After the password was checked: a success clears the account's count; a failure adds to the
    client's (the account's was counted by `attempt`)."""
    rules = rules or policies()
    at = now.timestamp()
    with _transaction(directory, at) as con:
        if ok:
            con.execute("delete from sign_in_throttle where key = ?", [_key("account", name)])
        else:
            key = _key("client", client)
            _write(con, key, after_failure(_read(con, key), at, rules["client"]), rules["client"])


@dataclass(frozen=True)
class Result:
    """A sign-in attempt: the account and its role when it succeeded, else why not ("unknown",
    "wrong_password", "disabled", "no_role" or "throttled", with the refusal)."""
    account: accounts.Account | None
    role: tuple[str, str | None] | None
    why: str
    refusal: Refusal | None = None


def sign_in(directory: Path, name: str, password: str, client: str, now,
            role_of: Callable[[accounts.Account], tuple[str, str | None] | None],
            rules: Mapping[str, Policy] | None = None) -> Result:
    """One attempt at the local sign-in, throttled and audited (ui/auth.py's form calls it). The
    audit line names the account tried and the client, whatever the result."""
    who = accounts.normalise(name)[:64] or "?"
    refusal = attempt(directory, who, client, now, rules)
    if refusal is not None:
        access.audit(directory, who, "dang_nhap_loi",
                     f"throttled · chờ {refusal.minutes} phút ({refusal.scope}) · máy {client}")
        return Result(None, None, "throttled", refusal)
    account, why = accounts.verify(directory, who, password)
    outcome(directory, who, client, account is not None, now, rules)
    if account is None:
        access.audit(directory, who, "dang_nhap_loi", f"{why} · máy {client}")
        return Result(None, None, why)
    role = role_of(account)
    if role is None:
        access.audit(directory, who, "dang_nhap_loi", f"chưa có vai trò · máy {client}")
        return Result(account, None, "no_role")
    words = f"{role[0]}{' ' + role[1] if role[1] else ''}"
    access.audit(directory, account.username, "dang_nhap", f"{words} · máy {client}")
    return Result(account, role, "ok")


# ------------------------------------------------------------------------------ the client address

def trusted_proxies() -> list:
    """AUTH_TRUSTED_PROXIES: addresses or networks (comma separated) of reverse proxies whose
    X-Forwarded-For / X-Real-IP are believed; default the machine itself (nginx on the same server)."""
    text = os.environ.get("AUTH_TRUSTED_PROXIES", "127.0.0.1,::1")
    return [ipaddress.ip_network(p.strip(), strict=False) for p in text.split(",") if p.strip()]


def _is_trusted(address: str, trusted: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:   # ::ffff:127.0.0.1 from a dual-stack socket
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in trusted)


def client_address(peer: str | None, headers: Mapping[str, str], trusted: list) -> str:
    """The address the throttle counts. `peer` is the connection's address (None: the machine itself,
    as Streamlit reports a loopback connection). Forwarded headers count only when the peer is a
    trusted proxy; then the right-most X-Forwarded-For entry that is not itself a trusted proxy (the
    left part is whatever the client wrote), else X-Real-IP."""
    peer = peer or "127.0.0.1"
    if not _is_trusted(peer, trusted):
        return peer
    lowered = {k.lower(): v for k, v in headers.items()}
    chain = [p.strip() for p in lowered.get("x-forwarded-for", "").split(",") if p.strip()]
    for hop in reversed(chain):
        if not _is_trusted(hop, trusted):
            return hop if _valid(hop) else peer
    real = lowered.get("x-real-ip", "").strip()
    if real and _valid(real):
        return real
    return chain[0] if chain and _valid(chain[0]) else peer


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
