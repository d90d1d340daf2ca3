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

# Streamlit's own chrome hidden, the page made a slide. Every size is a multiple of --u: 1% of the
# screen's width on a 16:9 screen, 1.78% of its height on a taller one (1400×900), so a slide looks the
# same on 1280×720, 1366×768 and 1920×1080 and fills each. The stage is fixed to exactly the space above
# the bar (--bar), whatever Streamlit draws before it, and the slide's chart stretches to what its text
# leaves (`show`). The bar's `margin: 0` undoes Streamlit's -3.2 px, which put its bottom off screen.
CSS = f"""
<style>
:root {{ --u: min(1vw, 1.78vh); --bar: calc(6 * var(--u)); --pad: calc(3.4 * var(--u)); }}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], [data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"] {{ display: none !important; }}
[data-testid="stMain"] {{ background: #ffffff; }}
.st-key-slide_stage {{ position: fixed; top: 0; left: 0; right: 0; bottom: var(--bar); z-index: 99;
    padding: calc(1.6 * var(--u)) var(--pad) calc(1 * var(--u)) var(--pad); background: #ffffff;
    gap: calc(1.1 * var(--u)); flex-wrap: nowrap; }}
.st-key-slide_stage > div:has(.stHorizontalBlock) {{ flex: 1 1 0 !important; min-height: 0; }}
.st-key-slide_stage .stColumn > .stVerticalBlock {{ height: 100%; }}
.st-key-slide_chart {{ flex: 1 1 0 !important; min-height: 0; }}
.st-key-slide_chart > div, .st-key-slide_chart .stPlotlyChart {{ height: 100%; }}
[data-testid="stMain"] h1 {{ font-size: calc(3.5 * var(--u)) !important; line-height: 1.15 !important;
    font-weight: 800 !important; color: {INK} !important; padding: 0 !important;
    letter-spacing: -0.5px; }}
[data-testid="stMain"] [data-testid="stAlert"] p {{ font-size: calc(2.1 * var(--u)) !important;
    line-height: 1.35; color: {INK}; }}
.slide-lead {{ font-size: calc(2.1 * var(--u)); line-height: 1.3; color: {INK}; margin: 0; }}
.slide-note {{ font-size: calc(1.55 * var(--u)); line-height: 1.25; color: {INK}; }}
.tiles {{ display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: calc(1.1 * var(--u)); }}
.tile {{ border: 3px solid {INK}; border-left-width: calc(1.1 * var(--u)); border-radius: 10px;
    padding: calc(0.6 * var(--u)) calc(1.3 * var(--u)); color: {INK}; }}
.tile.met {{ border-left-color: {GOOD}; }} .tile.at_risk {{ border-left-color: {WARN}; }}
.tile.missed, .tile.behind {{ border-left-color: {BAD}; }}
.tile-label {{ font-size: calc(1.7 * var(--u)); font-weight: 600; line-height: 1.2;
    min-height: calc(4.1 * var(--u)); }}
.tile-value {{ font-size: calc(4.6 * var(--u)); font-weight: 800; line-height: 1.05;
    font-variant-numeric: tabular-nums; }}
.tile-target {{ font-size: calc(1.7 * var(--u)); line-height: 1.3; }}
.badge {{ display: inline-block; font-size: calc(1.55 * var(--u)); font-weight: 800; color: #ffffff;
    border-radius: 6px; padding: 0 calc(0.8 * var(--u)); margin-left: calc(0.3 * var(--u));
    letter-spacing: 0.5px; }}
.badge.met {{ background: {GOOD}; }} .badge.at_risk {{ background: {WARN}; }}
.badge.missed, .badge.behind {{ background: {BAD}; }} .badge.no_data {{ background: {INK}; }}
table.slide-table {{ border-collapse: collapse; width: 100%; font-size: calc(1.9 * var(--u)); color: {INK};
    font-variant-numeric: tabular-nums; }}
table.slide-table th {{ text-align: left; font-size: calc(1.5 * var(--u)); text-transform: uppercase;
    letter-spacing: 0.5px; border-bottom: 3px solid {INK};
    padding: calc(0.3 * var(--u)) calc(0.8 * var(--u)); }}
table.slide-table td {{ border-bottom: 1px solid {INK}; padding: calc(0.15 * var(--u)) calc(0.8 * var(--u));
    vertical-align: top; line-height: 1.2; }}
table.slide-table td.num, table.slide-table th.num {{ text-align: right; white-space: nowrap; }}
.big {{ font-size: calc(2.3 * var(--u)); font-weight: 800; line-height: 1.1; }}
.small {{ font-size: calc(1.45 * var(--u)); line-height: 1.15; }}
.up {{ color: {GOOD}; font-weight: 800; }} .down {{ color: {BAD}; font-weight: 800; }}
.st-key-slide_controls {{ position: fixed; left: 0; right: 0; bottom: 0; z-index: 100; margin: 0 !important;
    height: var(--bar); background: #ffffff; border-top: 2px solid {INK}; padding: 0 var(--pad); }}
.st-key-slide_controls button {{ min-height: calc(4 * var(--u)); padding: 0 calc(1.1 * var(--u));
    border: 2px solid {INK}; color: {INK}; }}
.st-key-slide_controls button p {{ font-size: calc(1.6 * var(--u)) !important; font-weight: 700; }}
.slide-status {{ font-size: calc(1.5 * var(--u)); line-height: 1.2; color: {INK}; }}
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
    return f"{fmt.number(abs(delta) * 100, 1)}{fmt.POINTS_UNIT}"


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
        chart = dict(theme=None, config={"displayModeBar": False}, key="slide_chart", height="stretch")
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
