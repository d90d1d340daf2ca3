"""What every page runs first, whether opened from app.py or straight by its URL."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import streamlit as st

from ui import data

APP_TITLE = "Đánh giá giải quyết thủ tục hành chính"

_CSS = """
<style>
/* numbers line up in tables and cards */
[data-testid="stMetricValue"], [data-testid="stDataFrame"] { font-variant-numeric: tabular-nums; }
.badge-ok { color: #0a7d32; font-weight: 600; }
.badge-bad { color: #b3261e; font-weight: 600; }
</style>
"""


def _ensure_warehouse() -> None:
    """With no warehouse yet, build the demo once (other sessions wait on the lock) and say so."""
    reader = data.reader()
    if reader.path is not None:
        return
    directory: Path = reader.directory
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".build.lock", "w") as lock:
        with st.status("Chưa có kho dữ liệu: đang tạo kho dữ liệu mẫu (khoảng 1 phút)…", expanded=True) as status:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if reader.path is None:
                    from etl.build_demo import build_demo

                    scale = float(os.environ.get("DEMO_SCALE", "1.0"))
                    build_demo(directory, scale=scale, progress=status.write)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
            status.update(label="Đã tạo kho dữ liệu mẫu.", state="complete", expanded=False)
    st.toast("Đã tạo kho dữ liệu mẫu để xem thử.")


def bootstrap(page_title: str) -> dict[str, str]:
    """Page config, style, a warehouse to read; returns the warehouse's meta (as_of, demo, ...)."""
    st.set_page_config(page_title=f"{page_title} · {APP_TITLE}", page_icon="📊", layout="wide")
    st.markdown(_CSS, unsafe_allow_html=True)
    _ensure_warehouse()
    meta = data.get("meta")
    if meta.get("is_demo") == "true":
        st.sidebar.info("Đang xem **kho dữ liệu mẫu** (số liệu mô phỏng, không phải số liệu thật).")
    return meta
