"""End-to-end fixtures: one demo warehouse, one `streamlit run app.py` server and one headless Chromium
for the whole session; a fresh browser context (cookies, session, locale) per test.

Chromium is Debian's (/usr/bin/chromium, or $CHROMIUM_PATH): browsers cannot be downloaded here, so
never `playwright install`. test.sh installs the package when it is missing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # without these, Chromium's own background connections make it refuse connections on a closed network
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
SERVER_START_TIMEOUT = 60.0


def chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
    return path if Path(path).exists() else shutil.which(path)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


@pytest.fixture(scope="session")
def warehouse_dir(tmp_path_factory) -> Path:
    """A small demo warehouse, built once per session by the real CLI."""
    directory = tmp_path_factory.mktemp("browser") / "warehouse"
    cmd = [sys.executable, "-m", "etl", "demo", "--warehouse", str(directory),
           "--scale", "0.05", "--seed", "7", "--as-of", "2026-11-23"]
    done = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"
    assert (directory / "CURRENT").exists(), done.stderr
    return directory


@pytest.fixture(scope="session")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("streamlit") / "server.log"


@contextlib.contextmanager
def streamlit_server(warehouse: Path, log_path: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port serving `warehouse`; stopped when the block ends."""
    port = _free_port()
    env = dict(os.environ, WAREHOUSE_DIR=str(warehouse), PYTHONUNBUFFERED="1")
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py",
           "--server.port", str(port), "--server.headless", "true",
           "--browser.gatherUsageStats", "false",
           # others edit the checkout while the tests run: no "source file changed" prompts mid-test
           "--server.fileWatcherType", "none"]
    url = f"http://localhost:{port}"
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}:\n{_tail(log_path)}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer on {url} in {SERVER_START_TIMEOUT:.0f} s:\n"
                            f"{_tail(log_path)}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def base_url(warehouse_dir: Path, server_log: Path) -> Iterator[str]:
    """The session's server, serving the demo warehouse."""
    with streamlit_server(warehouse_dir, server_log) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        # a missing browser must fail the suite, not pass it quietly
        pytest.fail("no Chromium: apt-get install chromium (test.sh does), or set CHROMIUM_PATH")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
    finally:
        pw.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_context(request, browser, base_url, server_log, tmp_path_factory):
    """Factory of fresh browser contexts (1400x900, Vietnamese locale unless told otherwise).

    When the test fails, every open page is saved as a screenshot and the server log's tail is printed.
    """
    contexts = []

    def make(**options):
        options.setdefault("viewport", VIEWPORT)
        options.setdefault("locale", "vi-VN")
        ctx = browser.new_context(base_url=base_url, **options)
        ctx.set_default_timeout(30_000)
        contexts.append(ctx)
        return ctx

    yield make
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        out = tmp_path_factory.mktemp("failure")
        for i, ctx in enumerate(contexts):
            for j, page in enumerate(ctx.pages):
                try:
                    page.screenshot(path=str(out / f"{i}-{j}.png"), full_page=True)
                    print(f"failure screenshot: {out / f'{i}-{j}.png'} ({page.url})")
                except Exception as exc:  # the page may be gone already
                    print(f"no screenshot of {page.url}: {exc}")
        print(f"streamlit log ({server_log}):\n{_tail(server_log)}")
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def page(new_context):
    """A page in a fresh context with the default options."""
    return new_context().new_page()
