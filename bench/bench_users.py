"""Twenty users at once: headless browser sessions on the real server while a load publishes a new version.

    .venv/bin/python bench/bench_users.py --warehouse DIR [--users 20] [--rounds 2] [--no-load]

DIR is never written: its current version is copied to a work directory and made real data (a load
does that to a demo anyway, signing demo sessions out mid-run) with a bench account per session.
`streamlit run app.py` serves the copy; one headless Chromium holds a context per user, each its own
session, signed in once, then opening the overview, a peer group's ranking and the busiest agency's
page, --rounds times, by in-app navigation (the URL changes and the app re-runs in the same session,
as a page link does). A page is finished when its title is the page's, its content is drawn (a
chart, the agency's cards) and the app has stopped running, for HOLD_MS. Meanwhile `etl load`
publishes ~2.000 sync records (open dossiers that finish, new ones), as an hourly sync would; the
sessions go on until it is done, then one more round. First, one session alone: the reference.
Prints a table and writes bench/results/users.csv; any session error makes the exit status non-zero.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from bench_common import p95  # noqa: E402

from etl import sync_format  # noqa: E402
from warehouse import accounts, build, store  # noqa: E402
from warehouse.access import LEADER  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# one account per session: the sign-in throttle counts an attempt as a failure until its password is
# verified, so more than five sessions signing in to one account at once would be refused a minute
PASSWORD = "bench-users-password"
HOLD_MS = 250            # a finished page stays finished this long (a run that rewrites the URL reruns)
MAX_ROUNDS = 20          # sessions stop here even if the load is still running
# page kind -> (path, the h1's start, what must be drawn in the main area); sign-in lands on the overview,
# so a round opens it last: every open leaves another page, and a finished page is always the new one
CHART = '[data-testid="stMain"] [data-testid="stPlotlyChart"] .main-svg'
PAGES = {
    "ranking": ("/xep_hang?nhom=department", "Xếp hạng", CHART),
    "agency": ("/co_quan?don_vi={agency}", "Cơ quan của tôi", '[data-testid="stMetricValue"]'),
    "overview": ("/", "Tổng quan", CHART),
}

# In the page: change the URL and let the app navigate (its popstate handler re-runs the page the URL
# names, with its query, in the same session), then poll until finished or failed.
_OPEN = """async ([path, title, marker, holdMs, timeoutMs]) => {
    const t0 = performance.now();
    if (path !== null) {
        history.pushState({}, '', path);
        window.dispatchEvent(new PopStateEvent('popstate'));
    }
    let since = null;
    while (performance.now() - t0 < timeoutMs) {
        const app = document.querySelector('[data-testid="stApp"]');
        const h1 = document.querySelector('[data-testid="stMain"] h1');
        const bad = document.querySelector(
            '[data-testid="stException"], [data-testid="stAlertContentError"]');
        if (bad) return {error: 'on screen: ' + bad.innerText.slice(0, 300)};
        if (app && app.getAttribute('data-test-connection-state') === 'DISCONNECTED_FOREVER')
            return {error: 'connection lost'};
        const done = app && app.getAttribute('data-test-script-state') === 'notRunning'
            && app.getAttribute('data-test-connection-state') === 'CONNECTED'
            && !document.querySelector('[data-testid="stStatusWidget"]')
            && h1 && h1.innerText.trim().startsWith(title) && document.querySelector(marker);
        since = done ? since ?? performance.now() : null;
        if (since !== null && performance.now() - since >= holdMs) return {seconds: (since - t0) / 1000};
        await new Promise(r => setTimeout(r, 25));
    }
    return {error: 'not finished in ' + timeoutMs / 1000 + ' s (h1: '
        + (document.querySelector('h1')?.innerText ?? '-') + ')'};
}"""


def copy_warehouse(source: Path, work: Path, users: int) -> tuple[Path, str, str, dt.date]:
    """The current version of `source` as a real-data warehouse of its own with the bench accounts;
    returns (its directory, the build's name, the busiest agency, the data's date)."""
    if store.current_path(source) is None:
        raise SystemExit(f"no warehouse in {source}")
    target = store.copy_current(source, work / "warehouse")
    current = store.current_path(target)
    with store.connect(target / "builds" / current.name, read_only=False) as con:
        build.set_meta(con, is_demo="false")
        agency = con.execute("select agency_code from fct_dossier group by all "
                             "order by count(*) desc, agency_code limit 1").fetchone()[0]
        as_of = con.execute("select value::date from meta where key = 'as_of'").fetchone()[0]
    for name in ["alone", *session_names(users)]:
        accounts.add(target, f"bench.{name}", PASSWORD, role=LEADER)
    return target, current.name, agency, as_of


def session_names(users: int) -> list[str]:
    return [f"s{i + 1:02d}" for i in range(users)]


def sync_file(warehouse: Path, as_of: dt.date, count: int, path: Path) -> tuple[int, int]:
    """A DongBoHoSoMC envelope: the newest open dossiers finishing on the data's date (3 in 4), plus new
    dossiers received that day. Returns (updates, new)."""
    updates = count * 3 // 4
    with store.connect(store.current_path(warehouse)) as con:
        rows = con.sql(f"""select * from raw_dossier where status in (4, 5)
                           order by received_at desc, dossier_id limit {updates}""").pl().rows(named=True)
        sample = con.sql(f"""select * from raw_dossier where received_at < date '{as_of}'
                             order by received_at desc, dossier_id limit {count - len(rows)}""").pl()
    close = dt.datetime.combine(as_of, dt.time(16, 30))

    def record(r: dict, **changes) -> dict:
        return sync_format.record({**r, **changes})

    data = []
    for r in rows:
        end = max(close, r["received_at"] + dt.timedelta(minutes=10))
        data.append(record(r, status=10, finished_at=end, returned_at=end))
    received = dt.datetime.combine(as_of, dt.time(8, 0))
    for i, r in enumerate(sample.iter_rows(named=True)):
        new_id = f"{r['agency_code']}-{as_of:%y%m%d}-{9000 + i}"
        due = received + (r["due_at"] - r["received_at"])
        data.append(record(r, dossier_id=new_id, submitted_at=received, received_at=received, due_at=due,
                           finished_at=None, returned_at=None, refused_at=None, status=4))
    sync_format.write(data, path)
    return len(rows), len(data) - len(rows)


def start_server(warehouse: Path, log_path: Path) -> tuple[object, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, WAREHOUSE_DIR=str(warehouse), PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url, deadline = f"http://localhost:{port}", time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}: see {log_path}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
            if resp.read().decode().strip() == "ok":
                return proc, url
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"streamlit did not answer on {url} in 60 s: see {log_path}")


@dataclass
class Run:
    """What all sessions share: the clock, the load's window, the rows and the errors."""
    agency: str
    rounds: int
    timeout: float
    t0: float = field(default_factory=time.monotonic)
    load_window: list[float] | None = None     # [started, finished] offsets once known
    load_done: asyncio.Event = field(default_factory=asyncio.Event)
    signed_in: int = 0
    rows: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def now(self) -> float:
        return time.monotonic() - self.t0


