"""Screen pieces of the "Cơ quan của tôi" page (pages/co_quan.py): a target card in words, the
standing table, the late dossiers by field, the dossier listings and their Excel file, links."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from ui import components
from warehouse import fmt, queries_targets
from warehouse.metrics import METRICS, Metric
from warehouse.metrics import metric as registry_metric

# the gap as work to do (components owns the wording, the overview says it the same way)
NUMERATOR_NOUNS = components.NUMERATOR_NOUNS
gap_words = components.gap_words

SCORE_766 = queries_targets.SCORE_766


# --- agencies ----------------------------------------------------------------------------------------

def agency_label(row: dict) -> str:
    """The name as picked from a list; old and new communes can share a name, so say which."""
    if row["valid_to"] is not None:
        return f"{row['agency_name']} (đến {fmt.date(row['valid_to'])})"
    if row["valid_from"] is not None:
        return f"{row['agency_name']} (từ {fmt.date(row['valid_from'])})"
    return row["agency_name"]


def lifetime_note(agency: dict, period: dict, successors: pl.DataFrame) -> str | None:
    """Why an agency may have no figures in a period: it ended (the old districts and communes on
    30/06/2025), or it had not begun yet; None for an agency active throughout the period."""
    valid_from, valid_to = agency["valid_from"], agency["valid_to"]
    parts = []
    if valid_to is not None:
        ended = valid_to + dt.timedelta(days=1)
        parts.append(f"Đơn vị đã kết thúc hoạt động từ {fmt.date(ended)} "
                     f"(số liệu của đơn vị đến hết ngày {fmt.date(valid_to)}).")
        if successors.height:
            names = ", ".join(successors["agency_name"].to_list())
            parts.append(f"Địa bàn của đơn vị nay thuộc: {names}.")
    elif valid_from is not None and valid_from > period["start_date"]:
        parts.append(f"Đơn vị bắt đầu hoạt động từ {fmt.date(valid_from)}.")
    return " ".join(parts) or None


def ceased_words(ceased: dict | None) -> str | None:
    """The dossiers an agency that ceased did not hand over (queries_agency.ceased), and who should
    have them; None when there are none."""
    if not ceased or not (ceased["still_open"] or ceased["finished_after"]):
        return None
    parts = []
    if ceased["still_open"]:
        overdue = f" ({fmt.number(ceased['still_overdue'])} quá hạn)" if ceased["still_overdue"] else ""
        parts.append(f"**{fmt.number(ceased['still_open'])}** hồ sơ vẫn chưa kết thúc tại ngày số liệu "
                     f"{fmt.date(ceased['as_of'])}{overdue}")
    if ceased["finished_after"]:
        parts.append(f"**{fmt.number(ceased['finished_after'])}** hồ sơ kết thúc sau ngày đó "
                     "dưới mã của đơn vị")
    heir = (f"cần được chuyển cho cơ quan kế thừa: **{ceased['successor_display']}**"
            if ceased["successor_display"] else "chưa xác định được cơ quan kế thừa")
    ended = fmt.date(ceased["ended_on"])
    return (f"{ceased['agency_display']} đã giải thể (hoạt động đến hết ngày {ended}), nhưng "
            + "; ".join(parts) + f": các hồ sơ này {heir}.")


# --- plan targets --------------------------------------------------------------------------------------

def projection_words(metric: Metric, row: dict) -> str:
    """The year-end projection, and how far it misses at the projected volume."""
    if row["is_final"]:
        return f"Kết quả đã chốt: **{fmt.metric_value(metric, row['value'])}**"
    if row["projected_value"] is None:
        return "Dự báo cuối năm: chưa đủ số liệu"
    text = f"Dự báo cuối năm: **{fmt.metric_value(metric, row['projected_value'])}**"
    if row["is_at_risk"] and row["year_end_gap_units"]:
        noun = components.numerator_noun(row["kpi"])
        missing = "thiếu" if row["comparator"] == ">=" else "vượt"
        text += f", {missing} khoảng {fmt.number(row['year_end_gap_units'])} {noun}"
    return text


def target_card(container, row: dict) -> None:
    """One KPI against the agency's own target for the year: value so far, met or not, the gap,
    the year-end projection and what the rest of the year must reach."""
    metric = METRICS[row["kpi"]]
    value = row["value"]
    container.metric(metric.label, fmt.metric_value(metric, value), help=metric.description, border=True)
    goal = components.target_text(metric, row["comparator"], row["target_value"])
    own = " (riêng của đơn vị)" if row["is_agency_specific"] else ""
    if value is None:
        badge = "<span class='badge-warn'>Chưa có số liệu</span>"
    else:
        label, css = components.TARGET_STATES[components.target_state(row)]
        badge = f"<span class='{css}'>{label}</span>"
    lines = [f"{badge} · Chỉ tiêu {goal}{own}"]
    if value is not None:
        so_far = (fmt.metric_value(metric, row["numerator"]) if metric.is_count
                  else f"{fmt.number(row['numerator'])} / {fmt.number(row['denominator'])}")
        lines.append(f"{so_far} · {gap_words(row)}")
    lines.append(projection_words(metric, row))
    rest = components.required_rest_of_year(metric, row)
    if rest != fmt.EMPTY:
        lead = "Các tháng còn lại của năm" + (": " if metric.is_count else " cần đạt: ")
        lines.append(f"{lead}**{rest}**")
    container.markdown("  \n".join(lines), unsafe_allow_html=True)


# --- standing among peers ------------------------------------------------------------------------------

def show_value(kpi: str, value) -> str:
    if value is None:   # nothing behind the KPI in the period (docs/inputs.md), never 0
        return components.NO_DATA
    return fmt.metric_value(registry_metric(kpi), value)


def rank_delta(rank_change) -> str | None:
    """The move in rank for a card: '+2 bậc' (up, shown green), '-1 bậc' (down, red)."""
    if rank_change is None:
        return None
    if rank_change == 0:
        return "Giữ nguyên hạng"
    return f"{rank_change:+d} bậc so với kỳ trước"


def unranked_words(row: dict) -> str:
    reason = row["unranked_reason"]
    if reason is None:
        return ""
    words = queries_targets.UNRANKED_REASONS.get(reason, reason)
    if reason == "below_min_volume":
        words += f" ({fmt.number(row['volume'])}/{fmt.number(row['min_volume'])})"
    return words


def standing_table(rankings: pl.DataFrame) -> pl.DataFrame:
    """One row per KPI: the agency's value in the period, its rank x/y in the peer group, the change
    from the previous period, its percentile and the group's median, or why it is not ranked."""
    rows = []
    for r in rankings.filter(pl.col("kpi").is_in(list(METRICS) + [SCORE_766])).iter_rows(named=True):
        kpi = r["kpi"]
        ranked = bool(r["is_ranked"])
        rows.append({
            "Chỉ số": r["label"],
            "Giá trị trong kỳ": show_value(kpi, r["value"]),
            "Hạng trong nhóm": f"{r['rank']}/{r['ranked_count']}" if ranked else fmt.EMPTY,
            "So với kỳ trước": components.rank_move(r["rank_change"]) if ranked else fmt.EMPTY,
            "Bách phân vị": fmt.percent(r["percentile"], 0) if ranked else fmt.EMPTY,
            "Trung vị của nhóm": show_value(kpi, r["peer_median"]),
            "Ghi chú": unranked_words(r),
        })
    return pl.DataFrame(rows, schema={c: pl.String for c in [
        "Chỉ số", "Giá trị trong kỳ", "Hạng trong nhóm", "So với kỳ trước", "Bách phân vị",
        "Trung vị của nhóm", "Ghi chú"]})


