"""The projector slides' look and drawing (ui/slides.py builds each slide's content).

The `Slide` a builder returns, the page's CSS and keyboard script, the formats the slides share, and
`show`, which draws a slide with Streamlit.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import plotly.graph_objects as go
import streamlit as st

from ui import components
from warehouse import fmt

INK = "#111111"                        # text: near-black on white, readable from the back of a room
GOOD, BAD, WARN = "#14692f", "#b3261e", "#8a4b00"   # white text on these passes WCAG AA (≥ 4.5:1)
FONT = '"Source Sans", sans-serif'   # the font Streamlit itself ships and serves: no download
BARS = 8                               # bars a slide's chart shows at most
ROWS = 8                               # rows of a table of agencies, so it fits above the control bar
SIDE_ROWS = 5                          # rows of a table beside a chart

# slide number (1-based) -> short title, in the order the meeting goes through them
TITLES = ["Chỉ tiêu năm", "Xếp hạng trong nhóm", "Trễ hạn nhiều nhất", "Chỉ tiêu có nguy cơ, không đạt",
          "Tiến bộ so với kỳ trước"]

# Streamlit's own chrome hidden, the page made a slide; sizes in px because the room sees pixels
CSS = f"""
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"] {{ display: none !important; }}
[data-testid="stMain"] {{ background: #ffffff; }}
[data-testid="stMainBlockContainer"] {{ max-width: 100% !important;
    padding: 28px 48px 120px 48px !important; }}
[data-testid="stMain"] h1 {{ font-size: 52px !important; line-height: 1.15 !important;
    font-weight: 800 !important; color: {INK} !important; padding: 0 0 8px 0 !important;
    letter-spacing: -0.5px; }}
[data-testid="stMain"] [data-testid="stAlert"] p {{ font-size: 30px !important; line-height: 1.35;
    color: {INK}; }}
.slide-lead {{ font-size: 30px; line-height: 1.35; color: {INK}; margin: 0 0 18px 0; }}
.slide-note {{ font-size: 22px; color: {INK}; margin-top: 10px; }}
.tiles {{ display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 22px; }}
.tile {{ border: 3px solid {INK}; border-left-width: 16px; border-radius: 10px; padding: 14px 20px;
    color: {INK}; }}
.tile.met {{ border-left-color: {GOOD}; }} .tile.at_risk {{ border-left-color: {WARN}; }}
.tile.missed, .tile.behind {{ border-left-color: {BAD}; }}
.tile-label {{ font-size: 24px; font-weight: 600; line-height: 1.2; min-height: 58px; }}
.tile-value {{ font-size: 68px; font-weight: 800; line-height: 1.05;
    font-variant-numeric: tabular-nums; }}
.tile-target {{ font-size: 24px; margin-top: 4px; }}
.badge {{ display: inline-block; font-size: 22px; font-weight: 800; color: #ffffff; border-radius: 6px;
    padding: 2px 12px; margin-top: 8px; letter-spacing: 0.5px; }}
.badge.met {{ background: {GOOD}; }} .badge.at_risk {{ background: {WARN}; }}
.badge.missed, .badge.behind {{ background: {BAD}; }} .badge.no_data {{ background: {INK}; }}
table.slide-table {{ border-collapse: collapse; width: 100%; font-size: 27px; color: {INK};
    font-variant-numeric: tabular-nums; }}
table.slide-table th {{ text-align: left; font-size: 22px; text-transform: uppercase;
    letter-spacing: 0.5px; border-bottom: 3px solid {INK}; padding: 6px 12px; }}
table.slide-table td {{ border-bottom: 1px solid {INK}; padding: 6px 12px; vertical-align: top;
    line-height: 1.3; }}
table.slide-table td.num, table.slide-table th.num {{ text-align: right; white-space: nowrap; }}
.big {{ font-size: 34px; font-weight: 800; line-height: 1.1; }}
.small {{ font-size: 21px; line-height: 1.2; }}
.up {{ color: {GOOD}; font-weight: 800; }} .down {{ color: {BAD}; font-weight: 800; }}
.st-key-slide_controls {{ position: fixed; left: 0; right: 0; bottom: 0; z-index: 100;
    background: #ffffff; border-top: 2px solid {INK}; padding: 10px 48px; }}
.st-key-slide_controls button {{ min-height: 58px; padding: 0 18px; border: 2px solid {INK};
    color: {INK}; }}
.st-key-slide_controls button p {{ font-size: 24px !important; font-weight: 700; }}
.slide-status {{ font-size: 22px; color: {INK}; white-space: nowrap; overflow: hidden;
    text-overflow: ellipsis; }}
.st-key-slide_controls [data-testid='stElementContainer'] {{ min-width: 0; }}
.st-key-slide_script {{ display: none; }}
</style>
"""

# Keys: → PageDown Space = next, ← PageUp = previous, F = full screen (Esc leaves it). st.html runs this
# in the page itself; the listener clicks the page's own Streamlit buttons (found by their key class),
# so a key press does exactly what a click does. Each run replaces the previous run's listener, so
# there is never more than one, and it does nothing once another page is shown.
KEYS_JS = """
<script>
(function () {
  const doc = window.document;
  const KEYS = {ArrowRight: "slide_next", PageDown: "slide_next", " ": "slide_next",
                ArrowLeft: "slide_prev", PageUp: "slide_prev"};
  const onSlides = () => doc.querySelector(".st-key-slide_next") !== null;
  const toggleFullScreen = () => {
    if (doc.fullscreenElement) { doc.exitFullscreen(); }
    else { doc.documentElement.requestFullscreen().catch(() => {}); }
  };
  function onKey(event) {
    if (!onSlides() || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target;
    const inside = (selector) => target && target.closest && target.closest(selector);
    // typing in the options (period, timer) must not turn the slides
    if (inside("input, textarea, select, [contenteditable='true'], [role='combobox'], [role='listbox'], "
               + "[role='dialog']")) return;
    if (event.key === " " && inside("button, a, [role='button']")) return;  // Space already clicks it
    if (event.key === "f" || event.key === "F") { event.preventDefault(); toggleFullScreen(); return; }
    const button = KEYS[event.key] && doc.querySelector(".st-key-" + KEYS[event.key] + " button");
    if (!button || button.disabled) return;
    event.preventDefault();
    button.click();
  }
  function onClick(event) {
    const target = event.target;
    const onButton = target && target.closest && target.closest(".st-key-slide_fullscreen");
    if (onSlides() && onButton) toggleFullScreen();
  }
  if (window.__slidesOnKey) doc.removeEventListener("keydown", window.__slidesOnKey, true);
  if (window.__slidesOnClick) doc.removeEventListener("click", window.__slidesOnClick, true);
  window.__slidesOnKey = onKey;
  window.__slidesOnClick = onClick;
  doc.addEventListener("keydown", onKey, true);
  doc.addEventListener("click", onClick, true);
})();
</script>
"""


@dataclass
class Slide:
    headline: str                      # the message, as one sentence
    lead: str = ""                     # what it is measured on (plain text)
    body: str = ""                     # HTML, every value already escaped
    figure: go.Figure | None = None
    side: str = ""                     # HTML beside the figure
    empty: str | None = None           # nothing to show: this, in words
    note: str = ""                     # a line under the body
    split: tuple[int, int] = (3, 2)    # widths of the figure and the side


# --- formats -------------------------------------------------------------------------------------------

def esc(value) -> str:
    return html.escape("" if value is None else str(value))


def target_text(metric, value) -> str:
    """A target as people say it: 96% rather than 96,0%."""
    if metric.fmt == "percent" and value is not None and round(value * 100, 1) == round(value * 100):
        return fmt.percent(value, 0)
    return fmt.metric_value(metric, value)


def comparator_text(comparator: str) -> str:
    return "≥" if comparator == ">=" else "≤"


def short_name(name: str | None, province: str | None) -> str:
    """'Sở Tư pháp tỉnh Quảng Ninh' -> 'Sở Tư pháp': on a slide every agency is in the province.
    `province` as dim_unit names it ('Tỉnh Quảng Ninh', 'Thành phố Hải Phòng') or bare."""
    name = name or fmt.EMPTY
    if province:
        bare = province
        for kind in ("Tỉnh ", "Thành phố "):
            if bare.lower().startswith(kind.lower()):
                bare = bare[len(kind):]
        for suffix in (f" tỉnh {bare}", f" thành phố {bare}", f" TP {bare}", f" {bare}"):
            if name.lower().endswith(suffix.lower()) and len(name) > len(suffix):
                return name[: -len(suffix)]
    return name


def points_abs(delta: float) -> str:
    return f"{fmt.number(abs(delta) * 100, 1)} điểm %"


def plot_layout(**extra) -> dict:
    """components.PLOT_LAYOUT with projector fonts: large, near-black."""
    base = components.PLOT_LAYOUT | {"font": dict(family=FONT, size=22, color=INK),
                                     "hoverlabel": dict(font_size=22), "paper_bgcolor": "white"}
    return base | extra


def html_table(headers: list[tuple[str, bool]], rows: list[list[str]]) -> str:
    """Rows of already-escaped HTML cells; (header, numeric?) per column."""
    head = "".join(f"<th class='{'num' if n else ''}'>{esc(h)}</th>" for h, n in headers)
    body = "".join(
        "<tr>" + "".join(f"<td class='{'num' if numeric else ''}'>{cell}</td>"
                         for cell, (_, numeric) in zip(row, headers)) + "</tr>"
        for row in rows
    )
    return f"<table class='slide-table'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


# --- drawing -------------------------------------------------------------------------------------------

def show(slide: Slide) -> None:
    """Draw a slide where the caller is drawing (the page puts it in its stage container)."""
    st.title(slide.headline, anchor=False)
    if slide.lead:
        st.html(f"<div class='slide-lead'>{esc(slide.lead)}</div>")
    if slide.empty:
        components.empty_state(slide.empty)
        return
    if slide.body:
        st.html(slide.body)
    if slide.figure is not None:
        chart = dict(theme=None, config={"displayModeBar": False}, key="slide_chart")
        if slide.side:
            left, right = st.columns(list(slide.split), gap="large")
            left.plotly_chart(slide.figure, **chart)
            right.html(slide.side)
        else:
            st.plotly_chart(slide.figure, **chart)
    elif slide.side:
        st.html(slide.side)
    if slide.note:
        st.html(f"<div class='slide-note'>{esc(slide.note)}</div>")