async def open_page(page, run: Run, path: str | None, title: str, marker: str) -> tuple[float | None, str]:
    try:
        answer = await page.evaluate(_OPEN, [path, title, marker, HOLD_MS, run.timeout * 1000])
    except Exception as exc:  # noqa: BLE001 - a crashed page or a lost browser is a session error too
        return None, f"{type(exc).__name__}: {str(exc)[:300]}"
    return answer.get("seconds"), answer.get("error", "")


async def session(browser, base_url: str, name: str, run: Run, keep_going: bool) -> None:
    """Sign in once, then open the three pages per round; rows go to run.rows."""
    ctx = await browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 900},
                                    locale="vi-VN")
    ctx.set_default_timeout(run.timeout * 1000)
    console: list[str] = []
    counted = False
    try:
        page = await ctx.new_page()
        page.on("console", lambda m: console.append(f"{m.text[:200]} ({m.location.get('url')})")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(f"page error: {str(e)[:200]}"))
        started = run.now()     # a user arriving: the app loads, a first run, the sign-in, the overview
        await page.goto("/")
        _, error = await open_page(page, run, None, "Đăng nhập", '[data-testid="stForm"]')
        if not error:
            await page.get_by_label("Tên đăng nhập").fill(f"bench.{name}")
            await page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
            await page.get_by_role("button", name="Đăng nhập").click()
            _, error = await open_page(page, run, None, *PAGES["overview"][1:])
        run.signed_in, counted = run.signed_in + 1, True
        run.rows.append({"session": name, "round": 0, "page": "sign_in", "started": round(started, 3),
                         "seconds": None if error else round(run.now() - started, 3), "error": error})
        if error:
            run.errors.append(f"{name} sign-in: {error}")
            return
        r, fresh = 0, False
        # at least --rounds rounds, and with a load, one whole round on the version it published
        while (r < run.rounds or (keep_going and not fresh)) and r < MAX_ROUNDS:
            r += 1
            fresh = run.load_done.is_set()
            for kind, (path, title, marker) in PAGES.items():
                started = run.now()
                seconds, error = await open_page(page, run, path.format(agency=run.agency), title, marker)
                # a media file (the page icon) of a run the next run replaced answers 404: Streamlit's
                # own race, nothing the user sees; listed, not counted as an error
                run.warnings += [f"{name} round {r} {kind}: {c}" for c in console if "/media/" in c]
                if console := [c for c in console if "/media/" not in c]:
                    error = "; ".join(filter(None, [error, "console: " + " | ".join(console)]))
                console = []
                run.rows.append({"session": name, "round": r, "page": kind, "started": round(started, 3),
                                 "seconds": seconds and round(seconds, 3), "error": error})
                if error:
                    run.errors.append(f"{name} round {r} {kind}: {error}")
    except Exception as exc:  # noqa: BLE001 - one session's failure is listed; the others go on
        run.errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        run.signed_in += 0 if counted else 1     # the load waits for every session's sign-in
        await ctx.close()