def groups_table(groups: pl.DataFrame) -> pl.DataFrame:
    """The six groups of the 766 index: points, maximum, points lost (what can be won back)."""
    return groups.select(
        pl.col("group_label").alias("Nhóm tiêu chí"),
        # a group none of whose indicators has input: "Không có dữ liệu", never 0 nor full marks
        pl.col("points").map_elements(lambda v: fmt.number(v, 2), return_dtype=pl.String)
        .fill_null(components.NO_DATA).alias("Điểm"),
        pl.col("max_points").map_elements(lambda v: fmt.number(v, 1), return_dtype=pl.String).alias("Tối đa"),
        pl.col("points_lost").map_elements(lambda v: fmt.number(v, 2), return_dtype=pl.String)
        .alias("Điểm bị mất"),
        pl.when(pl.col("indicators_no_data") > 0)
        .then(pl.format("{} chỉ tiêu không có dữ liệu", pl.col("indicators_no_data")))
        .otherwise(pl.lit("")).alias("Ghi chú"),
    )


def fix_first(indicators: pl.DataFrame, top: int = 3) -> list[str]:
    """The indicators that lose the most points, as things to do."""
    lines = []
    for r in indicators.filter(pl.col("points_lost") > 0.005).head(top).iter_rows(named=True):
        text = f"**{r['indicator_label']}** ({r['group_label']}): mất {fmt.number(r['points_lost'], 2)} điểm"
        if r["needed"]:
            text += f"; cần thêm {fmt.number(r['needed'])} {r['numerator_label']} để đạt tối đa"
        lines.append(text)
    return lines


