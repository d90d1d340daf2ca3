"""What every page runs first, whether opened from app.py or straight by its URL."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui import data, state

ROOT = Path(__file__).resolve().parent.parent
APP_TITLE = "Đánh giá giải quyết thủ tục hành chính"
FAVICON = Path(__file__).parent / "static" / "favicon.png"
# (script, menu title, icon, URL path = the file's name); icons are Material Symbols, which
# Streamlit ships with itself: no emoji font or download needed on an intranet machine
NAV = [
    ("pages/tong_quan.py", "Tổng quan", ":material/dashboard:", "tong_quan"),
    ("pages/xep_hang.py", "Xếp hạng", ":material/leaderboard:", "xep_hang"),
    ("pages/chi_so_766.py", "Chỉ số 766", ":material/workspace_premium:", "chi_so_766"),
    ("pages/dia_ban.py", "Theo địa bàn", ":material/account_tree:", "dia_ban"),
    ("pages/co_quan.py", "Cơ quan của tôi", ":material/apartment:", "co_quan"),
    ("pages/tre_han.py", "Hồ sơ trễ hạn", ":material/schedule:", "tre_han"),
    ("pages/trung_thuc.py", "Trung thực số liệu", ":material/fact_check:", "trung_thuc"),
    ("pages/bao_cao.py", "Báo cáo", ":material/description:", "bao_cao"),
    ("pages/trinh_chieu.py", "Trình chiếu", ":material/slideshow:", "trinh_chieu"),
    ("pages/du_lieu.py", "Dữ liệu", ":material/database:", "du_lieu"),
]

_CSS = """
<style>
/* numbers line up in tables and cards */
[data-testid="stMetricValue"], [data-testid="stDataFrame"] { font-variant-numeric: tabular-nums; }
.badge-ok { color: #0a7d32; font-weight: 600; }
.badge-bad { color: #b3261e; font-weight: 600; }
.badge-warn { color: #9a5b00; font-weight: 600; }
table.vn-table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.vn-table th { border-bottom: 2px solid #cbd5e1; padding: 6px 10px; background: #f8fafc; }
table.vn-table td { border-bottom: 1px solid #e2e8f0; padding: 5px 10px; }
table.vn-table caption { caption-side: top; text-align: left; color: #475569; padding-bottom: 4px; }
</style>
"""


def _build_demo(directory: Path, scale: float, progress) -> None:
    """`python -m etl demo` in a process of its own, its progress lines (on stderr) shown as they come:
    the ui runs the etl command as an operator would, and imports nothing of etl (layers look down)."""
    command = [sys.executable, "-m", "etl", "demo", "--warehouse", str(directory), "--scale", repr(scale)]
    lines: list[str] = []
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, encoding="utf-8") as proc:
        for line in proc.stderr:
            lines.append(line.rstrip("\n"))
            progress(lines[-1])
    if proc.returncode != 0:
        raise RuntimeError("Không tạo được kho dữ liệu mẫu:\n" + "\n".join(lines[-20:]))


def _ensure_warehouse() -> None:
    """With no warehouse yet, build the demo once (other sessions wait on the lock) and say so."""
    reader = data.reader()
    if reader.path is not None:
        return
    directory: Path = reader.directory
    directory.mkdir(parents=True, exist_ok=True)
    building = "Chưa có kho dữ liệu: đang tạo kho dữ liệu mẫu (khoảng 1 phút)…"
    with open(directory / ".demo.lock", "w") as lock:
        with st.status(building, expanded=True) as status:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if reader.path is None:
                    scale = float(os.environ.get("DEMO_SCALE", "1.0"))
                    _build_demo(directory, scale, progress=status.write)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
            status.update(label="Đã tạo kho dữ liệu mẫu.", state="complete", expanded=False)
    st.toast("Đã tạo kho dữ liệu mẫu để xem thử.")


def bootstrap(page_title: str) -> dict[str, str]:
    """Page config, style, a warehouse to read; returns the warehouse's meta (as_of, demo, ...)."""
    state.enter(page_title)   # first: whether this run entered the page decides whose choice wins
    # a file of our own: a Material icon as page icon is fetched from fonts.gstatic.com
    st.set_page_config(page_title=f"{page_title} · {APP_TITLE}", page_icon=str(FAVICON), layout="wide")
    st.markdown(_CSS, unsafe_allow_html=True)
    with st.sidebar:
        st.markdown(f"**{APP_TITLE}**")
        for path, title, icon, url_path in NAV:
            try:
                st.page_link(path, label=title, icon=icon)
            except StreamlitAPIException:
                # a page run as the entry point itself (AppTest) knows no other pages: plain link
                st.markdown(f"{icon} [{title}](/{url_path})")
    _ensure_warehouse()
    try:
        meta = data.get("meta")
    except Exception as exc:  # noqa: BLE001 - any reason the file cannot be read ends here, in words
        path = data.reader().path
        st.error(
            f"Không đọc được kho dữ liệu `{path}`: {type(exc).__name__}: {exc}\n\n"
            "Kho dữ liệu có thể bị hỏng hoặc được tạo bởi phiên bản cũ. Hãy tạo lại bằng "
            "`python -m etl build` (hoặc `python -m etl demo` cho dữ liệu mẫu), rồi tải lại trang.",
            icon=":material/error:",
        )
        st.stop()
    if meta.get("is_demo") == "true":
        st.sidebar.info("Đang xem **kho dữ liệu mẫu** (số liệu mô phỏng, không phải số liệu thật).")
    # who may see what (docs/security.md): the sign-in screen stops here until someone signs in
    from ui import auth

    auth.gate(meta)
    return meta
