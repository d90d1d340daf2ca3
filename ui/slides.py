"""Projector slides for steering-committee meetings: one message per slide, large and high-contrast.

Each builder takes frames the page has already read and returns a `Slide` (a headline sentence that
states the message, a supporting sentence, and a table, tiles or a chart); `show` draws it. Builders
do no I/O, so their sentences can be checked against hand-made frames. Their look and `show` live in
ui/slide_parts.py.
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl

from ui import components
from ui.slide_parts import (
    BAD,
    BARS,
    CSS,
    GOOD,
    INK,
    KEYS_JS,
    ROWS,
    SIDE_ROWS,
    TITLES,
    Slide,
    comparator_text,
    esc,
    html_table,
    plot_layout,
    points_abs,
    short_name,
    show,
    target_text,
)
from warehouse import fmt, narrative
from warehouse.metrics import HEADLINE, METRICS, target_met

# the page (pages/trinh_chieu.py) reaches everything of the slides through this module
__all__ = ["CSS", "KEYS_JS", "TITLES", "Slide", "esc", "short_name", "target_text", "show", "year_is_over",
           "targets_slide", "rankings_slide", "late_slide", "at_risk_slide", "progress_slide"]


# --- 1. the province against this year's targets ------------------------------------------------------

STATUS_WORDS = {"met": "đạt", "at_risk": "có nguy cơ không đạt", "missed": "không đạt", "behind": "chưa đạt",
                "no_data": "chưa có số liệu"}


def _period_rows(rows: list[dict], summary: dict) -> list[dict]:
    """Each year attainment row judged on the chosen period's own value (`summary`, the period's
    province_summary row) against the year's target: met or not yet ('behind'). A count target (at
    most N late dossiers in the year) says nothing of a quarter: its row keeps the year's figure."""
    judged = []
    for r in rows:
        m = METRICS[r["kpi"]]
        if m.is_count:
            judged.append(r | {"shown": r["value"], "shown_state": r["state"], "of_year": True})
            continue
        value = summary.get(r["kpi"])
        met = target_met(r["comparator"], value, r["target_value"])
        state = "no_data" if met is None else ("met" if met else "behind")
        judged.append(r | {"shown": value, "shown_state": state, "of_year": False})
    return judged


