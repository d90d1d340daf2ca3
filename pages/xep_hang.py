"""Xếp hạng: agencies ranked inside their peer group by a KPI.

Reads agg_ranking; the rule and methods are in docs/targets_rankings.md.
"""

import math
from urllib.parse import urlencode

import polars as pl
import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui import components, data, state
from ui.bootstrap import bootstrap
from warehouse import fmt, queries_targets
from warehouse.metrics import METRICS
from warehouse.metrics import metric as registry_metric

PEER_LEVEL = {"department": "department", "central": "central", "district": "district",
              "commune_old": "commune", "commune": "commune"}
MIN_VOLUMES = ["10", "20", "30", "50", "100"]


get = data.getter("queries_targets")


show = fmt.metric_value
change = fmt.metric_change


def agency_params(agency_code: str) -> dict[str, str]:
    return {"don_vi": agency_code, "ky": kind, "ma_ky": key}


def agency_url(agency_code: str) -> str:
    return "/co_quan?" + urlencode(agency_params(agency_code))


def open_agency(agency_code: str) -> None:
    try:
        st.switch_page("pages/co_quan.py", query_params=agency_params(agency_code))
    except StreamlitAPIException:
        # run alone (AppTest) the page knows no other page: offer the link instead
        st.markdown(f"[Mở trang của đơn vị]({agency_url(agency_code)})")


def standing(row: dict) -> str:
    """'Sở X (94,8% · cận dưới Wilson 88,1%)': the plain value beside the score it is ranked by."""
    if not wilson:
        return f"{row['agency_name']} ({show(metric, row['value'])})"
    return f"{row['agency_name']} ({show(metric, row['value'])} · {side} Wilson {fmt.percent(row['score'])})"


def wilson_note(rows: pl.DataFrame, bottom: pl.DataFrame) -> str:
    """Why the foot of the table is not the lowest plain rates: the Wilson rule, and who it moves up."""
    worst = (max if metric.higher_is_better else min)(bottom["value"].to_list())
    poorer = (pl.col("value") < worst) if metric.higher_is_better else (pl.col("value") > worst)
    ahead = rows.filter(~pl.col("agency_code").is_in(bottom["agency_code"].to_list()) & poorer)
    note = (f"Cuối bảng theo thứ hạng, tức theo {side} Wilson (tin cậy {fmt.number(confidence * 100, 0)}%) "
            "của tỷ lệ, không theo tỷ lệ: đơn vị ít hồ sơ có khoảng tin cậy rộng "
            "nên xếp thấp hơn tỷ lệ của nó.")
    if ahead.height:
        note += " " + ("Tỷ lệ kém hơn nhưng xếp trên vì nhiều hồ sơ: " + "; ".join(
            f"{r['agency_name']} ({show(metric, r['value'])}, {fmt.number(r['volume'])} hồ sơ, "
            f"{fmt.number(r['finished_late'])} trễ hạn)" for r in ahead.iter_rows(named=True)) + ".")
    return note


meta = bootstrap("Xếp hạng")
st.title("Xếp hạng cơ quan, đơn vị")

period = components.period_picker(data.get)
if period is None:
    components.empty_state("Kho dữ liệu chưa có hồ sơ nào, nên chưa có gì để xếp hạng.")
    st.stop()
kind, key = period["period_kind"], period["period_key"]

groups = get("ranking_peer_groups", kind, key)
if groups.height == 0:
    components.empty_state(f"{period['period_label']}: không có cơ quan nào có hồ sơ trong kỳ này.")
    st.stop()
group_labels = dict(zip(groups["peer_group"].to_list(), groups["peer_group_label"].to_list()))
kpis = get("ranking_kpis")
metrics = {k: registry_metric(k) for k in kpis["kpi"].to_list()} or dict(METRICS)
c1, c2, c3 = st.columns([2, 2, 1])
peer = state.select("Nhóm so sánh", list(group_labels), "nhom", format_func=group_labels.get, container=c1)
metric_key = state.select("Chỉ số", list(metrics), "chi_so", format_func=lambda k: metrics[k].label,
                          default="on_time_rate", container=c2)
metric = metrics[metric_key]

# the documented rule (ref_ranking_rule) is the default; another minimum re-ranks with the same method
rule = get("ranking_rule", peer, metric_key) or {"min_volume": 30, "method": "wilson", "z": 1.959964}
rule_volume = str(rule["min_volume"])
volumes = sorted(set(MIN_VOLUMES) | {rule_volume}, key=int)
min_volume = int(state.select("Số hồ sơ tối thiểu để xếp hạng", volumes, "toi_thieu", default=rule_volume,
                              container=c3))

ranked = get("ranking", kind, key, peer, metric_key, None if min_volume == rule["min_volume"] else min_volume)
level_targets = data.get("level_targets", period["year"]).filter(
    (pl.col("agency_level") == PEER_LEVEL.get(peer, "")) & (pl.col("kpi") == metric_key)
)
# the level's target as loaded: a floor (>=) or a ceiling (<=), judged by the registry's target_met
target = level_targets.row(0, named=True) if level_targets.height else None

