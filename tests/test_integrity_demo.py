"""Reporting-integrity checks (docs/integrity.md) on the demo warehouse: it exhibits every issue,
concentrated in a few agencies, and the same seed gives the same issues.
"""

import datetime as dt

import polars as pl

from warehouse import build, store
from warehouse import queries_integrity as qi

# --------------------------------------------------------------------------------------------
# 4. The demo warehouse exhibits every issue, concentrated in a few agencies
# --------------------------------------------------------------------------------------------

def test_demo_exhibits_every_issue_in_a_few_agencies(demo_dir):
    r = store.Reader(demo_dir)
    per_check = r.query(
        """select check_key, count(*) as n, count(distinct agency_code) as agencies
           from fct_integrity_issue group by 1"""
    )
    found = dict(zip(per_check["check_key"], per_check["n"]))
    assert set(found) == set(qi.checks(r)["check_key"])
    assert all(n >= 10 for n in found.values()), found
    # the serious ones sit in a few agencies: the top five hold most of them
    top = r.query(
        """with a as (select agency_code, count(*) n from fct_integrity_issue
                      where check_key in ('closed_no_result', 'due_moved_no_supplement', 'bulk_closure')
                      group by 1)
           select sum(n) filter (where rk <= 5) / sum(n) as share
           from (select *, row_number() over (order by n desc) rk from a)"""
    )["share"][0]
    assert top > 0.8
    # agg_integrity adds up to the issues of each year
    check = r.query(
        """select p.period_key,
                  (select count(*) from fct_integrity_issue i
                   where year(i.event_date) = p.year and coalesce(i.period_basis, 'month') = 'month') as fct,
                  (select sum(issues) from agg_integrity a
                   where a.period_kind = 'year' and a.period_key = p.period_key) as agg
           from dim_period p where p.period_kind = 'year'"""
    )
    assert check.filter(pl.col("fct") != pl.col("agg").fill_null(0)).height == 0
    assert r.query("select count(*) n from raw_dossier_step")["n"][0] > 0
    assert r.query("select count(*) n from quarantine where reason = 'ngày không hợp lệ'")["n"][0] > 0
    r.close()


def test_demo_integrity_is_deterministic_for_a_seed():
    """The same seed gives the same changed dossiers, history, steps and quarantine; another seed others."""
    import duckdb

    from etl import demo, demo_integrity
    from etl import demo_reference as ref

    agencies = ref.agencies()
    as_of = dt.date(2026, 11, 23)
    dossiers = demo.generate_dossiers(agencies, seed=3, scale=0.01, as_of=as_of)

    def run(seed: int) -> dict[str, pl.DataFrame]:
        con = duckdb.connect()
        store.configure(con)
        build.create_schema(con)
        build.insert_frame(con, "ref_agency", agencies.drop("demo_key"))
        build.insert_frame(con, "raw_dossier", dossiers)
        demo_integrity.add_integrity_issues(con, dossiers, agencies, seed=seed, as_of=as_of, load_id="demo")
        out = {t: con.sql(f"select * from {t} order by all").pl()
               for t in ("raw_dossier", "raw_dossier_history", "raw_dossier_step", "quarantine")}
        con.close()
        return out

    a, b, c = run(3), run(3), run(4)
    assert all(a[t].equals(b[t]) for t in a)
    assert not a["raw_dossier_history"].equals(c["raw_dossier_history"])
    assert min(a[t].height for t in a) > 0