def targets_slide(attainment: pl.DataFrame, year: int, as_of: dt.date | None, period: dict | None = None,
                  summary: dict | None = None) -> Slide:
    """The province's attainment rows of queries_targets.attainment(year). With a `period` shorter than
    the year (a quarter, a month) and its province_summary row `summary`, the headline and the tiles
    are that period's figures against the year's targets and the year's own figures are named as the
    year's: every number states the period it belongs to, and the deck's period is the one chosen."""
    if attainment.height == 0:
        return Slide(f"Năm {year} chưa có chỉ tiêu kế hoạch",
                     empty=f"Chưa có chỉ tiêu kế hoạch năm {year} cho toàn tỉnh, nên chưa so sánh được.")
    rows = [r | {"state": components.target_state(r)} for r in attainment.iter_rows(named=True)]
    counts = {s: sum(r["state"] == s for r in rows) for s in STATUS_WORDS}
    final = all(r["is_final"] for r in rows)
    when = f"Cả năm {year}" if final else f"Năm {year}, số liệu đến {fmt.date(as_of)}"
    parts = [f"{counts[s]} chỉ tiêu {STATUS_WORDS[s]}" for s in STATUS_WORDS if counts[s]]
    year_lead = f"{when}: " + ", ".join(parts) + f" (trên {len(rows)} chỉ tiêu của toàn tỉnh)."
    part_of_year = period is not None and summary is not None and period.get("period_kind") != "year"
    if part_of_year:
        label = period["period_label"]
        rows = _period_rows(rows, summary)
        judged = [r for r in rows if not r["of_year"] and r["shown_state"] != "no_data"]
        lead = (f"{label} so với chỉ tiêu kế hoạch năm {year}: "
                f"{sum(r['shown_state'] == 'met' for r in judged)}/{len(judged)} chỉ tiêu đạt trong kỳ. "
                + year_lead)
    else:
        label = f"năm {year}"
        rows = [r | {"shown": r["value"], "shown_state": r["state"], "of_year": False} for r in rows]
        lead = year_lead

    on_time = next((r for r in rows if r["kpi"] == "on_time_rate"), None)
    if on_time is None:
        met = sum(r["shown_state"] == "met" for r in rows)
        headline = f"{label[:1].upper() + label[1:]}: đạt {met}/{len(rows)} chỉ tiêu kế hoạch"
    elif on_time["shown_state"] == "no_data":
        headline = f"Tỷ lệ đúng hạn {label}: chưa có số liệu"
    else:
        m = METRICS["on_time_rate"]
        ceiling = "" if on_time["comparator"] == ">=" else "tối đa "
        value, goal = fmt.metric_value(m, on_time["shown"]), target_text(m, on_time["target_value"])
        headline = (f"Tỷ lệ đúng hạn {label}: {value}, "
                    f"{STATUS_WORDS[on_time['shown_state']]} chỉ tiêu {ceiling}{goal}")

    tiles = []
    for r in rows:
        m = METRICS[r["kpi"]]
        detail = ""
        if part_of_year and not r["of_year"]:
            # the year's own figure, named as the year's, under the period's
            detail = (f"<div class='tile-target'>Năm {year}: {esc(fmt.metric_value(m, r['value']))} "
                      f"({esc(STATUS_WORDS[r['state']])})</div>")
        elif r["state"] in ("at_risk", "behind") and r["projected_value"] is not None:
            projected = esc(fmt.metric_value(m, r["projected_value"]))
            detail = f"<div class='tile-target'>Dự báo cuối năm {projected}</div>"
        whose = f" (năm {year})" if part_of_year and r["of_year"] else ""
        state = r["shown_state"]
        tiles.append(
            f"<div class='tile {state}'><div class='tile-label'>{esc(m.label)}{whose}</div>"
            f"<div class='tile-value'>{esc(fmt.metric_value(m, r['shown']))}</div>"
            # the verdict sits beside the target, not under it: two rows of four tiles fit 1280×720
            f"<div class='tile-target'>Chỉ tiêu {comparator_text(r['comparator'])} "
            f"{esc(target_text(m, r['target_value']))} "
            f"<span class='badge {state}'>{esc(STATUS_WORDS[state].upper())}</span></div>{detail}</div>"
        )
    return Slide(headline, lead, body=f"<div class='tiles'>{''.join(tiles)}</div>")


# --- 2. each peer group's top and bottom ---------------------------------------------------------------

def rankings_slide(rankings: pl.DataFrame, period_label: str, province: str | None) -> Slide:
    """`rankings`: queries_targets.ranking on the on-time rate for every peer group of the period,
    stacked, with a `peer_group_label` column; only ranked agencies are shown."""
    m = METRICS["on_time_rate"]
    if rankings.height == 0:
        return Slide(f"{period_label}: chưa có cơ quan nào có hồ sơ",
                     empty=f"{period_label}: không có cơ quan nào có hồ sơ trong kỳ, "
                           "nên chưa có gì để xếp hạng.")
    ranked = rankings.filter(pl.col("is_ranked"))
    if ranked.height == 0:
        return Slide(f"{period_label}: chưa đơn vị nào đủ hồ sơ để xếp hạng",
                     empty="Không đơn vị nào có đủ số hồ sơ tối thiểu để xếp hạng tỷ lệ đúng hạn "
                           "trong kỳ này.")
    def cell(r: dict) -> str:
        return (f"{esc(short_name(r['agency_name'], province))}<br>"
                f"<span class='big'>{esc(fmt.metric_value(m, r['value']))}</span>")

    rows, tops, bottoms, unranked = [], [], [], []
    for label in rankings["peer_group_label"].unique(maintain_order=True).to_list():
        group = ranked.filter(pl.col("peer_group_label") == label).sort("rank", "agency_name")
        if group.height == 0:
            unranked.append(label)
            continue
        top, bottom = group.row(0, named=True), group.row(-1, named=True)
        tops.append(top["value"])
        if group.height > 1:
            bottoms.append(bottom["value"])
            last = cell(bottom) + f" · hạng {bottom['rank']}/{bottom['ranked_count']}"
        else:
            last = "Chỉ một đơn vị được xếp hạng"
        rows.append([f"<b>{esc(label)}</b><br><span class='small'>{group.height} đơn vị xếp hạng</span>",
                     cell(top), last])
    headline = f"Đúng hạn {period_label}: đầu bảng {fmt.metric_value(m, max(tops))}"
    if bottoms:
        headline += f", cuối bảng {fmt.metric_value(m, min(bottoms))}"
    lead = "Đứng đầu và cuối bảng mỗi nhóm, chỉ xét đơn vị đủ số hồ sơ tối thiểu."
    note = f"Chưa đơn vị nào đủ hồ sơ để xếp hạng trong nhóm: {'; '.join(unranked)}." if unranked else ""
    table = html_table([("Nhóm so sánh", False), ("Đứng đầu", False), ("Cuối bảng", False)], rows)
    return Slide(headline, lead, body=table, note=note)