ranked_rows = ranked.filter(pl.col("is_ranked"))
st.subheader(f"{group_labels[peer]} · {metric.label} · {period['period_label']}")
wilson = rule["method"] == "wilson" and metric.bounded
confidence = math.erf(rule["z"] / math.sqrt(2))  # z = 1,96 -> 95%
side = "cận dưới" if metric.higher_is_better else "cận trên"
bound_label = side.capitalize() + f" tin cậy {fmt.number(confidence * 100, 0)}%"
st.caption(
    f"Đơn vị có từ {fmt.number(min_volume)} hồ sơ tính chỉ số trở lên mới được xếp hạng"
    + (f" (quy định: {rule_volume})" if min_volume != rule["min_volume"] else " (theo quy định)") + ". "
    + ("Thứ hạng xếp theo cận " + ("dưới" if metric.higher_is_better else "trên")
       + f" của khoảng tin cậy Wilson {fmt.number(confidence * 100, 0)}% của tỷ lệ, nên đơn vị ít hồ sơ "
         "không vượt lên hay tụt xuống chỉ vì may rủi; " if wilson else "Thứ hạng xếp theo giá trị chỉ số; ")
    + "các đơn vị bằng điểm cùng hạng (1, 1, 3)."
)
if ranked_rows.height == 0:
    components.empty_state(
        f"Không đơn vị nào trong nhóm có từ {min_volume} hồ sơ trở lên cho chỉ số này trong kỳ, "
        "nên chưa xếp hạng."
    )
else:
    median = ranked_rows["peer_median"][0]
    met = components.met_count(ranked_rows["value"].to_list(), target)
    st.markdown(
        f"**{ranked_rows.height}** đơn vị được xếp hạng · trung vị của nhóm **{show(metric, median)}**"
        + ("" if target is None else
           f" · chỉ tiêu {components.target_text(metric, target['comparator'], target['target_value'])}: "
           f"**{met}** đạt, **{ranked_rows.height - met}** chưa đạt")
    )
    if ranked_rows.height >= 6:
        top, bottom = ranked_rows.head(3), ranked_rows.tail(3)
        st.markdown("**Dẫn đầu:** " + "; ".join(standing(r) for r in top.iter_rows(named=True))
                    + "  \n**Cuối bảng:** " + "; ".join(standing(r) for r in bottom.iter_rows(named=True)))
        if wilson:
            st.caption(wilson_note(ranked_rows, bottom))
    chosen = st.plotly_chart(components.ranking_chart(ranked, metric, target), key="ranking_chart",
                             on_select="rerun", selection_mode="points")
    points = chosen.selection.points if chosen else []
    if points:
        # a click on a bar opens that agency's own page for the same period
        open_agency(points[0]["customdata"][0])
    st.caption("Bấm vào một thanh hoặc tên đơn vị để xem trang riêng của đơn vị đó.")

    table = ranked_rows.select(
        pl.col("rank").alias("Hạng"),
        pl.col("rank_change").map_elements(components.rank_move, return_dtype=pl.String).fill_null(fmt.EMPTY)
        .alias("So với kỳ trước"),
        pl.col("agency_name").alias("Cơ quan, đơn vị"),
        pl.col("agency_code").map_elements(agency_url, return_dtype=pl.String).alias("url"),
        pl.col("value").map_elements(lambda v: show(metric, v), return_dtype=pl.String).alias(metric.label),
        pl.col("value_change").map_elements(lambda v: change(metric, v), return_dtype=pl.String)
        .fill_null(fmt.EMPTY).alias("Thay đổi giá trị"),
        *([pl.col("score").map_elements(fmt.percent, return_dtype=pl.String).alias(bound_label)]
          if wilson else []),
        pl.col("percentile").map_elements(lambda v: fmt.percent(v, 0), return_dtype=pl.String)
        .alias("Bách phân vị"),
        pl.col("volume").map_elements(fmt.number, return_dtype=pl.String).alias("Số hồ sơ tính chỉ số"),
        pl.col("finished_late").map_elements(fmt.number, return_dtype=pl.String).alias("Hồ sơ trễ hạn"),
    )
    st.html(components.html_table(
        table, numeric=("Hạng", "So với kỳ trước", metric.label, "Thay đổi giá trị", bound_label,
                        "Bách phân vị", "Số hồ sơ tính chỉ số", "Hồ sơ trễ hạn"),
        links={"Cơ quan, đơn vị": "url"},
    ))
    st.caption(
        "So với kỳ trước: thứ hạng và giá trị so với kỳ liền trước cùng loại (▲ lên hạng, ▼ xuống hạng, "
        "— kỳ trước chưa xếp hạng). Bách phân vị: tỷ lệ các đơn vị khác được xếp hạng trong nhóm "
        "không đứng trên đơn vị (100% = không ai đứng trên)."
    )

unranked = ranked.filter(~pl.col("is_ranked"))
if unranked.height:
    with st.expander(f"{unranked.height} đơn vị chưa đủ {min_volume} hồ sơ nên không xếp hạng"):
        st.caption("Với ít hồ sơ, một hồ sơ trễ làm tỷ lệ thay đổi rất lớn; xếp hạng sẽ không công bằng.")
        st.html(components.html_table(
            unranked.select(
                pl.col("agency_name").alias("Cơ quan, đơn vị"),
                pl.col("value").map_elements(lambda v: show(metric, v), return_dtype=pl.String)
                .fill_null(fmt.EMPTY).alias(metric.label),
                pl.col("volume").map_elements(fmt.number, return_dtype=pl.String).alias("Số hồ sơ"),
                pl.col("unranked_reason").replace_strict(queries_targets.UNRANKED_REASONS, default="")
                .alias("Lý do"),
            ),
            numeric=(metric.label, "Số hồ sơ"),
        ))