async def load(run: Run, users: int, warehouse: Path, file: Path, after: float, log_path: Path) -> dict:
    """`etl load` of the sync file, --load-after seconds once every session has signed in."""
    while run.signed_in < users:
        await asyncio.sleep(0.1)
    await asyncio.sleep(after)
    started = run.now()
    print(f"[{started:6.1f} s] load starts", flush=True)
    with open(log_path, "w", encoding="utf-8") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "etl", "load", "--warehouse", str(warehouse), str(file),
            cwd=ROOT, stdout=log, stderr=asyncio.subprocess.STDOUT)
        try:
            code = await proc.wait()
        finally:
            if proc.returncode is None:    # the bench was stopped (Ctrl-C, a failure): so is the load
                proc.kill()
                await proc.wait()
    finished = run.now()
    run.load_window = [started, finished]
    run.load_done.set()
    print(f"[{finished:6.1f} s] load done in {finished - started:.1f} s, exit {code}", flush=True)
    if code not in (0, 1):       # 1: some records quarantined, the rest published
        run.errors.append(f"etl load exited with {code}: see {log_path}")
    return {"seconds": finished - started, "code": code}


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used (user + system, /proc/PID/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def progress(run: Run, users: int) -> None:
    while await asyncio.sleep(10, result=True):
        print(f"[{run.now():6.1f} s] {sum(r['seconds'] is not None for r in run.rows)} opens finished "
              f"(sign-ins and pages) by {users} sessions, {len(run.errors)} errors", flush=True)


async def crowd(base_url: str, args, agency: str, warehouse: Path, load_file: Path | None,
                work: Path, server_pid: int) -> tuple[Run, Run, dict | None]:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        # leaving the block (also on an error or Ctrl-C) stops the browser it launched
        browser = await pw.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        alone = Run(agency, args.rounds, args.timeout)
        print("one session alone (reference)…", flush=True)
        await session(browser, base_url, "alone", alone, keep_going=False)
        run = Run(agency, args.rounds, args.timeout)
        print(f"{args.users} sessions at once…", flush=True)
        tasks = [session(browser, base_url, name, run, keep_going=load_file is not None)
                 for name in session_names(args.users)]
        ticker = asyncio.create_task(progress(run, args.users))
        loading = load_file and asyncio.create_task(load(run, args.users, warehouse, load_file,
                                                          args.load_after, work / "load.log"))
        if not loading:
            run.load_done.set()
        cpu = cpu_seconds(server_pid)
        await asyncio.gather(*tasks)
        # the browser renders every session's pages on the same cores: how much of them the server had
        cpu, wall = cpu_seconds(server_pid) - cpu, run.now()
        print(f"server process: {cpu:.0f} CPU-s in the crowd's {wall:.0f} s ({cpu / wall:.2f} of "
              f"{os.cpu_count()} cores); the browser, the load and any other job had the rest", flush=True)
        result = await loading if loading else None
        ticker.cancel()
        return alone, run, result


def stats(values: list[float]) -> str:
    if not values:
        return f"{0:>5} {'-':>7} {'-':>7} {'-':>7}"
    ordered = sorted(values)
    return f"{len(ordered):>5} {statistics.median(ordered):>7.2f} {p95(ordered):>7.2f} {ordered[-1]:>7.2f}"


def report(alone: Run, run: Run, loaded: dict | None, published: bool | None, users: int) -> None:
    window = run.load_window
    for row in run.rows:
        # during the load: the page was opening at any moment the load ran
        end = row["started"] + (row["seconds"] or 0)
        row["during_load"] = bool(window and row["started"] <= window[1] and end >= window[0])
    rounds = max([0] + [r["round"] for r in run.rows])
    print(f"\nseconds to a finished page; {users} sessions, up to {rounds} rounds\n"
          "× alone: the p95 over the median of the one session alone, same page")
    print(f"{'page':<10} {'who':<14} {'count':>5} {'median':>7} {'p95':>7} {'max':>7} {'× alone':>8}")
    groups = [("one alone", alone.rows), ("crowd", run.rows)] + ([
        ("  during load", [r for r in run.rows if r["during_load"]]),
        ("  not during", [r for r in run.rows if not r["during_load"]])] if window else [])
    for kind in ["sign_in", "overview", "ranking", "agency", "all"]:
        def times(rows, kind=kind):     # all: the three pages, not the sign-in
            return sorted(r["seconds"] for r in rows if r["seconds"]
                          and (kind == r["page"] or kind == "all" and r["page"] in PAGES))
        one = times(alone.rows)
        for who, rows in groups:
            values = times(rows)
            ratio = f"{p95(values) / statistics.median(one):>8.1f}" if values and one else f"{'-':>8}"
            print(f"{kind:<10} {who:<14} {stats(values)} {ratio}")
    if loaded is not None:
        print(f"load: {loaded['seconds']:.1f} s (offsets {window[0]:.1f}–{window[1]:.1f} s), exit "
              f"{loaded['code']}, new version published: {'yes' if published else 'NO'}")
    errors = alone.errors + run.errors
    print(f"session errors: {len(errors)}")
    for error in errors:
        print(f"  {error}")
    for warning in alone.warnings + run.warnings:
        print(f"  not an error: {warning}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--warehouse", type=Path, required=True, help="read only: its current version is copied")
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=2, help="at least this many rounds of the three pages")
    ap.add_argument("--records", type=int, default=2000, help="sync records the load publishes")
    ap.add_argument("--load-after", type=float, default=3.0, help="seconds after every session signed in")
    ap.add_argument("--no-load", action="store_true")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds a page may take to finish")
    ap.add_argument("--workdir", type=Path, help="where the copy goes (default: a temporary directory)")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_users_", dir=args.workdir))
    proc, failed = None, True
    try:
        print(f"copying the current version of {args.warehouse} to {work}…", flush=True)
        warehouse, first_build, agency, as_of = copy_warehouse(args.warehouse, work, args.users)
        load_file = None
        if not args.no_load:
            load_file = work / "sync.json"
            updates, new = sync_file(warehouse, as_of, args.records, load_file)
            print(f"sync file: {updates} open dossiers finishing, {new} new ({as_of:%d/%m/%Y})", flush=True)
        proc, url = start_server(warehouse, work / "server.log")
        print(f"server {url}; busiest agency {agency}", flush=True)
        alone, run, loaded = asyncio.run(crowd(url, args, agency, warehouse, load_file, work, proc.pid))
        published = None if args.no_load else store.current_path(warehouse).name != first_build
        if published is False:
            run.errors.append("the load did not publish a new version")
        report(alone, run, loaded, published, args.users)
        rows = [{**r, "during_load": False} for r in alone.rows] + run.rows
        (out := ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
        pl.DataFrame(rows, schema={"session": pl.String, "round": pl.Int64, "page": pl.String,
                                   "started": pl.Float64, "seconds": pl.Float64, "during_load": pl.Boolean,
                                   "error": pl.String}).write_csv(out / "users.csv")
        return 1 if (failed := bool(alone.errors or run.errors)) else 0
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            finally:
                proc.kill()     # a no-op once it has stopped
        if failed:
            print(f"kept for a look: {work} (server.log, load.log)", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