# --- 3. the agencies with the most late dossiers ------------------------------------------------------

def late_slide(rankings: pl.DataFrame, weakest: pl.DataFrame, province_late: int | None,
               province_finished: int | None, period_label: str, province: str | None) -> Slide:
    """Most late dossiers (bars, agencies of the period: `rankings` of queries_targets.ranking_all_groups)
    and beside them the weakest agencies (queries_targets.weakest, the ranking page's rule)."""
    m = METRICS["on_time_rate"]
    if not province_finished:
        return Slide(f"{period_label}: chưa có hồ sơ nào được giải quyết",
                     empty=f"{period_label}: không có hồ sơ nào được giải quyết trong kỳ.")
    if not province_late:
        return Slide(f"{period_label}: không có hồ sơ nào giải quyết trễ hạn",
                     lead=f"{fmt.number(province_finished)} hồ sơ được giải quyết, "
                          "tất cả trước hoặc đúng hạn.")
    late = (rankings.filter(pl.col("finished_late") > 0)
            .sort(["finished_late", "agency_name"], descending=[True, False]).head(BARS))
    worst = late.row(0, named=True)
    share = worst["finished_late"] / province_late
    headline = (f"{short_name(worst['agency_name'], province)} trễ hạn nhiều nhất "
                f"{narrative.in_sentence(period_label)}: "
                f"{fmt.number(worst['finished_late'])} hồ sơ, {fmt.percent(share)} số trễ hạn toàn tỉnh")
    lead = (f"{period_label}: toàn tỉnh {fmt.number(province_late)} hồ sơ giải quyết trễ hạn trên "
            f"{fmt.number(province_finished)} hồ sơ đã giải quyết.")

    shown = late.reverse()  # largest at the top of a horizontal bar chart
    names = [short_name(n, province) for n in shown["agency_name"].to_list()]
    fig = go.Figure(go.Bar(
        x=shown["finished_late"].to_list(), y=names, orientation="h", marker_color=BAD,
        text=[fmt.number(v) for v in shown["finished_late"].to_list()], textposition="outside",
        cliponaxis=False, textfont=dict(size=24, color=INK),
        hovertemplate="%{y}: %{text} hồ sơ trễ hạn<extra></extra>",
    ))
    fig.update_layout(**plot_layout(margin=dict(l=10, r=70, t=50, b=10)),
                      height=max(260, 36 * shown.height + 70),
                      title=dict(text="Số hồ sơ giải quyết trễ hạn", font=dict(size=24)), showlegend=False,
                      xaxis=dict(visible=False, range=[0, max(shown["finished_late"].to_list()) * 1.18]),
                      yaxis=dict(tickfont=dict(size=22), automargin=True))

    lowest = weakest.head(SIDE_ROWS)
    side = ""
    if lowest.height:
        rows = [[esc(short_name(r["agency_name"], province))
                 + f"<br><span class='small'>{esc(fmt.number(r['volume']))} hồ sơ</span>",
                 f"<span class='big'>{esc(fmt.metric_value(m, r['value']))}</span>"]
                for r in lowest.iter_rows(named=True)]
        side = ("<div class='slide-lead'><b>Cuối bảng xếp hạng đúng hạn</b> (đủ số hồ sơ, theo cận dưới "
                "khoảng tin cậy 95%, như trang Xếp hạng)</div>"
                + html_table([("Đơn vị", False), ("Đúng hạn", True)], rows))
    return Slide(headline, lead, figure=fig, side=side)