# --- late dossiers by field and procedure --------------------------------------------------------------

def with_late(frame: pl.DataFrame) -> pl.DataFrame:
    """Late in the period as the late list counts them: finished late in it, or open and overdue at
    its evaluation date; with each row's share of the agency's late dossiers."""
    late = frame.with_columns((pl.col("finished_late") + pl.col("in_progress_overdue")).alias("late"))
    total = late["late"].sum()
    share = pl.col("late") / total if total else pl.lit(None, pl.Float64)
    return late.with_columns(share.alias("late_share_of_agency"))


def late_by_field_chart(fields: pl.DataFrame) -> go.Figure:
    """Late dossiers per field (bars, largest at the top), labelled with the share of the agency's."""
    rows = fields.filter(pl.col("late") > 0).sort("late")
    labels = [f"{fmt.number(n)} · {fmt.percent(s)}" for n, s in
              zip(rows["late"].to_list(), rows["late_share_of_agency"].to_list())]
    fig = go.Figure(go.Bar(
        x=rows["late"].to_list(), y=rows["field_name"].to_list(), orientation="h",
        marker_color=components.BAD, text=labels, textposition="outside", cliponaxis=False,
        hovertemplate="%{y}<br>%{x:,.0f} hồ sơ trễ hạn<extra></extra>",
    ))
    high = max(rows["late"].to_list() or [1])
    fig.update_layout(**components.PLOT_LAYOUT | {"margin": dict(l=10, r=60, t=40, b=10)},
                      title="Hồ sơ trễ hạn theo lĩnh vực (số hồ sơ · tỷ trọng trong số trễ hạn của đơn vị)",
                      height=max(260, 34 * rows.height + 100), showlegend=False,
                      xaxis=dict(tickformat=",.0f", range=[0, high * 1.3]), yaxis=dict(automargin=True))
    return fig


def procedures_table(procedures: pl.DataFrame, fields: pl.DataFrame, top: int = 10) -> pl.DataFrame:
    names = dict(zip(fields["field_code"].to_list(), fields["field_name"].to_list()))
    rows = (procedures.filter(pl.col("late") > 0)
            .sort(["late", "procedure_code"], descending=[True, False]).head(top))
    return rows.select(
        pl.col("procedure_name").fill_null(fmt.EMPTY).alias("Thủ tục"),
        pl.col("field_code").replace_strict(names, default=None).fill_null(pl.col("field_code"))
        .fill_null(fmt.EMPTY).alias("Lĩnh vực"),
        components.text_col("late", "Hồ sơ trễ hạn"),
        pl.col("late_share_of_agency").map_elements(fmt.percent, return_dtype=pl.String).alias("Tỷ trọng"),
        components.text_col("finished", "Đã giải quyết"),
        pl.col("on_time_rate").map_elements(fmt.percent, return_dtype=pl.String).fill_null(fmt.EMPTY)
        .alias("Tỷ lệ đúng hạn"),
    )


# --- dossier listings and Excel --------------------------------------------------------------------------

# --- links and the URL ------------------------------------------------------------------------------------

def page_url(page: str, params: dict[str, str]) -> str:
    """A relative link (it also works under a base path) to another page's view."""
    return f"{page}?{urlencode(params)}"


def link(page: str, label: str, params: dict[str, str]) -> None:
    """A plain link: the other page opens as a fresh load of its URL, the same as a link pasted into
    a message, and can be opened in a new tab."""
    st.markdown(components.link_cell(page_url(page, params), label), unsafe_allow_html=True)
