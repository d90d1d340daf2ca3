"""The demo province: complete, realistic in the ways docs/domain.md describes, deterministic."""

import datetime as dt

import polars as pl

from etl import demo
from etl import demo_reference as ref
from warehouse import queries, store

AS_OF = dt.date(2026, 11, 23)


def test_same_seed_same_dossiers_other_seed_other_dossiers():
    agencies = ref.agencies()
    a = demo.generate_dossiers(agencies, seed=3, scale=0.02, as_of=AS_OF)
    b = demo.generate_dossiers(agencies, seed=3, scale=0.02, as_of=AS_OF)
    c = demo.generate_dossiers(agencies, seed=4, scale=0.02, as_of=AS_OF)
    assert a.equals(b)
    assert not a.equals(c)
    assert a["dossier_id"].is_unique().all()


def test_volume_is_about_half_a_million_a_year_at_scale_one():
    frame = demo.generate_dossiers(ref.agencies(), seed=1, scale=0.1, as_of=AS_OF)
    per_year = frame.group_by(pl.col("received_at").dt.year().alias("y")).len()
    full_2025 = per_year.filter(pl.col("y") == 2025)["len"][0] / 0.1
    assert 400_000 <= full_2025 <= 650_000
    assert frame["received_at"].max().date() <= AS_OF
    assert frame["received_at"].min().date() >= dt.date(2024, 1, 1)


def test_demo_warehouse_reconciles_in_every_period(demo_dir):
    r = store.Reader(demo_dir)
    bad = r.query(
        """select period_kind, period_key, agency_code from agg_periodic_report
           where carried_over + received_new <> finished + in_progress
              or finished <> finished_early + finished_on_time + finished_late
              or in_progress <> in_progress_not_due + in_progress_overdue
              or received_new <> received_online + received_direct + received_postal"""
    )
    assert bad.height == 0
    # consecutive months chain: what is open at the end of a month is carried into the next
    chain = r.query(
        """with m as (select period_key, sum(in_progress) open_end, sum(carried_over) carried
                      from agg_periodic_report where period_kind = 'month' group by 1)
           select a.period_key, a.open_end, b.carried from m a join m b
             on b.period_key = strftime(strptime(a.period_key || '-01', '%Y-%m-%d') + interval 1 month,
                                        '%Y-%m')
           where a.open_end <> b.carried"""
    )
    assert chain.height == 0
    r.close()


def test_demo_is_realistic(demo_dir):
    r = store.Reader(demo_dir)
    by_field = r.query(
        """select field_code, avg((finished_class = 'late')::int) late
           from fct_dossier where end_date is not null group by 1"""
    )
    late = dict(zip(by_field["field_code"], by_field["late"]))
    assert late["DD"] > 2 * late["HT"], "land dossiers are late more often than civil-status ones"
    online = queries.province_trend(r, "year")
    shares = online["online_share"].to_list()
    assert shares == sorted(shares), "online share rises year on year"
    agencies = r.query(
        """select agency_code, sum(finished_early + finished_on_time) / sum(finished) on_time,
                  sum(late_with_apology) / nullif(sum(late_apology_known), 0) apology
           from agg_periodic_report where period_kind = 'year' group by 1 having sum(finished) > 200"""
    )
    assert agencies.filter(pl.col("on_time") < 0.96).height >= 3, "some agencies miss the 96% target"
    assert agencies.filter(pl.col("apology") < 0.5).height >= 2, "a few rarely issue apology slips"
    r.close()


def test_apology_slips_come_as_a_loaded_list(demo_dir):
    """The national sync record has no apology field: the demo's dossiers carry none, its slips are a
    list (raw_apology_slip) as a province would load, and that list covers most agencies, so the apology
    rate has a value for them (docs/late.md)."""
    r = store.Reader(demo_dir)
    assert r.query("select count(apology_issued) n from raw_dossier")["n"][0] == 0
    assert r.query("select count(*) n from raw_apology_slip")["n"][0] > 100
    owing = r.query(
        """select agency_code, sum(late_apology_known) known, sum(in_progress_overdue + finished_late) late
           from agg_periodic_report where period_kind = 'year' group by 1 having sum(finished_late) > 0""")
    covered = owing.filter(pl.col("known") > 0)
    assert covered.height >= 0.8 * owing.height, "the list covers most agencies with late dossiers"
    # a covered agency owes a slip for every late dossier, finished or still open and overdue
    assert (covered["known"] == covered["late"]).all()
    r.close()