# --- 4. at risk of missing this year's targets (or, once the year is over, missed) --------------------

def year_is_over(year: int, as_of: dt.date | None) -> bool:
    return as_of is not None and as_of >= dt.date(year, 12, 31)


def at_risk_slide(rows: pl.DataFrame, has_targets: bool, year: int, as_of: dt.date | None,
                  province: str | None) -> Slide:
    """`rows`: queries_targets.at_risk(year) while the year runs, queries_slides.missed_targets(year)
    once it is over (the province's rows first in both)."""
    if not has_targets:
        return Slide(f"Năm {year} chưa có chỉ tiêu kế hoạch",
                     empty=f"Chưa có chỉ tiêu kế hoạch năm {year}, "
                           "nên chưa biết đơn vị nào đạt hay không đạt.")
    over = year_is_over(year, as_of)
    agencies = rows.filter(pl.col("scope") == "agency")
    whole = rows.filter(pl.col("scope") == "province")
    n = agencies["agency_code"].n_unique()
    verdict = "không đạt" if over else "có nguy cơ không đạt"
    if n:
        headline = f"{n} đơn vị {verdict} chỉ tiêu năm {year}"
    elif whole.height:
        headline = f"Toàn tỉnh {verdict} {whole.height} chỉ tiêu năm {year}"
    else:
        headline = f"Năm {year}: không đơn vị nào {verdict} chỉ tiêu"
    value_col, gap_col = ("value", "gap_units") if over else ("projected_value", "year_end_gap_units")
    if over:
        lead = f"Cả năm {year}: đơn vị có ít nhất một chỉ tiêu không đạt."
    else:
        lead = (f"Dự báo cuối năm từ số liệu đến {fmt.date(as_of)}: khối lượng giữ nhịp từ đầu năm, kết quả "
                "theo 3 tháng gần nhất.")
    if whole.height:
        said = "đạt" if over else "dự báo"
        lead += " Toàn tỉnh: " + "; ".join(
            f"{METRICS[r['kpi']].label.lower()} {said} {fmt.metric_value(METRICS[r['kpi']], r[value_col])}, "
            f"chỉ tiêu {comparator_text(r['comparator'])} {target_text(METRICS[r['kpi']], r['target_value'])}"
            for r in whole.iter_rows(named=True)) + "."
    table_rows = [
        [esc(short_name(r["agency_name"], province)), esc(METRICS[r["kpi"]].label),
         f"<span class='big'>{esc(fmt.metric_value(METRICS[r['kpi']], r[value_col]))}</span>",
         f"{comparator_text(r['comparator'])} {esc(target_text(METRICS[r['kpi']], r['target_value']))}",
         esc(components.gap_short(r, gap_col))]
        for r in agencies.head(ROWS).iter_rows(named=True)
    ]
    body, note = "", ""
    if table_rows:
        headers = [("Đơn vị", False), ("Chỉ số", False), ("Cả năm" if over else "Dự báo cuối năm", True),
                   ("Chỉ tiêu", True), ("Chênh lệch", True)]
        body = html_table(headers, table_rows)
        if agencies.height > ROWS:
            note = f"… và {agencies.height - ROWS} trường hợp khác. "
        note += "Chênh lệch: số hồ sơ (lượt) " + (
            "thiếu so với chỉ tiêu tối thiểu, hoặc vượt chỉ tiêu tối đa, của cả năm." if over else
            "phải đạt thêm (thiếu) hoặc phải bớt (vượt) từ nay đến cuối năm để đạt chỉ tiêu.")
    return Slide(headline, lead, body=body, note=note)


# --- 5. progress since the previous period -------------------------------------------------------------

