"""Trình chiếu: the steering committee's slides, full screen, one message per slide (docs/projector.md).

The slide number (`trang`), the period (`ky`, `ma_ky`) and the auto-advance delay (`tu_dong`, seconds,
0 = off) live in the URL. Keys → PageDown Space / ← PageUp turn the slides (ui/slides.KEYS_JS clicks
the buttons below); F toggles full screen.
"""

import datetime as dt
import time

import polars as pl
import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui import components, data, slides, state
from ui.bootstrap import bootstrap
from warehouse import fmt

TOTAL = len(slides.TITLES)
TIMER_CHOICES = ["0", "10", "20", "30", "60", "120"]
MAX_TIMER = 3600

get = data.getter("queries_targets")


def slide_number(raw) -> int:
    """The `trang` of a link, clamped to 1..TOTAL (anything unreadable is slide 1)."""
    try:
        number = int(str(raw).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), TOTAL)


def turn(step: int) -> None:
    """Next (+1) or previous (−1) slide, wrapping round, so a timer loops the deck."""
    current = slide_number(st.query_params.get("trang"))
    st.query_params["trang"] = str((current - 1 + step) % TOTAL + 1)


def timer_choices() -> list[str]:
    """The usual delays, plus a link's own number of seconds when it is a sensible one."""
    wanted = st.query_params.get("tu_dong", "")
    sensible = wanted.isdigit() and 0 < int(wanted) <= MAX_TIMER and wanted not in TIMER_CHOICES
    extra = [wanted] if sensible else []
    return sorted(TIMER_CHOICES + extra, key=int)




def build(number: int, period: dict, as_of: dt.date | None, province: str | None) -> slides.Slide:
    kind, key, label, year = (period[c] for c in ("period_kind", "period_key", "period_label", "year"))
    if number == 1:
        # the chosen period's own figures against the year's targets (a quarter's for a quarter)
        summary = data.get("province_summary", kind, key).row(0, named=True)
        return slides.targets_slide(get("attainment", year), year, as_of, period, summary)
    if number == 4:
        has_targets = data.get("level_targets", year).height > 0
        rows = (data.getter("queries_slides")("missed_targets", year) if slides.year_is_over(year, as_of)
                else get("at_risk", year))
        return slides.at_risk_slide(rows, has_targets, year, as_of, province)
    summary = data.get("province_summary", kind, key).row(0, named=True)
    if not (summary["carried_over"] or 0) + (summary["received_new"] or 0):
        return slides.Slide(f"{label}: không có hồ sơ nào trong kỳ",
                            empty=f"{label}: không có hồ sơ nào trong kỳ này. Chọn kỳ khác trong “Tuỳ chọn”.")
    rankings = get("ranking_all_groups", kind, key, "on_time_rate")
    if number == 2:
        return slides.rankings_slide(rankings, label, province)
    if number == 3:
        weakest = get("weakest", kind, key)    # the ranking page's rule, as the brief names them
        return slides.late_slide(rankings, weakest, summary["finished_late"], summary["finished"], label,
                                 province)
    older = data.get("periods", kind).filter(pl.col("start_date") < period["start_date"])
    previous, previous_label = None, None
    if older.height:
        previous_label = older["period_label"][0]
        previous = data.get("province_summary", kind, older["period_key"][0]).row(0, named=True)
    return slides.progress_slide(summary, previous, label, previous_label, rankings, province)


def exit_link(container, query: dict) -> None:
    try:
        container.page_link("pages/tong_quan.py", label="Thoát trình chiếu", icon=":material/close:",
                            query_params=query)
    except StreamlitAPIException:
        # a page run as the entry point itself (AppTest) knows no other pages: plain link
        link = "&".join(f"{k}={v}" for k, v in query.items())
        container.markdown(f"[Thoát trình chiếu](/tong_quan?{link})")


meta = bootstrap("Trình chiếu")
st.html(slides.CSS)
as_of = dt.date.fromisoformat(meta["as_of"][:10]) if meta.get("as_of") else None
province = data.get("province_name", meta.get("province_code"))

number = slide_number(st.query_params.get("trang"))
if st.query_params.get("trang") != str(number):
    st.query_params["trang"] = str(number)

# drawn in this order on screen: the slide, then the control bar (fixed to the bottom by the CSS)
stage = st.container(key="slide_stage")
bar = st.container(key="slide_controls", horizontal=True, vertical_alignment="center", gap="medium",
                   wrap=False)
bar.button("Trước", key="slide_prev", icon=":material/arrow_back:", on_click=turn, args=(-1,),
           help="Phím ← hoặc PageUp")
bar.button("Sau", key="slide_next", icon=":material/arrow_forward:", icon_position="right", on_click=turn,
           args=(1,), help="Phím →, PageDown hoặc Space")
bar.button("Toàn màn hình", key="slide_fullscreen", icon=":material/fullscreen:", help="Phím F; Esc để thoát")
options = bar.popover("Tuỳ chọn", icon=":material/tune:")
period = components.period_picker(data.get, container=options, default_kind="quarter")
seconds = int(state.select("Tự động chuyển trang", timer_choices(), "tu_dong", default="0", container=options,
                           format_func=lambda s: "Tắt" if s == "0" else f"Sau mỗi {s} giây"))
options.caption("Phím → / PageDown / Space: trang sau · ← / PageUp: trang trước · "
                "F hoặc F11: toàn màn hình · Esc: thoát toàn màn hình.")
exit_link(options, {"ky": period["period_kind"], "ma_ky": period["period_key"]} if period else {})

if period is None:
    slide = slides.Slide("Kho dữ liệu chưa có kỳ báo cáo nào",
                         empty="Kho dữ liệu chưa có hồ sơ nào, nên chưa có gì để trình chiếu.")
elif data.get("province_trend", "year").height == 0:
    slide = slides.Slide("Kho dữ liệu chưa có hồ sơ nào",
                         empty="Kho dữ liệu chưa có hồ sơ nào, nên chưa có gì để trình chiếu. "
                               "Nạp dữ liệu ở trang “Dữ liệu”.")
else:
    slide = build(number, period, as_of, province)
with stage:
    slides.show(slide)

status = [f"<b>Trang {number}/{TOTAL}</b>"]
if period:
    status.append(slides.esc(period["period_label"]))
status.append(f"đến {fmt.date(as_of)}")
if seconds:
    status.append(f"tự chuyển sau {seconds} giây")
if meta.get("is_demo") == "true":
    status.append("<b>số liệu mẫu</b>")
bar.html(f"<div class='slide-status'>{' · '.join(status)}</div>")

with st.container(key="slide_script"):
    st.html(slides.KEYS_JS, unsafe_allow_javascript=True)
    if seconds:
        # the server turns the slide: no browser timer to outlive the page; a key press restarts the count
        st.session_state["slide_shown_at"] = time.monotonic()

        @st.fragment(run_every=seconds)
        def auto_turn() -> None:
            if time.monotonic() - st.session_state.get("slide_shown_at", 0.0) >= seconds - 0.5:
                turn(1)
                st.rerun()

        auto_turn()