def test_districts_end_and_new_communes_begin_on_1_july_2025(demo_dir):
    r = store.Reader(demo_dir)
    eras = r.query(
        """select a.peer_group, min(d.received_date) first_day, max(d.received_date) last_day
           from fct_dossier d join dim_agency a using (agency_code) group by 1"""
    )
    spans = {row["peer_group"]: row for row in eras.iter_rows(named=True)}
    assert spans["district"]["last_day"] <= dt.date(2025, 6, 30)
    assert spans["commune_old"]["last_day"] <= dt.date(2025, 6, 30)
    # the new communes receive from 01/07/2025; what they hold from before was handed over by the old
    # districts and communes: dossiers still open there on 30/06/2025 and not yet due, or finished
    # later (the stuck backlog was closed on that day: nothing received in 2024) (etl/demo_handover.py)
    received = r.query(
        """select count(*) filter (d.received_date >= date '2025-07-01') as after,
                  count(*) filter (d.received_date < date '2025-07-01') as handed_over,
                  count(*) filter (d.received_date < date '2025-07-01' and d.end_date <= date '2025-06-30')
                      as closed_before
           from fct_dossier d join dim_agency a using (agency_code) where a.peer_group = 'commune'"""
    ).row(0, named=True)
    assert received["after"] > 0 and received["handed_over"] > 0 and received["closed_before"] == 0
    assert spans["commune"]["first_day"] >= dt.date(2025, 1, 1)
    left = r.query(
        """select count(*) filter (d.end_date is null) as still_open,
                  count(distinct d.agency_code) filter (d.end_date is not null) as sloppy_agencies,
                  any_value(a.agency_level) filter (d.end_date is not null) as sloppy_level
           from fct_dossier d join dim_agency a using (agency_code)
           where a.valid_to is not null and (d.end_date is null or d.end_date > a.valid_to)"""
    ).row(0, named=True)
    assert left["still_open"] == 0, "no dossier stays open under an agency that no longer exists"
    # one district migrated sloppily: it finished some of its June dossiers under its own code, and
    # the integrity check shows them
    assert (left["sloppy_agencies"], left["sloppy_level"]) == (1, "district")
    flagged = r.query("select count(distinct agency_code) as n from fct_integrity_issue "
                      "where check_key = 'ceased_agency_open'")["n"][0]
    assert flagged == 1
    targets = r.query("select distinct year from ref_plan_target order by 1")["year"].to_list()
    assert targets == [2024, 2025, 2026]
    r.close()


def test_demo_agencies_serve_real_units_of_the_province(demo_dir):
    r = store.Reader(demo_dir)
    missing = r.query(
        """select agency_code from dim_agency
           where unit_code is null or province_code <> '22' or unit_label is null"""
    )
    assert missing.height == 0
    counts = r.query("select peer_group, count(*) n from dim_agency group by 1")
    n = dict(zip(counts["peer_group"], counts["n"]))
    # Quảng Ninh: 13 districts and 171 communes until 30/06/2025, 54 communes since
    assert (n["district"], n["commune_old"], n["commune"]) == (13, 171, 54)
    r.close()


def test_dossiers_are_received_only_on_working_days_of_the_official_calendar(demo_dir):
    """No demo dossier is received on a day off of the calendar in force, which is the package's
    with the repo's override loaded: Tết 2025 (27-31/01), 30/04-02/05/2025, 02/01/2026 (the
    override's swap) and 01/01/2024 (New Year, the demo's first day) receive nothing."""
    r = store.Reader(demo_dir)
    on_days_off = r.query(
        """select count(*) as n from raw_dossier as d
           join dim_official_day as o on o.day = d.received_at::date
           where o.kind = 'nghỉ'""")["n"][0]
    assert on_days_off == 0
    days = set(r.query("select distinct received_at::date as day from raw_dossier")["day"].to_list())
    for off in ("2024-01-01", "2025-01-27", "2025-01-31", "2025-04-30", "2025-05-02", "2026-01-02"):
        assert dt.date.fromisoformat(off) not in days, off
    # the ordinary working days around them do receive (the test would pass on an empty demo otherwise)
    for worked in ("2024-01-02", "2025-02-03", "2025-05-05", "2026-01-05"):
        assert dt.date.fromisoformat(worked) in days, worked
    # the override file is loaded into the demo as `etl load` would, and in force
    assert r.query("select count(*) as n from load_log "
                   "where kind = 'calendar' and status = 'ok'")["n"][0] == 1
    assert r.query("select kind, source from dim_official_day where day = '2026-01-10'").rows() == [
        ("làm bù", "override")]
    r.close()


def test_days_off_are_left_out_by_the_generator():
    """generate_dossiers with days_off receives nothing on them; without, Mon-Fri all receive."""
    agencies = ref.agencies()
    off = [dt.date(2024, 1, 1), dt.date(2024, 2, 8), dt.date(2024, 2, 9)]
    frame = demo.generate_dossiers(agencies, seed=3, scale=0.02, as_of=dt.date(2024, 2, 29), days_off=off)
    days = set(frame["received_at"].dt.date().to_list())
    assert not days & set(off)
    assert all(d.isoweekday() <= 5 for d in days)
    plain = set(demo.generate_dossiers(agencies, seed=3, scale=0.02, as_of=dt.date(2024, 2, 29))
                ["received_at"].dt.date().to_list())
    assert set(off) <= plain


def test_demo_closes_and_processes_on_working_days_of_the_official_calendar(demo_dir):
    """What the demo's misreporting agencies do falls on working days too: the bulk closures moved
    to a period's last working days (for April 2025 those are Sat 26/04 worked, Mon 28/04 and Tue
    29/04, never Wed 30/04), the due dates moved and the processing steps. No dossier is finished
    and no step acted on a weekday off of the calendar in force; and the first department closes
    in bulk in the last 3 working days of months (the check finds it)."""
    r = store.Reader(demo_dir)
    finished_off = r.query(
        """select count(*) as n from raw_dossier as d
           join dim_official_day as o on o.day = d.finished_at::date and o.kind = 'nghỉ'""")["n"][0]
    steps_off = r.query(
        """select count(*) as n from raw_dossier_step as s
           join dim_official_day as o on o.day = s.acted_at::date and o.kind = 'nghỉ'""")["n"][0]
    history_due_off = r.query(
        """select count(*) as n from raw_dossier_history as h
           join dim_official_day as o on o.day = h.due_at::date and o.kind = 'nghỉ'""")["n"][0]
    assert (finished_off, steps_off, history_due_off) == (0, 0, 0)
    # the tests above would pass on an empty demo: there are closures, steps and bulk closures
    assert r.query("select count(*) as n from raw_dossier_step")["n"][0] > 0
    assert r.query("select count(*) as n from fct_integrity_issue "
                   "where check_key = 'bulk_closure'")["n"][0] > 0
    r.close()