def progress_slide(current: dict, previous: dict | None, period_label: str, previous_label: str | None,
                   rankings: pl.DataFrame, province: str | None) -> Slide:
    """The province's headline KPIs now and their change; the agencies that moved most on the on-time
    rate (ranked in both periods: `value_change` of agg_ranking)."""
    m = METRICS["on_time_rate"]
    if previous is None or previous_label is None:
        return Slide(f"{period_label}: chưa có kỳ trước để so sánh",
                     empty="Đây là kỳ đầu tiên có trong kho dữ liệu, nên chưa so sánh được với kỳ trước.")
    now, before = current.get("on_time_rate"), previous.get("on_time_rate")
    if now is None or before is None:
        headline = f"Tỷ lệ đúng hạn: chưa đủ số liệu để so {period_label} với {previous_label}"
    else:
        delta = now - before
        when = narrative.in_sentence(period_label)
        if round(delta * 1000) == 0:
            headline = f"Tỷ lệ đúng hạn {when} giữ ở {fmt.metric_value(m, now)}"
        else:
            word, to = ("tăng", "lên") if delta > 0 else ("giảm", "xuống")
            headline = (f"Tỷ lệ đúng hạn {when} {word} {points_abs(delta)}: từ {fmt.metric_value(m, before)} "
                        f"{to} {fmt.metric_value(m, now)}")
    lead = f"{period_label} so với {previous_label} (kỳ liền trước cùng loại)."

    rows = []
    for key in HEADLINE:
        km, value, old = METRICS[key], current.get(key), previous.get(key)
        change = fmt.EMPTY
        if value is not None and old is not None:
            d = value - old
            better = (d > 0) == km.higher_is_better
            css = "" if round(d * 1000) == 0 else ("up" if better else "down")
            change = f"<span class='{css}'>{esc(fmt.points(0.0 if not css else d))}</span>"
        rows.append([esc(km.label), f"<b>{esc(fmt.metric_value(km, value))}</b>", change])
    side = html_table([("Chỉ số toàn tỉnh", False), ("Kỳ này", True), ("Thay đổi", True)], rows)

    movers = rankings.filter(pl.col("is_ranked") & pl.col("previous_rank").is_not_null()
                             & pl.col("value_change").is_not_null())
    up = movers.filter(pl.col("value_change") > 0).sort(["value_change", "agency_name"],
                                                        descending=[True, False]).head(5)
    down = movers.filter(pl.col("value_change") < 0).sort(["value_change", "agency_name"]).head(5)
    fig = None
    if up.height + down.height:
        # bottom to top: the largest fall, ..., the largest gain (plotly draws the first bar lowest)
        shown = pl.concat([down, up.reverse()])
        changes = shown["value_change"].to_list()
        names = [short_name(n, province) for n in shown["agency_name"].to_list()]
        fig = go.Figure(go.Bar(
            x=[c * 100 for c in changes], y=list(range(len(changes))), orientation="h",
            marker_color=[GOOD if c > 0 else BAD for c in changes],
            text=[fmt.points(c) for c in changes], textposition="outside", cliponaxis=False,
            textfont=dict(size=22, color=INK), customdata=names,
            hovertemplate="%{customdata}: %{text}<extra></extra>",
        ))
        for i, (name, c) in enumerate(zip(names, changes)):
            # the name sits across zero from its bar, so neither the bars nor the labels overlap
            fig.add_annotation(x=0, y=i, text=esc(name), showarrow=False, font=dict(size=21, color=INK),
                               xanchor="right" if c > 0 else "left", xshift=-10 if c > 0 else 10)
        reach = max(abs(c) for c in changes) * 100 * 2.2
        fig.update_layout(**plot_layout(margin=dict(l=10, r=10, t=50, b=10)),
                          height=max(260, 34 * len(changes) + 70),
                          title=dict(text="Đơn vị thay đổi tỷ lệ đúng hạn nhiều nhất", font=dict(size=24)),
                          showlegend=False, xaxis=dict(visible=False, range=[-reach, reach]),
                          yaxis=dict(visible=False))
    note = "" if fig else "Chưa có đơn vị nào được xếp hạng ở cả hai kỳ để so sánh."
    return Slide(headline, lead, figure=fig, side=side, note=note, split=(1, 1))
