"""Properties of the Decision 766 index over random inputs (dossiers, procedures, PAKN, ratings, built
in memory): each group within its maximum, the total their sum, indicators within their maxima, and
the PAKN summary reconciling like the periodic report.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import dossier
from tests.score766_fixtures import MemoryWarehouse, pakn, rating

DAY0 = dt.date(2025, 1, 1)


@st.composite
def inputs(draw):
    procs = [(f"P{i}", f"Thủ tục {i}", "F1", draw(st.sampled_from([None, 0, 1, 2])),
              draw(st.sampled_from([None, True, False])), draw(st.sampled_from([None, True, False])),
              draw(st.sampled_from([None, True, False]))) for i in range(3)]
    rows = []
    for i in range(draw(st.integers(0, 25))):
        received = DAY0 + dt.timedelta(days=draw(st.integers(0, 90)))
        status = draw(st.sampled_from([2, 4, 5, 7, 8, 9, 10]))
        finished = received + dt.timedelta(days=draw(st.integers(0, 30))) if status in (7, 9, 10) else None
        rows.append(dossier(
            f"D{i}", received.isoformat(),
            (received + dt.timedelta(days=draw(st.integers(0, 15)))).isoformat(),
            None if finished is None else finished.isoformat(), agency=draw(st.sampled_from(["A", "B"])),
            status=status, channel=draw(st.sampled_from([1, 2, 3])), supplements=draw(st.integers(0, 2)),
            procedure_code=draw(st.sampled_from(["P0", "P1", "P2", "PX"])), has_fee=draw(st.booleans()),
            paid_online=draw(st.sampled_from([None, 1, 2])), digitised=draw(st.booleans()),
            electronic_result=draw(st.booleans())))
    complaints = []
    for i in range(draw(st.integers(0, 6))):
        received = DAY0 + dt.timedelta(days=draw(st.integers(0, 90)))
        resolved = draw(st.one_of(st.none(), st.integers(0, 30)))
        complaints.append(pakn(f"K{i}", draw(st.sampled_from(["A", "B", "C"])), received.isoformat(),
                               (received + dt.timedelta(days=draw(st.integers(0, 20)))).isoformat(),
                               None if resolved is None
                               else (received + dt.timedelta(days=resolved)).isoformat(),
                               draw(st.sampled_from([None, True, False]))))
    rates = [rating(f"R{i}", None, draw(st.sampled_from(["A", "B"])),
                    (DAY0 + dt.timedelta(days=draw(st.integers(0, 90)))).isoformat(), draw(st.integers(1, 5)))
             for i in range(draw(st.integers(0, 6)))]
    return rows, procs, complaints, rates


@settings(max_examples=20, deadline=None)
@given(data=inputs())
def test_groups_within_their_maximum_and_the_total_is_their_sum(data):
    rows, procs, complaints, rates = data
    reader = MemoryWarehouse("2025-04-30", dossiers=rows, procedures=procs, pakn_rows=complaints,
                             ratings=rates,
                             agencies=[("A", "Đơn vị A", "department"), ("B", "Đơn vị B", "commune")])
    try:
        maxima = dict(reader.query("select group_key, max_points from ref_766_group").rows())
        cols = {g: f"points_{g}" for g in maxima}
        scores = reader.query("select * from agg_score_766")
        assert scores.height > 0
        for row in scores.iter_rows(named=True):
            groups = {g: row[c] for g, c in cols.items()}
            for g, value in groups.items():
                assert value is None or -1e-9 <= value <= maxima[g] + 1e-9, (g, value)
            present = [v for v in groups.values() if v is not None]
            if present:
                assert row["total_points"] == pytest.approx(sum(present))
            else:
                assert row["total_points"] is None
            assert row["total_points"] is None or row["total_points"] <= row["attainable_points"] + 1e-9
            assert 0 <= row["attainable_points"] <= row["max_points"] == 100
            assert row["points_lost"] == pytest.approx(row["attainable_points"] - (row["total_points"] or 0))
        ind = reader.query("select * from agg_score_766_indicator")
        scored = ind.filter(pl.col("has_data"))
        assert ((scored["points"] >= 0) & (scored["points"] <= scored["max_points"] + 1e-9)).all()
        unscored = ind.filter(~pl.col("has_data"))
        assert unscored["points"].null_count() == unscored.height
        ratios = scored["ratio"].drop_nulls()
        assert ((ratios >= 0) & (ratios <= 1)).all()
        # the PAKN summary reconciles like the periodic report
        pk = reader.query("select * from agg_pakn_rating")
        if pk.height:
            handled = pk["pakn_carried_over"] + pk["pakn_received_new"]
            assert (handled == pk["pakn_resolved"] + pk["pakn_open"]).all()
            assert (pk["pakn_total"] == pk["pakn_resolved"] + pk["pakn_open"]).all()
            assert (pk["pakn_on_time"] <= pk["pakn_total"]).all()
    finally:
        reader.close()
